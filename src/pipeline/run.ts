/**
 * `tidepool run PIPELINE.json`: runs the stages in order, each in its own folder of the work folder.
 * A stage's identity is a hash of its options, the content of the outside files it reads and the
 * results of the stages it reads. A stage whose identity matches its completion record is skipped; one
 * that was interrupted with the same identity is run again (and resumes by itself); one whose identity
 * changed starts over in an emptied folder, and so does everything after it whose inputs changed.
 */
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { TidepoolError } from '../errors.js';
import { OutputFolder } from '../store/output-folder.js';
import type { ProgressSink } from '../util/progress.js';
import { inspectPipelineConfig, readPipelineFile, STAGES, type PipelineConfig, type StageName } from './config.js';
import type { PipelineDevkit, PipelineEnvironment } from './host.js';
import { preflight } from './preflight.js';
import { FingerprintCache, finishStage, isUpToDate, readStageRecord, stageIdentity, startStage } from './records.js';
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

/** A pipeline file read and checked, with what every executor needs from the run's arguments. */
export interface LoadedPipeline {
  config: PipelineConfig;
  force: ReadonlySet<string>;
  log: (line: string) => void;
  /** The context a stage runs in. */
  contextOf: (stage: StageName) => StageContext;
}

/**
 * Reads and checks a pipeline file: the file, the files it names, every stage's options, `--force`
 * and the development kit, so that nothing runs (or is submitted) when any of them is wrong.
 */
export function loadPipeline(run: PipelineRun): LoadedPipeline {
  const inspection = inspectPipelineConfig(readPipelineFile(run.file), run.file);
  if (run.work !== undefined) inspection.config.work = resolve(run.work);
  const config = preflight(inspection, run.environment);
  const log = run.log ?? (() => {});
  const force: ReadonlySet<string> = new Set(run.force ?? []);
  checkForce(force, config);
  checkDevkit(run.devkit, config);
  const contextOf = (stage: StageName): StageContext => ({ config, dir: join(config.work, stage), dirOf: (name) => join(config.work, name), progress: run.progress, signal: run.signal, log, devkit: run.devkit, environment: run.environment });
  return { config, force, log, contextOf };
}

/** Runs a pipeline file on the local executor: every stage in this process. */
export async function runPipeline(run: PipelineRun): Promise<PipelineSummary> {
  return runLoadedPipeline(run, loadPipeline(run));
}

/** Runs an already loaded pipeline on the local executor. */
export async function runLoadedPipeline(run: PipelineRun, loaded: LoadedPipeline): Promise<PipelineSummary> {
  const started = performance.now();
  const { config, force, log } = loaded;
  // One pipeline at a time per work folder; each stage also claims its own folder while it runs.
  const workFolder = await OutputFolder.claim(config.work, 'run');
  try {
    return await runStages(run, loaded, force, log, started);
  } finally {
    workFolder.release();
  }
}

async function runStages(run: PipelineRun, loaded: LoadedPipeline, force: ReadonlySet<string>, log: (line: string) => void, started: number): Promise<PipelineSummary> {
  const { config } = loaded;
  const fingerprints = FingerprintCache.of(config.work);
  const outputsOf = new Map<StageName, string>();
  const outcomes: StageOutcome[] = [];
  for (const stage of STAGES) {
    const options = config.stages[stage];
    if (options === undefined) continue;
    if (run.signal?.aborted === true) throw new TidepoolError('E_INTERRUPTED', 'run interrupted; rerun the same command to go on where it stopped');
    const spec = STAGE_SPECS[stage];
    const context = loaded.contextOf(stage);
    const { dir } = context;
    const identity = await stageIdentity(stage, options, config, outputsOf, fingerprints);
    const record = readStageRecord(dir);
    const stageStarted = performance.now();
    if (!force.has(stage) && record !== undefined && isUpToDate(record, identity, spec.outputs(context, options))) {
      log(`run: ${stage}: up to date, skipped`);
      outputsOf.set(stage, record.outputs);
      outcomes.push({ stage, status: 'skipped', seconds: 0, dir });
      continue;
    }
    const status = startStage(stage, dir, identity, force.has(stage));
    const why = force.has(stage) ? 'forced (--force), running again' : 'inputs or options changed, running again';
    log(`run: ${stage}: ${status === 'resumed' ? 'resuming an interrupted run' : status === 'rerun' ? why : 'running'}`);
    await spec.run(context, options);
    outputsOf.set(stage, await finishStage(stage, dir, identity, spec.outputs(context, options)));
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

