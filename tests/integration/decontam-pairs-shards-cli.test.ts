// `tidepool decontam --shard I/N` on PAIRS input (an ingest folder's pairs.arrow) through the built CLI:
// `tidepool sample` pairs with three planted benchmark copies spread through the file, checked by three
// shard processes (0 and 1 at once, then 2) into one --out; the last merges, and kept.jsonl and
// removed.jsonl are byte-identical to an unsharded run's. Again with --coreset (a coreset.arrow written
// here: the leaks and every fourth row, in another order than the file's) and --embeddings from
// `tidepool embed` (hashing: each shard recounts the IDF over all pairs). A finished shard reruns as a
// no-op, --merge again changes nothing, another N is refused.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readArrowBatches } from '../../src/store/arrow-file.js';
import { writeCoreset } from '../../src/store/coreset.js';
import { pairRowAt } from '../../src/store/pairs.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/files.js';
import { BENCHMARKS, RUNNING_MAXIMUM, RUNNING_MAXIMUM_RENAMED } from '../unit/decontam/helpers.js';

/** MBPP fixture 903 as its file holds it. */
const MBPP_903 = {
  text: 'Write a function to compute the sum of the squares of the even numbers up to and including n.',
  code: 'def even_square_sum(n):\n    total = 0\n    for k in range(2, n + 1, 2):\n        total += k * k\n    return total',
};

let dir: string;
let cleanup: () => Promise<void>;
let data: string;
let coreset: string;
let embedded: string;
let bench: string[];
/** row_id of each planted leak. */
const leakIds = new Map<string, number>();
/** Rows of pairs.arrow, and how many of them the coreset holds. */
let rows = 0;
let coresetRows = 0;

const FLAGS = ['--threads', '1', '--window-rows', '16'];

/** A `.jsonl` of pairs for `tidepool ingest`. */
async function writePairs(name: string, pairs: { func_name: string; docstring: string; code: string }[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, pairs.map((pair) => JSON.stringify({ ...pair, language: 'python' })).join('\n'));
  return path;
}

async function sample(name: string, count: number, seed: number): Promise<string> {
  const path = join(dir, name);
  const result = await runCli(['sample', '--rows', String(count), '--seed', String(seed), '--out', path, '-q']);
  expect(result.code, result.stderr).toBe(0);
  return path;
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  // The leaks sit at the start, the middle and near the end of the file, so that more than one shard finds one.
  const inputs = [
    await writePairs('leak-a.jsonl', [{ func_name: 'leak_exact', docstring: 'Running maximum.', code: RUNNING_MAXIMUM }]),
    await sample('sample-1.jsonl', 150, 1),
    await writePairs('leak-b.jsonl', [{ func_name: 'leak_renamed', docstring: 'Peaks of prefixes.', code: RUNNING_MAXIMUM_RENAMED }]),
    await sample('sample-2.jsonl', 120, 2),
    await writePairs('leak-c.jsonl', [{ func_name: 'leak_verbatim_mbpp', docstring: MBPP_903.text, code: MBPP_903.code }]),
    await sample('sample-3.jsonl', 10, 3),
  ];
  data = join(dir, 'ingested');
  const ingest = await runCli(['ingest', ...inputs, '--out', data, '-q']);
  expect(ingest.code, ingest.stderr).toBe(0);
  const coresetIds: number[] = [];
  for await (const batch of readArrowBatches(join(data, 'pairs.arrow'))) {
    for (let i = 0; i < batch.numRows; i++) {
      const row = pairRowAt(batch, i);
      if (row.funcName?.startsWith('leak_') === true) leakIds.set(row.funcName, row.rowId);
      if (row.funcName?.startsWith('leak_') === true || rows % 4 === 0) coresetIds.push(row.rowId);
      rows++;
    }
  }
  expect(leakIds.size).toBe(3);
  coresetRows = coresetIds.length;
  coreset = join(dir, 'select');
  // Rank order is not file order: decontam checks the coreset's rows in file order all the same.
  const ranked = coresetIds.reverse();
  await mkdir(coreset, { recursive: true });
  await writeCoreset(join(coreset, 'coreset.arrow'), ranked, ranked.map((_, rank) => 1 / (rank + 1)));
  embedded = join(dir, 'embedded');
  const embed = await runCli(['embed', '--data', data, '--model', 'hashing', '--dim', '64', '--out', embedded, '-q']);
  expect(embed.code, embed.stderr).toBe(0);
  bench = ['--bench', join(BENCHMARKS, 'humaneval-mini.jsonl'), join(BENCHMARKS, 'mbpp-mini.jsonl')];
}, 180_000);
afterAll(async () => cleanup());

interface ShardSummary { input: string; records: number; kept: number; removed: number; rejected: number; shard?: string; rows?: { start: number; end: number }; lines?: unknown; merged?: boolean; alreadyMerged?: boolean; alreadyDone?: boolean; missingShards?: number[] }

async function decontam(out: string, extra: string[]): Promise<ShardSummary> {
  const result = await runCli(['decontam', '--input', data, ...bench, '--out', out, ...FLAGS, ...extra, '--json', '-q']);
  expect(result.code, result.stderr).toBe(0);
  return result.json as ShardSummary;
}

type Manifest = { parameters: Record<string, unknown>; counts: Record<string, unknown>; inputs: { path: string; sha256: string }[]; outputs: { path: string; sha256: string }[] };

async function manifestOf(folder: string): Promise<Manifest> {
  return JSON.parse(await readFile(join(folder, 'manifest.json'), 'utf8')) as Manifest;
}

