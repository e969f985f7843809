import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DocumentFrequency, HashingEmbedder, resolveHashingOptions } from '../../src/embedders/hashing/index.js';
import { writeNativeModel } from '../../src/devkit/native-model/index.js';
import { OnnxEmbedder } from '../../src/embedders/onnx/embedder.js';
import { loadModelFolder } from '../../src/embedders/onnx/model-folder.js';
import { readArrowBatches } from '../../src/store/arrow-file.js';
import { embeddingMatrix } from '../../src/store/embeddings.js';
import { halfArrayToFloat32 } from '../../src/store/matrix.js';
import { pairRowAt } from '../../src/store/pairs.js';
import { CLI, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/files.js';

let dir: string;
let cleanup: () => Promise<void>;
let data: string;
let model: string;
/** Rows of pairs.arrow, in file order. */
let pairs: { rowId: number; docstring: string; code: string }[];

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  const sample = await runCli(['sample', '--rows', '1500', '--seed', '5', '--out', join(dir, 'sample.jsonl'), '-q']);
  expect(sample.code, sample.stderr).toBe(0);
  data = join(dir, 'ingested');
  const ingest = await runCli(['ingest', join(dir, 'sample.jsonl'), '--out', data, '-q']);
  expect(ingest.code, ingest.stderr).toBe(0);
  pairs = [];
  for await (const batch of readArrowBatches(join(data, 'pairs.arrow'))) {
    for (let i = 0; i < batch.numRows; i++) pairs.push(pairRowAt(batch, i));
  }
  model = join(dir, 'mini-bert');
  await writeNativeModel(model);
}, 120_000);
afterAll(async () => cleanup());

/** The rows of an embeddings.arrow: row ids and vectors as float32. */
async function readEmbeddings(path: string): Promise<{ rowIds: number[]; vectors: Float32Array[]; precision: string }> {
  const rowIds: number[] = [];
  const vectors: Float32Array[] = [];
  let precision = '';
  for await (const batch of readArrowBatches(path)) {
    const matrix = embeddingMatrix(batch.getChild('embedding')!);
    precision = matrix.precision;
    const values = matrix.values instanceof Uint16Array ? halfArrayToFloat32(matrix.values) : matrix.values;
    for (let i = 0; i < batch.numRows; i++) {
      rowIds.push(Number(batch.getChild('row_id')!.get(i)));
      vectors.push(values.slice(i * matrix.dim, (i + 1) * matrix.dim));
    }
  }
  return { rowIds, vectors, precision };
}

const text = (row: { docstring: string; code: string }): string => `${row.docstring}\n${row.code}`;

