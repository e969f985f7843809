/**
 * The stages `tidepool run` knows: where each one's output lives in the work folder, which stages it
 * reads, which outside files it depends on, and how to run it through the stage's own `run*` API (so
 * a stage resumes by itself when it was interrupted). Each stage builds what it passes to its `run*`
 * in a pure `request`, so that `check` can put the same request through the stage's resolver before
 * any stage runs.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DecontamRun } from '../decontam/run.js';
import { resolveSampleOptions, type SampleOptions } from '../devkit/sample/options.js';
import { resolveDecontamOptions } from '../decontam/options.js';
import type { EmbedRun } from '../embed/run.js';
import { resolveEmbedOptions } from '../embed/options.js';
import { InternalError } from '../errors.js';
import { resolveExportOptions, type ExportOptions } from '../export/options.js';
import { resolveGenerateOptions, type GenerateOptions } from '../generate/options.js';
import { keyVariables } from '../generate/endpoints/spec.js';
import type { IngestRun } from '../ingest/run.js';
import { resolveIngestOptions, resolveIngestThreads } from '../ingest/options.js';
import { resolveReportOptions, type ReportOptions } from '../report/options.js';
import { resolveSelectOptions } from '../select/options.js';
import type { SelectRun } from '../select/run.js';
import type { OptionNaming } from '../util/options.js';
import { looksLikeHubId } from '../util/hub-id.js';
import type { ProgressSink } from '../util/progress.js';
import type { LlmConfig, PipelineConfig, StageName } from './config.js';
import { ENDPOINT_KEYS, endpointRequest, usesServers, withApiKey } from './endpoint-keys.js';
import type { PipelineDevkit, PipelineEnvironment } from './host.js';

/** What a stage run gets. */
export interface StageContext {
  config: PipelineConfig;
  /** The stage's folder in the work folder. */
  dir: string;
  /** Folders of the other stages. */
  dirOf(stage: StageName): string;
  progress: ProgressSink | undefined;
  signal: AbortSignal | undefined;
  log(line: string): void;
  /** The development kit, when the caller gave one (`runPipeline` checks that a pipeline needing it has it). */
  devkit: PipelineDevkit | undefined;
  /** What the environment says, as the caller read it. */
  environment: PipelineEnvironment;
}

/** Options of a stage section, as the pipeline file checked them (see options.ts). */
export type StageOptions = Record<string, unknown>;

/** What a stage's `run*` gets that its request leaves out: set when it runs, never part of a check. */
type Runtime = 'progress' | 'signal' | 'log';

/** One stage. `Request` is what its `run` passes to the stage's `run*` function, less the {@link Runtime} fields. */
export interface StageSpec<Request = unknown> {
  name: StageName;
  /** Stages whose outputs it reads (those present in the pipeline). */
  after: readonly StageName[];
  /** Outside files whose content is part of the stage's identity (inputs, benchmark files, prompt files...). */
  externalInputs(options: StageOptions): string[];
  /** Options as they count for identity (e.g. without an ephemeral URL). */
  identity(options: StageOptions): unknown;
  /** Files whose content is the stage's result (hashed for the stages after it). */
  outputs(context: StageContext, options: StageOptions): string[];
  /** Pure: what `run` passes to the stage's `run*` (folders from `config.work`), without runtime fields. */
  request(config: PipelineConfig, options: StageOptions): Request;
  /**
   * Puts `request` through the stage's own resolver (no file access), its messages naming options by `naming`.
   * @throws TidepoolError `E_USAGE` listing the problems, as the resolver does
   */
  check(request: Request, naming: OptionNaming): void;
  run(context: StageContext, options: StageOptions): Promise<unknown>;
}

/** Lets stages of different request types share one table: `request` and `check` are only ever used as a pair. */
function defineStage<Request>(spec: StageSpec<Request>): StageSpec {
  // Method parameters are bivariant, so a StageSpec<Request> is a StageSpec<unknown> as it is.
  return spec;
}

const SAMPLE_FILE = 'sample.jsonl.gz';

/** The folder of `stage` in the work folder. */
export function stageDir(config: PipelineConfig, stage: StageName): string {
  return join(config.work, stage);
}

