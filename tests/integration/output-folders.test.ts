/**
 * Output folders (issue "defects" 2, 4, 5): one run per folder, data committed with its manifest, and
 * stages that refuse inputs of different runs. Every command runs as a user would (the built CLI).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, watch, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processStartTime } from '../../src/store/output-lock.js';
import { scriptedModel } from '../../src/devkit/llm-sim/scripted-model.js';
import { startLlmServer } from '../../src/devkit/llm-sim/server.js';
import { CLI, runCli, type CliResult } from '../helpers/cli.js';

let dir: string;
/** Two independent little projects: A and B (other sample seeds), each ingested, embedded and selected. */
const project = (name: 'a' | 'b') => ({ data: join(dir, name, 'pairs.jsonl'), ingest: join(dir, name, 'ingest'), embed: join(dir, name, 'embed'), select: join(dir, name, 'select') });

async function ok(args: string[]): Promise<CliResult> {
  const result = await runCli([...args, '--quiet']);
  if (result.code !== 0) throw new Error(`tidepool ${args.join(' ')} exited ${result.code}:\n${result.stderr}`);
  return result;
}

function expectRefused(result: CliResult, code: string): void {
  expect(result.code, result.stderr).toBe(1);
  expect(result.stderr).toContain(`[${code}]`);
  expect(result.stderr).not.toContain('internal error');
}

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tidepool-folders-'));
  for (const [name, seed] of [['a', 1], ['b', 2]] as const) {
    const p = project(name);
    mkdirSync(join(dir, name), { recursive: true });
    await ok(['sample', '--rows', name === 'a' ? '600' : '500', '--seed', String(seed), '--out', p.data]);
    await ok(['ingest', p.data, '--out', p.ingest]);
    await ok(['embed', '--data', p.ingest, '--model', 'hashing', '--out', p.embed]);
    await ok(['select', '--embeddings', p.embed, '--k', '20', '--out', p.select]);
  }
}, 240_000);
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('a folder held by a live run', () => {
  it('is refused to every command, naming the holder, and nothing in it is touched', async () => {
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120000)'], { stdio: 'ignore' });
    await new Promise((resolve) => holder.once('spawn', resolve));
    const a = project('a');
    const claim = { pid: holder.pid, host: hostname(), processStart: processStartTime(holder.pid!), startedAt: new Date().toISOString(), stage: 'test', command: 'held by the test', token: 'feedfacefeedface' };
    const llm = await startLlmServer({ respond: scriptedModel() });
    try {
      const cases: [string, string[]][] = [
        ['ingest', ['ingest', a.data, '--out', '{}']],
        ['embed', ['embed', '--data', a.ingest, '--model', 'hashing', '--out', '{}']],
        ['select', ['select', '--embeddings', a.embed, '--k', '5', '--out', '{}']],
        ['generate', ['generate', '--data', a.ingest, '--coreset', a.select, '--model', 'scripted', '--base-url', llm.baseURL, '--api-key', 'k', '--limit', '2', '--out', '{}']],
        ['decontam', ['decontam', '--input', a.ingest, '--bench', 'examples/benchmarks/humaneval.jsonl', '--out', '{}']],
      ];
      for (const [name, args] of cases) {
        const out = join(dir, `held-${name}`);
        mkdirSync(out, { recursive: true });
        writeFileSync(join(out, '.tidepool.lock'), JSON.stringify(claim));
        writeFileSync(join(out, 'manifest.json'), '{"keep": true}');
        const result = await runCli(args.map((arg) => (arg === '{}' ? out : arg)));
        expectRefused(result, 'E_OUTPUT_LOCKED');
        expect(result.stderr).toContain(`pid ${holder.pid} on ${hostname()}`);
        expect(readdirSync(out).sort()).toEqual(['.tidepool.lock', 'manifest.json']);
        expect(readFileSync(join(out, 'manifest.json'), 'utf8')).toBe('{"keep": true}');
      }
    } finally {
      await llm.close();
      holder.kill('SIGKILL');
    }
  }, 120_000);

  it('two generate runs into one folder: the second is refused at once, the first finishes alone', async () => {
    const a = project('a');
    const llm = await startLlmServer({ respond: scriptedModel({ latencyMs: 150 }) });
    const out = join(dir, 'twice-generate');
    try {
      const args = ['generate', '--data', a.ingest, '--coreset', a.select, '--model', 'scripted', '--base-url', llm.baseURL, '--api-key', 'k', '--limit', '10', '--concurrency', '2', '--out', out, '--quiet', '--json'];
      const first = runCli(args);
      const deadline = Date.now() + 30_000;
      while (!existsSync(join(out, '.tidepool.lock')) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      const second = await runCli(args);
      expectRefused(second, 'E_OUTPUT_LOCKED');
      const done = await first;
      expect(done.code, done.stderr).toBe(0);
      const ids = readFileSync(join(out, 'instructions.jsonl'), 'utf8').split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { id: string }).id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(existsSync(join(out, '.tidepool.lock'))).toBe(false);
    } finally {
      await llm.close();
    }
  }, 120_000);

  it('export and report, which write one file into a folder they share, claim that file', async () => {
    const a = project('a');
    const llm = await startLlmServer({ respond: scriptedModel() });
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120000)'], { stdio: 'ignore' });
    try {
      await new Promise((resolve) => holder.once('spawn', resolve));
      const generated = join(dir, 'for-export');
      await ok(['generate', '--data', a.ingest, '--coreset', a.select, '--model', 'scripted', '--base-url', llm.baseURL, '--api-key', 'k', '--limit', '3', '--out', generated]);
      const shared = join(dir, 'shared');
      mkdirSync(shared, { recursive: true });
      const claim = { pid: holder.pid, host: hostname(), processStart: processStartTime(holder.pid!), startedAt: new Date().toISOString(), stage: 'test', command: 'held by the test', token: 'feedfacefeedface' };
      for (const [name, args] of [
        ['train.jsonl', ['export', '--input', generated, '--format', 'alpaca', '--out', join(shared, 'train.jsonl')]],
        ['report.html', ['report', '--ingest', a.ingest, '--out', join(shared, 'report.html')]],
      ] as const) {
        writeFileSync(join(shared, `.${name}.tidepool.lock`), JSON.stringify(claim));
        const result = await runCli([...args]);
        expectRefused(result, 'E_OUTPUT_LOCKED');
        expect(result.stderr).toContain(`${join(shared, name)} is in use by another tidepool run: pid ${holder.pid}`);
        expect(existsSync(join(shared, name))).toBe(false);
      }
      // Another file in the same folder is free.
      await ok(['export', '--input', generated, '--format', 'alpaca', '--out', join(shared, 'other.jsonl')]);
      expect(existsSync(join(shared, '.other.jsonl.tidepool.lock'))).toBe(false);
    } finally {
      await llm.close();
      holder.kill('SIGKILL');
    }
  }, 120_000);

  it('a claim left by a killed run is taken over by the next run', async () => {
    const a = project('a');
    const out = join(dir, 'stale');
    mkdirSync(out, { recursive: true });
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((resolve) => dead.once('exit', resolve));
    writeFileSync(join(out, '.tidepool.lock'), JSON.stringify({ pid: dead.pid, host: hostname(), processStart: null, startedAt: new Date().toISOString(), stage: 'ingest', command: 'killed', token: '0123456789abcdef' }));
    await ok(['ingest', a.data, '--out', out]);
    expect(existsSync(join(out, 'manifest.json'))).toBe(true);
    expect(existsSync(join(out, '.tidepool.lock'))).toBe(false);
  }, 60_000);
});

