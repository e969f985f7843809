/**
 * One cluster job of a pipeline (`tidepool run FILE --job REF`, written by the launcher): a shard of a
 * stage, the merge that finishes a sharded stage, or a whole unsharded stage. It checks that the
 * stages before it are finished and unchanged (their records), that its stage was readied for the same
 * identity, runs its part through the stage's own `run*` (shards with `shard: I/N`, the merge with
 * `merge: true`), and, as the last job of a stage, records it and readies the next stage's folder.
 * A job whose stage is already up to date does nothing. A failing job leaves a failure record for
 * `tidepool status`; a succeeding one clears its old one.
 */
import { join } from 'node:path';
import { TidepoolError } from '../../errors.js';
import { recordExecutor } from '../../store/manifest.js';
import { ShardFolder } from '../../store/shard-folder.js';
import { STAGES, type PipelineConfig, type StageName } from '../config.js';
import { finishStage, FingerprintCache, isUpToDate, readRunningRecord, readStageRecord, RECORD_FILE, RUNNING_FILE, stageIdentity, startStage, writeJsonAtomic, type StageRecord } from '../records.js';
import { STAGE_SPECS, type StageContext } from '../stages.js';
import type { JobRef, NextStage } from './job-ref.js';
import { clearFailure, readLaunch, writeFailure } from './launch-record.js';
import { identityExtra } from './launch.js';

/** What {@link runClusterJob} needs. */
export interface ClusterJob {
  config: PipelineConfig;
  job: JobRef;
  /** The stage after this one, to ready once this one is finished (sharded stages only). */
  prepareNext?: NextStage | undefined;
  /** The scheduler's ids of this job and task, for the failure record. */
  jobId?: string | undefined;
  task?: number | undefined;
  contextOf: (stage: StageName) => StageContext;
}

/** What a job did. */
export interface ClusterJobSummary {
  stage: StageName;
  role: JobRef['role'];
  /** `skipped`: the stage was already up to date. */
  status: 'done' | 'skipped';
}

function shardsOf(job: JobRef): number {
  return job.role === 'whole' ? 1 : job.shards;
}

/** Runs one job (the caller records its failure: see {@link recordJobFailure}). */
export async function runClusterJob(run: ClusterJob): Promise<ClusterJobSummary> {
  const summary = await runJob(run);
  clearFailure(run.config.work, run.job);
  return summary;
}

/** Leaves the failure of job `job` in `work` for `tidepool status`. */
export function recordJobFailure(work: string, job: JobRef, error: unknown, ids: { jobId?: string | undefined; task?: number | undefined }): void {
  const code = error instanceof TidepoolError ? error.code : 'E_INTERNAL';
  writeFailure(work, job, {
    stage: job.stage, role: job.role, ...(job.role === 'shard' ? { shard: job.index } : {}),
    code, message: error instanceof Error ? error.message : String(error), jobId: ids.jobId, task: ids.task, failedAt: new Date().toISOString(),
  });
}

/** Digests of every stage before `target`, from their records, each checked against its identity now. */
async function upstreamOutputs(run: ClusterJob, target: StageName, fingerprints: FingerprintCache): Promise<Map<StageName, string>> {
  const { config } = run;
  const outputsOf = new Map<StageName, string>();
  const launchedShards = readLaunch(config.work)?.shards ?? {};
  for (const stage of STAGES.slice(0, STAGES.indexOf(target))) {
    const options = config.stages[stage];
    if (options === undefined) continue;
    const context = run.contextOf(stage);
    const identity = await stageIdentity(stage, options, config, outputsOf, fingerprints, identityExtra(stage, launchedShards[stage] ?? 1));
    const record = readStageRecord(context.dir);
    if (record === undefined || !isUpToDate(record, identity, STAGE_SPECS[stage].outputs(context, options))) {
      throw new TidepoolError('E_USAGE', `${target} cannot run: the ${stage} stage before it ${record === undefined ? 'has not finished' : 'changed since it finished (its inputs or options differ now)'} (${context.dir}). Launch the pipeline again (\`tidepool run ${config.file} --executor slurm\`): it submits what is left in order.`, { stage, target });
    }
    outputsOf.set(stage, record.outputs);
  }
  return outputsOf;
}

/** One line in the job's log with what the stage returned (its rows, rates, timings), as JSON. */
function logResult(context: StageContext, what: string, started: number, result: unknown): void {
  context.log(`run: ${what} done in ${((performance.now() - started) / 1000).toFixed(1)}s: ${JSON.stringify(result === undefined ? null : result)}`);
}

