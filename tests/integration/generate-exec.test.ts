/**
 * `tidepool generate` with execution checks, end to end: a scripted server answers each row with a
 * solution and tests of a known kind (right, wrong answer, exception, syntax error, endless loop) in
 * Python and JavaScript, the real bubblewrap sandbox runs them, and the verdicts must reach the
 * records, the pools, the funnel and the discriminator's prompt; --require-pass; kill -9 while samples
 * run, then a rerun: every unit exactly once, no sandbox process left behind.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeSandbox } from '../../src/exec/index.js';
import { runGenerate, type GenerateSummary } from '../../src/generate/run.js';
import type { GenerateOptions } from '../../src/generate/options.js';
import { startLlmServer, type ChatRequest, type LlmServer } from '../../src/devkit/llm-sim/server.js';
import { CLI, runCli } from '../helpers/cli.js';
import { writeGenerateFixture, type FixtureRow } from '../helpers/generate-fixture.js';

/** What a row's answer holds, and the verdict its run must get (worked out by hand from the programs below). */
const KINDS = {
  right: 'passed',
  wrong: 'failed',
  exception: 'failed',
  syntax: 'failed',
  loop: 'timeout',
} as const;
type Kind = keyof typeof KINDS;

/** The solution and tests of `kind` in `language`, for the function `name`. */
function program(language: 'python' | 'javascript', kind: Kind, name: string): { output: string; tests: string } {
  if (language === 'python') {
    const body = { right: 'return a + b', wrong: 'return a - b', exception: "raise ValueError('no sums today')", syntax: 'return a +* b', loop: 'while True:\n        pass' }[kind];
    return { output: `def ${name}(a, b):\n    ${body}\n`, tests: `assert ${name}(2, 3) == 5\nassert ${name}(0, 0) == 0\n` };
  }
  const body = { right: 'return a + b;', wrong: 'return a - b;', exception: "throw new Error('no sums today');", syntax: 'return a +* b;', loop: 'for (;;) {}' }[kind];
  return { output: `function ${name}(a, b) {\n  ${body}\n}\n`, tests: `const assert = require('node:assert');\nassert.strictEqual(${name}(2, 3), 5);\nassert.strictEqual(${name}(0, 0), 0);\n` };
}

/** Rows: every kind in both languages, plus a Go row (not executed: skipped with a counted reason). */
const ROWS: FixtureRow[] = [
  ...(['python', 'javascript'] as const).flatMap((language, l) => (Object.keys(KINDS) as Kind[]).map((kind, k) => ({
    rowId: 100 + 10 * l + k, language, docstring: `case ${kind}`, code: language === 'python' ? `# case=${kind}\ndef add_${kind}(a, b):\n    return a + b\n` : `// case=${kind}\nfunction add_${kind}(a, b) {\n  return a + b;\n}\n`,
  }))),
  { rowId: 200, language: 'go', docstring: 'case go', code: '// case=go\nfunc Add(a int, b int) int {\n\treturn a + b\n}\n' },
];

const text = (content: unknown): string => (typeof content === 'string' ? content : JSON.stringify(content));

/** The answer to a generator prompt: the program of the row's kind; a discriminator prompt: every rule yes. */
function answer(request: ChatRequest, prompts: string[]): string {
  const prompt = text(request.messages.find((message) => message.role === 'user')?.content);
  if (prompt.includes('Rules:')) {
    prompts.push(prompt);
    const rules = prompt.slice(prompt.lastIndexOf('Rules:')).split('\n').filter((line) => /^\d+\. /.test(line)).length;
    return JSON.stringify({ rules: Array.from({ length: rules }, (_, i) => ({ rule: i + 1, answer: 'yes', reason: 'Fine.' })), verdict: 'accept' });
  }
  const kind = /case=(\w+)/.exec(prompt)?.[1] ?? 'right';
  if (kind === 'go') return JSON.stringify({ instruction: 'Write a Go function Add that adds two integers.', input: '', output: 'func Add(a int, b int) int {\n\treturn a + b\n}', language: 'Go', tests: '// Add(2, 3) == 5' });
  const language = prompt.includes('piece of Python code') ? 'python' : 'javascript';
  const name = `add_${kind}`;
  const { output, tests } = program(language, kind as Kind, name);
  const display = language === 'python' ? 'Python' : 'JavaScript';
  return JSON.stringify({ instruction: `Write a ${display} function ${name}(a, b) that returns the sum of two numbers.`, input: '', output, language: display, tests });
}

