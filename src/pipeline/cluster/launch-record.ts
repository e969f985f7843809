/**
 * What a cluster launch leaves in the work folder (`WORK/.cluster/`): `launch.json` (which jobs it
 * submitted for which stage, so `tidepool status` can ask the scheduler about them and a second launch
 * can refuse while they are queued) and `failures/` (one record per job that failed, with the error and
 * its log file; removed when the job succeeds on a later launch).
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { StageName } from '../stage-names.js';
import { readJson, writeJsonAtomic } from '../records.js';
import type { JobRef } from './job-ref.js';

/** Folder of the cluster executor's records in a work folder. */
export const CLUSTER_DIR = '.cluster';

/** The jobs submitted for one stage. */
export interface LaunchedStage {
  stage: StageName;
  shards: number;
  /** The shard indices submitted (those without a completion marker at launch). */
  tasks?: number[] | undefined;
  /** The array of shards. */
  shardJob?: string | undefined;
  /** The merge after the shards. */
  finishJob?: string | undefined;
  /** The one job of an unsharded stage. */
  wholeJob?: string | undefined;
}

/** `WORK/.cluster/launch.json`. */
export interface LaunchRecord {
  launcher: string;
  launchedAt: string;
  file: string;
  /** Where the jobs' logs go. */
  logDir: string;
  /** Shards of every stage of the pipeline at this launch, submitted or not (their identities depend on it). */
  shards: Partial<Record<StageName, number>>;
  stages: LaunchedStage[];
}

/** One failed job, as the job itself recorded it. */
export interface FailureRecord {
  stage: StageName;
  role: JobRef['role'];
  shard?: number | undefined;
  code: string;
  message: string;
  jobId?: string | undefined;
  task?: number | undefined;
  failedAt: string;
}

export function launchFile(work: string): string {
  return join(work, CLUSTER_DIR, 'launch.json');
}

export function readLaunch(work: string): LaunchRecord | undefined {
  return readJson(launchFile(work)) as LaunchRecord | undefined;
}

export function writeLaunch(work: string, record: LaunchRecord): void {
  mkdirSync(join(work, CLUSTER_DIR), { recursive: true });
  writeJsonAtomic(launchFile(work), record);
}

/** Every job id of a launch. */
export function launchJobIds(record: LaunchRecord): string[] {
  return record.stages.flatMap((stage) => [stage.shardJob, stage.finishJob, stage.wholeJob].filter((id): id is string => id !== undefined));
}

function failureName(ref: JobRef): string {
  return ref.role === 'shard' ? `${ref.stage}-shard-${ref.index}.json` : `${ref.stage}-${ref.role}.json`;
}

export function failureFile(work: string, ref: JobRef): string {
  return join(work, CLUSTER_DIR, 'failures', failureName(ref));
}

export function writeFailure(work: string, ref: JobRef, failure: FailureRecord): void {
  mkdirSync(join(work, CLUSTER_DIR, 'failures'), { recursive: true });
  writeJsonAtomic(failureFile(work, ref), failure);
}

export function clearFailure(work: string, ref: JobRef): void {
  rmSync(failureFile(work, ref), { force: true });
}

/** Every failure recorded in the work folder. */
export function readFailures(work: string): FailureRecord[] {
  const dir = join(work, CLUSTER_DIR, 'failures');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((name) => name.endsWith('.json')).map((name) => readJson(join(dir, name)) as FailureRecord | undefined).filter((record): record is FailureRecord => record !== undefined);
}
