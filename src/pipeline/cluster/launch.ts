/**
 * `tidepool run PIPELINE --executor slurm`: submits the stages that are not up to date to the scheduler,
 * each as an array of shards (or one job) followed by its merge, chained stage after stage with
 * afterok dependencies, and returns (or, with `wait`, follows them to the end). The launcher never runs
 * a stage itself; it only readies the folder of the first stage to run (kept to resume when an
 * interrupted run of the same identity is there) and submits only that stage's shards without a
 * completion marker, so relaunching the same command after a crash, a `scancel` or a failed node
 * resumes. The folders of later stages are readied by the job before them (`--prepare-next`), once
 * their inputs exist.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TidepoolError } from '../../errors.js';
import { TASK_INDEX, type JobSpec, type Launcher } from '../../launchers/launcher.js';
import { OutputFolder } from '../../store/output-folder.js';
import { assertNotLocked } from '../../store/output-lock.js';
import { ShardFolder } from '../../store/shard-folder.js';
import { STAGES, type PipelineConfig, type StageName } from '../config.js';
import { stageResources, tasksOf, type ExecutorSettings } from '../executor-config.js';
import { FingerprintCache, isUpToDate, readStageRecord, RECORD_FILE, RUNNING_FILE, stageIdentity, startStage } from '../records.js';
import { STAGE_SPECS, type StageContext } from '../stages.js';
import { formatJobRef, type JobRef } from './job-ref.js';
import { launchJobIds, readLaunch, writeLaunch, type LaunchedStage, type LaunchRecord } from './launch-record.js';

/** What {@link launchPipeline} needs besides the checked pipeline. */
export interface ClusterLaunch {
  config: PipelineConfig;
  executor: ExecutorSettings;
  launcher: Launcher;
  /** argv that starts tidepool on a node, e.g. `[process.execPath, '/abs/bin/tidepool.js']` (the work folder and this must be on a shared filesystem). */
  self: readonly string[];
  force: ReadonlySet<string>;
  log: (line: string) => void;
  /** A stage's context, for its output paths. */
  contextOf: (stage: StageName) => StageContext;
}

/** What a launch did. */
export interface LaunchSummary {
  work: string;
  launcher: string;
  /** Stages up to date, not submitted. */
  skipped: StageName[];
  stages: LaunchedStage[];
  logDir: string;
}

/** What the result of stages depends on beyond their options: generate's shards keep their own case pools. */
export function identityExtra(stage: StageName, shards: number): Record<string, unknown> | undefined {
  return stage === 'generate' && shards > 1 ? { shards } : undefined;
}

/** The folder of the cluster jobs' logs. */
export function logDirOf(work: string): string {
  return join(work, 'logs');
}

/**
 * Refuses a launch while jobs of the previous launch of this work folder are still queued or running
 * (they would run the same shards); `tidepool status` shows them.
 */
export async function assertNoLiveLaunch(work: string, launcher: Launcher, file: string): Promise<void> {
  const previous = readLaunch(work);
  if (previous === undefined) return;
  const live = await launcher.query(launchJobIds(previous));
  if (live.length === 0) return;
  const ids = [...new Set(live.map((task) => task.jobId))];
  throw new TidepoolError('E_USAGE', `${work} was launched at ${previous.launchedAt} and ${live.length} of its tasks are still queued or running (job${ids.length === 1 ? '' : 's'} ${ids.join(', ')}): a second launch would run the same shards. Follow them with \`tidepool status ${file}\`; to start over, cancel them first (\`scancel ${ids.join(' ')}\`), then launch again.`, { work, jobs: ids });
}

/** Submits what is left of the pipeline. */
export async function launchPipeline(launch: ClusterLaunch): Promise<LaunchSummary> {
  const { config, launcher, log } = launch;
  const work = config.work;
  mkdirSync(work, { recursive: true });
  // One launch at a time per work folder: the claim covers this process's walk and submissions; the
  // launch record covers the jobs it leaves behind.
  const claim = await OutputFolder.claim(work, `run --executor ${launcher.name}`);
  try {
    await assertNoLiveLaunch(work, launcher, config.file);
    const plan = await planStages(launch);
    const logDir = logDirOf(work);
    mkdirSync(logDir, { recursive: true });
    const shards = Object.fromEntries(STAGES.filter((stage) => config.stages[stage] !== undefined).map((stage) => [stage, tasksOf(launch.executor, stage)]));
    const record: LaunchRecord = { launcher: launcher.name, launchedAt: new Date().toISOString(), file: config.file, logDir, shards, stages: [] };
    if (plan.pending.length === 0) {
      log('run: every stage is up to date; nothing to submit');
    }
    let previous: string | undefined;
    for (const [position, stage] of plan.pending.entries()) {
      const next = plan.pending[position + 1];
      const launched = await submitStage(launch, stage, previous, next, logDir);
      record.stages.push(launched);
      // Written after every submission, so the jobs of a launch cut short by an error are still known.
      writeLaunch(work, record);
      previous = launched.finishJob ?? launched.wholeJob;
    }
    return { work, launcher: launcher.name, skipped: plan.skipped, stages: record.stages, logDir };
  } finally {
    claim.release();
  }
}

