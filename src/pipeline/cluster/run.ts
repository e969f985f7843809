/**
 * `tidepool run` with any executor: the pipeline file is read and checked once, then the executor that
 * the file's `executor` section and the flags name runs it: locally (the default), or on a cluster
 * (submit, and with `wait` follow the jobs to the end). A cluster job comes back here with `job` set and
 * runs its one part. `tidepool status` reads the same records.
 */
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TidepoolError } from '../../errors.js';
import type { Launcher } from '../../launchers/launcher.js';
import { STAGES } from '../config.js';
import { resolveExecutor, type ExecutorFlags, type ExecutorType } from '../executor-config.js';
import { loadPipeline, runLoadedPipeline, type PipelineRun, type PipelineSummary } from '../run.js';
import { recordJobFailure, runClusterJob, type ClusterJobSummary } from './job.js';
import { parseJobRef, parseNextStage } from './job-ref.js';
import { assertNoLiveLaunch, launchPipeline, type LaunchSummary } from './launch.js';
import { readLaunch } from './launch-record.js';
import { formatStatus, pipelineStatus, type PipelineStatus } from './status.js';

/** What the caller (the CLI) gives a cluster executor. */
export interface ClusterHost {
  /** The launcher of a cluster executor. */
  launcher(type: Exclude<ExecutorType, 'local'>): Launcher;
  /** argv that starts tidepool on a node (`[node, /abs/bin/tidepool.js]`). */
  self: readonly string[];
  /** How often `wait` asks the scheduler. @default 2000 */
  pollMs?: number | undefined;
}

/** A cluster job's own arguments (from its command line and the scheduler's environment). */
export interface JobArguments {
  /** `--job`: e.g. `embed/shard/3/4`. */
  job: string;
  /** `--prepare-next`: e.g. `decontam/2`. */
  prepareNext?: string | undefined;
  jobId?: string | undefined;
  task?: number | undefined;
}

/** Arguments of {@link executePipeline}. */
export interface ExecutedRun extends PipelineRun {
  executor?: ExecutorFlags | undefined;
  cluster?: ClusterHost | undefined;
  /** After submitting, follow the jobs until none is queued; fail when a stage did not finish. */
  wait?: boolean | undefined;
  /** Set when this process is a cluster job. */
  job?: JobArguments | undefined;
}

/** What `tidepool run` did, per executor. */
export type ExecutedSummary =
  | ({ executor: 'local' } & PipelineSummary)
  | { executor: ExecutorType; launch: LaunchSummary; status?: PipelineStatus | undefined; seconds: number }
  | { executor: 'job'; job: ClusterJobSummary };

function hostOf(run: ExecutedRun): ClusterHost {
  if (run.cluster === undefined) throw new TidepoolError('E_USAGE', 'a cluster executor needs the command line\'s cluster host (run it with `tidepool run`)');
  return run.cluster;
}

/** Runs a pipeline file with its executor. */
export async function executePipeline(run: ExecutedRun): Promise<ExecutedSummary> {
  if (run.job !== undefined) return runJob(run, run.job);
  const started = performance.now();
  const loaded = loadPipeline(run);
  const { config } = loaded;
  const present = STAGES.filter((stage) => config.stages[stage] !== undefined);
  const executor = resolveExecutor(config.executor, run.executor ?? {}, present, config.file);
  if (executor.type === 'local') {
    if (run.wait === true) loaded.log('run: --wait applies to a cluster executor; the local executor always runs to the end');
    await assertNoLiveClusterJobs(run, config);
    return { executor: 'local', ...(await runLoadedPipeline(run, loaded)) };
  }
  const host = hostOf(run);
  const launcher = host.launcher(executor.type);
  const launch = await launchPipeline({ config, executor, launcher, self: host.self, force: loaded.force, log: loaded.log, contextOf: loaded.contextOf });
  if (run.wait !== true) return { executor: executor.type, launch, seconds: (performance.now() - started) / 1000 };
  const status = await waitForJobs(launcher, config, loaded.contextOf, host.pollMs ?? 2000, loaded.log, run.signal);
  const unfinished = status.stages.filter((stage) => stage.state !== 'done');
  if (unfinished.length > 0) {
    throw new TidepoolError('E_LAUNCHER', `the pipeline did not finish on ${launcher.name}: ${unfinished.map((stage) => `${stage.stage} ${stage.state}`).join(', ')}\n${formatStatus(status)}`, { stages: unfinished.map((stage) => stage.stage) });
  }
  return { executor: executor.type, launch, status, seconds: (performance.now() - started) / 1000 };
}