describe('tidepool embed', () => {
  it('hashing: every row, in row_id order, equal to the embedder run directly on the same texts', async () => {
    const out = join(dir, 'hashing');
    const result = await runCli(['embed', '--data', data, '--model', 'hashing', '--dim', '48', '--buckets', '4096', '--out', out, '--window-rows', '300', '--threads', '2', '--json', '-q']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.json).toMatchObject({ rows: pairs.length, dim: 48, device: 'cpu', resumedRows: 0 });
    const { rowIds, vectors } = await readEmbeddings(join(out, 'embeddings.arrow'));
    expect(rowIds).toEqual(pairs.map((p) => p.rowId));
    const params = resolveHashingOptions({ dim: 48, buckets: 4096 });
    const df = new DocumentFrequency(params.buckets);
    df.add(pairs.map(text));
    const expected = new Float32Array(pairs.length * 48);
    new HashingEmbedder(params, df.idf()).embedInto(pairs.map(text), expected);
    for (let i = 0; i < pairs.length; i++) expect(Array.from(vectors[i]!)).toEqual(Array.from(expected.subarray(i * 48, (i + 1) * 48)));
    expect(existsSync(join(out, '.embed-parts'))).toBe(false);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as { stage: string; inputs: { sha256: string }[] };
    expect(manifest.stage).toBe('embed');
    expect(manifest.inputs[0]!.sha256).toMatch(/^[0-9a-f]{64}$/);
  }, 60_000);

  it('ONNX model: batched, length-sorted, pooled output equals the model run one text at a time (1e-4), and fp16 stores the same values rounded', async () => {
    const out = join(dir, 'onnx');
    const result = await runCli(['embed', '--data', data, '--model', model, '--out', out, '--device', 'cpu', '--batch-tokens', '4096', '--json', '-q']);
    expect(result.code, result.stderr).toBe(0);
    const summary = result.json as { rows: number; dim: number; paddingFraction: number; tokens: number; device: string; truncated: number };
    expect(summary).toMatchObject({ rows: pairs.length, dim: 128, device: 'cpu' });
    expect(summary.paddingFraction).toBeLessThan(0.2);
    // Long functions exceed the model's 256 tokens: they are truncated and counted, in the summary and the manifest.
    expect(summary.truncated).toBeGreaterThan(0);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as { counts: { truncated: number; tokens: number } };
    expect(manifest.counts).toMatchObject({ truncated: summary.truncated, tokens: summary.tokens });
    const { rowIds, vectors } = await readEmbeddings(join(out, 'embeddings.arrow'));
    expect(rowIds).toEqual(pairs.map((p) => p.rowId));
    const single = await OnnxEmbedder.create(await loadModelFolder(model), { device: 'cpu', batchTokens: 1 << 20 });
    for (let i = 0; i < pairs.length; i += 97) {
      const { vectors: one } = await single.embed([text(pairs[i]!)]);
      for (let j = 0; j < 128; j++) expect(Math.abs(vectors[i]![j]! - one[j]!)).toBeLessThan(1e-4);
    }
    await single.release();
    const half = await runCli(['embed', '--data', data, '--model', model, '--out', join(dir, 'onnx16'), '--device', 'cpu', '--batch-tokens', '4096', '--precision', 'fp16', '-q']);
    expect(half.code, half.stderr).toBe(0);
    const stored = await readEmbeddings(join(dir, 'onnx16', 'embeddings.arrow'));
    expect(stored.precision).toBe('fp16');
    for (let i = 0; i < pairs.length; i += 97) for (let j = 0; j < 128; j++) expect(Math.abs(stored.vectors[i]![j]! - vectors[i]![j]!)).toBeLessThan(2e-3);
  }, 180_000);

  it('resumes after kill -9: the same command finishes the job, and the file equals an uninterrupted run', async () => {
    const args = ['embed', '--data', data, '--model', model, '--device', 'cpu', '--window-rows', '100', '--threads', '2'];
    const whole = await runCli([...args, '--out', join(dir, 'whole'), '-q']);
    expect(whole.code, whole.stderr).toBe(0);
    const out = join(dir, 'killed');
    await mkdir(out, { recursive: true });
    for (const killAfter of [2, 6]) {
      const child = spawn(process.execPath, [CLI, ...args, '--out', out, '-q'], { stdio: 'ignore' });
      const watcher = setInterval(() => {
        readdir(join(out, '.embed-parts')).then((names) => {
          if (names.filter((n) => n.endsWith('.json') && n.startsWith('part-')).length >= killAfter) child.kill('SIGKILL');
        }, () => undefined);
      }, 5);
      const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, sig) => { resolve(sig); }));
      clearInterval(watcher);
      expect(signal, `killed after ${killAfter} windows`).toBe('SIGKILL');
    }
    const resumed = await runCli([...args, '--out', out, '--json', '-q']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const summary = resumed.json as { resumedRows: number; rows: number };
    expect(summary.resumedRows).toBeGreaterThanOrEqual(600);
    expect(summary.rows).toBe(pairs.length);
    expect((await readFile(join(out, 'embeddings.arrow'))).equals(await readFile(join(dir, 'whole', 'embeddings.arrow')))).toBe(true);
  }, 240_000);

  it('Ctrl-C stops after the window in flight (exit 130), keeps the finished windows, and the rerun completes the same file', async () => {
    const args = ['embed', '--data', data, '--model', model, '--device', 'cpu', '--window-rows', '400', '--threads', '2'];
    const out = join(dir, 'interrupted');
    await mkdir(out, { recursive: true });
    const child = spawn(process.execPath, [CLI, ...args, '--out', out], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    let sentAt = 0;
    const watcher = setInterval(() => {
      readdir(join(out, '.embed-parts')).then((names) => {
        if (sentAt === 0 && names.some((n) => n === 'part-000000.json')) {
          sentAt = performance.now();
          child.kill('SIGINT');
        }
      }, () => undefined);
    }, 5);
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => { resolve(c); }));
    clearInterval(watcher);
    expect(code, stderr).toBe(130);
    expect(performance.now() - sentAt).toBeLessThan(5000);
    expect(stderr).toMatch(/interrupted.*Rerun the same command to resume/s);
    const resumed = await runCli([...args, '--out', out, '--json', '-q']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect((resumed.json as { resumedRows: number }).resumedRows).toBeGreaterThanOrEqual(400);
    const { rowIds } = await readEmbeddings(join(out, 'embeddings.arrow'));
    expect(rowIds).toEqual(pairs.map((p) => p.rowId));
  }, 120_000);

  it('refuses to mix a journaled run with other parameters, and bad inputs are clear errors', async () => {
    const out = join(dir, 'mixed');
    await mkdir(join(out, '.embed-parts'), { recursive: true });
    await writeFile(join(out, '.embed-parts', 'key.json'), '{"other": true}\n');
    const mixed = await runCli(['embed', '--data', data, '--model', 'hashing', '--out', out, '-q']);
    expect(mixed.code).toBe(1);
    expect(mixed.stderr).toMatch(/unfinished embed run/);
    await rm(out, { recursive: true });

    const noModel = await runCli(['embed', '--data', data, '--model', join(dir, 'nowhere'), '--out', join(dir, 'x'), '-q']);
    expect(noModel.code).toBe(1);
    expect(noModel.stderr).toMatch(/nowhere/);
    const noPairs = await runCli(['embed', '--data', join(dir, 'hashing'), '--model', 'hashing', '--out', join(dir, 'x'), '-q']);
    expect(noPairs.code).toBe(1);
    expect(noPairs.stderr).toMatch(/pairs\.arrow/);
    const badTemplate = await runCli(['embed', '--data', data, '--model', 'hashing', '--text', '{title}', '--out', join(dir, 'x'), '-q']);
    expect(badTemplate.code).toBe(1);
    expect(badTemplate.stderr).toMatch(/unknown field \{title\}/);
  }, 60_000);

  it('its output folder feeds select', async () => {
    const result = await runCli(['select', '-e', join(dir, 'hashing'), '-k', '20', '-o', join(dir, 'coreset'), '--json', '-q']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.json).toMatchObject({ k: 20, n: pairs.length, d: 48 });
  }, 60_000);
});
