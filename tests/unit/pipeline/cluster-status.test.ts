// tidepool status from a work folder and what a scheduler says (a Launcher given in, not a module mock).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Launcher, QueuedTask } from '../../../src/launchers/launcher.js';
import type { PipelineConfig } from '../../../src/pipeline/config.js';
import { writeFailure, writeLaunch } from '../../../src/pipeline/cluster/launch-record.js';
import { formatStatus, pipelineStatus } from '../../../src/pipeline/cluster/status.js';
import { tempDir } from '../../helpers/files.js';

let work: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir: work, cleanup } = await tempDir());
});
afterEach(async () => cleanup());

/** A scheduler whose queue is what the test says. */
function scheduler(queued: QueuedTask[]): Launcher {
  return {
    name: 'slurm',
    submit: () => Promise.reject(new Error('not here')),
    query: (ids) => Promise.resolve(queued.filter((task) => ids.includes(task.jobId))),
    cancel: () => Promise.resolve(),
    logFile: (logDir, jobId, task) => join(logDir, task === undefined ? `${jobId}.out` : `${jobId}_${task}.out`),
  };
}

const config = (): PipelineConfig => ({ file: join(work, 'p.json'), work, stages: { ingest: {}, embed: { model: 'hashing' }, select: { k: 5 } } });
const dirOf = (stage: string): string => join(work, stage);
const launchedAt = '2026-12-07T05:00:00.000Z';

function finished(stage: string, at: string): void {
  mkdirSync(dirOf(stage), { recursive: true });
  writeFileSync(join(dirOf(stage), '.pipeline.json'), JSON.stringify({ stage, identity: 'x', outputs: 'y', finishedAt: at }));
}

function marker(stage: string, index: number): void {
  mkdirSync(join(dirOf(stage), '.shards', 'completions'), { recursive: true });
  writeFileSync(join(dirOf(stage), '.shards', 'completions', String(index)), '');
}

function launch(): void {
  writeLaunch(work, { launcher: 'slurm', launchedAt, file: join(work, 'p.json'), logDir: join(work, 'logs'), shards: { ingest: 1, embed: 4, select: 1 }, stages: [
    { stage: 'embed', shards: 4, tasks: [0, 1, 2, 3], shardJob: '10', finishJob: '11' },
    { stage: 'select', shards: 1, wholeJob: '12' },
  ] });
}

describe('pipeline status', () => {
  it('counts shards done from markers and running/pending from the queue; an older record is the previous run', async () => {
    finished('ingest', '2026-12-07T04:00:00.000Z');
    finished('select', '2026-12-07T04:30:00.000Z');
    launch();
    marker('embed', 0);
    const status = await pipelineStatus(config(), scheduler([
      { jobId: '10', task: 1, state: 'running', schedulerState: 'RUNNING', reason: undefined },
      { jobId: '10', task: 2, state: 'pending', schedulerState: 'PENDING', reason: 'JobArrayTaskLimit' },
      { jobId: '10', task: 3, state: 'pending', schedulerState: 'PENDING', reason: 'JobArrayTaskLimit' },
      { jobId: '11', task: undefined, state: 'pending', schedulerState: 'PENDING', reason: 'Dependency' },
      { jobId: '12', task: undefined, state: 'pending', schedulerState: 'PENDING', reason: 'Dependency' },
    ]), dirOf);
    expect(status.stages.map((stage) => [stage.stage, stage.state, stage.shardsDone, stage.running, stage.pending])).toEqual([
      ['ingest', 'done', 1, 0, 0],
      ['embed', 'running', 1, 1, 3],
      ['select', 'pending', 0, 0, 1],
    ]);
    expect(status.queuedJobs).toEqual(['10', '11', '12']);
    expect(formatStatus(status)).toMatch(/embed\s+running\s+shards 1\/4 done, 1 running, 3 pending\s+jobs 10, 11/);
  });

  it('a shard that left the queue without its marker failed: with its recorded error, or without one; the stages after it are cancelled', async () => {
    finished('ingest', '2026-12-07T04:00:00.000Z');
    launch();
    marker('embed', 0);
    marker('embed', 2);
    writeFailure(work, { stage: 'embed', role: 'shard', index: 1, shards: 4 }, { stage: 'embed', role: 'shard', shard: 1, code: 'E_ENDPOINT_ANSWER', message: 'wrong width\nmore', failedAt: '2026-12-07T05:01:00.000Z' });
    // A failure of an earlier launch is not this one's.
    writeFailure(work, { stage: 'embed', role: 'shard', index: 3, shards: 4 }, { stage: 'embed', role: 'shard', shard: 3, code: 'E_OLD', message: 'old', failedAt: '2026-12-07T04:59:00.000Z' });
    const status = await pipelineStatus(config(), scheduler([]), dirOf);
    const embed = status.stages.find((stage) => stage.stage === 'embed')!;
    expect(embed.state).toBe('failed');
    expect(embed.stopped.map((task) => [task.what, task.failure?.code, task.log])).toEqual([
      ['shard 1', 'E_ENDPOINT_ANSWER', join(work, 'logs', '10_1.out')],
      ['shard 3', undefined, join(work, 'logs', '10_3.out')],
    ]);
    expect(status.stages.find((stage) => stage.stage === 'select')!.state).toBe('cancelled');
    const text = formatStatus(status);
    expect(text).toContain('shard 1 (job 10): failed: E_ENDPOINT_ANSWER: wrong width');
    expect(text).toContain('shard 3 (job 10): stopped with no error recorded');
    expect(text).toContain(`log: ${join(work, 'logs', '10_3.out')}`);
    expect(text).toContain('Fix the cause, then launch the same command again');
  });

  it('a work folder never launched: stages done or not launched', async () => {
    finished('ingest', '2026-12-07T04:00:00.000Z');
    const status = await pipelineStatus(config(), scheduler([]), dirOf);
    expect(status.launchedAt).toBeNull();
    expect(status.queuedJobs).toEqual([]);
    expect(status.stages.map((stage) => stage.state)).toEqual(['done', 'not launched', 'not launched']);
    expect(formatStatus(status)).toContain('never launched on a cluster');
  });
});
