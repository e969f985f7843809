// `tidepool embed --shard I/N` and `--merge` through the built CLI: four shard processes, two at a
// time, into one shared --out; the last to finish merges, and embeddings.arrow is byte-identical to an
// unsharded run's (hashing, whose document frequencies need every row, and a static model with more
// shards than windows). A finished shard reruns as a no-op, another N is refused, --merge names the
// unfinished shards, and a live process of the same shard keeps a second one out (a dead one's claim
// is taken over).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeStaticModel } from '../../src/devkit/static-model/index.js';
import { FolderLock } from '../../src/store/output-lock.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { tempDir } from '../helpers/files.js';

let dir: string;
let cleanup: () => Promise<void>;
let data: string;
let staticModel: string;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  const sample = await runCli(['sample', '--rows', '700', '--seed', '5', '--out', join(dir, 'sample.jsonl'), '-q']);
  expect(sample.code, sample.stderr).toBe(0);
  data = join(dir, 'ingested');
  const ingest = await runCli(['ingest', join(dir, 'sample.jsonl'), '--out', data, '-q']);
  expect(ingest.code, ingest.stderr).toBe(0);
  staticModel = join(dir, 'static-model');
  await writeStaticModel(staticModel, { mappedRows: 500 });
}, 120_000);
afterAll(async () => cleanup());

interface ShardSummary { rows: number; shard?: string; merged?: boolean; alreadyMerged?: boolean; alreadyDone?: boolean; windows?: { start: number; end: number }; missingShards?: number[] }

/** Runs shards 0..3 as separate processes, two at a time; returns their --json summaries. */
async function runFourShards(flags: readonly string[], out: string): Promise<ShardSummary[]> {
  const summaries: ShardSummary[] = [];
  for (const pair of [[0, 1], [2, 3]]) {
    const results = await Promise.all(pair.map((index) => runCli(['embed', ...flags, '--out', out, '--shard', `${index}/4`, '--json', '-q'])));
    for (const result of results) {
      expect(result.code, result.stderr).toBe(0);
      summaries.push(result.json as ShardSummary);
    }
  }
  return summaries;
}

async function expectSameBytes(whole: string, sharded: string): Promise<void> {
  const [a, b] = await Promise.all([readFile(join(whole, 'embeddings.arrow')), readFile(join(sharded, 'embeddings.arrow'))]);
  expect(b.length).toBe(a.length);
  expect(b.equals(a)).toBe(true);
}

