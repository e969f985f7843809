#!/usr/bin/env node
// Execution-funnel benchmark: what execution checks do to the generate funnel. The same scripted run
// (the llm-sim scripted model, in this process, with a share of samples whose tests expect a wrong
// value) goes through `tidepool generate` twice into fresh folders: --no-execute, then --execute (the
// bubblewrap sandbox). Per mode and task: units, accepted, accept rate, executions per verdict, skip
// reasons, and the wall time of each run. The sandbox must work here (`tidepool doctor`).
// Usage: node bench/exec-funnel.mjs [--rows 60] [--wrong-test-rate 0.2] [--exec-concurrency 2] [--no-write]
// Writes bench/results/exec-funnel.json and bench/results/exec-funnel.md.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { describeMachine } from './lib/machine.mjs';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '60' },
    'wrong-test-rate': { type: 'string', default: '0.2' },
    'exec-concurrency': { type: 'string', default: '2' },
    'no-write': { type: 'boolean', default: false },
  },
});
const rows = Number(values.rows);
const wrongTestRate = Number(values['wrong-test-rate']);
const execConcurrency = Number(values['exec-concurrency']);

const root = new URL('..', import.meta.url).pathname;
const cli = join(root, 'bin', 'tidepool.js');
if (!existsSync(join(root, 'dist', 'devkit', 'llm-sim', 'server.js'))) throw new Error('dist/ missing: run `npm run build` first');
const { startLlmServer } = await import(join(root, 'dist', 'devkit', 'llm-sim', 'server.js'));
const { scriptedModel } = await import(join(root, 'dist', 'devkit', 'llm-sim', 'scripted-model.js'));
const { writeCoreset } = await import(join(root, 'dist', 'store', 'coreset.js'));
const { probeSandbox } = await import(join(root, 'dist', 'exec', 'index.js'));

const probe = await probeSandbox();
if (!probe.ok) throw new Error(`the sandbox cannot run here: ${probe.reason}`);

/** Rows cycling through Python, JavaScript and Go (Go: not executed, counted as skipped). */
const SNIPPETS = {
  python: (i) => `def scale_${i}(values, factor):\n    result = []\n    for value in values:\n        if value > ${i % 7}:\n            result.append(value * factor)\n    return result\n`,
  javascript: (i) => `function countWords${i}(text) {\n  const words = text.split(/\\s+/);\n  let total = 0;\n  for (const word of words) {\n    if (word.length > ${i % 5}) total += 1;\n  }\n  return total;\n}\n`,
  go: (i) => `func sumEven${i}(values []int) int {\n\ttotal := 0\n\tfor _, v := range values {\n\t\tif v%2 == 0 && v > ${i % 3} {\n\t\t\ttotal += v\n\t\t}\n\t}\n\treturn total\n}\n`,
};

async function writeFixture(dir, count) {
  const languages = Object.keys(SNIPPETS);
  const fixture = Array.from({ length: count }, (_, i) => {
    const language = languages[i % languages.length];
    return { rowId: 1000 + i, language, docstring: `Helper ${i}.`, code: SNIPPETS[language](i) };
  });
  const data = join(dir, 'ingest');
  const coreset = join(dir, 'select');
  mkdirSync(data, { recursive: true });
  mkdirSync(coreset, { recursive: true });
  const table = tableFromArrays({
    row_id: BigInt64Array.from(fixture.map((row) => BigInt(row.rowId))),
    language: fixture.map((row) => row.language),
    docstring: fixture.map((row) => row.docstring),
    code: fixture.map((row) => row.code),
  });
  writeFileSync(join(data, 'pairs.arrow'), tableToIPC(table, 'file'));
  const ids = fixture.map((row) => row.rowId);
  await writeCoreset(join(coreset, 'coreset.arrow'), ids, ids.map((_, rank) => 1 / (rank + 1)));
  return { data, coreset };
}

function runCli(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, OPENAI_API_KEY: 'bench' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(stdout.trim().split('\n').at(-1))) : reject(new Error(`generate exited ${code}: ${stderr}`))));
  });
}

