// `tidepool run --executor slurm` on the real single-node Slurm cluster (.ci/slurm-up.sh): the same
// pipeline file as the local executor, each stage a job array with its merge, chained by afterok.
// Outputs are byte-identical to the local executor's; a shard killed with scancel is the only one
// submitted again on relaunch; a shard that fails on a planted bad row stops the later stages,
// `tidepool status` names it and its log, and a relaunch after the fix completes; two launches at once
// submit once. These tests fail, never skip, without a cluster (ensureSlurmCluster).
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbedServer } from '../../src/devkit/embed-sim/index.js';
import { SlurmLauncher } from '../../src/launchers/slurm/index.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { tempDir } from '../helpers/files.js';
import { ensureSlurmCluster } from './slurm-cluster.js';

const ROOT = resolve(import.meta.dirname, '../..');
const BENCH = [join(ROOT, 'examples/benchmarks/humaneval-style.jsonl'), join(ROOT, 'examples/benchmarks/mbpp-style.jsonl')];
const MODEL = join(ROOT, 'native-models/tidepool-mini-bert');
const launcher = new SlurmLauncher();
// Ask the scheduler often: these pipelines are small.
const ENV = { TIDEPOOL_CLUSTER_POLL_MS: '300' };

let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ensureSlurmCluster();
  ({ dir, cleanup } = await tempDir('tidepool-slurm-'));
}, 240_000);
afterAll(async () => cleanup());

interface LaunchJson { executor: string; launch: { stages: { stage: string; shards: number; tasks?: number[]; shardJob?: string; finishJob?: string; wholeJob?: string }[] } }
interface StatusJson { stages: { stage: string; state: string; shardsDone: number; shards: number; stopped: { what: string; jobId: string; log: string; failure?: { code: string; message: string } }[] }[] }

async function writePipeline(name: string, pipeline: object): Promise<string> {
  const file = join(dir, `${name}.json`);
  await writeFile(file, JSON.stringify(pipeline, null, 2));
  return file;
}

function run(args: readonly string[]): Promise<CliResult> {
  return runCli(args, { env: ENV });
}

async function expectSameFiles(a: string, b: string, files: readonly string[]): Promise<void> {
  for (const file of files) {
    const [left, right] = await Promise.all([readFile(join(a, file)), readFile(join(b, file))]);
    expect(right.equals(left), `${file} differs between ${a} and ${b}`).toBe(true);
  }
}

/** Waits until no job of `ids` is queued or running. */
async function drained(ids: readonly string[], timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await launcher.query(ids)).length > 0) {
    if (Date.now() > deadline) throw new Error(`jobs ${ids.join(', ')} still queued after ${timeoutMs} ms`);
    await sleep(300);
  }
}

function jobIdsOf(summary: LaunchJson): string[] {
  return summary.launch.stages.flatMap((stage) => [stage.shardJob, stage.finishJob, stage.wholeJob].filter((id): id is string => id !== undefined));
}

