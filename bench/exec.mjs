#!/usr/bin/env node
// Execution-check benchmark: executions per second of small Python and JavaScript tests (a solution plus
// three asserts, as `generate --execute` runs them) in the bubblewrap sandbox, at concurrency 1..4, with the
// same runs without isolation (`--unsafe-no-sandbox`'s runner: same interpreters, limits and timeout) side
// by side, so the table shows what the isolation itself costs. Also times the pieces of one run (bare
// interpreter start, bwrap start with /bin/true) to say where the time goes. Needs dist/ (`npm run build`).
// Usage: node bench/exec.mjs [--runs 60] [--concurrency 1,2,3,4] [--no-write]
// Writes bench/results/exec.json and bench/results/exec.md.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { describeMachine } from './lib/machine.mjs';

const { values: args } = parseArgs({
  options: { runs: { type: 'string', default: '60' }, concurrency: { type: 'string', default: '1,2,3,4' }, 'no-write': { type: 'boolean', default: false } },
});
const runs = Number(args.runs);
const levels = args.concurrency.split(',').map(Number);
const root = resolve(import.meta.dirname, '..');
const { openSandbox, UnsafeSandbox, DEFAULT_EXEC_LIMITS, BubblewrapSandbox } = await import(join(root, 'dist', 'exec', 'index.js'));

/** The workloads: what a generated sample and its tests look like (a function and a few asserts). */
const WORKLOADS = {
  python: {
    language: 'python',
    solution: 'def longest_run(values):\n    best = run = 0\n    previous = None\n    for value in values:\n        run = run + 1 if value == previous else 1\n        best = max(best, run)\n        previous = value\n    return best\n',
    tests: 'assert longest_run([]) == 0\nassert longest_run([1, 1, 2, 2, 2, 3]) == 3\nassert longest_run("aabbbbc") == 4\n',
  },
  javascript: {
    language: 'javascript',
    solution: 'function longestRun(values) {\n  let best = 0, run = 0, previous;\n  for (const value of values) {\n    run = value === previous ? run + 1 : 1;\n    best = Math.max(best, run);\n    previous = value;\n  }\n  return best;\n}\n',
    tests: 'const assert = require("node:assert");\nassert.strictEqual(longestRun([]), 0);\nassert.strictEqual(longestRun([1, 1, 2, 2, 2, 3]), 3);\nassert.strictEqual(longestRun([..."aabbbbc"]), 4);\n',
  },
};

const sandboxed = await openSandbox({});
if (sandboxed.kind !== 'bubblewrap') throw new Error('bubblewrap does not work here: see `tidepool doctor`');
const unsafe = new UnsafeSandbox('/usr/bin/prlimit', { python: '/usr/bin/python3', node: process.execPath }, DEFAULT_EXEC_LIMITS);

/** `runs` executions of `workload` on `sandbox`, `concurrency` at a time: executions per second and latencies. */
async function measure(sandbox, workload, concurrency) {
  const latencies = [];
  let next = 0;
  let failures = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < runs) {
      next++;
      const result = await sandbox.run(workload);
      if (result.verdict !== 'passed') failures++;
      latencies.push(result.seconds * 1000);
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  if (failures > 0) throw new Error(`${failures} of ${runs} ${workload.language} runs did not pass: the benchmark measures passing runs`);
  return { perSecond: runs / seconds, medianMs: latencies[Math.floor(latencies.length / 2)], p90Ms: latencies[Math.floor(latencies.length * 0.9)] };
}

/** Median wall milliseconds of `count` runs of a command (the pieces of one run). */
function pieceMs(argv, count = 15) {
  const times = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const result = spawnSync(argv[0], argv.slice(1), { stdio: 'ignore' });
    if (result.status !== 0) throw new Error(`${argv.join(' ')} exited ${result.status}`);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(count / 2)];
}

