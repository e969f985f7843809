/**
 * `tidepool run PIPELINE.json`: runs the stages in order, each in its own folder of the work folder.
 * A stage's identity is a hash of its options, the content of the outside files it reads and the
 * results of the stages it reads. A stage whose identity matches its completion record is skipped; one
 * that was interrupted with the same identity is run again (and resumes by itself); one whose identity
 * changed starts over in an emptied folder, and so does everything after it whose inputs changed.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { TidepoolError } from '../errors.js';
import { OutputFolder } from '../store/output-folder.js';
import { assertNotLocked } from '../store/output-lock.js';
import { writeFileAtomicallySync } from '../util/atomic-file.js';
import type { ProgressSink } from '../util/progress.js';
import { inspectPipelineConfig, readPipelineFile, STAGES, type PipelineConfig, type StageName } from './config.js';
import type { PipelineDevkit, PipelineEnvironment } from './host.js';
import { preflight } from './preflight.js';
import { STAGE_SPECS, type StageContext } from './stages.js';

/** Arguments of {@link runPipeline}. */
export interface PipelineRun {
  /** The pipeline file (`.json`, `.yaml`). */
  file: string;
  /** Work folder overriding the file's `work`. */
  work?: string | undefined;
  /** Stages to run again even when up to date (and, through their outputs, what follows them). */
  force?: readonly string[] | undefined;
  progress?: ProgressSink | undefined;
  signal?: AbortSignal | undefined;
  log?: ((line: string) => void) | undefined;
  /** The development kit, needed by a `sample` stage and by `generate.llm: "scripted"` (the CLI passes `src/devkit/`'s). */
  devkit?: PipelineDevkit | undefined;
  /** What the environment says (API keys, browser); the CLI reads it, the pipeline never does. */
  environment: PipelineEnvironment;
}

/** What happened to one stage. */
export interface StageOutcome {
  stage: StageName;
  /** `skipped`: up to date; `ran`: from scratch; `resumed`: an interrupted run of the same identity went on; `rerun`: its identity changed. */
  status: 'skipped' | 'ran' | 'resumed' | 'rerun';
  seconds: number;
  dir: string;
}

/** The `--json` summary. */
export interface PipelineSummary {
  work: string;
  stages: StageOutcome[];
  report: string | null;
  seconds: number;
}

/** The record a finished stage leaves in its folder. */
interface StageRecord {
  stage: StageName;
  identity: string;
  /** sha256 over the stage's output files: what later stages' identities include. */
  outputs: string;
  finishedAt: string;
}

const RECORD_FILE = '.pipeline.json';
const RUNNING_FILE = '.pipeline-running.json';

/** Runs a pipeline file. */
export async function runPipeline(run: PipelineRun): Promise<PipelineSummary> {
  const started = performance.now();
  const inspection = inspectPipelineConfig(readPipelineFile(run.file), run.file);
  if (run.work !== undefined) inspection.config.work = resolve(run.work);
  // Everything is checked before anything runs: the file, the files it names, every stage's options.
  const config = preflight(inspection, run.environment);
  const log = run.log ?? (() => {});
  const force: ReadonlySet<string> = new Set(run.force ?? []);
  checkForce(force, config);
  checkDevkit(run.devkit, config);
  // One pipeline at a time per work folder; each stage also claims its own folder while it runs.
  const workFolder = await OutputFolder.claim(config.work, 'run');
  try {
    return await runStages(run, config, force, log, started);
  } finally {
    workFolder.release();
  }
}

async function runStages(run: PipelineRun, config: PipelineConfig, force: ReadonlySet<string>, log: (line: string) => void, started: number): Promise<PipelineSummary> {
  const fingerprints = new FingerprintCache(join(config.work, '.pipeline-fingerprints.json'));
  const outputsOf = new Map<StageName, string>();
  const outcomes: StageOutcome[] = [];
  for (const stage of STAGES) {
    const options = config.stages[stage];
    if (options === undefined) continue;
    if (run.signal?.aborted === true) throw new TidepoolError('E_INTERRUPTED', 'run interrupted; rerun the same command to go on where it stopped');
    const spec = STAGE_SPECS[stage];
    const dir = join(config.work, stage);
    const context: StageContext = { config, dir, dirOf: (name) => join(config.work, name), progress: run.progress, signal: run.signal, log, devkit: run.devkit, environment: run.environment };
    const identity = await stageIdentity(stage, options, config, outputsOf, fingerprints);
    const record = readJson(join(dir, RECORD_FILE)) as StageRecord | undefined;
    const outputs = spec.outputs(context, options);
    const stageStarted = performance.now();
    if (!force.has(stage) && record?.identity === identity && outputs.every((path) => existsSync(path))) {
      log(`run: ${stage}: up to date, skipped`);
      outputsOf.set(stage, record.outputs);
      outcomes.push({ stage, status: 'skipped', seconds: 0, dir });
      continue;
    }
    const running = readJson(join(dir, RUNNING_FILE)) as { identity: string } | undefined;
    const resuming = !force.has(stage) && running?.identity === identity && record === undefined;
    const status: StageOutcome['status'] = resuming ? 'resumed' : record !== undefined || running !== undefined ? 'rerun' : 'ran';
    if (!resuming && existsSync(dir)) {
      assertNotLocked(dir);
      rmSync(dir, { recursive: true, force: true });
    }
    mkdirSync(dir, { recursive: true });
    writeJsonAtomic(join(dir, RUNNING_FILE), { identity });
    const why = force.has(stage) ? 'forced (--force), running again' : 'inputs or options changed, running again';
    log(`run: ${stage}: ${status === 'resumed' ? 'resuming an interrupted run' : status === 'rerun' ? why : 'running'}`);
    await spec.run(context, options);
    const digest = await outputsDigest(dir, spec.outputs(context, options));
    writeJsonAtomic(join(dir, RECORD_FILE), { stage, identity, outputs: digest, finishedAt: new Date().toISOString() } satisfies StageRecord);
    rmSync(join(dir, RUNNING_FILE), { force: true });
    outputsOf.set(stage, digest);
    outcomes.push({ stage, status, seconds: (performance.now() - stageStarted) / 1000, dir });
  }
  const report = config.stages.report === undefined ? null : join(config.work, 'report', 'report.html');
  return { work: config.work, stages: outcomes, report, seconds: (performance.now() - started) / 1000 };
}