describe('data and manifest are committed together', () => {
  it('a manifest that does not describe the file beside it is refused by the next stage', async () => {
    const a = project('a');
    const copy = join(dir, 'tampered');
    mkdirSync(copy, { recursive: true });
    writeFileSync(join(copy, 'pairs.arrow'), readFileSync(join(project('b').ingest, 'pairs.arrow')));
    writeFileSync(join(copy, 'manifest.json'), readFileSync(join(a.ingest, 'manifest.json')));
    const result = await runCli(['embed', '--data', copy, '--model', 'hashing', '--out', join(dir, 'tampered-embed')]);
    expectRefused(result, 'E_INPUT_MISMATCH');
    expect(result.stderr).toContain('is not the file its manifest describes');
  }, 60_000);

  it('kill -9 while ingest replaces its outputs never leaves an old manifest beside new data', async () => {
    const a = project('a');
    const b = project('b');
    for (let trial = 0; trial < 4; trial++) {
      const out = join(dir, `kill-ingest-${trial}`);
      await ok(['ingest', a.data, '--out', out]);
      const pairs = join(out, 'pairs.arrow');
      const before = statSync(pairs).ino;
      const child = spawn(process.execPath, [CLI, 'ingest', b.data, '--out', out, '--quiet'], { stdio: 'ignore' });
      // Kill the moment the new pairs.arrow takes the old one's name (or the folder changes at all, for later trials).
      const watcher = watch(out, () => {
        if (trial % 2 === 1 || (existsSync(pairs) && statSync(pairs).ino !== before)) child.kill('SIGKILL');
      });
      await new Promise((resolve) => child.once('exit', resolve));
      watcher.close();
      const manifestPath = join(out, 'manifest.json');
      if (existsSync(manifestPath)) {
        const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { outputs: { path: string; bytes: number; sha256: string }[] };
        const described = manifest.outputs.find((output) => output.path.endsWith('pairs.arrow'))!;
        expect(described.bytes).toBe(statSync(pairs).size);
        expect(described.sha256).toBe(sha256(pairs));
      }
      // Whatever the moment, rerunning the command completes the folder.
      await ok(['ingest', b.data, '--out', out]);
      const expected = JSON.parse(readFileSync(join(b.ingest, 'manifest.json'), 'utf8')) as { counts: unknown };
      expect(JSON.parse(readFileSync(manifestPath, 'utf8'))).toMatchObject({ counts: expected.counts });
    }
  }, 120_000);
});

