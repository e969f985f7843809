/**
 * `tidepool status PIPELINE`: where each stage of the last cluster launch stands, from the work folder
 * (stage records, shard completion markers, failure records) and the scheduler's queue (which tasks
 * are pending or running). Finished tasks leave the queue, so a task that is neither queued nor marked
 * complete stopped: with a failure record when tidepool saw its error, without one when it was killed
 * (scancel, out of memory, a failed node).
 */
import type { Launcher, QueuedTask } from '../../launchers/launcher.js';
import { ShardFolder } from '../../store/shard-folder.js';
import { STAGES, type PipelineConfig, type StageName } from '../config.js';
import { readStageRecord } from '../records.js';
import { launchJobIds, readFailures, readLaunch, type FailureRecord, type LaunchedStage } from './launch-record.js';

/** One task that stopped without finishing. */
export interface StoppedTask {
  /** `shard 3`, `merge`, `job`. */
  what: string;
  jobId: string;
  /** The error tidepool recorded, when it saw one. */
  failure?: FailureRecord | undefined;
  log: string;
}

/** One stage. */
export interface StageStatus {
  stage: StageName;
  /**
   * `done`: finished (by this launch or before it); `running`/`pending`: tasks of it are; `failed`: a
   * task of it stopped unfinished; `waiting`/`cancelled`: behind a failed stage, still queued / cancelled
   * by the scheduler; `not launched`: not submitted and not finished.
   */
  state: 'done' | 'running' | 'pending' | 'failed' | 'waiting' | 'cancelled' | 'not launched';
  shards: number;
  /** Shards with a completion marker. */
  shardsDone: number;
  running: number;
  pending: number;
  stopped: StoppedTask[];
  /** The job ids of this launch for the stage. */
  jobs: string[];
  finishedAt?: string | undefined;
}

/** The status of a work folder. */
export interface PipelineStatus {
  work: string;
  launchedAt: string | null;
  launcher: string | null;
  stages: StageStatus[];
  /** Job ids of the launch that the scheduler still has queued or running (asked before the folder was read). */
  queuedJobs: string[];
}

function stageTasks(queued: readonly QueuedTask[], jobId: string | undefined): QueuedTask[] {
  return jobId === undefined ? [] : queued.filter((task) => task.jobId === jobId);
}

/** Reads the work folder and asks the scheduler. */
export async function pipelineStatus(config: PipelineConfig, launcher: Launcher, dirOf: (stage: StageName) => string): Promise<PipelineStatus> {
  const launch = readLaunch(config.work);
  const queued = launch === undefined ? [] : await launcher.query(launchJobIds(launch));
  const failures = readFailures(config.work).filter((failure) => launch === undefined || failure.failedAt >= launch.launchedAt);
  const stages: StageStatus[] = [];
  let blocked = false;
  for (const stage of STAGES) {
    if (config.stages[stage] === undefined) continue;
    const dir = dirOf(stage);
    const record = readStageRecord(dir);
    const launched = launch?.stages.find((entry) => entry.stage === stage);
    // A record older than the launch that submitted the stage is the previous run's.
    const finished = record !== undefined && (launched === undefined || launch === undefined || (record.confirmedAt ?? record.finishedAt) >= launch.launchedAt);
    const status = stageStatus(stage, launched, queued, failures, launch?.logDir ?? '', launcher, dir, finished, record?.finishedAt);
    if (!finished && launched !== undefined && blocked) {
      // Behind a failed stage: the scheduler cancels its jobs (afterok can no longer be met).
      stages.push({ ...status, state: status.running + status.pending > 0 ? 'waiting' : 'cancelled', stopped: [] });
      continue;
    }
    if (status.state === 'failed') blocked = true;
    stages.push(status);
  }
  return { work: config.work, launchedAt: launch?.launchedAt ?? null, launcher: launch?.launcher ?? null, stages, queuedJobs: [...new Set(queued.map((task) => task.jobId))] };
}

