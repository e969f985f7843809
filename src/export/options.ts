/**
 * `tidepool export` options: {@link ExportOptions} (what a caller passes) -> {@link resolveExportOptions}
 * -> {@link ResolvedExportOptions} (complete and checked). Every problem is collected and reported at once.
 */
import { basename, extname, resolve } from 'node:path';
import { TidepoolError } from '../errors.js';
import type { ProgressSink } from '../util/progress.js';
import { EXPORT_FORMATS, type ExportFormat, type OutputLayout } from './formats.js';
import { ownedListPath } from './owned.js';
import { KINDS, option, type OptionTable } from '../util/options.js';

/** Rows per Parquet row group. @default 10_000 */
export const DEFAULT_ROW_GROUP_ROWS = 10_000;
/** Longest input line read; a longer one is rejected without being buffered. @default 64 MiB */
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024;
/**
 * Suffix of the dataset card when `card` is not given: `<out>.card.md`, named after the export so that
 * it never lands on a file tidepool does not own (a project's `README.md`), and two exports into one
 * folder get one card each. Copy it to `README.md` in a Hugging Face dataset repository.
 */
export const CARD_SUFFIX = '.card.md';

/** What a caller of {@link runExport} passes. */
export interface ExportOptions {
  /** Output folder of `tidepool generate` or `tidepool decontam`, or a `.jsonl` file of instruction records. */
  input: string;
  /** `alpaca`, `sharegpt`, `messages` or `parquet`. */
  format: string;
  /** File to write: `.json` (JSON array) or `.jsonl` for alpaca/sharegpt, `.jsonl` for messages, `.parquet` for parquet. */
  out: string;
  /** alpaca, sharegpt: add task, language (and for alpaca id) to each item. @default false */
  withMetadata?: boolean | undefined;
  /** messages: system message put before every conversation. */
  system?: string | undefined;
  /** Where the dataset card goes; `false` writes none. @default `<out>.card.md` */
  card?: string | false | undefined;
  /**
   * Replace existing files at `out`, the card or `<out>.rejects.jsonl` that tidepool did not write
   * (files a previous export wrote, unchanged, are replaced without it). @default false
   */
  force?: boolean | undefined;
  /** Rows per Parquet row group (memory holds one group). @default 10_000 */
  rowGroupRows?: number | undefined;
  /** Longest input line read. @default 64 MiB */
  maxLineBytes?: number | undefined;
  /** Where progress goes; none when undefined. */
  progress?: ProgressSink | undefined;
  /** Human messages (which file was read, where things went). @default no-op */
  log?: ((line: string) => void) | undefined;
  /** Clock for the card's date. @default () => new Date() */
  now?: (() => Date) | undefined;
  /** Folder relative manifest paths are resolved from first (stages record paths as they were given). @default process.cwd() */
  cwd?: string | undefined;
  /** Stops the export between blocks of lines (Ctrl-C); partial files are removed. */
  signal?: AbortSignal | undefined;
}

/** {@link ExportOptions} completed and checked. */
export interface ResolvedExportOptions {
  input: string;
  format: ExportFormat;
  out: string;
  layout: OutputLayout;
  withMetadata: boolean;
  system: string | null;
  /** Card path, or null for none. */
  card: string | null;
  /** `<out>.rejects.jsonl`. */
  rejects: string;
  /** `<out>.tidepool.json`: the files this export wrote, so that a rerun may replace them. */
  owned: string;
  force: boolean;
  rowGroupRows: number;
  maxLineBytes: number;
  progress: ProgressSink | undefined;
  log: (line: string) => void;
  now: () => Date;
  cwd: string;
  signal: AbortSignal | undefined;
}