const dir = mkdtempSync(join(tmpdir(), 'tidepool-exec-funnel-'));
const server = await startLlmServer({ respond: scriptedModel({ wrongTestRate }), recordRequests: false });
const load = { before: loadavg() };
const runs = [];
try {
  const fixture = await writeFixture(dir, rows);
  for (const mode of ['codeocean', 'oss-instruct']) {
    for (const execute of [false, true]) {
      const out = join(dir, `${mode}-${execute ? 'on' : 'off'}`);
      const started = performance.now();
      const summary = await runCli(['generate', '--data', fixture.data, '--coreset', fixture.coreset, '--out', out, '--model', 'scripted', '--base-url', server.baseURL,
        '--mode', mode, '--concurrency', '16', execute ? '--execute' : '--no-execute', '--exec-concurrency', String(execConcurrency), '--json', '--quiet']);
      const seconds = (performance.now() - started) / 1000;
      const funnel = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).counts.funnel;
      runs.push({ mode, execute, seconds, units: summary.units, accepted: summary.accepted, tasks: summary.tasks, execution: summary.execution, funnelExecution: funnel.execution ?? {}, skipped: funnel.skipped ?? {}, reasons: funnel.reasons });
      process.stderr.write(`${mode} execute=${execute}: ${summary.accepted}/${summary.units} accepted in ${seconds.toFixed(1)} s\n`);
    }
  }
} finally {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
load.after = loadavg();

const machine = describeMachine();
const result = { benchmark: 'exec-funnel', date: new Date().toISOString(), machine, sandbox: `bubblewrap ${probe.version}`, loadAverage: load, rows, wrongTestRate, execConcurrency, runs };

const pct = (part, whole) => (whole === 0 ? '-' : `${((100 * part) / whole).toFixed(1)}%`);
const lines = [
  '# Execution funnel: generate with execution checks off vs on',
  '',
  `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}; sandbox bubblewrap ${probe.version}.`,
  `Load average (1/5/15 min) before: ${load.before.map((n) => n.toFixed(2)).join(' / ')}, after: ${load.after.map((n) => n.toFixed(2)).join(' / ')} (a shared machine: the wall times are indicative only).`,
  `Workload: ${rows} coreset rows (Python, JavaScript, Go in turn), the scripted model (src/devkit/llm-sim) with its default flaws plus ${pct(wrongTestRate, 1)} of samples whose tests expect a wrong value; --concurrency 16, --exec-concurrency ${execConcurrency}. Command: \`node bench/exec-funnel.mjs --rows ${rows} --wrong-test-rate ${wrongTestRate} --exec-concurrency ${execConcurrency}\`.`,
  '',
  '| mode | task | units | accepted (off) | accepted (on) | accept % off | accept % on | executed: passed / failed / timeout / crashed / skipped |',
  '|---|---|---:|---:|---:|---:|---:|---|',
];
for (const mode of ['codeocean', 'oss-instruct']) {
  const off = runs.find((run) => run.mode === mode && !run.execute);
  const on = runs.find((run) => run.mode === mode && run.execute);
  for (const task of Object.keys(on.tasks).sort()) {
    const verdicts = {};
    for (const [key, counts] of Object.entries(on.funnelExecution)) {
      if (!key.startsWith(`${task}/`)) continue;
      for (const [verdict, count] of Object.entries(counts)) verdicts[verdict] = (verdicts[verdict] ?? 0) + count;
    }
    const executed = ['passed', 'failed', 'timeout', 'crashed', 'skipped'].map((verdict) => verdicts[verdict] ?? 0).join(' / ');
    const units = on.tasks[task].units;
    lines.push(`| ${mode} | ${task} | ${units} | ${off.tasks[task].accepted} | ${on.tasks[task].accepted} | ${pct(off.tasks[task].accepted, units)} | ${pct(on.tasks[task].accepted, units)} | ${Object.keys(verdicts).length === 0 ? 'not executed (no tests)' : executed} |`);
  }
  lines.push(`| ${mode} | **all** | ${on.units} | ${off.accepted} | ${on.accepted} | ${pct(off.accepted, off.units)} | ${pct(on.accepted, on.units)} | wall ${off.seconds.toFixed(1)} s off, ${on.seconds.toFixed(1)} s on; ${on.execution.ran} sandbox runs |`);
}
lines.push('', 'Skip reasons with execution on: ' + runs.filter((run) => run.execute).map((run) => `${run.mode}: ${Object.entries(run.skipped).map(([key, n]) => `${key} x${n}`).join(', ') || 'none'}`).join('; ') + '.');
lines.push('', 'The scripted discriminator rejects a hash-chosen share of the prompts it sees, and with execution on its prompt shows the result, so its own rejections fall on other samples than with execution off: compare the rates, not sample by sample. Wall times include the sandbox runs (2 at once) on a loaded machine.');
lines.push('', 'Execution rejects a sample whose own tests fail (`execution_failed`, `execution_timeout`, `execution_crashed`) before the discriminator is asked; Go samples are counted as skipped (`language_unsupported`) and judged as before. Summarization and translation samples carry no tests and are not executed.');
const markdown = `${lines.join('\n')}\n`;
process.stdout.write(markdown);
if (!values['no-write']) {
  writeFileSync(join(root, 'bench', 'results', 'exec-funnel.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(root, 'bench', 'results', 'exec-funnel.md'), markdown);
}
