// `tidepool decontam --shard I/N` and `--merge` through the built CLI, on generated records with one
// planted copy of a HumanEval fixture (in shard 1 of 3) and one line that is not JSON (in shard 2):
// three shard processes (two at once) into one --out; the last merges, and kept.jsonl, removed.jsonl
// and rejects.jsonl are byte-identical to an unsharded run's. A finished shard reruns as a no-op,
// another N is refused, and --merge alone is idempotent. Pairs input: decontam-pairs-shards-cli.test.ts.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/files.js';
import { BENCHMARKS, RUNNING_MAXIMUM } from '../unit/decontam/helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
let input: string;
let whole: string;
let sharded: string;
let bench: string[];
/** Lines of the input: 300 clean records, the planted copy at 0-based line 150, a broken line at 250. */
const PLANTED_LINE = 150;
const BROKEN_LINE = 250;

function cleanRecord(i: number): string {
  return JSON.stringify({ instruction: `Write a function scale_${i} that multiplies its argument by ${i} and adds ${i % 7}.`, input: '', output: `def scale_${i}(x):\n    return x * ${i} + ${i % 7}` });
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  const lines = Array.from({ length: 300 }, (_, i) => cleanRecord(i));
  lines.splice(PLANTED_LINE, 0, JSON.stringify({ instruction: 'PLANTED: keep the largest value seen so far.', input: '', output: RUNNING_MAXIMUM }));
  lines.splice(BROKEN_LINE, 0, '{"instruction": "broken');
  input = join(dir, 'generated.jsonl');
  await writeFile(input, `${lines.join('\n')}\n`);
  bench = ['--bench', join(BENCHMARKS, 'humaneval-mini.jsonl'), join(BENCHMARKS, 'mbpp-mini.jsonl')];
  whole = join(dir, 'whole');
  const unsharded = await runCli(['decontam', '--input', input, ...bench, '--out', whole, ...FLAGS, '--json', '-q']);
  expect(unsharded.code, unsharded.stderr).toBe(0);
  sharded = join(dir, 'sharded');
}, 120_000);
afterAll(async () => cleanup());

const FLAGS = ['--threads', '1', '--window-rows', '16'];

interface ShardSummary { records: number; kept: number; removed: number; rejected: number; shard?: string; lines?: { start: number; end: number }; merged?: boolean; alreadyMerged?: boolean; alreadyDone?: boolean; missingShards?: number[] }

async function shard(spec: string): Promise<ShardSummary> {
  const result = await runCli(['decontam', '--input', input, ...bench, '--out', sharded, ...FLAGS, '--shard', spec, '--json', '-q']);
  expect(result.code, result.stderr).toBe(0);
  return result.json as ShardSummary;
}

async function bytesOf(folder: string, name: string): Promise<Buffer> {
  return readFile(join(folder, name));
}

describe('decontam --shard I/N', () => {
  it('3 shard processes (0 and 1 at once, then 2) merge into files byte-identical to an unsharded run', async () => {
    const first = await Promise.all([shard('0/3'), shard('1/3')]);
    expect(first.every((summary) => summary.merged === false)).toBe(true);
    const last = await shard('2/3');
    expect(last.merged).toBe(true);
    expect(last.alreadyMerged).toBe(false);
    const summaries = [...first, last];
    // Every line in exactly one shard: 302 lines, 301 records and the broken one.
    expect(summaries.map((summary) => summary.lines)).toEqual([{ start: 0, end: 100 }, { start: 100, end: 201 }, { start: 201, end: 302 }]);
    expect(summaries.reduce((sum, summary) => sum + summary.records, 0)).toBe(301);
    expect(summaries.map((summary) => summary.removed)).toEqual([0, 1, 0]);
    expect(summaries.map((summary) => summary.rejected)).toEqual([0, 0, 1]);
    for (const name of ['kept.jsonl', 'removed.jsonl', 'candidates.jsonl', 'rejects.jsonl']) {
      const [a, b] = await Promise.all([bytesOf(whole, name), bytesOf(sharded, name)]);
      expect(b.equals(a), name).toBe(true);
    }
    const removed = (await readFile(join(sharded, 'removed.jsonl'), 'utf8')).trim().split('\n');
    expect(removed).toHaveLength(1);
    expect((JSON.parse(removed[0]!) as { instruction: string }).instruction).toMatch(/^PLANTED/);
    const manifest = JSON.parse(await readFile(join(sharded, 'manifest.json'), 'utf8')) as { parameters: Record<string, unknown>; counts: Record<string, unknown>; outputs: { sha256: string }[] };
    const wholeManifest = JSON.parse(await readFile(join(whole, 'manifest.json'), 'utf8')) as typeof manifest;
    expect(manifest.counts).toEqual(wholeManifest.counts);
    expect(manifest.outputs.map((file) => file.sha256)).toEqual(wholeManifest.outputs.map((file) => file.sha256));
    const { shards, identity, ...parameters } = manifest.parameters;
    expect(shards).toBe(3);
    expect(typeof identity).toBe('string');
    expect(parameters).toEqual(wholeManifest.parameters);
  }, 120_000);

  it('a finished shard reruns as a no-op, --merge again changes nothing, another N is refused', async () => {
    const before = await bytesOf(sharded, 'kept.jsonl');
    const again = await shard('1/3');
    expect(again.alreadyDone).toBe(true);
    expect(again.alreadyMerged).toBe(true);
    const merge = await runCli(['decontam', '--input', input, ...bench, '--out', sharded, ...FLAGS, '--merge', '--json', '-q']);
    expect(merge.code, merge.stderr).toBe(0);
    expect((merge.json as ShardSummary).alreadyMerged).toBe(true);
    expect((merge.json as ShardSummary).records).toBe(301);
    expect((await bytesOf(sharded, 'kept.jsonl')).equals(before)).toBe(true);
    const otherN = await runCli(['decontam', '--input', input, ...bench, '--out', sharded, ...FLAGS, '--shard', '0/2', '-q']);
    expect(otherN.code).toBe(1);
    expect(otherN.stderr).toContain('split into 3 shards');
    const both = await runCli(['decontam', '--input', input, ...bench, '--out', sharded, '--shard', '0/3', '--merge', '-q']);
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('exclude each other');
  }, 120_000);

  it('--merge names the unfinished shards', async () => {
    const out = join(dir, 'partial');
    const one = await runCli(['decontam', '--input', input, ...bench, '--out', out, ...FLAGS, '--shard', '0/2', '-q']);
    expect(one.code, one.stderr).toBe(0);
    const merge = await runCli(['decontam', '--input', input, ...bench, '--out', out, ...FLAGS, '--merge', '-q']);
    expect(merge.code).toBe(1);
    expect(merge.stderr).toContain('shard 1 of 2 has not finished');
  }, 120_000);
});
