/**
 * The stages `tidepool run` knows: where each one's output lives in the work folder, which stages it
 * reads, which outside files it depends on, and how to run it through the stage's own `run*` API (so
 * a stage resumes by itself when it was interrupted).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { InternalError } from '../errors.js';
import type { ProgressSink } from '../util/progress.js';
import type { LlmConfig, PipelineConfig, StageName } from './config.js';
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

/** One stage. */
export interface StageSpec {
  name: StageName;
  /** Stages whose outputs it reads (those present in the pipeline). */
  after: readonly StageName[];
  /** Outside files whose content is part of the stage's identity (inputs, benchmark files, prompt files...). */
  externalInputs(options: Record<string, unknown>): string[];
  /** Options as they count for identity (e.g. without an ephemeral URL). */
  identity(options: Record<string, unknown>): unknown;
  /** Files whose content is the stage's result (hashed for the stages after it). */
  outputs(context: StageContext, options: Record<string, unknown>): string[];
  run(context: StageContext, options: Record<string, unknown>): Promise<unknown>;
}

const SAMPLE_FILE = 'sample.jsonl.gz';

/** Every stage, in pipeline order. */
export const STAGE_SPECS: Readonly<Record<StageName, StageSpec>> = {
  sample: {
    name: 'sample', after: [], externalInputs: () => [], identity: (o) => o,
    outputs: (c) => [join(c.dir, SAMPLE_FILE)],
    run: async (c, o) => {
      const devkit = devkitOf(c, 'the sample stage');
      mkdirSync(c.dir, { recursive: true });
      return devkit.writeSample(o, join(c.dir, SAMPLE_FILE));
    },
  },
  ingest: {
    name: 'ingest', after: ['sample'], externalInputs: (o) => (o.inputs as string[] | undefined) ?? [], identity: (o) => o,
    outputs: (c) => [join(c.dir, 'pairs.arrow')],
    run: async (c, o) => {
      const { runIngest } = await import('../ingest/run.js');
      const { inputs, threads, ...options } = o as { inputs?: string[]; threads?: number };
      const sources = inputs ?? [join(c.dirOf('sample'), SAMPLE_FILE)];
      return runIngest({ inputs: sources, out: c.dir, options, threads, progress: c.progress, signal: c.signal });
    },
  },
  embed: {
    name: 'embed', after: ['ingest'], identity: (o) => o,
    externalInputs: (o) => (o.model === 'hashing' ? [] : [o.model as string]),
    outputs: (c) => [join(c.dir, 'embeddings.arrow')],
    run: async (c, o) => {
      const { runEmbed } = await import('../embed/run.js');
      const { dim, buckets, seed, ...options } = o as { model: string; dim?: number; buckets?: number; seed?: number };
      return runEmbed({ ...options, hashing: { dim, buckets, seed }, data: c.dirOf('ingest'), out: c.dir, progress: c.progress, signal: c.signal });
    },
  },
  select: {
    name: 'select', after: ['embed'], identity: (o) => o,
    externalInputs: (o) => (typeof o.alreadySelected === 'string' ? [o.alreadySelected] : []),
    outputs: (c) => [join(c.dir, 'coreset.arrow')],
    run: async (c, o) => {
      const { runSelect } = await import('../select/run.js');
      return runSelect({ ...(o as { k: number }), embeddings: join(c.dirOf('embed'), 'embeddings.arrow'), out: c.dir, progress: c.progress, signal: c.signal });
    },
  },
  generate: {
    name: 'generate', after: ['ingest', 'select'],
    externalInputs: (o) => [o.prompts, o.prices].filter((path): path is string => typeof path === 'string'),
    identity: (o) => o,
    outputs: (c) => [join(c.dir, 'instructions.jsonl'), join(c.dir, 'rejected.jsonl')],
    run: async (c, o) => {
      const { runGenerate } = await import('../generate/run.js');
      const { llm, discriminator, examples, timeout, ...options } = o as { llm: LlmConfig; discriminator?: boolean; examples?: number; timeout?: number; discriminate?: boolean; goodExamples?: number; timeoutMs?: number };
      // The flags' names (`--no-discriminator`, `--examples`, `--timeout` in seconds) onto the API's.
      if (discriminator !== undefined) options.discriminate = discriminator;
      if (examples !== undefined) options.goodExamples = examples;
      if (timeout !== undefined) options.timeoutMs = timeout * 1000;
      const endpoint = await openEndpoint(llm, c);
      try {
        return await runGenerate({
          ...options, data: c.dirOf('ingest'), coreset: c.dirOf('select'), out: c.dir, model: endpoint.model, baseURL: endpoint.baseURL, apiKey: endpoint.apiKey,
          progress: c.progress, signal: c.signal, log: (line) => {
            c.log(line);
          },
        });
      } finally {
        await endpoint.close();
      }
    },
  },
  decontam: {
    name: 'decontam', after: ['generate'], identity: (o) => o,
    externalInputs: (o) => [...(o.bench as string[]), ...(typeof o.model === 'string' && o.model !== 'hashing' ? [o.model] : [])],
    outputs: (c) => [join(c.dir, 'kept.jsonl'), join(c.dir, 'removed.jsonl')],
    run: async (c, o) => {
      const { runDecontam } = await import('../decontam/run.js');
      const { dim, buckets, seed, ...options } = o as { bench: string[]; dim?: number; buckets?: number; seed?: number };
      return runDecontam({ ...options, hashing: { dim, buckets, seed }, input: c.dirOf('generate'), out: c.dir, progress: c.progress, signal: c.signal });
    },
  },
  export: {
    name: 'export', after: ['generate', 'decontam'], externalInputs: () => [], identity: (o) => o,
    outputs: (c, o) => [exportFile(c, o)],
    run: async (c, o) => {
      const { runExport } = await import('../export/run.js');
      const options = { ...o } as { out?: string; format: string };
      delete options.out;
      mkdirSync(c.dir, { recursive: true });
      const input = c.config.stages.decontam !== undefined ? c.dirOf('decontam') : c.dirOf('generate');
      return runExport({ ...options, input, out: exportFile(c, o), progress: c.progress, signal: c.signal, log: (line) => {
        c.log(line);
      } });
    },
  },
  report: {
    name: 'report', after: ['ingest', 'embed', 'select', 'generate', 'decontam'], externalInputs: () => [], identity: (o) => o,
    outputs: (c) => [join(c.dir, 'report.html')],
    run: async (c, o) => {
      const { runReport } = await import('../report/run.js');
      mkdirSync(c.dir, { recursive: true });
      const { png, chromium, ...options } = o as { png?: boolean | string; chromium?: string };
      const figures = png === true ? join(c.dir, 'figures') : typeof png === 'string' ? png : undefined;
      return runReport({
        ...options, work: c.config.work, out: join(c.dir, 'report.html'), ...(figures === undefined ? {} : { png: figures }),
        chromium: chromium ?? c.environment.chromium, searchPath: c.environment.searchPath, log: (line) => {
          c.log(line);
        },
      });
    },
  },
};