function ingestRequest(config: PipelineConfig, o: StageOptions): Omit<IngestRun, Runtime | 'warn'> {
  const { inputs, threads, ...options } = o as { inputs?: string[]; threads?: number };
  const sources = inputs ?? [join(stageDir(config, 'sample'), SAMPLE_FILE)];
  return { inputs: sources, out: stageDir(config, 'ingest'), options, threads };
}

/**
 * The model folder a stage reads, fingerprinted for its identity: none for `hashing` nor for a Hub id
 * (local folders were made absolute when the file was read; a Hub id is pinned by its @revision).
 */
function modelFolders(options: StageOptions): string[] {
  const { model } = options;
  return typeof model === 'string' && model !== 'hashing' && !looksLikeHubId(model) && !usesServers(options) ? [model] : [];
}

/**
 * A section as it counts for identity: without the servers' URLs and tuning, which do not change the
 * vectors (the model's name and dimension, in `model` and checked by embed on every answer, do), so a
 * pipeline whose server moved (a new port) is still up to date, as `embed` itself resumes on it.
 */
function withoutServers(options: StageOptions): StageOptions {
  return Object.fromEntries(Object.entries(options).filter(([key]) => !(ENDPOINT_KEYS as readonly string[]).includes(key)));
}

function embedRequest(config: PipelineConfig, o: StageOptions): Omit<EmbedRun, Runtime> {
  const { rest, endpoint } = endpointRequest(o);
  const { dim, buckets, seed, ...options } = rest as { model: string; dim?: number; buckets?: number; seed?: number };
  return { ...options, endpoint, hashing: { dim, buckets, seed }, data: stageDir(config, 'ingest'), out: stageDir(config, 'embed') };
}

function selectRequest(config: PipelineConfig, o: StageOptions): Omit<SelectRun, Runtime> {
  return { ...(o as { k: number }), embeddings: join(stageDir(config, 'embed'), 'embeddings.arrow'), out: stageDir(config, 'select') };
}

/** generate's request: its options plus `llm`; the endpoint (model, base URL, key) is opened when it runs. */
type GenerateRequest = Omit<GenerateOptions, Runtime | 'model' | 'baseURL' | 'apiKey'> & { llm: LlmConfig };

function generateRequest(config: PipelineConfig, o: StageOptions): GenerateRequest {
  const { llm, discriminator, examples, timeout, ...options } = o as { llm: LlmConfig; discriminator?: boolean; examples?: number; timeout?: number; discriminate?: boolean; goodExamples?: number; timeoutMs?: number };
  // The flags' names (`--no-discriminator`, `--examples`, `--timeout` in seconds) onto the API's.
  if (discriminator !== undefined) options.discriminate = discriminator;
  if (examples !== undefined) options.goodExamples = examples;
  if (timeout !== undefined) options.timeoutMs = timeout * 1000;
  return { ...options, llm, data: stageDir(config, 'ingest'), coreset: stageDir(config, 'select'), out: stageDir(config, 'generate') };
}

function decontamRequest(config: PipelineConfig, o: StageOptions): Omit<DecontamRun, Runtime> {
  const { rest, endpoint } = endpointRequest(o);
  const { dim, buckets, seed, ...options } = rest as { bench: string[]; dim?: number; buckets?: number; seed?: number };
  return { ...options, endpoint, hashing: { dim, buckets, seed }, input: stageDir(config, 'generate'), out: stageDir(config, 'decontam') };
}

function exportRequest(config: PipelineConfig, o: StageOptions): Omit<ExportOptions, Runtime> {
  const options = { ...o } as { out?: string; format: string };
  delete options.out;
  const input = config.stages.decontam !== undefined ? stageDir(config, 'decontam') : stageDir(config, 'generate');
  return { ...options, input, out: exportFile(config, o) };
}