/** A stage to submit: its shards, and which of them to run. */
interface PendingStage {
  stage: StageName;
  shards: number;
  /** Shard indices to submit (only the first stage to run can have some done already). */
  tasks: number[];
}

/**
 * The stages to submit: those after the last up-to-date one. The first of them is readied here (its
 * inputs exist); forced stages after it lose their record so their job runs them again.
 */
async function planStages(launch: ClusterLaunch): Promise<{ skipped: StageName[]; pending: PendingStage[] }> {
  const { config, executor, force, log } = launch;
  const fingerprints = FingerprintCache.of(config.work);
  const outputsOf = new Map<StageName, string>();
  const skipped: StageName[] = [];
  const pending: PendingStage[] = [];
  for (const stage of STAGES) {
    const options = config.stages[stage];
    if (options === undefined) continue;
    const shards = tasksOf(executor, stage);
    const context = launch.contextOf(stage);
    const all = Array.from({ length: shards }, (_, index) => index);
    if (pending.length > 0) {
      if (force.has(stage)) forget(context.dir);
      pending.push({ stage, shards, tasks: all });
      continue;
    }
    const identity = await stageIdentity(stage, options, config, outputsOf, fingerprints, identityExtra(stage, shards));
    const record = readStageRecord(context.dir);
    if (!force.has(stage) && record !== undefined && isUpToDate(record, identity, STAGE_SPECS[stage].outputs(context, options))) {
      log(`run: ${stage}: up to date, skipped`);
      outputsOf.set(stage, record.outputs);
      skipped.push(stage);
      continue;
    }
    const status = startStage(stage, context.dir, identity, force.has(stage), shards);
    // No task of the previous launch is alive (assertNoLiveLaunch): claims left by tasks that died elsewhere go.
    if (status === 'resumed') await new ShardFolder(context.dir).clearClaims();
    const tasks = shards > 1 ? new ShardFolder(context.dir).missing(shards) : all;
    log(`run: ${stage}: ${status === 'resumed' ? `resuming (${shards - tasks.length} of ${shards} shards already done)` : status === 'rerun' ? 'inputs, options or --force changed it: submitting it again' : 'submitting'}`);
    pending.push({ stage, shards, tasks });
  }
  return { skipped, pending };
}

/** Makes a finished stage run again when its job comes (the local executor's --force). */
function forget(dir: string): void {
  if (!existsSync(dir)) return;
  assertNotLocked(dir);
  rmSync(join(dir, RECORD_FILE), { force: true });
  rmSync(join(dir, RUNNING_FILE), { force: true });
}

/** Submits one stage: its shards then its merge, or its one job; after `previous`, readying `next`. */
async function submitStage(launch: ClusterLaunch, pending: PendingStage, previous: string | undefined, next: PendingStage | undefined, logDir: string): Promise<LaunchedStage> {
  const { config, executor, launcher, log } = launch;
  const { stage, shards, tasks } = pending;
  const resources = stageResources(executor, stage);
  const jobOf = (ref: string, extra: Partial<JobSpec>): JobSpec => ({
    name: `tidepool-${stage}`,
    command: [...launch.self, 'run', resolve(config.file), '--work', config.work, '--job', ref, ...(extra.tasks === undefined && next !== undefined && next.shards > 1 ? ['--prepare-next', `${next.stage}/${next.shards}`] : [])],
    cwd: config.work, logDir, resources, requeue: executor.requeue, after: previous === undefined ? [] : [previous], ...extra,
  });
  if (shards === 1) {
    const wholeJob = await launcher.submit(jobOf(formatJobRef({ stage, role: 'whole' }), {}));
    log(`run: ${stage}: job ${wholeJob}`);
    return { stage, shards, wholeJob };
  }
  let shardJob: string | undefined;
  if (tasks.length > 0) {
    const ref = formatJobRef({ stage, role: 'shard', index: TASK_INDEX, shards });
    shardJob = await launcher.submit(jobOf(ref, { tasks, parallel: executor.workers }));
  }
  // The merge needs no GPU, whatever the shards asked for.
  const mergeResources = { ...resources, gpusPerTask: undefined };
  const finishRef: JobRef = { stage, role: 'finish', shards };
  const finishJob = await launcher.submit(jobOf(formatJobRef(finishRef), { name: `tidepool-${stage}-merge`, resources: mergeResources, after: shardJob === undefined ? (previous === undefined ? [] : [previous]) : [shardJob] }));
  log(`run: ${stage}: ${shardJob === undefined ? 'every shard done' : `shards ${describeTasks(tasks, shards)} as array job ${shardJob}`}, merge job ${finishJob}`);
  return { stage, shards, tasks, ...(shardJob === undefined ? {} : { shardJob }), finishJob };
}

/** `0-3 of 4` or `1, 3 of 4`. */
function describeTasks(tasks: readonly number[], shards: number): string {
  const contiguous = tasks.every((task, position) => position === 0 || task === tasks[position - 1]! + 1);
  const list = contiguous && tasks.length > 2 ? `${tasks[0]}-${tasks[tasks.length - 1]}` : tasks.join(', ');
  return `${list} of ${shards}`;
}
