// `tidepool ingest --shard I/N` and `--merge` through the built CLI: six input files (five jsonl, one
// damaged Parquet file) split over three shard processes (two at once, then the third, which merges).
// The merge must give pairs.arrow and rejects.jsonl byte-identical to an unsharded run's, including a
// pair that appears in the files of two shards (kept once, the first copy, as unsharded), a bad line
// and a file rejected as a whole; the manifest differs only by `shards` and timings. A finished shard
// reruns as a no-op, --merge of a merged folder does nothing, and another N is refused.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/files.js';

let dir: string;
let cleanup: () => Promise<void>;
let inputs: string[];
/** The pair copied from file 0 (shard 0) into file 4 (shard 2). */
let duplicated: string;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  const sampleFile = join(dir, 'sample.jsonl');
  const sample = await runCli(['sample', '--rows', '500', '--seed', '9', '--out', sampleFile, '-q']);
  expect(sample.code, sample.stderr).toBe(0);
  const lines = (await readFile(sampleFile, 'utf8')).trimEnd().split('\n');
  const per = Math.ceil(lines.length / 5);
  const parts = Array.from({ length: 5 }, (_, index) => lines.slice(index * per, (index + 1) * per));
  duplicated = parts[0]![3]!;
  parts[4]!.splice(7, 0, duplicated);
  parts[2]!.splice(5, 0, '{"docstring": "broken', '{"docstring": "no repo, path or url", "code": "def f():\\n    return 42", "language": "python"}');
  inputs = parts.map((_, index) => join(dir, `part-${index}.jsonl`));
  await Promise.all(parts.map((part, index) => writeFile(inputs[index]!, `${part.join('\n')}\n`)));
  const damaged = join(dir, 'part-5.parquet');
  await writeFile(damaged, 'this is not a parquet file');
  inputs.push(damaged);
}, 120_000);
afterAll(async () => cleanup());

interface ShardSummary { shard?: string; files?: { start: number; end: number }; merged: boolean; alreadyDone?: boolean; alreadyMerged?: boolean; read?: number; merge?: { read: number; kept: number; duplicates: number; rejected: number; rejectedFiles: number }; missingShards?: number[] }

async function manifestOf(out: string): Promise<Record<string, unknown>> {
  const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  // What may differ: when it was written, how long it took, and that the run was sharded.
  delete manifest.createdAt;
  delete manifest.timings;
  // Output paths name the folder, which differs; their bytes, checksums and rows must not.
  manifest.outputs = (manifest.outputs as { path: string }[]).map((output) => ({ ...output, path: basename(output.path) }));
  return manifest;
}

describe('ingest --shard I/N', () => {
  it('3 shard processes (two at once) merge into pairs.arrow, rejects.jsonl and a manifest equal to an unsharded run', async () => {
    const whole = join(dir, 'whole');
    const unsharded = await runCli(['ingest', ...inputs, '--out', whole, '--json', '-q']);
    expect(unsharded.code, unsharded.stderr).toBe(0);
    const counts = unsharded.json as { read: number; kept: number; duplicates: number; rejected: number; rejectedFiles: number };
    // The planted problems, known independently of the code under test.
    expect(counts.read).toBe(500 + 3);
    expect(counts.duplicates).toBeGreaterThanOrEqual(1);
    expect(counts.rejected).toBe(1);
    expect(counts.rejectedFiles).toBe(1);

    const out = join(dir, 'sharded');
    const shard = (index: number) => runCli(['ingest', ...inputs, '--out', out, '--shard', `${index}/3`, '--json', '-q', '--threads', '1']);
    const first = await Promise.all([shard(0), shard(1)]);
    for (const result of first) expect(result.code, result.stderr).toBe(0);
    const early = first.map((result) => result.json as ShardSummary);
    expect(early.map((summary) => summary.files)).toEqual([{ start: 0, end: 2 }, { start: 2, end: 4 }]);
    expect(early.every((summary) => !summary.merged)).toBe(true);
    const last = await shard(2);
    expect(last.code, last.stderr).toBe(0);
    const merged = last.json as ShardSummary;
    expect(merged.files).toEqual({ start: 4, end: 6 });
    expect(merged.merged).toBe(true);
    expect(merged.merge).toMatchObject({ read: counts.read, kept: counts.kept, duplicates: counts.duplicates, rejected: 1, rejectedFiles: 1 });
    // The damaged file is reported by the merge, as by an unsharded run.
    expect(last.stderr).toMatch(/input file .*part-5\.parquet rejected/);

    for (const file of ['pairs.arrow', 'rejects.jsonl']) {
      const [a, b] = await Promise.all([readFile(join(whole, file)), readFile(join(out, file))]);
      expect(b.length, file).toBe(a.length);
      expect(b.equals(a), file).toBe(true);
    }
    const rejects = await readFile(join(out, 'rejects.jsonl'), 'utf8');
    expect(rejects).toMatch(/part-2\.jsonl/);
    expect(rejects).toMatch(/unreadable_file/);
    const [wholeManifest, shardedManifest] = await Promise.all([manifestOf(whole), manifestOf(out)]);
    const parameters = shardedManifest.parameters as Record<string, unknown>;
    expect(parameters.shards).toBe(3);
    delete parameters.shards;
    expect(shardedManifest).toEqual(wholeManifest);

    // The parts are removed once pairs.arrow is committed; the markers stay.
    expect(existsSync(join(out, '.shards', 'parts'))).toBe(false);
    for (let index = 0; index < 3; index++) expect(existsSync(join(out, '.shards', 'completions', String(index)))).toBe(true);

    // A finished shard reruns as a no-op; a merged folder is not merged again.
    const rerun = await shard(1);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.json).toMatchObject({ shard: '1/3', alreadyDone: true, merged: true, alreadyMerged: true });
    const mergeAgain = await runCli(['ingest', ...inputs, '--out', out, '--merge', '--json', '-q']);
    expect(mergeAgain.code, mergeAgain.stderr).toBe(0);
    expect(mergeAgain.json).toMatchObject({ merged: true, alreadyMerged: true });
    const after = await readFile(join(out, 'pairs.arrow'));
    expect(after.equals(await readFile(join(whole, 'pairs.arrow')))).toBe(true);

    // Another N, or other options, are refused; --shard and --merge exclude each other.
    const otherN = await runCli(['ingest', ...inputs, '--out', out, '--shard', '0/2', '-q']);
    expect(otherN.code).toBe(1);
    expect(otherN.stderr).toMatch(/split into 3 shards.*asks for 2/s);
    const otherOptions = await runCli(['ingest', ...inputs, '--out', out, '--shard', '0/3', '--min-code-lines', '3', '-q']);
    expect(otherOptions.code).toBe(1);
    expect(otherOptions.stderr).toMatch(/other inputs or parameters/);
    const both = await runCli(['ingest', ...inputs, '--out', out, '--shard', '0/3', '--merge', '-q']);
    expect(both.code).toBe(1);
    expect(both.stderr).toMatch(/exclude each other/);
  }, 180_000);

  it('--merge before every shard has finished names the missing shards', async () => {
    const out = join(dir, 'partial');
    const one = await runCli(['ingest', ...inputs, '--out', out, '--shard', '1/4', '-q', '--threads', '0']);
    expect(one.code, one.stderr).toBe(0);
    const merge = await runCli(['ingest', ...inputs, '--out', out, '--merge', '-q']);
    expect(merge.code).toBe(1);
    expect(merge.stderr).toMatch(/shards 0, 2, 3 of 4 have not finished/);
  }, 60_000);
});