/** report's request; the browser found through the environment is added when it runs. */
function reportRequest(config: PipelineConfig, o: StageOptions): Omit<ReportOptions, Runtime | 'searchPath'> {
  const { png, ...options } = o as { png?: boolean | string; chromium?: string };
  const dir = stageDir(config, 'report');
  const figures = png === true ? join(dir, 'figures') : typeof png === 'string' ? png : undefined;
  return { ...options, work: config.work, out: join(dir, 'report.html'), ...(figures === undefined ? {} : { png: figures }) };
}

/** Every stage, in pipeline order. */
export const STAGE_SPECS: Readonly<Record<StageName, StageSpec>> = {
  sample: defineStage({
    name: 'sample', after: [], externalInputs: () => [], identity: (o) => o,
    outputs: (c) => [join(c.dir, SAMPLE_FILE)],
    request: (config, o) => ({ options: o as unknown as SampleOptions, out: join(stageDir(config, 'sample'), SAMPLE_FILE) }),
    check: (request, naming) => {
      resolveSampleOptions(request.options, naming);
    },
    run: async (c, o) => {
      const devkit = devkitOf(c, 'the sample stage');
      mkdirSync(c.dir, { recursive: true });
      return devkit.writeSample(o, join(c.dir, SAMPLE_FILE));
    },
  }),
  ingest: defineStage({
    name: 'ingest', after: ['sample'], externalInputs: (o) => (o.inputs as string[] | undefined) ?? [], identity: (o) => o,
    outputs: (c) => [join(c.dir, 'pairs.arrow')],
    request: ingestRequest,
    check: (request, naming) => {
      resolveIngestOptions(request.options, naming);
      resolveIngestThreads(request.threads, naming);
    },
    run: async (c, o) => {
      const { runIngest } = await import('../ingest/run.js');
      return runIngest({ ...ingestRequest(c.config, o), progress: c.progress, signal: c.signal });
    },
  }),
  embed: defineStage({
    name: 'embed', after: ['ingest'], identity: withoutServers,
    externalInputs: modelFolders,
    outputs: (c) => [join(c.dir, 'embeddings.arrow')],
    request: embedRequest,
    check: (request, naming) => {
      resolveEmbedOptions(request, naming);
    },
    run: async (c, o) => {
      const { runEmbed } = await import('../embed/run.js');
      const request = embedRequest(c.config, o);
      return runEmbed({ ...request, endpoint: withApiKey(request.endpoint, o, c.environment), hub: c.environment.hub, progress: c.progress, signal: c.signal });
    },
  }),
  select: defineStage({
    name: 'select', after: ['embed'], identity: (o) => o,
    externalInputs: (o) => (typeof o.alreadySelected === 'string' ? [o.alreadySelected] : []),
    outputs: (c) => [join(c.dir, 'coreset.arrow')],
    request: selectRequest,
    check: (request, naming) => {
      resolveSelectOptions(request, naming);
    },
    run: async (c, o) => {
      const { runSelect } = await import('../select/run.js');
      return runSelect({ ...selectRequest(c.config, o), progress: c.progress, signal: c.signal });
    },
  }),
  generate: defineStage({
    name: 'generate', after: ['ingest', 'select'],
    externalInputs: (o) => [o.prompts, o.prices].filter((path): path is string => typeof path === 'string'),
    identity: (o) => o,
    outputs: (c) => [join(c.dir, 'instructions.jsonl'), join(c.dir, 'rejected.jsonl')],
    request: generateRequest,
    check: ({ llm, ...request }, naming) => {
      // The endpoint is opened when the stage runs (and its key checked up front by the pipeline's preflight); a stand-in here.
      const baseURL = llm === 'scripted' || llm.baseURL === undefined ? 'http://127.0.0.1/v1' : llm.baseURL;
      // Stand-in keys too: whether the variables an endpoint names are set is the preflight's check.
      const endpointKeys = Object.fromEntries(keyVariables(baseURL).map((name) => [name, 'checked-when-run']));
      resolveGenerateOptions({ ...request, model: llm === 'scripted' ? 'scripted' : llm.model, baseURL, apiKey: 'no-key', endpointKeys }, naming);
    },
    run: async (c, o) => {
      const { runGenerate } = await import('../generate/run.js');
      const { llm, ...request } = generateRequest(c.config, o);
      const endpoint = await openEndpoint(llm, c);
      try {
        return await runGenerate({
          ...request, model: endpoint.model, baseURL: endpoint.baseURL, apiKey: endpoint.apiKey, endpointKeys: endpoint.endpointKeys,
          progress: c.progress, signal: c.signal, log: (line) => {
            c.log(line);
          },
        });
      } finally {
        await endpoint.close();
      }
    },
  }),
  decontam: defineStage({
    name: 'decontam', after: ['generate'], identity: withoutServers,
    externalInputs: (o) => [...(o.bench as string[]), ...modelFolders(o)],
    outputs: (c) => [join(c.dir, 'kept.jsonl'), join(c.dir, 'removed.jsonl')],
    request: decontamRequest,
    check: (request, naming) => {
      resolveDecontamOptions(request, naming);
    },
    run: async (c, o) => {
      const { runDecontam } = await import('../decontam/run.js');
      const request = decontamRequest(c.config, o);
      return runDecontam({ ...request, endpoint: withApiKey(request.endpoint, o, c.environment), hub: c.environment.hub, progress: c.progress, signal: c.signal });
    },
  }),
  export: defineStage({
    name: 'export', after: ['generate', 'decontam'], externalInputs: () => [], identity: (o) => o,
    outputs: (c, o) => [exportFile(c.config, o)],
    request: exportRequest,
    check: (request, naming) => {
      resolveExportOptions(request, naming);
    },
    run: async (c, o) => {
      const { runExport } = await import('../export/run.js');
      mkdirSync(c.dir, { recursive: true });
      return runExport({ ...exportRequest(c.config, o), progress: c.progress, signal: c.signal, log: (line) => {
        c.log(line);
      } });
    },
  }),
  report: defineStage({
    name: 'report', after: ['ingest', 'embed', 'select', 'generate', 'decontam'], externalInputs: () => [], identity: (o) => o,
    outputs: (c) => [join(c.dir, 'report.html')],
    request: reportRequest,
    check: (request, naming) => {
      resolveReportOptions(request, naming);
    },
    run: async (c, o) => {
      const { runReport } = await import('../report/run.js');
      mkdirSync(c.dir, { recursive: true });
      const request = reportRequest(c.config, o);
      return runReport({
        ...request, chromium: request.chromium ?? (request.png === undefined ? undefined : c.environment.chromium), searchPath: c.environment.searchPath, log: (line) => {
          c.log(line);
        },
      });
    },
  }),
};