interface Line {
  id: string;
  stage?: string;
  reasons?: { code: string; message: string }[];
  tests?: string;
  sample?: { tests?: string } | null;
  provenance: { rowId: number; execution: { verdict: string; reason: string; skip: string | null; output: string } | null };
}
const readLines = (path: string): Line[] => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Line) : []);

let dir: string;
let fixture: { data: string; coreset: string };
let llm: LlmServer;
const discriminatorPrompts: string[] = [];
let sandboxWorks = false;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tidepool-generate-exec-'));
  fixture = await writeGenerateFixture(join(dir, 'fixture'), ROWS);
  llm = await startLlmServer({ respond: (request) => ({ content: answer(request, discriminatorPrompts) }) });
  const probe = await probeSandbox();
  sandboxWorks = probe.ok;
  // CI installs bubblewrap: a machine without it must fail here, loudly, not skip.
  if (!probe.ok) throw new Error(`the sandbox cannot run on this machine: ${probe.reason}`);
});
afterAll(async () => {
  await llm.close();
  if (process.env.KEEP !== '1') rmSync(dir, { recursive: true, force: true });
});

function generate(out: string, options: Partial<GenerateOptions> = {}): Promise<GenerateSummary> {
  return runGenerate({ ...fixture, out: join(dir, out), model: 'scripted', baseURL: llm.baseURL, apiKey: 'k', tasks: ['generation'], concurrency: 4, execConcurrency: 4, ...options });
}

/**
 * Expected verdict of each row id. A JavaScript solution that does not compile never reaches the
 * sandbox: the `does_not_parse` precheck rejects it first (no execution, so no verdict).
 */
const expected = new Map<number, string | undefined>(ROWS.map((row) => {
  const kind = /case=(\w+)/.exec(row.code)![1]!;
  if (row.language === 'go') return [row.rowId, 'skipped'];
  if (row.language === 'javascript' && kind === 'syntax') return [row.rowId, undefined];
  return [row.rowId, KINDS[kind as Kind]];
}));

