/**
 * tidepool embed --endpoint against local /v1/embeddings stand-ins (src/devkit/embed-sim): every row
 * once with the vector the server computed, faults retried, 413 split, a wrong dimension refused, and
 * kill -9 mid-run resumed without re-sending answered batches; the API key reaches no file.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { simTokens, simVector, startEmbedServer, type EmbedServer, type EmbedServerOptions } from '../../src/devkit/embed-sim/index.js';
import { readArrowBatches } from '../../src/store/arrow-file.js';
import { embeddingMatrix } from '../../src/store/embeddings.js';
import { pairRowAt } from '../../src/store/pairs.js';
import { CLI, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/files.js';

const DIM = 24;
const KEY = 'sk-tidepool-secret-0123456789';
let dir: string;
let cleanup: () => Promise<void>;
let data: string;
let texts: string[];
const servers: EmbedServer[] = [];

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  const sample = await runCli(['sample', '--rows', '700', '--seed', '5', '--out', join(dir, 'sample.jsonl'), '-q']);
  expect(sample.code, sample.stderr).toBe(0);
  data = join(dir, 'ingested');
  const ingest = await runCli(['ingest', join(dir, 'sample.jsonl'), '--out', data, '-q']);
  expect(ingest.code, ingest.stderr).toBe(0);
  texts = [];
  for await (const batch of readArrowBatches(join(data, 'pairs.arrow'))) {
    for (let i = 0; i < batch.numRows; i++) {
      const row = pairRowAt(batch, i);
      texts.push(`${row.docstring}\n${row.code}`);
    }
  }
}, 120_000);
afterAll(async () => cleanup());
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function sim(options: EmbedServerOptions = {}): Promise<EmbedServer> {
  const server = await startEmbedServer({ dim: DIM, model: 'sim-embed', requireApiKey: KEY, ...options });
  servers.push(server);
  return server;
}

/** Every row of embeddings.arrow equals the server's vector of its text, each row_id once and in order. */
async function expectServerVectors(out: string): Promise<void> {
  let rows = 0;
  for await (const batch of readArrowBatches(join(out, 'embeddings.arrow'))) {
    const values = embeddingMatrix(batch.getChild('embedding')!).values as Float32Array;
    for (let i = 0; i < batch.numRows; i++, rows++) {
      expect(Number(batch.getChild('row_id')!.get(i))).toBe(rows);
      expect(Array.from(values.subarray(i * DIM, (i + 1) * DIM))).toEqual(Array.from(simVector(texts[rows]!, DIM)));
    }
  }
  expect(rows).toBe(texts.length);
}

/** How often each row text was sent, over every server's log (answered or not). */
function sends(sims: readonly EmbedServer[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const server of sims) for (const request of server.requests) for (const input of request.inputs) counts.set(input, (counts.get(input) ?? 0) + 1);
  return counts;
}

/** Every file under `root`, recursively. */
async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

const env = { OPENAI_API_KEY: KEY };