describe('stages check that their inputs belong together', () => {
  it('embed refuses to replace finished embeddings of other pairs, and leaves them as they were', async () => {
    const before = sha256(join(project('a').embed, 'embeddings.arrow'));
    const result = await runCli(['embed', '--data', project('b').ingest, '--model', 'hashing', '--out', project('a').embed]);
    expectRefused(result, 'E_INPUT_MISMATCH');
    expect(result.stderr).toContain('already holds finished embeddings of other pairs');
    expect(sha256(join(project('a').embed, 'embeddings.arrow'))).toBe(before);
    expect(existsSync(join(project('a').embed, 'manifest.json'))).toBe(true);
  }, 60_000);

  it('select refuses a warm start from a coreset of other embeddings', async () => {
    const result = await runCli(['select', '--embeddings', project('a').embed, '--already-selected', project('b').select, '--k', '5', '--out', join(dir, 'warm')]);
    expectRefused(result, 'E_INPUT_MISMATCH');
    expect(result.stderr).toContain(`--already-selected ${join(project('b').select, 'coreset.arrow')}`);
  }, 60_000);

  it('generate refuses a coreset selected from other pairs, naming both files', async () => {
    const result = await runCli(['generate', '--data', project('a').ingest, '--coreset', project('b').select, '--model', 'scripted', '--base-url', 'http://127.0.0.1:9/v1', '--api-key', 'k', '--out', join(dir, 'mixed-generate')]);
    expectRefused(result, 'E_INPUT_MISMATCH');
    expect(result.stderr).toContain(join(project('a').ingest, 'pairs.arrow'));
    expect(result.stderr).toContain(join(project('b').ingest, 'pairs.arrow'));
  }, 60_000);

  it('report refuses a coreset of other embeddings instead of drawing it', async () => {
    const result = await runCli(['report', '--ingest', project('a').ingest, '--embed', project('a').embed, '--select', project('b').select, '--out', join(dir, 'mixed.html')]);
    expectRefused(result, 'E_INPUT_MISMATCH');
    expect(existsSync(join(dir, 'mixed.html'))).toBe(false);
  }, 60_000);
});