/** The layout of `out` for `format`, or what is wrong with its extension. */
export function outputLayout(format: ExportFormat, out: string): { layout: OutputLayout } | { problem: string } {
  const extension = extname(out).toLowerCase();
  if (format === 'parquet') {
    return extension === '.parquet' ? { layout: 'parquet' } : { problem: `parquet output must end in .parquet, got "${basename(out)}"; pass e.g. --out data/train.parquet` };
  }
  if (format === 'messages') {
    return extension === '.jsonl' ? { layout: 'lines' } : { problem: `messages output is JSON Lines (what OpenAI fine-tuning reads) and must end in .jsonl, got "${basename(out)}"; pass e.g. --out data/train.jsonl` };
  }
  if (extension === '.json') return { layout: 'array' };
  if (extension === '.jsonl') return { layout: 'lines' };
  return { problem: `${format} output must end in .json (one JSON array) or .jsonl (JSON Lines), got "${basename(out)}"` };
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/** Every option of `tidepool export` (the command's camelCase names), checked by the resolver and by `tidepool run`. */
export const EXPORT_OPTIONS: OptionTable = {
  format: option({ type: 'choice', values: ['alpaca', 'sharegpt', 'messages', 'parquet'] }, '--format', true),
  out: option(KINDS.path, '--out'),
  withMetadata: option(KINDS.boolean, '--with-metadata'),
  system: option(KINDS.string, '--system'),
  card: option({ type: 'path-or-false' }, '--card, --no-card'),
  rowGroupRows: option(KINDS.positive, '--row-group-rows'),
  force: option(KINDS.boolean, '--force'),
};

/**
 * Fills defaults and checks every field.
 * @throws TidepoolError `E_USAGE` listing every problem, each with the option's name and the fix.
 */
export function resolveExportOptions(options: ExportOptions): ResolvedExportOptions {
  const problems: string[] = [];
  if (typeof options.input !== 'string' || options.input.trim() === '') problems.push('options.input (--input) is empty: pass the output folder of `tidepool generate` or `tidepool decontam`, or a .jsonl file');
  if (typeof options.out !== 'string' || options.out.trim() === '') problems.push('options.out (--out) is empty: pass the file to write, e.g. data/train.jsonl');
  const format = (EXPORT_FORMATS as readonly string[]).includes(options.format) ? (options.format as ExportFormat) : null;
  if (format === null) problems.push(`options.format (--format) must be one of ${EXPORT_FORMATS.join(', ')}; got "${options.format}"`);
  let layout: OutputLayout = 'lines';
  if (format !== null && typeof options.out === 'string' && options.out.trim() !== '') {
    const found = outputLayout(format, options.out);
    if ('layout' in found) layout = found.layout;
    else problems.push(`options.out (--out): ${found.problem}`);
  }
  const withMetadata = options.withMetadata ?? false;
  if (withMetadata && format === 'messages') problems.push('options.withMetadata (--with-metadata) does not apply to messages: OpenAI fine-tuning lines hold only "messages"; use alpaca, sharegpt or parquet for metadata');
  const system = options.system ?? null;
  if (system !== null && format !== null && format !== 'messages') problems.push(`options.system (--system) applies only to --format messages, not ${format}; drop it or export messages`);
  if (system !== null && system.trim() === '') problems.push('options.system (--system) is empty: pass the system message text or leave the flag out');
  const rowGroupRows = options.rowGroupRows ?? DEFAULT_ROW_GROUP_ROWS;
  if (!isPositiveInteger(rowGroupRows)) problems.push(`options.rowGroupRows (--row-group-rows) must be a positive integer, got ${String(rowGroupRows)}`);
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  if (!isPositiveInteger(maxLineBytes)) problems.push(`options.maxLineBytes must be a positive integer, got ${String(maxLineBytes)}`);
  const out = typeof options.out === 'string' ? options.out : '';
  const card = options.card === false ? null : options.card ?? `${out}${CARD_SUFFIX}`;
  if (card !== null && out !== '' && resolve(card) === resolve(out)) problems.push(`options.card (--card) is the same file as --out (${out}); pass another path or --no-card`);
  for (const [what, path] of [['rejects file', `${out}.rejects.jsonl`], ['list of written files', ownedListPath(out)]] as const) {
    if (card !== null && out !== '' && resolve(card) === resolve(path)) problems.push(`options.card (--card) is the export's ${what} ${path}; pass another path or --no-card`);
  }
  if (typeof options.input === 'string' && out !== '' && resolve(options.input) === resolve(out)) problems.push(`options.out (--out) is the input file ${options.input}; write the export to another file`);
  if (problems.length > 0 || format === null) {
    throw new TidepoolError('E_USAGE', `export options are invalid:\n  - ${problems.join('\n  - ')}`, { problems });
  }
  return {
    input: options.input,
    format,
    out,
    layout,
    withMetadata,
    system,
    card,
    rejects: `${out}.rejects.jsonl`,
    owned: ownedListPath(out),
    force: options.force ?? false,
    rowGroupRows,
    maxLineBytes,
    progress: options.progress,
    log: options.log ?? (() => undefined),
    now: options.now ?? (() => new Date()),
    cwd: options.cwd ?? process.cwd(),
    signal: options.signal,
  };
}
