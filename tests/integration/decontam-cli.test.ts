/**
 * `tidepool decontam` in-process through its commander command (registered in main.ts separately),
 * on `tidepool sample` pairs with planted leaks; embedding on the real worker pool (dist/), with the
 * hashing model, an ONNX model folder, a static model folder, and `--embeddings` from `tidepool embed`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decontamCommand } from '../../src/cli/commands/decontam.js';
import type { DecontamSummary } from '../../src/decontam/run.js';
import type { Contamination } from '../../src/decontam/verdict.js';
import { writeNativeModel } from '../../src/devkit/native-model/index.js';
import { writeStaticModel } from '../../src/devkit/static-model/index.js';
import { readArrowBatches } from '../../src/store/arrow-file.js';
import { pairRowAt } from '../../src/store/pairs.js';
import { runCli } from '../helpers/cli.js';
import { readJsonlObjects, tempDir } from '../helpers/files.js';
import { BENCHMARKS, RUNNING_MAXIMUM, RUNNING_MAXIMUM_RENAMED } from '../unit/decontam/helpers.js';

const HUMANEVAL = join(BENCHMARKS, 'humaneval-mini.jsonl');
const MBPP = join(BENCHMARKS, 'mbpp-mini.jsonl');

/** MBPP fixture 903 as its file holds it: a pair of (text, code) embeds to exactly its benchmark text. */
const MBPP_903 = {
  text: 'Write a function to compute the sum of the squares of the even numbers up to and including n.',
  code: 'def even_square_sum(n):\n    total = 0\n    for k in range(2, n + 1, 2):\n        total += k * k\n    return total',
};

/** Planted leaks, by func_name. */
const LEAKS = [
  { func_name: 'leak_exact', code: RUNNING_MAXIMUM, docstring: 'Running maximum.' },
  { func_name: 'leak_renamed', code: RUNNING_MAXIMUM_RENAMED, docstring: 'Peaks of prefixes.' },
  { func_name: 'leak_verbatim_mbpp', code: MBPP_903.code, docstring: MBPP_903.text },
];

let dir: string;
let cleanup: () => Promise<void>;
let data: string;
let model: string;
/** row_id of each planted leak. */
const leakIds = new Map<string, number>();
let rows = 0;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  const sample = await runCli(['sample', '--rows', '1200', '--seed', '9', '--out', join(dir, 'sample.jsonl'), '-q']);
  expect(sample.code, sample.stderr).toBe(0);
  await writeFile(join(dir, 'leaks.jsonl'), LEAKS.map((leak) => JSON.stringify({ ...leak, language: 'python' })).join('\n'));
  data = join(dir, 'ingested');
  const ingest = await runCli(['ingest', join(dir, 'sample.jsonl'), join(dir, 'leaks.jsonl'), '--out', data, '-q']);
  expect(ingest.code, ingest.stderr).toBe(0);
  for await (const batch of readArrowBatches(join(data, 'pairs.arrow'))) {
    for (let i = 0; i < batch.numRows; i++) {
      const row = pairRowAt(batch, i);
      rows++;
      if (row.funcName?.startsWith('leak_') === true) leakIds.set(row.funcName, row.rowId);
    }
  }
  expect(leakIds.size).toBe(LEAKS.length);
  model = join(dir, 'mini-bert');
  await writeNativeModel(model);
}, 120_000);
afterAll(async () => cleanup());

/** Runs the command in-process and returns the JSON summary it printed as its last stdout line. */
async function decontam(args: string[]): Promise<DecontamSummary> {
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (chunk: string | Uint8Array): boolean => {
    lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
    return true;
  };
  try {
    await decontamCommand().exitOverride().parseAsync([...args, '--json', '-q'], { from: 'user' });
  } finally {
    process.stdout.write = write;
  }
  return JSON.parse(lines.join('').trimEnd().split('\n').at(-1)!) as DecontamSummary;
}

