/** Ingest options: user-facing `IngestOptions` -> validated `ResolvedIngestOptions`. */
import { TidepoolError } from '../errors.js';
import { KINDS, option, type OptionTable } from '../util/options.js';

/** What a user may set (all optional). */
export interface IngestOptions {
  /** Keep only these languages (case-insensitive). @default all */
  languages?: readonly string[] | undefined;
  /** @default 1 */
  minCodeLines?: number | undefined;
  /** @default Infinity */
  maxCodeLines?: number | undefined;
  /** @default 1 */
  minCodeChars?: number | undefined;
  /** @default Infinity */
  maxCodeChars?: number | undefined;
  /** @default 0 */
  minDocstringWords?: number | undefined;
  /** Lines longer than this (bytes) are rejected as `line_too_long`. @default 16 MiB */
  maxLineBytes?: number | undefined;
  /** Exact de-duplication on whitespace-normalised code. @default true */
  dedup?: boolean | undefined;
}

/** Complete, validated options. */
export interface ResolvedIngestOptions {
  languages: readonly string[] | null;
  minCodeLines: number;
  maxCodeLines: number;
  minCodeChars: number;
  maxCodeChars: number;
  minDocstringWords: number;
  maxLineBytes: number;
  dedup: boolean;
}

/** Every option of `tidepool ingest` (the command's camelCase names), checked by the resolver and by `tidepool run`. */
export const INGEST_OPTIONS: OptionTable = {
  inputs: option({ type: 'paths' }, 'INPUTS...'),
  languages: option(KINDS.list, '--languages'),
  minCodeLines: option(KINDS.count, '--min-code-lines'),
  maxCodeLines: option(KINDS.positive, '--max-code-lines'),
  minCodeChars: option(KINDS.count, '--min-code-chars'),
  maxCodeChars: option(KINDS.positive, '--max-code-chars'),
  minDocstringWords: option(KINDS.count, '--min-docstring-words'),
  maxLineBytes: option(KINDS.positive, '--max-line-bytes'),
  dedup: option(KINDS.boolean, '--no-dedup'),
  threads: option(KINDS.count, '--threads'),
};

/** Validates every field, collecting all problems into one `E_USAGE` error. */
export function resolveIngestOptions(options: IngestOptions = {}): ResolvedIngestOptions {
  const problems: string[] = [];
  const count = (name: keyof IngestOptions, value: number | undefined, fallback: number, min: number): number => {
    if (value === undefined) return fallback;
    if (Number.isNaN(value) || value < min || (Number.isFinite(value) && !Number.isInteger(value))) {
      problems.push(`options.${name} must be an integer >= ${min}, got ${String(value)}`);
    }
    return value;
  };
  const resolved: ResolvedIngestOptions = {
    languages: options.languages && options.languages.length > 0 ? [...new Set(options.languages.map((l) => l.trim().toLowerCase()))] : null,
    minCodeLines: count('minCodeLines', options.minCodeLines, 1, 0),
    maxCodeLines: count('maxCodeLines', options.maxCodeLines, Infinity, 1),
    minCodeChars: count('minCodeChars', options.minCodeChars, 1, 0),
    maxCodeChars: count('maxCodeChars', options.maxCodeChars, Infinity, 1),
    minDocstringWords: count('minDocstringWords', options.minDocstringWords, 0, 0),
    maxLineBytes: count('maxLineBytes', options.maxLineBytes, 16 * 1024 * 1024, 64),
    dedup: options.dedup ?? true,
  };
  if (resolved.languages?.some((l) => l === '')) problems.push('options.languages must not contain an empty name');
  if (resolved.minCodeLines > resolved.maxCodeLines) problems.push(`options.minCodeLines (${resolved.minCodeLines}) exceeds options.maxCodeLines (${resolved.maxCodeLines})`);
  if (resolved.minCodeChars > resolved.maxCodeChars) problems.push(`options.minCodeChars (${resolved.minCodeChars}) exceeds options.maxCodeChars (${resolved.maxCodeChars})`);
  if (problems.length > 0) {
    throw new TidepoolError('E_USAGE', `invalid ingest options:\n  - ${problems.join('\n  - ')}`, { problems });
  }
  return resolved;
}
