/** Options of `tidepool report`: what users may pass, and the complete, validated set a run uses. */
import { join } from 'node:path';
import { TidepoolError } from '../errors.js';
import { KINDS, option, type OptionTable } from '../util/options.js';

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
  png: string | null;
  chromium: string | undefined;
  searchPath: string;
  now: Date;
  log: (line: string) => void;
}

/** Default of {@link ReportOptions.sample}. */
export const DEFAULT_SAMPLE = 20_000;
/** Largest {@link ReportOptions.sample}: the sample is held in memory. */
export const MAX_SAMPLE = 1_000_000;

/** Every option of `tidepool report` (the command's camelCase names), checked by the resolver and by `tidepool run`. */
export const REPORT_OPTIONS: OptionTable = {
  png: option({ type: 'path-or-boolean' }, '--png'),
  chromium: option(KINDS.path, '--chromium'),
  sample: option(KINDS.positive, '--sample'),
  seed: option(KINDS.count, '--seed'),
};

/** Checks every option (all problems in one error) and fills in the defaults. */
export function resolveReportOptions(options: ReportOptions): ResolvedReportOptions {
  const problems: string[] = [];
  if (typeof options.out !== 'string' || options.out.trim() === '') problems.push('options.out must name the HTML file to write (--out report.html)');
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0) problems.push(`options.seed must be a non-negative integer, got ${String(seed)}`);
  const sample = options.sample ?? DEFAULT_SAMPLE;
  if (!Number.isSafeInteger(sample) || sample < 1 || sample > MAX_SAMPLE) problems.push(`options.sample must be an integer from 1 to ${MAX_SAMPLE}, got ${String(sample)}`);
  const work = options.work ?? null;
  const stages = Object.fromEntries(REPORT_STAGES.map((stage) => [stage, options[stage] ?? (work === null ? null : join(work, stage))])) as Record<ReportStage, string | null>;
  if (work === null && REPORT_STAGES.every((stage) => stages[stage] === null)) {
    problems.push('no inputs: pass --work DIR (a folder with ingest/, embed/, select/, generate/, decontam/) or at least one of --ingest, --embed, --select, --generate, --decontam');
  }
  if (options.png !== undefined && options.png.trim() === '') problems.push('options.png must name a folder for the PNG files');
  if (problems.length > 0) throw new TidepoolError('E_USAGE', `invalid report options: ${problems.join('; ')}`, { problems });
  return {
    out: options.out, work, stages, seed, sample,
    png: options.png ?? null, chromium: options.chromium, searchPath: options.searchPath ?? '',
    now: options.now ?? new Date(), log: options.log ?? (() => undefined),
  };
}