describe('generate --execute', () => {
  it('gives every kind of solution its verdict in both languages, and the verdicts reach records, pools, funnel and the discriminator', { timeout: 120_000 }, async () => {
    expect(sandboxWorks).toBe(true);
    discriminatorPrompts.length = 0;
    const summary = await generate('exec');
    const out = join(dir, 'exec');
    const accepted = readLines(join(out, 'instructions.jsonl'));
    const rejected = readLines(join(out, 'rejected.jsonl'));
    const verdictOf = new Map([...accepted, ...rejected].map((line) => [line.provenance.rowId, line.provenance.execution?.verdict]));
    expect(Object.fromEntries(verdictOf)).toEqual(Object.fromEntries(expected));

    // Passing and skipped samples go on to the discriminator (which accepts all here); failures are rejected by execution.
    expect(accepted.map((line) => line.provenance.rowId).sort()).toEqual([100, 110, 200]);
    const js113 = rejected.find((line) => line.provenance.rowId === 113);
    expect(js113).toMatchObject({ stage: 'precheck', reasons: [{ code: 'does_not_parse' }], provenance: { execution: null } });
    for (const line of rejected.filter((record) => record !== js113)) {
      const verdict = expected.get(line.provenance.rowId)!;
      expect(line.stage).toBe('execution');
      expect(line.reasons).toEqual([{ code: `execution_${verdict}`, message: expect.stringContaining(`execution ${verdict}`) as string }]);
      expect(line.sample?.tests).toContain('(2, 3)');
    }
    expect(accepted.find((line) => line.provenance.rowId === 100)?.tests).toBe('assert add_right(2, 3) == 5\nassert add_right(0, 0) == 0\n');
    // Failure output is captured (bounded) and says what went wrong.
    const byRow = new Map(rejected.map((line) => [line.provenance.rowId, line]));
    expect(byRow.get(101)?.provenance.execution?.output).toContain('AssertionError');
    expect(byRow.get(102)?.provenance.execution?.output).toContain('no sums today');
    expect(byRow.get(103)?.provenance.execution?.output).toContain('SyntaxError');
    expect(byRow.get(112)?.provenance.execution?.output).toContain('no sums today');
    const go = accepted.find((line) => line.provenance.rowId === 200)!;
    expect(go.provenance.execution).toMatchObject({ verdict: 'skipped', skip: 'language_unsupported' });

    // The discriminator saw the result beside its rules: passed for the right answers, "not run" for Go.
    expect(discriminatorPrompts).toHaveLength(3);
    expect(discriminatorPrompts.filter((prompt) => prompt.includes('in a sandbox: passed'))).toHaveLength(2);
    expect(discriminatorPrompts.filter((prompt) => prompt.includes('in a sandbox: not run: Go samples are not executed'))).toHaveLength(1);

    // Funnel and summary count the verdicts per group, and the skip by reason.
    expect(summary.execution).toMatchObject({ sandbox: 'bubblewrap', verdicts: { passed: 2, failed: 5, timeout: 2, skipped: 1 }, ran: 9, journaled: 0 });
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { counts: { funnel: { execution: Record<string, Record<string, number>>; skipped: Record<string, number>; reasons: Record<string, number> } } };
    expect(manifest.counts.funnel.execution).toEqual({
      'generation/python': { passed: 1, failed: 3, timeout: 1 }, 'generation/javascript': { passed: 1, failed: 2, timeout: 1 }, 'generation/go': { skipped: 1 },
    });
    expect(manifest.counts.funnel.skipped).toEqual({ 'generation/language_unsupported': 1 });
    expect(manifest.counts.funnel.reasons).toEqual({ 'generation/execution_failed': 5, 'generation/execution_timeout': 2, 'generation/does_not_parse': 1 });

    // Failed samples are in the bad-case pool with the failure as their reason, so later prompts learn from them.
    const bad = readLines(join(out, 'pools', 'generation.bad.jsonl')) as unknown as { rowId: number; reasons: string[]; sample: { tests?: string } }[];
    expect(bad.map((entry) => entry.rowId).sort()).toEqual([...byRow.keys()].sort());
    for (const entry of bad.filter((pooled) => pooled.rowId !== 113)) {
      expect(entry.reasons[0]).toMatch(/^execution (failed|timeout): /);
      expect(entry.sample.tests).toContain('(2, 3)');
    }
  });

  it('--require-pass rejects a sample whose tests did not run; --no-execute runs nothing and tells the discriminator so', { timeout: 120_000 }, async () => {
    const strict = await generate('require-pass', { requirePass: true });
    const rejected = readLines(join(dir, 'require-pass', 'rejected.jsonl'));
    const go = rejected.find((line) => line.provenance.rowId === 200);
    expect(go?.reasons).toEqual([{ code: 'execution_skipped', message: expect.stringContaining('--require-pass') as string }]);
    expect(strict.accepted).toBe(2);
    // The sample runs of the first test are not journaled here (another folder): they ran again.
    expect(strict.execution.ran).toBe(9);

    discriminatorPrompts.length = 0;
    const off = await generate('no-execute', { execute: false });
    expect(off.accepted).toBe(ROWS.length - 1); // the JavaScript that does not compile fails its precheck
    expect(off.execution).toEqual({ sandbox: null, verdicts: {}, ran: 0, journaled: 0 });
    for (const line of readLines(join(dir, 'no-execute', 'instructions.jsonl'))) expect(line.provenance.execution).toBeNull();
    expect(discriminatorPrompts).toHaveLength(ROWS.length - 1);
    for (const prompt of discriminatorPrompts) expect(prompt).toContain('in a sandbox: not run (execution checks are off for this run)');
  });

  it('a rerun of a finished job takes every execution from its journal and writes the same outputs', { timeout: 120_000 }, async () => {
    const before = readFileSync(join(dir, 'exec', 'instructions.jsonl'), 'utf8');
    const again = await generate('exec');
    expect(again.execution).toMatchObject({ ran: 0 });
    expect(readFileSync(join(dir, 'exec', 'instructions.jsonl'), 'utf8')).toBe(before);
  });
});