describe('tidepool run --executor slurm', () => {
  it('runs the demo-shaped pipeline with embed in 4 shards and decontam in 2: outputs byte-identical to the local executor, and a relaunch submits nothing', async () => {
    const file = await writePipeline('demo', {
      work: 'demo-slurm',
      sample: { rows: 3000, badLineRate: 0.002 },
      ingest: {},
      embed: { model: 'hashing', windowRows: 256 },
      select: { k: 50 },
      generate: { llm: 'scripted', limit: 10 },
      decontam: { bench: BENCH },
      executor: { type: 'slurm', tasks: { embed: 4, decontam: 2 }, workers: 2 },
    });
    const slurm = await run(['run', file, '--wait', '--json']);
    expect(slurm.code, slurm.stderr).toBe(0);
    const summary = slurm.json as LaunchJson;
    expect(summary.executor).toBe('slurm');
    const embed = summary.launch.stages.find((stage) => stage.stage === 'embed')!;
    expect(embed).toMatchObject({ shards: 4, tasks: [0, 1, 2, 3] });
    expect(summary.launch.stages.find((stage) => stage.stage === 'decontam')).toMatchObject({ shards: 2, tasks: [0, 1] });
    // Each shard's log is where `logFile` says, and the stage record names its jobs.
    for (const task of [0, 1, 2, 3]) expect(existsSync(launcher.logFile(join(dir, 'demo-slurm', 'logs'), embed.shardJob!, task))).toBe(true);
    const record = JSON.parse(await readFile(join(dir, 'demo-slurm', 'embed', '.pipeline.json'), 'utf8')) as { jobs: Record<string, string> };
    expect(record.jobs).toEqual({ shards: embed.shardJob, merge: embed.finishJob });
    const embedManifest = JSON.parse(await readFile(join(dir, 'demo-slurm', 'embed', 'manifest.json'), 'utf8')) as { executor?: unknown };
    expect(embedManifest.executor).toEqual({ name: 'slurm', jobs: { shards: embed.shardJob, merge: embed.finishJob } });

    const local = await run(['run', file, '--executor', 'local', '--work', join(dir, 'demo-local'), '-q']);
    expect(local.code, local.stderr).toBe(0);
    await expectSameFiles(join(dir, 'demo-local'), join(dir, 'demo-slurm'), ['ingest/pairs.arrow', 'embed/embeddings.arrow', 'select/coreset.arrow', 'generate/instructions.jsonl', 'decontam/kept.jsonl', 'decontam/removed.jsonl']);

    const again = await run(['run', file, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect((again.json as LaunchJson).launch.stages).toEqual([]);
    // The local executor sees the cluster's records as its own: everything up to date.
    const localAgain = await run(['run', file, '--executor', 'local', '--json', '-q']);
    expect(localAgain.code, localAgain.stderr).toBe(0);
    expect((localAgain.json as { stages: { status: string }[] }).stages.every((stage) => stage.status === 'skipped')).toBe(true);

    // generate in 2 shards: each keeps its own case pools, so its result (and what follows it) is another.
    const sharded = await run(['run', file, '--tasks', 'generate=2', '--wait', '--json']);
    expect(sharded.code, sharded.stderr).toBe(0);
    const stages = (sharded.json as LaunchJson).launch.stages;
    expect(stages.map((stage) => stage.stage)).toEqual(['generate', 'decontam']);
    expect(stages[0]).toMatchObject({ shards: 2, tasks: [0, 1] });
    const manifest = JSON.parse(await readFile(join(dir, 'demo-slurm', 'generate', 'manifest.json'), 'utf8')) as { parameters: { shards?: number } };
    expect(manifest.parameters.shards).toBe(2);
    const shardLog = await readFile(launcher.logFile(join(dir, 'demo-slurm', 'logs'), stages[0]!.shardJob!, 1), 'utf8');
    expect(shardLog).toMatch(/run: generate shard 1\/2 done in [\d.]+s: \{/);
    // --force on a later stage: only it runs, and its job finds the 2-shard generate up to date.
    const forced = await run(['run', file, '--tasks', 'generate=2', '--force', 'decontam', '--wait', '--json']);
    expect(forced.code, forced.stderr).toBe(0);
    expect((forced.json as LaunchJson).launch.stages.map((stage) => stage.stage)).toEqual(['decontam']);
  }, 400_000);

  it('a shard killed with scancel mid-run: the relaunch submits only that shard, and the result is identical to the local executor\'s', async () => {
    const file = await writePipeline('onnx', {
      work: 'onnx-slurm',
      sample: { rows: 2400, seed: 3 },
      ingest: {},
      embed: { model: MODEL, windowRows: 100, threads: 1 },
      select: { k: 20 },
      executor: { type: 'slurm', tasks: { embed: 4 }, workers: 1 },
    });
    const first = await run(['run', file, '--json']);
    expect(first.code, first.stderr).toBe(0);
    const launched = first.json as LaunchJson;
    const shardJob = launched.launch.stages.find((stage) => stage.stage === 'embed')!.shardJob!;
    // Shard 1 owns windows 6..11 of 24: kill it once it has embedded one of them and not all.
    const parts = join(dir, 'onnx-slurm', 'embed', '.embed-parts');
    const deadline = Date.now() + 240_000;
    while (!existsSync(join(parts, 'part-000006.json'))) {
      if (Date.now() > deadline) throw new Error('shard 1 never started');
      await sleep(100);
    }
    expect(existsSync(join(parts, 'part-000011.json'))).toBe(false);
    const { execFileSync } = await import('node:child_process');
    execFileSync('scancel', [`${shardJob}_1`]);
    await drained(jobIdsOf(launched));

    const status = await run(['status', file, '--json']);
    expect(status.code, status.stderr).toBe(0);
    const embed = (status.json as StatusJson).stages.find((stage) => stage.stage === 'embed')!;
    expect(embed.state).toBe('failed');
    expect(embed.shardsDone).toBe(3);
    expect(embed.stopped.map((task) => task.what)).toEqual(['shard 1']);
    expect(embed.stopped[0]!.log).toBe(launcher.logFile(join(dir, 'onnx-slurm', 'logs'), shardJob, 1));
    expect((status.json as StatusJson).stages.find((stage) => stage.stage === 'select')!.state).toBe('cancelled');

    const relaunch = await run(['run', file, '--wait', '--json']);
    expect(relaunch.code, relaunch.stderr).toBe(0);
    const again = (relaunch.json as LaunchJson).launch.stages;
    expect(again.map((stage) => stage.stage)).toEqual(['embed', 'select']);
    expect(again[0]).toMatchObject({ shards: 4, tasks: [1] });
    expect(again[0]!.shardJob).not.toBe(shardJob);
    expect(relaunch.stderr).toMatch(/embed: resuming \(3 of 4 shards already done\)/);
    // scancel's SIGTERM let the shard finish its window and keep its journal: the new task resumed it.
    expect(await readFile(launcher.logFile(join(dir, 'onnx-slurm', 'logs'), shardJob, 1), 'utf8')).toMatch(/SIGTERM received, stopping after the current batch/);
    const resumed = /"resumedRows":(\d+)/.exec(await readFile(launcher.logFile(join(dir, 'onnx-slurm', 'logs'), again[0]!.shardJob!, 1), 'utf8'));
    expect(Number(resumed?.[1])).toBeGreaterThan(0);

    const local = await run(['run', file, '--executor', 'local', '--work', join(dir, 'onnx-local'), '-q']);
    expect(local.code, local.stderr).toBe(0);
    await expectSameFiles(join(dir, 'onnx-local'), join(dir, 'onnx-slurm'), ['ingest/pairs.arrow', 'embed/embeddings.arrow', 'select/coreset.arrow']);
  }, 480_000);

  it('a shard that fails on a planted bad row stops the later stages; status names the shard and its log; a relaunch after the fix completes', async () => {
    const poison = 'TIDEPOOL_POISONED_ROW';
    // A server that answers vectors of the wrong width for any batch holding the poisoned row.
    const server = await startEmbedServer({ dim: 8, faults: [{ fault: { kind: 'wrong-dim' }, containing: poison }] });
    try {
      const rows = Array.from({ length: 120 }, (_, index) => ({ docstring: `Returns item ${index} of the list.`, code: `def item_${index}(values):\n    return values[${index}]\n`, language: 'python' }));
      rows[110]!.code = `def item_110(values):\n    # ${poison}\n    return values[110]\n`;
      const input = join(dir, 'pairs.jsonl');
      await writeFile(input, rows.map((row) => JSON.stringify(row)).join('\n') + '\n');
      const file = await writePipeline('poison', {
        work: 'poison-slurm',
        ingest: { inputs: [input] },
        embed: { model: 'sim-embed', endpoint: [server.baseURL], endpointBatch: 8, windowRows: 30 },
        select: { k: 5 },
        executor: { type: 'slurm', tasks: { embed: 4 } },
      });
      const failed = await run(['run', file, '--wait']);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toMatch(/E_LAUNCHER.*the pipeline did not finish on slurm: embed failed, select cancelled/);
      const status = await run(['status', file, '--json']);
      const embed = (status.json as StatusJson).stages.find((stage) => stage.stage === 'embed')!;
      expect(embed.state).toBe('failed');
      expect(embed.shardsDone).toBe(3);
      expect(embed.stopped.map((task) => task.what)).toEqual(['shard 3']);
      const [stopped] = embed.stopped;
      expect(stopped!.failure?.code).toBe('E_ENDPOINT_ANSWER');
      expect(await readFile(stopped!.log, 'utf8')).toMatch(/E_ENDPOINT_ANSWER/);
      const human = await run(['status', file]);
      expect(human.stdout).toContain(`shard 3 (job ${stopped!.jobId}): failed: E_ENDPOINT_ANSWER`);
      expect(human.stdout).toContain(`log: ${stopped!.log}`);
      expect(human.stdout).toMatch(/select\s+cancelled/);

      // The fix: the row is repaired in the input. Ingest's input changed, so everything after it runs again.
      rows[110]!.code = 'def item_110(values):\n    return values[110]\n';
      await writeFile(input, rows.map((row) => JSON.stringify(row)).join('\n') + '\n');
      const fixed = await run(['run', file, '--wait', '--json']);
      expect(fixed.code, fixed.stderr).toBe(0);
      expect(existsSync(join(dir, 'poison-slurm', 'select', 'coreset.arrow'))).toBe(true);
      const after = await run(['status', file, '--json']);
      expect((after.json as StatusJson).stages.map((stage) => stage.state)).toEqual(['done', 'done', 'done']);
    } finally {
      await server.close();
    }
  }, 300_000);

  it('two launches of one pipeline at once: one submits, the other is refused, and every shard runs once', async () => {
    const input = join(dir, 'twice.jsonl');
    await writeFile(input, Array.from({ length: 200 }, (_, index) => JSON.stringify({ docstring: `Adds ${index}.`, code: `def add_${index}(x):\n    return x + ${index}\n`, language: 'python' })).join('\n') + '\n');
    const file = await writePipeline('twice', {
      work: 'twice', ingest: { inputs: [input] }, embed: { model: 'hashing', windowRows: 50 },
      executor: { type: 'slurm', tasks: { embed: 4 } },
    });
    const [a, b] = await Promise.all([run(['run', file, '--json']), run(['run', file, '--json'])]);
    const codes = [a.code, b.code].sort();
    expect(codes, `${a.stderr}\n${b.stderr}`).toEqual([0, 1]);
    const [winner, loser] = a.code === 0 ? [a, b] : [b, a];
    expect(loser.stderr).toMatch(/E_OUTPUT_LOCKED|still queued or running/);
    const ids = jobIdsOf(winner.json as LaunchJson);
    // Nor may the local executor run the stages while the cluster's jobs are queued (seconds of work here).
    const local = await run(['run', file, '--executor', 'local']);
    expect(local.code).toBe(1);
    expect(local.stderr).toMatch(/still queued or running/);
    await drained(ids);
    const logs = join(dir, 'twice', 'logs');
    const embed = (winner.json as LaunchJson).launch.stages.find((stage) => stage.stage === 'embed')!;
    for (const task of [0, 1, 2, 3]) expect(existsSync(launcher.logFile(logs, embed.shardJob!, task))).toBe(true);
    const status = await run(['status', file, '--json']);
    expect((status.json as StatusJson).stages.map((stage) => stage.state)).toEqual(['done', 'done']);
  }, 240_000);
});
