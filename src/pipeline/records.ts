/**
 * What `tidepool run` keeps in the work folder to know which stages are up to date, whichever
 * executor ran them: each stage's identity (a hash of its options, the outside files it reads and the
 * results of the stages it reads), the record a finished stage leaves (`STAGE/.pipeline.json`), the
 * marker of a stage under way (`STAGE/.pipeline-running.json`), and the content hashes of outside files.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TidepoolError } from '../errors.js';
import { assertNotLocked } from '../store/output-lock.js';
import { writeFileAtomicallySync } from '../util/atomic-file.js';
import type { PipelineConfig, StageName } from './config.js';
import { STAGE_SPECS, type StageOptions } from './stages.js';

/** The record a finished stage leaves in its folder. */
export interface StageRecord {
  stage: StageName;
  identity: string;
  /** sha256 over the stage's output files: what later stages' identities include. */
  outputs: string;
  finishedAt: string;
  /** When a later cluster job found it up to date (a launch that had submitted it skipped it). */
  confirmedAt?: string | undefined;
  /** The scheduler's job ids that produced it, when a cluster executor ran it. */
  jobs?: Record<string, string> | undefined;
}

/** The marker of a stage under way: the identity it runs for (and, when sharded, into how many shards). */
export interface RunningRecord {
  identity: string;
  shards?: number | undefined;
}

export const RECORD_FILE = '.pipeline.json';
export const RUNNING_FILE = '.pipeline-running.json';

/** The finished-stage record in `dir`, if any (an unreadable one counts as none). */
export function readStageRecord(dir: string): StageRecord | undefined {
  return readJson(join(dir, RECORD_FILE)) as StageRecord | undefined;
}

/** The running marker in `dir`, if any. */
export function readRunningRecord(dir: string): RunningRecord | undefined {
  return readJson(join(dir, RUNNING_FILE)) as RunningRecord | undefined;
}

/**
 * sha256 over the stage's name, options (plus `extra`, what an executor adds that changes the result),
 * outside files' content and the results of the stages it reads.
 */
export async function stageIdentity(stage: StageName, options: StageOptions, config: PipelineConfig, outputsOf: ReadonlyMap<StageName, string>, fingerprints: FingerprintCache, extra?: Readonly<Record<string, unknown>>): Promise<string> {
  const spec = STAGE_SPECS[stage];
  const upstream = spec.after.filter((name) => config.stages[name] !== undefined).map((name) => [name, outputsOf.get(name) ?? '']);
  const external: [string, string][] = [];
  for (const path of spec.externalInputs(options)) external.push([path, await fingerprints.of(path)]);
  const parts: unknown[] = [stage, canonical(spec.identity(options)), upstream, external];
  if (extra !== undefined && Object.keys(extra).length > 0) parts.push(canonical(extra));
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/**
 * Content hashes of outside files, remembered by path, size and modification time so that a
 * multi-GB input is read once, not on every run. `persist: false` keeps new hashes in memory only (for
 * the many processes of a sharded stage, which must not write one file at once).
 */
export class FingerprintCache {
  private readonly known: Record<string, { size: number; mtimeMs: number; sha256: string }>;

  constructor(private readonly path: string, private readonly persist = true) {
    this.known = (readJson(path) as FingerprintCache['known'] | undefined) ?? {};
  }

  /** The cache of a work folder. */
  static of(work: string, persist = true): FingerprintCache {
    return new FingerprintCache(join(work, '.pipeline-fingerprints.json'), persist);
  }

  async of(file: string): Promise<string> {
    if (!existsSync(file)) throw new TidepoolError('E_INPUT_MISSING', `${file} not found (named in the pipeline file)`, { path: file });
    const info = statSync(file);
    if (info.isDirectory()) return hashFiles([file]);
    const seen = this.known[file];
    if (seen !== undefined && seen.size === info.size && seen.mtimeMs === info.mtimeMs) return seen.sha256;
    const sha256 = await hashFiles([file]);
    this.known[file] = { size: info.size, mtimeMs: info.mtimeMs, sha256 };
    if (this.persist) writeJsonAtomic(this.path, this.known);
    return sha256;
  }
}

/**
 * What a stage produced, as one hash: from the SHA-256s its manifest records for its outputs when it
 * wrote one (no multi-GB re-read), else from the files themselves.
 */
export async function outputsDigest(dir: string, files: readonly string[]): Promise<string> {
  const manifest = readJson(join(dir, 'manifest.json')) as { outputs?: { path: string; sha256?: string }[] } | undefined;
  const recorded = manifest?.outputs?.filter((output) => typeof output.sha256 === 'string' && output.sha256 !== '');
  if (recorded !== undefined && recorded.length > 0) {
    return createHash('sha256').update(JSON.stringify(recorded.map((output) => output.sha256))).digest('hex');
  }
  return hashFiles(files);
}

async function hashFiles(paths: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const path of paths) {
    if (!existsSync(path)) throw new TidepoolError('E_INTERNAL', `the stage finished without writing ${path}`, { path });
    if (statSync(path).isDirectory()) {
      for (const entry of readdirSync(path, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)).sort()) {
        hash.update(entry);
        for await (const chunk of createReadStream(entry)) hash.update(chunk as Buffer);
      }
      continue;
    }
    hash.update(path);
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}