/** Runs the whole input unsharded and in 3 shards (0 and 1 at once, then 2), and compares the results. */
async function compareSharded(name: string, extra: string[], checked: number): Promise<ShardSummary[]> {
  const whole = join(dir, `${name}-whole`);
  const sharded = join(dir, `${name}-sharded`);
  const unsharded = await decontam(whole, extra);
  expect(unsharded.records).toBe(checked);
  const first = await Promise.all([decontam(sharded, [...extra, '--shard', '0/3']), decontam(sharded, [...extra, '--shard', '1/3'])]);
  expect(first.every((summary) => summary.merged === false)).toBe(true);
  const last = await decontam(sharded, [...extra, '--shard', '2/3']);
  expect(last.merged).toBe(true);
  expect(last.alreadyMerged).toBe(false);
  const summaries = [...first, last];
  // Every row of pairs.arrow in exactly one shard, in file order; every checked record counted once.
  expect(summaries[0]!.rows!.start).toBe(0);
  for (let i = 1; i < 3; i++) expect(summaries[i]!.rows!.start).toBe(summaries[i - 1]!.rows!.end);
  expect(summaries[2]!.rows!.end).toBe(rows);
  expect(summaries.every((summary) => summary.lines === undefined && summary.input === unsharded.input)).toBe(true);
  expect(summaries.reduce((sum, summary) => sum + summary.records, 0)).toBe(checked);
  expect(summaries.reduce((sum, summary) => sum + summary.removed, 0)).toBe(unsharded.removed);
  // The leaks are spread over the file: more than one shard removes something.
  expect(summaries.filter((summary) => summary.removed > 0).length).toBeGreaterThan(1);
  for (const file of ['kept.jsonl', 'removed.jsonl', 'candidates.jsonl']) {
    const [a, b] = await Promise.all([readFile(join(whole, file)), readFile(join(sharded, file))]);
    expect(b.equals(a), file).toBe(true);
  }
  const removedIds = (await readFile(join(sharded, 'removed.jsonl'), 'utf8')).trim().split('\n').map((line) => (JSON.parse(line) as { row_id: number }).row_id);
  for (const id of leakIds.values()) expect(removedIds).toContain(id);
  const [manifest, wholeManifest] = await Promise.all([manifestOf(sharded), manifestOf(whole)]);
  expect(manifest.counts).toEqual(wholeManifest.counts);
  expect(manifest.inputs).toEqual(wholeManifest.inputs);
  expect(manifest.outputs.map((file) => file.sha256)).toEqual(wholeManifest.outputs.map((file) => file.sha256));
  const { shards, identity, ...parameters } = manifest.parameters;
  expect(shards).toBe(3);
  expect(typeof identity).toBe('string');
  expect(parameters).toEqual(wholeManifest.parameters);
  return summaries;
}

describe('decontam --shard I/N over pairs.arrow', () => {
  it('3 shard processes (two at once) merge into kept.jsonl and removed.jsonl byte-identical to an unsharded run', async () => {
    await compareSharded('pairs', [], rows);
  }, 180_000);

  it('with --coreset and --embeddings: the coreset rows among each shard\'s rows, merged byte-identical', async () => {
    const summaries = await compareSharded('coreset', ['--coreset', coreset, '--embeddings', embedded], coresetRows);
    expect(summaries.every((summary) => summary.input === 'coreset')).toBe(true);
    const manifest = await manifestOf(join(dir, 'coreset-sharded'));
    expect(manifest.inputs.map((file) => file.path)).toEqual(expect.arrayContaining([join(coreset, 'coreset.arrow'), join(embedded, 'embeddings.arrow')]));
  }, 180_000);

  it('a finished shard reruns as a no-op, --merge again changes nothing, another N or another coreset is refused', async () => {
    const sharded = join(dir, 'pairs-sharded');
    const before = await readFile(join(sharded, 'kept.jsonl'));
    const again = await decontam(sharded, ['--shard', '1/3']);
    expect(again.alreadyDone).toBe(true);
    expect(again.alreadyMerged).toBe(true);
    const merge = await decontam(sharded, ['--merge']);
    expect(merge.alreadyMerged).toBe(true);
    expect(merge.records).toBe(rows);
    expect((await readFile(join(sharded, 'kept.jsonl'))).equals(before)).toBe(true);
    const otherN = await runCli(['decontam', '--input', data, ...bench, '--out', sharded, ...FLAGS, '--shard', '0/2', '-q']);
    expect(otherN.code).toBe(1);
    expect(otherN.stderr).toContain('split into 3 shards');
    const otherCoreset = await runCli(['decontam', '--input', data, ...bench, '--out', sharded, ...FLAGS, '--coreset', coreset, '--shard', '0/3', '-q']);
    expect(otherCoreset.code).toBe(1);
    expect(otherCoreset.stderr).toContain('other inputs or parameters');
  }, 180_000);

  it('a coreset naming a row_id that pairs.arrow lacks stops every shard, as it stops an unsharded run, before a shard is marked done', async () => {
    const strayId = Math.max(...leakIds.values(), rows) + 1000;
    const stray = join(dir, 'stray-select');
    await mkdir(stray, { recursive: true });
    await writeCoreset(join(stray, 'coreset.arrow'), [leakIds.get('leak_exact')!, strayId], [1, 0.5]);
    for (const extra of [[], ['--shard', '1/2']]) {
      const out = join(dir, `stray-${extra.length}`);
      const result = await runCli(['decontam', '--input', data, ...bench, '--out', out, ...FLAGS, '--coreset', stray, ...extra, '-q']);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`names 1 row_id(s) not in ${join(data, 'pairs.arrow')} (first: ${strayId})`);
      expect(existsSync(join(out, '.shards', 'completions', '1'))).toBe(false);
      expect(existsSync(join(out, 'kept.jsonl'))).toBe(false);
    }
  }, 120_000);
});