type Removed = { row_id: number; contamination: Contamination[] };

async function removedRows(out: string): Promise<Map<number, Contamination[]>> {
  return new Map((await readJsonlObjects<Removed>(join(out, 'removed.jsonl'))).map((r) => [r.row_id, r.contamination]));
}

const best = (list: Contamination[] | undefined, detector: string): Contamination | undefined => list?.find((c) => c.detector === detector);

describe('tidepool decontam (command)', () => {
  it('pairs, hashing embeddings on workers: every planted leak removed by its detector, counts match the files', async () => {
    const out = join(dir, 'hashing');
    const summary = await decontam(['--input', data, '--bench', HUMANEVAL, MBPP, '--out', out, '--threads', '2']);
    expect(summary).toMatchObject({ input: 'pairs', records: rows, detectors: ['exact', 'ngram', 'embedding'] });
    const removed = await removedRows(out);
    expect(best(removed.get(leakIds.get('leak_exact')!), 'exact')).toMatchObject({ benchmark: 'humaneval-mini/Mini/0', score: 1 });
    expect(best(removed.get(leakIds.get('leak_renamed')!), 'exact')).toBeUndefined();
    expect(best(removed.get(leakIds.get('leak_renamed')!), 'ngram')).toMatchObject({ benchmark: 'humaneval-mini/Mini/0' });
    expect(best(removed.get(leakIds.get('leak_verbatim_mbpp')!), 'embedding')!.score).toBeGreaterThan(0.999);
    // The synthetic corpus does not look like these benchmarks: nothing else is removed.
    expect([...removed.keys()].sort((a, b) => a - b)).toEqual([...leakIds.values()].sort((a, b) => a - b));
    const kept = await readJsonlObjects(join(out, 'kept.jsonl'));
    expect(kept.length + removed.size).toBe(rows);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as { counts: Record<string, unknown>; parameters: { embedding: { idf: string } } };
    expect(manifest.counts).toMatchObject({ records: rows, kept: kept.length, removed: removed.size, removedByBenchmark: summary.removedByBenchmark, removedByDetector: summary.removedByDetector });
    expect(manifest.parameters.embedding.idf).toBe('benchmark items');
    // One thread or two: the same verdicts.
    const inline = await decontam(['--input', data, '--bench', HUMANEVAL, MBPP, '--out', join(dir, 'inline'), '--threads', '0']);
    expect(inline).toMatchObject({ kept: summary.kept, removed: summary.removed, removedByDetector: summary.removedByDetector });
    expect(await readFile(join(dir, 'inline', 'removed.jsonl'), 'utf8')).toBe(await readFile(join(out, 'removed.jsonl'), 'utf8'));
  }, 120_000);

  it('--embeddings from `tidepool embed` (hashing): the stored vectors and the recounted IDF put the verbatim copy at cosine 1', async () => {
    const embedded = join(dir, 'embedded');
    const embed = await runCli(['embed', '--data', data, '--model', 'hashing', '--dim', '64', '--out', embedded, '-q']);
    expect(embed.code, embed.stderr).toBe(0);
    const out = join(dir, 'from-embeddings');
    const summary = await decontam(['--input', data, '--bench', HUMANEVAL, MBPP, '--out', out, '--embeddings', embedded, '--no-exact', '--no-ngram']);
    expect(summary.embeddingModel).toBe('hashing-v1:buckets=1048576:dim=64:seed=0');
    const removed = await removedRows(out);
    expect(best(removed.get(leakIds.get('leak_verbatim_mbpp')!), 'embedding')).toMatchObject({ benchmark: 'mbpp-mini/903' });
    expect(best(removed.get(leakIds.get('leak_verbatim_mbpp')!), 'embedding')!.score).toBeGreaterThan(0.999);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as { parameters: { embedding: { idf: string; vectors: string } }; inputs: { path: string }[] };
    expect(manifest.parameters.embedding.idf).toBe('input pairs');
    expect(manifest.inputs.map((i) => i.path)).toContain(join(embedded, 'embeddings.arrow'));
    await expect(decontam(['--input', data, '--bench', MBPP, '--out', out, '--embeddings', embedded, '--model', 'hashing'])).rejects.toMatchObject({ code: 'E_USAGE' });
  }, 120_000);

  it('an ONNX model folder, embedding on the fly and from `tidepool embed --model DIR`', async () => {
    const out = join(dir, 'onnx');
    const summary = await decontam(['--input', data, '--bench', MBPP, '--out', out, '--model', model, '--device', 'cpu', '--no-exact', '--no-ngram', '--embed-threshold', '0.999']);
    expect(summary.embeddingModel).toMatch(/^onnx:/);
    expect(best((await removedRows(out)).get(leakIds.get('leak_verbatim_mbpp')!), 'embedding')).toMatchObject({ benchmark: 'mbpp-mini/903' });
    const embedded = join(dir, 'onnx-embedded');
    const embed = await runCli(['embed', '--data', data, '--model', model, '--device', 'cpu', '--out', embedded, '-q']);
    expect(embed.code, embed.stderr).toBe(0);
    const stored = await decontam(['--input', data, '--bench', MBPP, '--out', join(dir, 'onnx-stored'), '--embeddings', embedded, '--no-exact', '--no-ngram', '--embed-threshold', '0.999']);
    expect(stored.embeddingModel).toBe(summary.embeddingModel);
    expect(best((await removedRows(join(dir, 'onnx-stored'))).get(leakIds.get('leak_verbatim_mbpp')!), 'embedding')!.score).toBeGreaterThan(0.999);
  }, 180_000);

  it('a static (model2vec) model folder, embedding on the fly and from `tidepool embed --model DIR`', async () => {
    const staticModel = join(dir, 'static-model');
    await writeStaticModel(staticModel);
    const out = join(dir, 'static');
    const summary = await decontam(['--input', data, '--bench', MBPP, '--out', out, '--model', staticModel, '--no-exact', '--no-ngram', '--embed-threshold', '0.999']);
    expect(summary.embeddingModel).toMatch(/^static:static-model:sha256=/);
    expect(best((await removedRows(out)).get(leakIds.get('leak_verbatim_mbpp')!), 'embedding')).toMatchObject({ benchmark: 'mbpp-mini/903' });
    const embedded = join(dir, 'static-embedded');
    const embed = await runCli(['embed', '--data', data, '--model', staticModel, '--out', embedded, '-q']);
    expect(embed.code, embed.stderr).toBe(0);
    const stored = await decontam(['--input', data, '--bench', MBPP, '--out', join(dir, 'static-stored'), '--embeddings', embedded, '--no-exact', '--no-ngram', '--embed-threshold', '0.999']);
    expect(stored.embeddingModel).toBe(summary.embeddingModel);
    expect(best((await removedRows(join(dir, 'static-stored'))).get(leakIds.get('leak_verbatim_mbpp')!), 'embedding')!.score).toBeGreaterThan(0.999);
  }, 180_000);

  it('has --help, and errors keep their codes', async () => {
    const help = decontamCommand().helpInformation();
    for (const flag of ['--input', '--bench', '--out', '--coreset', '--embeddings', '--min-exact-chars', '--ngram-threshold', '--min-ngrams', '--embed-threshold', '--no-embed', '--model']) expect(help).toContain(flag);
    await expect(decontam(['--input', data, '--bench', join(BENCHMARKS, 'unknown-layout.jsonl'), '--out', join(dir, 'bad')])).rejects.toMatchObject({ code: 'E_FORMAT_UNKNOWN' });
    await expect(decontam(['--input', data, '--bench', MBPP, '--out', join(dir, 'bad'), '--ngram-threshold', '1.5'])).rejects.toMatchObject({ code: 'commander.invalidArgument' });
  });
});