function stageStatus(stage: StageName, launched: LaunchedStage | undefined, queued: readonly QueuedTask[], failures: readonly FailureRecord[], logDir: string, launcher: Launcher, dir: string, finished: boolean, finishedAt: string | undefined): StageStatus {
  const shards = launched?.shards ?? 1;
  const shardFolder = new ShardFolder(dir);
  const shardsDone = finished ? shards : shards > 1 ? shards - shardFolder.missing(shards).length : 0;
  const jobs = launched === undefined ? [] : [launched.shardJob, launched.finishJob, launched.wholeJob].filter((id): id is string => id !== undefined);
  const base = { stage, shards, shardsDone, jobs, ...(finishedAt === undefined ? {} : { finishedAt }) };
  if (finished) return { ...base, state: 'done', running: 0, pending: 0, stopped: [] };
  if (launched === undefined) return { ...base, state: 'not launched', running: 0, pending: 0, stopped: [] };
  const mine = jobs.flatMap((id) => stageTasks(queued, id));
  const running = mine.filter((task) => task.state === 'running' || task.state === 'finishing').length;
  const pending = mine.filter((task) => task.state === 'pending').length;
  const stopped: StoppedTask[] = [];
  const failureOf = (role: string, shard?: number): FailureRecord | undefined => failures.find((failure) => failure.stage === stage && failure.role === role && (shard === undefined || failure.shard === shard));
  if (launched.shardJob !== undefined) {
    for (const task of launched.tasks ?? []) {
      const isQueued = mine.some((entry) => entry.jobId === launched.shardJob && entry.task === task);
      if (isQueued || shardFolder.isDone(task)) continue;
      stopped.push({ what: `shard ${task}`, jobId: launched.shardJob, failure: failureOf('shard', task), log: launcher.logFile(logDir, launched.shardJob, task) });
    }
  }
  for (const [what, role, id] of [['merge', 'finish', launched.finishJob], ['job', 'whole', launched.wholeJob]] as const) {
    if (id === undefined || mine.some((entry) => entry.jobId === id)) continue;
    const failure = failureOf(role);
    // A merge that never started (its shards failed: the scheduler cancelled it) is not a failure of its own.
    if (failure === undefined && role === 'finish' && stopped.length > 0) continue;
    stopped.push({ what, jobId: id, failure, log: launcher.logFile(logDir, id, undefined) });
  }
  const state: StageStatus['state'] = stopped.length > 0 ? 'failed' : running > 0 ? 'running' : pending > 0 ? 'pending' : 'failed';
  return { ...base, state, running, pending, stopped };
}

/** The status as lines of text. */
export function formatStatus(status: PipelineStatus): string {
  const lines = [status.launchedAt === null ? `${status.work}: never launched on a cluster` : `${status.work}: launched on ${status.launcher} at ${status.launchedAt}`];
  for (const stage of status.stages) {
    const shards = stage.shards > 1 ? `  shards ${stage.shardsDone}/${stage.shards} done${stage.running > 0 ? `, ${stage.running} running` : ''}${stage.pending > 0 ? `, ${stage.pending} pending` : ''}` : stage.running + stage.pending > 0 ? `  ${stage.running > 0 ? 'running' : 'pending'}` : '';
    const jobs = stage.jobs.length > 0 ? `  jobs ${stage.jobs.join(', ')}` : '';
    lines.push(`  ${stage.stage.padEnd(9)} ${stage.state.padEnd(12)}${shards}${jobs}`);
    for (const task of stage.stopped) {
      const why = task.failure === undefined ? 'stopped with no error recorded (cancelled, killed, out of memory, or its node failed)' : `failed: ${task.failure.code}: ${task.failure.message.split('\n')[0]}`;
      lines.push(`    ${task.what} (job ${task.jobId}): ${why}`, `      log: ${task.log}`);
    }
  }
  const failed = status.stages.some((stage) => stage.state === 'failed');
  if (failed) lines.push('Fix the cause, then launch the same command again: only what is unfinished is submitted.');
  return lines.join('\n');
}