/** JSON with object keys sorted, so key order in the pipeline file does not change an identity. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.keys(value).sort().map((key) => [key, canonical((value as Record<string, unknown>)[key])]));
  return value;
}

export function readJson(path: string): unknown {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** A small JSON record, whole or not at all (a full disk is E_NO_SPACE naming the file). */
export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomicallySync(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** True when `record` is of `identity` and every output file exists. */
export function isUpToDate(record: StageRecord | undefined, identity: string, outputs: readonly string[]): boolean {
  return record?.identity === identity && outputs.every((path) => existsSync(path));
}

/** How a stage that is not up to date starts. */
export type StageStart = 'ran' | 'resumed' | 'rerun';

/**
 * Readies the folder of a stage that is not up to date: an interrupted run of the same identity (and
 * the same number of shards) is kept to resume; anything else is emptied first, so nothing of another
 * identity is mixed in. Then marks the stage as running for `identity`.
 * @throws TidepoolError `E_USAGE` when an interrupted sharded run of this identity has another number
 *   of shards (which rows a shard owns depends on it), `E_OUTPUT_LOCKED` when a process holds the folder
 */
export function startStage(stage: StageName, dir: string, identity: string, forced: boolean, shards?: number): StageStart {
  const record = readStageRecord(dir);
  const running = readRunningRecord(dir);
  const resuming = !forced && running?.identity === identity && record === undefined;
  if (resuming && (running.shards ?? 1) !== (shards ?? 1)) {
    throw new TidepoolError('E_USAGE', `${stage} was started in ${running.shards ?? 1} task${(running.shards ?? 1) === 1 ? '' : 's'} (${join(dir, RUNNING_FILE)}) and is now asked for ${shards ?? 1}: which rows a shard owns depends on the number of shards, so it cannot change once the stage has started. Relaunch with ${stage}=${running.shards ?? 1} tasks to finish it, or add --force ${stage} to start it over with ${shards ?? 1}.`, { stage, started: running.shards ?? 1, asked: shards ?? 1 });
  }
  if (!resuming && existsSync(dir)) {
    assertNotLocked(dir);
    rmSync(dir, { recursive: true, force: true });
  }
  mkdirSync(dir, { recursive: true });
  writeJsonAtomic(join(dir, RUNNING_FILE), { identity, ...(shards === undefined || shards === 1 ? {} : { shards }) } satisfies RunningRecord);
  return resuming ? 'resumed' : record !== undefined || running !== undefined ? 'rerun' : 'ran';
}

/** Records a finished stage (its outputs' digest, for the stages after it) and clears its running marker. */
export async function finishStage(stage: StageName, dir: string, identity: string, outputs: readonly string[], jobs?: Record<string, string>): Promise<string> {
  const digest = await outputsDigest(dir, outputs);
  writeJsonAtomic(join(dir, RECORD_FILE), { stage, identity, outputs: digest, finishedAt: new Date().toISOString(), ...(jobs === undefined ? {} : { jobs }) } satisfies StageRecord);
  rmSync(join(dir, RUNNING_FILE), { force: true });
  return digest;
}