const loadBefore = loadavg();
// One warm-up round of each, so the page cache holds the interpreters.
for (const workload of Object.values(WORKLOADS)) {
  await sandboxed.run(workload);
  await unsafe.run(workload);
}
const rows = [];
for (const [name, workload] of Object.entries(WORKLOADS)) {
  for (const concurrency of levels) {
    const inSandbox = await measure(sandboxed, workload, concurrency);
    const without = await measure(unsafe, workload, concurrency);
    rows.push({ language: name, concurrency, bubblewrap: inSandbox, none: without });
    process.stderr.write(`${name} x${concurrency}: bubblewrap ${inSandbox.perSecond.toFixed(1)}/s, none ${without.perSecond.toFixed(1)}/s\n`);
  }
}
// Where the time of one run goes (medians of 15, one at a time).
const bwrapTrue = new BubblewrapSandbox({ bwrap: '/usr/bin/bwrap', prlimit: '/usr/bin/prlimit', setpriv: '/usr/bin/setpriv' }, { python: '/usr/bin/python3', node: process.execPath }, DEFAULT_EXEC_LIMITS)
  .commandLine('python', DEFAULT_EXEC_LIMITS);
const pieces = {
  'python3 -I -B -c pass (bare start)': pieceMs(['/usr/bin/python3', '-I', '-B', '-c', 'pass']),
  'python3 -I -S -B -c pass (no site)': pieceMs(['/usr/bin/python3', '-I', '-S', '-B', '-c', 'pass']),
  'node -e 0 (bare start)': pieceMs([process.execPath, '-e', '0']),
  'bwrap + prlimit, /bin/true inside (sandbox start alone)': pieceMs([...bwrapTrue.slice(0, bwrapTrue.lastIndexOf('--') + 1).filter((arg, index, all) => !(arg === '--ro-bind-data' || all[index - 1] === '--ro-bind-data' || all[index - 2] === '--ro-bind-data' || arg === '--json-status-fd' || all[index - 1] === '--json-status-fd' || (arg === '--perms' && all[index + 1] === '0444') || (arg === '0444' && all[index - 1] === '--perms'))), '/usr/bin/true']),
};
const loadAfter = loadavg();
const machine = describeMachine();
const result = { machine, date: new Date().toISOString(), runs, loadBefore, loadAfter, rows, pieces, limits: DEFAULT_EXEC_LIMITS };

const fmt = (value) => value.toFixed(1);
const md = [
  '# Execution-check benchmark',
  '',
  `${result.date.slice(0, 10)} on ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}; bubblewrap ${spawnSync('/usr/bin/bwrap', ['--version'], { encoding: 'utf8' }).stdout.trim()}.`,
  `Load average before ${loadBefore.map(fmt).join(' / ')}, after ${loadAfter.map(fmt).join(' / ')} (1 / 5 / 15 min)${loadBefore[0] > machine.cores ? ': the machine was shared with other work, so these figures are lower bounds; rerun on a quiet machine' : ''}.`,
  `Each cell: ${runs} executions of a small solution plus three asserts (\`bench/exec.mjs\`), all passing; executions per second (median / p90 latency of one run in ms).`,
  '"bubblewrap": the sandbox (new namespaces, read-only system, tmpfs, prlimit). "none": the same interpreters, limits and timeout without isolation (`--unsafe-no-sandbox`), the peer that shows what the isolation costs.',
  '',
  '| language | concurrency | bubblewrap /s | none /s | bubblewrap median / p90 ms | none median / p90 ms |',
  '| --- | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map((row) => `| ${row.language} | ${row.concurrency} | ${fmt(row.bubblewrap.perSecond)} | ${fmt(row.none.perSecond)} | ${fmt(row.bubblewrap.medianMs)} / ${fmt(row.bubblewrap.p90Ms)} | ${fmt(row.none.medianMs)} / ${fmt(row.none.p90Ms)} |`),
  '',
  'Where one run\'s time goes (median of 15 starts, one at a time, ms):',
  '',
  '| piece | ms |',
  '| --- | ---: |',
  ...Object.entries(pieces).map(([name, ms]) => `| ${name} | ${fmt(ms)} |`),
  '',
];
if (args['no-write']) {
  process.stdout.write(`${md.join('\n')}\n`);
} else {
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results', 'exec.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(root, 'bench', 'results', 'exec.md'), `${md.join('\n')}\n`);
  process.stdout.write(`${md.join('\n')}\n`);
}