/** `--force` may name only stages of this pipeline; a typo gets the list of names to pick from. */
function checkForce(force: ReadonlySet<string>, config: PipelineConfig): void {
  const present = STAGES.filter((stage) => config.stages[stage] !== undefined);
  for (const name of force) {
    if (!(STAGES as readonly string[]).includes(name)) {
      throw new TidepoolError('E_USAGE', `--force ${name}: there is no stage "${name}"; the stages are ${STAGES.join(', ')} (this pipeline has ${present.join(', ')})`, { stage: name });
    }
    if (config.stages[name as StageName] === undefined) {
      throw new TidepoolError('E_USAGE', `--force ${name}: the pipeline ${config.file} has no ${name} stage; its stages are ${present.join(', ')}`, { stage: name });
    }
  }
}

/** A pipeline that needs the development kit is refused before anything runs when the caller gave none. */
function checkDevkit(devkit: PipelineDevkit | undefined, config: PipelineConfig): void {
  if (devkit !== undefined) return;
  const needers = [
    ...(config.stages.sample === undefined ? [] : ['the sample stage']),
    ...(config.stages.generate?.llm === 'scripted' ? ['generate.llm "scripted"'] : []),
  ];
  if (needers.length > 0) {
    throw new TidepoolError('E_USAGE', `${config.file}: ${needers.join(' and ')} need${needers.length === 1 ? 's' : ''} tidepool's development kit, which this caller of runPipeline did not pass; run it with \`tidepool run\`, or give ingest.inputs and a real generate.llm`, { file: config.file });
  }
}

/** sha256 over the stage's name, options, outside files' content and the results of the stages it reads. */
async function stageIdentity(stage: StageName, options: Record<string, unknown>, config: PipelineConfig, outputsOf: ReadonlyMap<StageName, string>, fingerprints: FingerprintCache): Promise<string> {
  const spec = STAGE_SPECS[stage];
  const upstream = spec.after.filter((name) => config.stages[name] !== undefined).map((name) => [name, outputsOf.get(name) ?? '']);
  const external: [string, string][] = [];
  for (const path of spec.externalInputs(options)) external.push([path, await fingerprints.of(path)]);
  return createHash('sha256').update(JSON.stringify([stage, canonical(spec.identity(options)), upstream, external])).digest('hex');
}

/**
 * Content hashes of outside files, remembered by path, size and modification time so that a
 * multi-GB input is read once, not on every run.
 */
class FingerprintCache {
  private readonly known: Record<string, { size: number; mtimeMs: number; sha256: string }>;

  constructor(private readonly path: string) {
    this.known = (readJson(path) as FingerprintCache['known'] | undefined) ?? {};
  }

  async of(file: string): Promise<string> {
    if (!existsSync(file)) throw new TidepoolError('E_INPUT_MISSING', `${file} not found (named in the pipeline file)`, { path: file });
    const info = statSync(file);
    if (info.isDirectory()) return hashFiles([file]);
    const seen = this.known[file];
    if (seen !== undefined && seen.size === info.size && seen.mtimeMs === info.mtimeMs) return seen.sha256;
    const sha256 = await hashFiles([file]);
    this.known[file] = { size: info.size, mtimeMs: info.mtimeMs, sha256 };
    writeJsonAtomic(this.path, this.known);
    return sha256;
  }
}

/**
 * What a stage produced, as one hash: from the SHA-256s its manifest records for its outputs when it
 * wrote one (no multi-GB re-read), else from the files themselves.
 */
async function outputsDigest(dir: string, files: readonly string[]): Promise<string> {
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

function readJson(path: string): unknown {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** A small JSON record, whole or not at all (a full disk is E_NO_SPACE naming the file). */
function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomicallySync(path, `${JSON.stringify(value, null, 2)}\n`);
}