/** Where export writes: `out` from the pipeline file, else `work/export/train.<ext>`. */
export function exportFile(context: StageContext, options: Record<string, unknown>): string {
  if (typeof options.out === 'string') return options.out;
  const format = String(options.format);
  return join(context.dir, format === 'parquet' ? 'train.parquet' : 'train.jsonl');
}

interface Endpoint {
  baseURL: string;
  model: string;
  apiKey: string;
  close(): Promise<void>;
}

/** The scripted stand-in started for the stage, or the configured endpoint. */
async function openEndpoint(llm: LlmConfig, context: StageContext): Promise<Endpoint> {
  if (llm === 'scripted') {
    const server = await devkitOf(context, 'generate.llm "scripted"').startScriptedLlm();
    context.log('generate: SCRIPTED LLM (`llm: "scripted"`): answers come from tidepool\'s scripted stand-in, not a model; set generate.llm to {"baseURL", "model"} for a real one');
    return { baseURL: server.baseURL, model: 'scripted', apiKey: 'scripted', close: () => server.close() };
  }
  const { baseURL, apiKey } = context.environment.llmCredentials(llm);
  return { baseURL, model: llm.model, apiKey, close: () => Promise.resolve() };
}

/** The development kit; `runPipeline` refuses a pipeline that needs one it was not given, so this is a backstop. */
function devkitOf(context: StageContext, needer: string): PipelineDevkit {
  if (context.devkit === undefined) throw new InternalError(`${needer} needs the development kit, and runPipeline was given none`);
  return context.devkit;
}
