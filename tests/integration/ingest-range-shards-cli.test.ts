// `tidepool ingest --shard I/N` on ONE large jsonl file, through the built CLI: with fewer files than
// shards the file is split into byte ranges (whole 4 MiB blocks), one per shard here. Four shard
// processes (two at once) must merge into pairs.arrow, rejects.jsonl and a manifest equal to an
// unsharded run's: a pair copied from the first range into the last is kept once (the first copy), and
// a bad line deep in the file is rejected under its true line number (known from where it was planted,
// not from the code under test). A finished shard reruns as a no-op and another N is refused.
import { readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/files.js';

let dir: string;
let cleanup: () => Promise<void>;
let input: string;
/** 1-based line number of the planted bad line. */
let badLine: number;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  const sampleFile = join(dir, 'sample.jsonl');
  // ~1.5 KB a pair: 10,000 pairs are a little over 14 MiB, so 4 blocks and 4 ranges.
  const sample = await runCli(['sample', '--rows', '10000', '--seed', '17', '--out', sampleFile, '-q']);
  expect(sample.code, sample.stderr).toBe(0);
  const lines = (await readFile(sampleFile, 'utf8')).trimEnd().split('\n');
  lines.splice(9_000, 0, lines[10]!); // a duplicate of a pair of the first range, in the last
  lines.splice(6_000, 0, '{"docstring": "broken');
  badLine = 6_001;
  input = join(dir, 'one-large-file.jsonl');
  await writeFile(input, `${lines.join('\n')}\n`);
}, 120_000);
afterAll(async () => cleanup());

interface ShardSummary { shard?: string; files?: { start: number; end: number }; ranges?: { file: number; start: number; end: number }[]; merged: boolean; alreadyDone?: boolean; alreadyMerged?: boolean; merge?: { read: number; kept: number; duplicates: number; rejected: number } }

async function manifestOf(out: string): Promise<Record<string, unknown>> {
  const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  delete manifest.createdAt;
  delete manifest.timings;
  manifest.outputs = (manifest.outputs as { path: string }[]).map((output) => ({ ...output, path: basename(output.path) }));
  return manifest;
}

describe('ingest --shard I/N over byte ranges of one file', () => {
  it('4 shard processes (two at once) merge into outputs byte-identical to an unsharded run', async () => {
    const whole = join(dir, 'whole');
    const unsharded = await runCli(['ingest', input, '--out', whole, '--json', '-q']);
    expect(unsharded.code, unsharded.stderr).toBe(0);
    const counts = unsharded.json as { read: number; kept: number; duplicates: number; rejected: number };
    expect(counts.read).toBe(10_002);
    expect(counts.rejected).toBe(1);
    expect(counts.duplicates).toBeGreaterThanOrEqual(1);

    const out = join(dir, 'sharded');
    const shard = (index: number) => runCli(['ingest', input, '--out', out, '--shard', `${index}/4`, '--json', '-q', '--threads', '1']);
    const first = await Promise.all([shard(0), shard(1)]);
    const second = [await shard(2), await shard(3)];
    const summaries: ShardSummary[] = [];
    for (const result of [...first, ...second]) {
      expect(result.code, result.stderr).toBe(0);
      summaries.push(result.json as ShardSummary);
    }
    // One range each, block-aligned, covering the file in order.
    const size = (await readFile(input)).length;
    const ranges = summaries.map((summary) => summary.ranges);
    expect(ranges.every((owned) => owned?.length === 1)).toBe(true);
    const bounds = ranges.map((owned) => owned![0]!);
    expect(bounds[0]!.start).toBe(0);
    expect(bounds[3]!.end).toBe(size);
    for (let at = 1; at < 4; at++) {
      expect(bounds[at]!.start).toBe(bounds[at - 1]!.end);
      expect(bounds[at]!.start % (4 * 1024 * 1024)).toBe(0);
    }
    expect(summaries.map((summary) => summary.merged)).toEqual([false, false, false, true]);
    expect(summaries[3]!.merge).toMatchObject({ read: counts.read, kept: counts.kept, duplicates: counts.duplicates, rejected: 1 });

    for (const file of ['pairs.arrow', 'rejects.jsonl']) {
      const [a, b] = await Promise.all([readFile(join(whole, file)), readFile(join(out, file))]);
      expect(b.length, file).toBe(a.length);
      expect(b.equals(a), file).toBe(true);
    }
    const rejects = (await readFile(join(out, 'rejects.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { line: number; reason: string });
    expect(rejects).toMatchObject([{ line: badLine, reason: 'invalid_json' }]);
    const [wholeManifest, shardedManifest] = await Promise.all([manifestOf(whole), manifestOf(out)]);
    const parameters = shardedManifest.parameters as Record<string, unknown>;
    expect(parameters.shards).toBe(4);
    delete parameters.shards;
    expect(shardedManifest).toEqual(wholeManifest);

    const rerun = await shard(2);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.json).toMatchObject({ shard: '2/4', alreadyDone: true, merged: true, alreadyMerged: true });
    expect((await readFile(join(out, 'pairs.arrow'))).equals(await readFile(join(whole, 'pairs.arrow')))).toBe(true);

    const otherN = await runCli(['ingest', input, '--out', out, '--shard', '0/2', '-q']);
    expect(otherN.code).toBe(1);
    expect(otherN.stderr).toMatch(/split into 4 shards.*asks for 2/s);
  }, 240_000);
});
