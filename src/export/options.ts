/**
 * `tidepool export` options: {@link ExportOptions} (what a caller passes) -> {@link resolveExportOptions}
 * -> {@link ResolvedExportOptions} (complete and checked). Every problem is collected and reported at once.
 */
import { basename, extname, resolve } from 'node:path';
import { InternalError } from '../errors.js';
import type { ProgressSink } from '../util/progress.js';
import { EXPORT_FORMATS, type ExportFormat, type OutputLayout } from './formats.js';
import { ownedListPath } from './owned.js';
import { KINDS, OptionProblems, checkOptionValue, option, type OptionNaming, type OptionTable } from '../util/options.js';

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

/** Every option of `tidepool export` (the command's camelCase names), checked by the resolver and by `tidepool run`. */
export const EXPORT_OPTIONS: OptionTable = {
  format: option({ type: 'choice', values: EXPORT_FORMATS }, '--format', true),
  out: option(KINDS.path, '--out'),
  withMetadata: option(KINDS.boolean, '--with-metadata'),
  system: option(KINDS.string, '--system'),
  // `--no-card` is the flag's `false`; messages name the path flag.
  card: option({ type: 'path-or-false' }, '--card'),
  rowGroupRows: option(KINDS.positive, '--row-group-rows'),
  force: option(KINDS.boolean, '--force'),
};

/**
 * Fills defaults and checks every field.
 * @param naming how messages name an option. @default its flag (`--row-group-rows`); the pipeline passes `pipelineNaming('export')`
 * @throws TidepoolError `E_USAGE` listing every problem, each with the option's name and the fix.
 */
export function resolveExportOptions(options: ExportOptions, naming?: OptionNaming): ResolvedExportOptions {
  const problems = new OptionProblems('export', EXPORT_OPTIONS, naming);
  // input is wired by the pipeline, so not in the table.
  if (typeof options.input !== 'string' || options.input.trim() === '') problems.add('options.input (--input) is empty: pass the output folder of `tidepool generate` or `tidepool decontam`, or a .jsonl file');
  if (typeof options.out !== 'string' || options.out.trim() === '') problems.add('{name} is empty: pass the file to write, e.g. data/train.jsonl', 'out');
  const before = problems.list.length;
  problems.value('format', options.format);
  const format = problems.list.length === before ? (options.format as ExportFormat) : null;
  let layout: OutputLayout = 'lines';
  if (format !== null && typeof options.out === 'string' && options.out.trim() !== '') {
    const found = outputLayout(format, options.out);
    if ('layout' in found) layout = found.layout;
    else problems.add(`{name}: ${found.problem}`, 'out');
  }
  const withMetadata = problems.value('withMetadata', options.withMetadata, false);
  if (withMetadata && format === 'messages') problems.add('{name} does not apply to messages: OpenAI fine-tuning lines hold only "messages"; use alpaca, sharegpt or parquet for metadata', 'withMetadata');
  const system = problems.value('system', options.system) ?? null;
  if (system !== null && format !== null && format !== 'messages') problems.add(`{name} applies only to {name} messages, not ${format}; drop it or set {name} to messages`, 'system', 'format', 'format');
  if (typeof system === 'string' && system.trim() === '') problems.add('{name} is empty: pass the system message text or leave the flag out', 'system');
  const rowGroupRows = problems.value('rowGroupRows', options.rowGroupRows, DEFAULT_ROW_GROUP_ROWS);
  // Not a flag: callers of the API (and tests) set it.
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const checkedLineBytes = checkOptionValue('options.maxLineBytes', KINDS.positive, maxLineBytes);
  if ('problem' in checkedLineBytes) problems.add(checkedLineBytes.problem);
  const force = problems.value('force', options.force, false);
  const out = typeof options.out === 'string' ? options.out : '';
  const card = options.card === false ? null : problems.value('card', options.card) ?? `${out}${CARD_SUFFIX}`;
  if (card !== null && out !== '' && resolve(card) === resolve(out)) problems.add(`{name} is the same file as {name} (${out}); pass another path or --no-card`, 'card', 'out');
  for (const [what, path] of [['rejects file', `${out}.rejects.jsonl`], ['list of written files', ownedListPath(out)]] as const) {
    if (card !== null && out !== '' && resolve(card) === resolve(path)) problems.add(`{name} is the export's ${what} ${path}; pass another path or --no-card`, 'card');
  }
  if (typeof options.input === 'string' && out !== '' && resolve(options.input) === resolve(out)) problems.add(`{name} is the input file ${options.input}; write the export to another file`, 'out');
  problems.throwIfAny();
  if (format === null) throw new InternalError('export format missing without a problem reported');
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
    force,
    rowGroupRows,
    maxLineBytes,
    progress: options.progress,
    log: options.log ?? (() => undefined),
    now: options.now ?? (() => new Date()),
    cwd: options.cwd ?? process.cwd(),
    signal: options.signal,
  };
}