async function runJob(run: ClusterJob): Promise<ClusterJobSummary> {
  const started = performance.now();
  const { config, job } = run;
  const { stage } = job;
  const options = config.stages[stage];
  if (options === undefined) throw new TidepoolError('E_USAGE', `--job ${stage}: the pipeline ${config.file} has no ${stage} stage (was the file edited after the launch? launch again)`, { stage });
  const context = run.contextOf(stage);
  const spec = STAGE_SPECS[stage];
  // Shards of one stage run at once: none of them writes the shared fingerprint file.
  const fingerprints = FingerprintCache.of(config.work, job.role !== 'shard');
  const outputsOf = await upstreamOutputs(run, stage, fingerprints);
  const shards = shardsOf(job);
  const identity = await stageIdentity(stage, options, config, outputsOf, fingerprints, identityExtra(stage, shards));
  const outputs = spec.outputs(context, options);
  const record = readStageRecord(context.dir);
  if (record !== undefined && isUpToDate(record, identity, outputs)) {
    context.log(`run: ${stage}: up to date, nothing to do`);
    if (job.role !== 'shard') {
      // The stage's last job says so in the record, for `tidepool status` (this launch found it done).
      writeJsonAtomic(join(context.dir, RECORD_FILE), { ...record, confirmedAt: new Date().toISOString() } satisfies StageRecord);
      await prepareNext(run, stage, outputsOf, fingerprints);
    }
    return { stage, role: job.role, status: 'skipped' };
  }
  if (job.role === 'whole') {
    startStage(stage, context.dir, identity, false);
    logResult(context, `${stage} job`, started, await spec.run(context, options));
  } else {
    const running = readRunningRecord(context.dir);
    if (running?.identity !== identity || running.shards !== job.shards) {
      throw new TidepoolError('E_USAGE', `${stage} ${job.role === 'shard' ? `shard ${job.index}/${job.shards}` : 'merge'}: the stage's folder ${context.dir} was not readied for this run (${join(context.dir, RUNNING_FILE)} ${running === undefined ? 'is missing' : `is for ${running.shards ?? 1} shard(s) of ${running.identity === identity ? 'this' : 'another'} identity`}); the pipeline file or an input changed after the launch. Launch the pipeline again.`, { stage });
    }
    const result = await spec.run(context, job.role === 'shard' ? { ...options, shard: `${job.index}/${job.shards}` } : { ...options, merge: true });
    logResult(context, job.role === 'shard' ? `${stage} shard ${job.index}/${job.shards}` : `${stage} merge`, started, result);
    if (job.role === 'shard') {
      // A shard that returned without its completion marker (generate with units that failed past their
      // retries) has not finished: failing here shows it on the shard, not later on the merge.
      const shardFolder = new ShardFolder(context.dir);
      if (!shardFolder.isDone(job.index)) {
        throw new TidepoolError('E_USAGE', `${stage} shard ${job.index}/${job.shards} stopped without finishing its part (no completion marker ${shardFolder.marker(job.index)}): its log says which units failed. Relaunch the pipeline to run it again.`, { stage, shard: job.index });
      }
      return { stage, role: job.role, status: 'done' };
    }
  }
  const launched = readLaunch(config.work)?.stages.find((entry) => entry.stage === stage);
  const jobs = launched === undefined ? undefined : Object.fromEntries(Object.entries({ shards: launched.shardJob, merge: launched.finishJob, job: launched.wholeJob }).filter((entry): entry is [string, string] => entry[1] !== undefined));
  if (jobs !== undefined) await recordExecutor(context.dir, { name: readLaunch(config.work)?.launcher ?? 'cluster', jobs });
  outputsOf.set(stage, await finishStage(stage, context.dir, identity, outputs, jobs));
  await prepareNext(run, stage, outputsOf, fingerprints);
  return { stage, role: job.role, status: 'done' };
}

/** Readies the next (sharded) stage's folder, now that its inputs exist; an up-to-date one is left alone. */
async function prepareNext(run: ClusterJob, finished: StageName, outputsOf: Map<StageName, string>, fingerprints: FingerprintCache): Promise<void> {
  const next = run.prepareNext;
  if (next === undefined) return;
  const { config } = run;
  const options = config.stages[next.stage];
  if (options === undefined) return;
  if (!outputsOf.has(finished)) {
    const record = readStageRecord(run.contextOf(finished).dir);
    if (record !== undefined) outputsOf.set(finished, record.outputs);
  }
  // Stages between the two (none today: the launcher names the very next one) would be read the same way.
  const context = run.contextOf(next.stage);
  const identity = await stageIdentity(next.stage, options, config, outputsOf, fingerprints, identityExtra(next.stage, next.shards));
  if (isUpToDate(readStageRecord(context.dir), identity, STAGE_SPECS[next.stage].outputs(context, options))) return;
  const status = startStage(next.stage, context.dir, identity, false, next.shards);
  // Its shards of this launch wait for this job, and no task of an earlier launch was alive at launch: any claim is stale.
  if (status === 'resumed') await new ShardFolder(context.dir).clearClaims();
  context.log(`run: ${next.stage}: readied for its ${next.shards} shards (${status === 'resumed' ? 'resuming an interrupted run' : 'from the start'})`);
}