/** Where export writes: `out` from the pipeline file, else `work/export/train.<ext>`. */
export function exportFile(config: PipelineConfig, options: StageOptions): string {
  if (typeof options.out === 'string') return options.out;
  const format = String(options.format);
  return join(stageDir(config, 'export'), format === 'parquet' ? 'train.parquet' : 'train.jsonl');
}

interface Endpoint {
  baseURL: string;
  model: string;
  apiKey: string;
  endpointKeys?: Readonly<Record<string, string>> | undefined;
  close(): Promise<void>;
}

/** The scripted stand-in started for the stage, or the configured endpoint. */
async function openEndpoint(llm: LlmConfig, context: StageContext): Promise<Endpoint> {
  if (llm === 'scripted') {
    const server = await devkitOf(context, 'generate.llm "scripted"').startScriptedLlm();
    context.log('generate: SCRIPTED LLM (`llm: "scripted"`): answers come from tidepool\'s scripted stand-in, not a model; set generate.llm to {"baseURL", "model"} for a real one');
    return { baseURL: server.baseURL, model: 'scripted', apiKey: 'scripted', close: () => server.close() };
  }
  const { baseURL, apiKey, endpointKeys } = context.environment.llmCredentials(llm);
  return { baseURL, model: llm.model, apiKey, endpointKeys, close: () => Promise.resolve() };
}

/** The development kit; `runPipeline` refuses a pipeline that needs one it was not given, so this is a backstop. */
function devkitOf(context: StageContext, needer: string): PipelineDevkit {
  if (context.devkit === undefined) throw new InternalError(`${needer} needs the development kit, and runPipeline was given none`);
  return context.devkit;
}