describe('embed --shard I/N', () => {
  it.each([
    ['hashing', () => ['--model', 'hashing', '--window-rows', '64']],
    ['a static model (3 windows: one shard is empty)', () => ['--model', staticModel, '--window-rows', '300', '--threads', '1']],
  ])('with %s: 4 shard processes, 2 at a time, merge into a file byte-identical to an unsharded run', async (name, makeFlags) => {
    const flags = ['--data', data, ...makeFlags()];
    const slug = name.split(' ')[0]!;
    const whole = join(dir, `${slug}-whole`);
    const unsharded = await runCli(['embed', ...flags, '--out', whole, '-q', '--json']);
    expect(unsharded.code, unsharded.stderr).toBe(0);
    const rows = (unsharded.json as { rows: number }).rows;
    const out = join(dir, `${slug}-sharded`);
    const summaries = await runFourShards(flags, out);
    // Every row embedded by exactly one shard; exactly one process merged.
    expect(summaries.reduce((sum, summary) => sum + summary.rows, 0)).toBe(rows);
    expect(summaries.filter((summary) => summary.merged === true && summary.alreadyMerged !== true)).toHaveLength(1);
    expect(summaries.slice(0, 2).every((summary) => summary.merged === false)).toBe(true);
    await expectSameBytes(whole, out);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as { parameters: { shards: number; identity: string }; counts: { rows: number } };
    const wholeManifest = JSON.parse(await readFile(join(whole, 'manifest.json'), 'utf8')) as { parameters: { identity: string } };
    expect(manifest.parameters.shards).toBe(4);
    expect(manifest.parameters.identity).toBe(wholeManifest.parameters.identity);
    expect(manifest.counts.rows).toBe(rows);
    expect(existsSync(join(out, '.embed-parts'))).toBe(false);
    for (let index = 0; index < 4; index++) expect(existsSync(join(out, '.shards', 'completions', String(index)))).toBe(true);

    // Rerunning a finished shard, and the merge, does nothing and leaves the file as it was.
    const rerun = await runCli(['embed', ...flags, '--out', out, '--shard', '2/4']);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stdout).toMatch(/shard 2\/4 \(windows .*\) had already finished: nothing to do/);
    const merge = await runCli(['embed', ...flags, '--out', out, '--merge']);
    expect(merge.code, merge.stderr).toBe(0);
    expect(merge.stdout).toMatch(/already merged: nothing to do/);
    await expectSameBytes(whole, out);
  }, 240_000);

  it('refuses another N once a shard has started, and --merge names the shards that have not finished', async () => {
    const out = join(dir, 'partial');
    const flags = ['--data', data, '--model', 'hashing', '--window-rows', '64', '--out', out];
    const first = await runCli(['embed', ...flags, '--shard', '1/4', '--json', '-q']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.json).toMatchObject({ shard: '1/4', merged: false, missingShards: [0, 2, 3] });
    const otherN = await runCli(['embed', ...flags, '--shard', '0/3']);
    expect(otherN.code).toBe(1);
    expect(otherN.stderr).toMatch(/split into 4 shards .*plan\.json.*--shard 0\/3 asks for 3.*N cannot change/s);
    const otherModel = await runCli(['embed', '--data', data, '--model', 'hashing', '--dim', '64', '--window-rows', '64', '--out', out, '--shard', '0/4']);
    expect(otherModel.code).toBe(1);
    expect(otherModel.stderr).toMatch(/other inputs or parameters/);
    const merge = await runCli(['embed', ...flags, '--merge']);
    expect(merge.code).toBe(1);
    expect(merge.stderr).toMatch(/cannot merge .* shards 0, 2, 3 of 4 have not finished .*completions\/0.*--shard 0\/4, --shard 2\/4, --shard 3\/4/s);
    expect(existsSync(join(out, 'embeddings.arrow'))).toBe(false);
    const usage = await runCli(['embed', ...flags, '--shard', '4/4']);
    expect(usage.code).toBe(1);
    expect(usage.stderr).toMatch(/--shard 4\/4: shards are numbered from 0, so I must be 0\.\.3/);
  }, 120_000);

  it('keeps a second process of the same shard out while the first lives, and takes over a dead one\'s claim', async () => {
    const out = join(dir, 'claims');
    const flags = ['embed', '--data', data, '--model', 'hashing', '--window-rows', '64', '--out', out, '--shard', '0/2', '-q'];
    const claims = join(out, '.shards', 'claims');
    await mkdir(claims, { recursive: true });
    // This test process stands in for a live shard 0.
    const live = FolderLock.acquire(claims, 'embed --shard 0/2', '0.tidepool.lock');
    let refused: CliResult;
    try {
      refused = await runCli(flags);
    } finally {
      live.release();
    }
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`shard 0/2 of .* is already running: pid ${process.pid} on ${hostname()}`));
    // A claim left by a process that has exited.
    const dead = spawn(process.execPath, ['-e', '']);
    const deadPid = await new Promise<number>((resolve) => {
      dead.on('exit', () => {
        resolve(dead.pid!);
      });
    });
    await writeFile(join(claims, '0.tidepool.lock'), JSON.stringify({ pid: deadPid, host: hostname(), processStart: null, startedAt: new Date().toISOString(), stage: 'embed', command: 'killed', token: 'dead' }));
    const takeover = await runCli(flags);
    expect(takeover.code, takeover.stderr).toBe(0);
    expect(existsSync(join(out, '.shards', 'completions', '0'))).toBe(true);
  }, 120_000);
});