/**
 * The local executor must not run stages whose shards a cluster is running (shards do not hold the work
 * folder's lock). Where the scheduler cannot be asked (a work folder copied off the cluster), it is not.
 */
async function assertNoLiveClusterJobs(run: ExecutedRun, config: ExecutedRunConfig): Promise<void> {
  const launch = readLaunch(config.work);
  if (launch === undefined || run.cluster === undefined || launch.launcher === 'local') return;
  try {
    await assertNoLiveLaunch(config.work, run.cluster.launcher(launch.launcher as Exclude<ExecutorType, 'local'>), config.file);
  } catch (error) {
    if (error instanceof TidepoolError && error.code === 'E_LAUNCHER') return;
    throw error;
  }
}

/**
 * One cluster job. Whatever stops it, the pipeline file itself included, is recorded in the work
 * folder that the launcher passed (`--work`) for `tidepool status`.
 */
async function runJob(run: ExecutedRun, args: JobArguments): Promise<ExecutedSummary> {
  const ref = parseJobRef(args.job);
  try {
    const loaded = loadPipeline(run);
    const job = await runClusterJob({ config: loaded.config, job: ref, prepareNext: args.prepareNext === undefined ? undefined : parseNextStage(args.prepareNext), jobId: args.jobId, task: args.task, contextOf: loaded.contextOf });
    return { executor: 'job', job };
  } catch (error) {
    if (run.work !== undefined) recordJobFailure(resolve(run.work), ref, error, args);
    throw error;
  }
}

/** Asks the scheduler until no job of the launch is queued; logs each stage's state when it changes. */
async function waitForJobs(launcher: Launcher, config: ExecutedRunConfig, contextOf: (stage: (typeof STAGES)[number]) => { dir: string }, pollMs: number, log: (line: string) => void, signal: AbortSignal | undefined): Promise<PipelineStatus> {
  const seen = new Map<string, string>();
  const dirOf = (stage: (typeof STAGES)[number]): string => contextOf(stage).dir;
  for (;;) {
    const status = await pipelineStatus(config, launcher, dirOf);
    for (const stage of status.stages) {
      const line = `${stage.state}${stage.shards > 1 ? ` (${stage.shardsDone}/${stage.shards} shards done)` : ''}`;
      if (seen.get(stage.stage) !== line) log(`run: ${stage.stage}: ${line}`);
      seen.set(stage.stage, line);
    }
    // The queue was asked before the records were read: with nothing queued, this status is the final one.
    if (status.queuedJobs.length === 0) return status;
    if (signal?.aborted === true) {
      throw new TidepoolError('E_INTERRUPTED', `stopped waiting; the jobs go on (${status.queuedJobs.join(', ')}): follow them with \`tidepool status ${config.file}\``);
    }
    await sleep(pollMs, undefined, { signal }).catch(() => undefined);
  }
}

type ExecutedRunConfig = ReturnType<typeof loadPipeline>['config'];

/** Arguments of {@link statusOfPipeline}. */
export interface StatusRun extends Pick<PipelineRun, 'file' | 'work' | 'environment' | 'devkit'> {
  executor?: ExecutorFlags | undefined;
  cluster: ClusterHost;
}

/** `tidepool status PIPELINE`: the last cluster launch of its work folder. */
export async function statusOfPipeline(run: StatusRun): Promise<PipelineStatus> {
  const loaded = loadPipeline(run);
  const { config } = loaded;
  const present = STAGES.filter((stage) => config.stages[stage] !== undefined);
  const executor = resolveExecutor(config.executor, run.executor ?? {}, present, config.file);
  const launch = readLaunch(config.work);
  const type = executor.type === 'local' ? (launch?.launcher as ExecutorType | undefined) ?? 'slurm' : executor.type;
  if (type === 'local') throw new TidepoolError('E_USAGE', 'tidepool status reads a cluster launch; this work folder has none');
  return pipelineStatus(config, run.cluster.launcher(type), (stage) => loaded.contextOf(stage).dir);
}