describe('tidepool embed --endpoint', () => {
  it('spreads batches over two servers, retries 429/500/resets, splits on 413, and writes the server vectors', async () => {
    const a = await sim({ maxBatch: 10, faults: [{ fault: { kind: 'rate-limit', retryAfter: 0 }, on: [3] }, { fault: { kind: 'reset' }, on: [6] }] });
    const b = await sim({ latencyMs: 3, faults: [{ fault: { kind: 'server-error' }, on: [2] }] });
    const out = join(dir, 'two');
    const result = await runCli(['embed', '--data', data, '--model', 'sim-embed', '--endpoint', `${a.baseURL},${b.baseURL}`, '--endpoint-batch', '32', '--concurrency', '2', '--window-rows', '256', '--out', out, '--json'], { env });
    expect(result.code, result.stderr).toBe(0);
    await expectServerVectors(out);
    const summary = result.json as { rows: number; dim: number; model: string; device: string; tokens: number };
    const tokens = texts.reduce((sum, text) => sum + simTokens(text), 0);
    expect(summary).toMatchObject({ rows: texts.length, dim: DIM, model: `endpoint:sim-embed:dim=${DIM}`, device: 'remote', tokens });
    expect(result.stderr).toMatch(/refused 32 texts per request \(413\): sending at most 16/);
    // Each text answered exactly once (the probe text aside), both servers used.
    const answered = new Map<string, number>();
    for (const server of [a, b]) for (const request of server.requests) if (request.status === 200) for (const input of request.inputs) answered.set(input, (answered.get(input) ?? 0) + 1);
    expect(texts.every((text) => answered.get(text) === 1)).toBe(true);
    expect(b.requests.filter((request) => request.status === 200).length).toBeGreaterThan(1);
    // After its size reached 8 (32 -> 16 -> 8), server a saw no more 413.
    const last413 = Math.max(...a.requests.filter((request) => request.status === 413).map((request) => request.index));
    expect(a.requests.filter((request) => request.index > last413).every((request) => request.status !== 413 && request.inputs.length <= 8)).toBe(true);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as { parameters: { model: Record<string, unknown> }; counts: { tokens: number } };
    expect(manifest.parameters.model).toMatchObject({ name: 'sim-embed', kind: 'endpoint', dim: DIM, endpoints: [a.baseURL, b.baseURL] });
    expect(String(manifest.parameters.model.truncation)).toMatch(/sent whole/);
    expect(manifest.counts.tokens).toBe(tokens);
  }, 120_000);

  it('refuses a wrong dimension, naming the server, and writes no embeddings', async () => {
    const a = await sim({ faults: [{ fault: { kind: 'wrong-dim' }, on: [2] }] });
    const out = join(dir, 'wrong-dim');
    const result = await runCli(['embed', '--data', data, '--model', 'sim-embed', '--endpoint', a.baseURL, '--concurrency', '1', '--out', out], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${a.baseURL} answered a ${DIM + 1}-dimensional embedding where ${DIM} dimensions were expected`);
    expect(existsSync(join(out, 'embeddings.arrow'))).toBe(false);
  }, 60_000);

  it('resumes after kill -9 without re-sending answered batches, and the key reaches no file', async () => {
    const a = await sim({ latencyMs: 60 });
    const b = await sim({ latencyMs: 60 });
    const out = join(dir, 'killed');
    const args = ['embed', '--data', data, '--model', 'openai:sim-embed', '--endpoint', `${a.baseURL},${b.baseURL}`, '--endpoint-batch', '8', '--concurrency', '2', '--window-rows', '256', '--out', out];
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    const closed = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, signal) => { resolve(signal); }));
    // Kill mid-window: once 420 rows were sent (window 1 of rows 256..511 well under way, 700 rows in all).
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if ([...sends([a, b]).values()].length >= 420) {
          clearInterval(poll);
          resolve();
        }
      }, 5);
    });
    child.kill('SIGKILL');
    expect(await closed).toBe('SIGKILL');
    const beforeRerun = [...sends([a, b]).values()].length;
    expect(beforeRerun).toBeLessThan(texts.length);
    // The window cut short kept its answered batches (without them, 100+ rows would be sent again).
    expect(await readdir(join(out, '.embed-parts'))).toContain('endpoint-000001.bin');
    const leaked = [];
    for (const file of await filesUnder(out)) if ((await readFile(file)).includes(KEY)) leaked.push(file);
    expect(leaked).toEqual([]);

    const rerun = await runCli([...args, '--json'], { env });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stderr).not.toContain(KEY);
    await expectServerVectors(out);
    const counts = sends([a, b]);
    expect(texts.every((text) => (counts.get(text) ?? 0) >= 1)).toBe(true);
    // Re-sent: only the batches in flight at the kill (2 servers x 2 slots x 8 texts).
    const extra = texts.reduce((sum, text) => sum + (counts.get(text) ?? 0) - 1, 0);
    expect(extra).toBeLessThanOrEqual(2 * 2 * 8);
    expect((rerun.json as { resumedRows: number }).resumedRows).toBeGreaterThanOrEqual(0);
    for (const file of await filesUnder(out)) expect((await readFile(file)).includes(KEY), file).toBe(false);
  }, 120_000);
});
