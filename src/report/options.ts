/** Options of `tidepool report`: what users may pass, and the complete, validated set a run uses. */
import { join } from 'node:path';
import { KINDS, OptionProblems, option, type OptionNaming, type OptionTable } from '../util/options.js';

/** The stage folders a report reads, in pipeline order. */
export const REPORT_STAGES = ['ingest', 'embed', 'select', 'generate', 'decontam'] as const;

/** A stage folder the report reads. */
export type ReportStage = (typeof REPORT_STAGES)[number];

/** User-facing options. */
export interface ReportOptions {
  /** The HTML file to write. */
  out: string;
  /** A folder holding the stage folders `ingest/`, `embed/`, `select/`, `generate/`, `decontam/`. */
  work?: string | undefined;
  /** Output folder of `tidepool ingest` (pairs.arrow). @default `{work}/ingest` */
  ingest?: string | undefined;
  /** Output folder of `tidepool embed`, or an embeddings `.arrow` / `.npy` file. @default `{work}/embed` */
  embed?: string | undefined;
  /** Output folder of `tidepool select` (coreset.arrow). @default `{work}/select` */
  select?: string | undefined;
  /** Output folder of `tidepool generate`. @default `{work}/generate` */
  generate?: string | undefined;
  /** Output folder of `tidepool decontam`. @default `{work}/decontam` */
  decontam?: string | undefined;
  /** Seed of every sample and random subset. @default 0 */
  seed?: number | undefined;
  /** Rows sampled from the embeddings for the map and the random baseline. @default 20000 */
  sample?: number | undefined;
  /** Removed records shown with their evidence (the first ones of removed.jsonl; 0: none). @default 20 */
  evidence?: number | undefined;
  /** Also write each figure as a PNG into this folder (needs Chromium). */
  png?: string | undefined;
  /** Chromium (or Chrome) executable for `png`. @default searched for */
  chromium?: string | undefined;
  /** Folders searched for a Chromium executable (a PATH-style list). @default '' */
  searchPath?: string | undefined;
  /** The report's date. @default now */
  now?: Date | undefined;
  /** Messages for people (stderr in the CLI). @default none */
  log?: ((line: string) => void) | undefined;
}

/** Every option resolved. */
export interface ResolvedReportOptions {
  out: string;
  work: string | null;
  /** Each stage's folder or file, or null when neither it nor `work` was given. */
  stages: Record<ReportStage, string | null>;
  seed: number;
  sample: number;
  evidence: number;
  png: string | null;
  chromium: string | undefined;
  searchPath: string;
  now: Date;
  log: (line: string) => void;
}

/** Default of {@link ReportOptions.sample}. */
export const DEFAULT_SAMPLE = 20_000;
/** Default of {@link ReportOptions.evidence}. */
export const DEFAULT_EVIDENCE = 20;
/** Largest {@link ReportOptions.evidence}: the records shown are held in memory and on the page. */
export const MAX_EVIDENCE = 10_000;
/** Largest {@link ReportOptions.sample}: the sample is held in memory. */
export const MAX_SAMPLE = 1_000_000;

/**
 * Every option of `tidepool report` (the command's camelCase names), checked by the resolver and by
 * `tidepool run`. `png` takes `true` only in a pipeline file (a folder of the report's own); the
 * command and {@link ReportOptions} take a path.
 */
export const REPORT_OPTIONS: OptionTable = {
  png: option({ type: 'path-or-boolean' }, '--png'),
  chromium: option(KINDS.path, '--chromium'),
  sample: option({ type: 'integer', min: 1, max: MAX_SAMPLE }, '--sample'),
  seed: option(KINDS.count, '--seed'),
  evidence: option({ type: 'integer', min: 0, max: MAX_EVIDENCE }, '--evidence'),
};

/**
 * Checks every option (all problems in one error) and fills in the defaults.
 * @param naming how messages name an option. @default its flag (`--sample`); the pipeline passes `pipelineNaming('report')`
 */
export function resolveReportOptions(options: ReportOptions, naming?: OptionNaming): ResolvedReportOptions {
  const problems = new OptionProblems('report', REPORT_OPTIONS, naming);
  // out and the stage folders are wired by the pipeline, so not in the table.
  if (typeof options.out !== 'string' || options.out.trim() === '') problems.add('options.out must name the HTML file to write (--out report.html)');
  const seed = problems.value('seed', options.seed, 0);
  const sample = problems.value('sample', options.sample, DEFAULT_SAMPLE);
  const evidence = problems.value('evidence', options.evidence, DEFAULT_EVIDENCE);
  const work = options.work ?? null;
  const stages = Object.fromEntries(REPORT_STAGES.map((stage) => [stage, options[stage] ?? (work === null ? null : join(work, stage))])) as Record<ReportStage, string | null>;
  if (work === null && REPORT_STAGES.every((stage) => stages[stage] === null)) {
    problems.add('no inputs: pass --work DIR (a folder with ingest/, embed/, select/, generate/, decontam/) or at least one of --ingest, --embed, --select, --generate, --decontam');
  }
  // A path here (the table's `true` is the pipeline's own folder, which it turns into a path).
  if (options.png !== undefined && options.png.trim() === '') problems.add('{name} must name a folder for the PNG files', 'png');
  // An empty name (an empty TIDEPOOL_CHROMIUM) means "search for it", as the browser finder reads it.
  const chromium = problems.value('chromium', options.chromium === '' ? undefined : options.chromium);
  // The browser only draws the PNG figures: naming one without them is a mistake worth saying.
  if (chromium !== undefined && options.png === undefined) problems.add('{name} names the browser that draws the PNG figures, and no {name} folder was given: add {name} DIR, or drop {name}', 'chromium', 'png', 'png', 'chromium');
  problems.throwIfAny();
  return {
    out: options.out, work, stages, seed, sample, evidence,
    png: options.png ?? null, chromium: options.chromium, searchPath: options.searchPath ?? '',
    now: options.now ?? new Date(), log: options.log ?? (() => undefined),
  };
}