/** Processes whose command line holds `marker` (the sandboxed programs' children carry it). */
function processesWith(marker: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', marker], { encoding: 'utf8' }).split('\n').filter((line) => line.trim() !== '');
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

describe('generate --execute after kill -9', () => {
  it('kill -9 while samples run leaves no sandbox process; the rerun has every unit exactly once and runs each sample once more at most', { timeout: 180_000 }, async () => {
    const marker = `tidepool-exec-kill-${process.pid}-${Date.now()}`;
    // Each solution starts a child that would sleep for a minute with the marker in its command line, then passes after 0.4 s.
    const rows: FixtureRow[] = Array.from({ length: 12 }, (_, i) => ({ rowId: 500 + i, language: 'python', docstring: '', code: `# case=slow\ndef slow_${i}(a, b):\n    return a + b\n` }));
    const killFixture = await writeGenerateFixture(join(dir, 'kill-fixture'), rows);
    const slow = await startLlmServer({
      respond: (request) => {
        const prompt = text(request.messages.find((message) => message.role === 'user')?.content);
        if (prompt.includes('Rules:')) return { content: answer(request, []) };
        const name = /def (slow_\d+)/.exec(prompt)?.[1] ?? 'slow';
        const output = `import subprocess, sys, time\ndef ${name}(a, b):\n    return a + b\nsubprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)', '${marker}'])\ntime.sleep(0.4)\n`;
        return { content: JSON.stringify({ instruction: `Write a Python function ${name}(a, b) that returns the sum.`, input: '', output, language: 'Python', tests: `assert ${name}(2, 3) == 5\n` }) };
      },
    });
    try {
      const out = join(dir, 'killed');
      const args = ['generate', '--data', killFixture.data, '--coreset', killFixture.coreset, '--out', out, '--model', 'scripted', '--base-url', slow.baseURL,
        '--tasks', 'generation', '--concurrency', '4', '--exec-concurrency', '2', '--execute', '--json', '--quiet'];
      const executions = join(out, '.generate', 'executions.jsonl');
      const lines = (): number => (existsSync(executions) ? readFileSync(executions, 'utf8').split('\n').filter((line) => line !== '').length : 0);
      const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, OPENAI_API_KEY: 'k' }, stdio: 'ignore' });
      const ended = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => { resolve(signal); }));
      // Kill once some executions are journaled and others are running (their marked children are alive).
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && !(lines() >= 2 && processesWith(marker).length > 0)) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(processesWith(marker).length).toBeGreaterThan(0);
      child.kill('SIGKILL');
      expect(await ended).toBe('SIGKILL');
      const journaledBefore = lines();
      expect(journaledBefore).toBeLessThan(rows.length);
      // --die-with-parent ends each sandbox (and its PID namespace with every process in it) with tidepool.
      const gone = Date.now() + 5000;
      while (Date.now() < gone && processesWith(marker).length > 0) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(processesWith(marker)).toEqual([]);

      const rerun = await runCli(args, { env: { OPENAI_API_KEY: 'k' } });
      expect(rerun.code, rerun.stderr).toBe(0);
      const summary = rerun.json as GenerateSummary;
      const records = [...readLines(join(out, 'instructions.jsonl')), ...readLines(join(out, 'rejected.jsonl'))];
      expect(records.map((line) => line.provenance.rowId).sort()).toEqual(rows.map((row) => row.rowId));
      expect(records.every((line) => line.provenance.execution?.verdict === 'passed')).toBe(true);
      // Executions journaled before the kill were not run again (units already in the unit journal do not
      // even ask for theirs); every sample is in the execution journal once.
      expect(summary.execution.ran).toBe(rows.length - journaledBefore);
      expect(summary.execution.journaled).toBeLessThanOrEqual(journaledBefore);
      const keys = readFileSync(executions, 'utf8').split('\n').filter((line) => line !== '').map((line) => (JSON.parse(line) as { key: string }).key);
      expect(new Set(keys).size).toBe(keys.length);
      expect(keys).toHaveLength(rows.length);
      expect(processesWith(marker)).toEqual([]);
    } finally {
      await slow.close();
    }
  });
});
