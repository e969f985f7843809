/** Ingest options: user-facing `IngestOptions` -> validated `ResolvedIngestOptions`. */
import { availableParallelism } from 'node:os';
import { checkShardOption, type Shard } from '../store/shards.js';
import { KINDS, OptionProblems, option, type OptionNaming, type OptionTable } from '../util/options.js';

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

/**
 * Every option of `tidepool ingest` (the command's camelCase names), checked by the resolver and by
 * `tidepool run`. A line limit under 64 bytes would reject every record, so 64 is the least.
 */
export const INGEST_OPTIONS: OptionTable = {
  inputs: option({ type: 'paths' }, 'INPUTS...'),
  languages: option(KINDS.list, '--languages'),
  minCodeLines: option(KINDS.count, '--min-code-lines'),
  maxCodeLines: option(KINDS.positive, '--max-code-lines'),
  minCodeChars: option(KINDS.count, '--min-code-chars'),
  maxCodeChars: option(KINDS.positive, '--max-code-chars'),
  minDocstringWords: option(KINDS.count, '--min-docstring-words'),
  maxLineBytes: option({ type: 'integer', min: 64 }, '--max-line-bytes'),
  dedup: option(KINDS.boolean, '--no-dedup'),
  threads: option(KINDS.count, '--threads'),
  shard: option(KINDS.string, '--shard'),
  merge: option(KINDS.boolean, '--merge'),
};

/**
 * Validates every field, collecting all problems into one `E_USAGE` error.
 * @param naming how messages name an option. @default its flag (`--min-code-lines`); the pipeline passes `pipelineNaming('ingest')`
 */
export function resolveIngestOptions(options: IngestOptions = {}, naming?: OptionNaming): ResolvedIngestOptions {
  const problems = new OptionProblems('ingest', INGEST_OPTIONS, naming);
  // An empty list (`--languages ,`) names no language: most likely a mistake, so it is not read as "all".
  if (options.languages?.length === 0) problems.add('{name} names no language; leave it out to keep every language', 'languages');
  const languages = options.languages !== undefined && options.languages.length > 0 ? problems.value('languages', options.languages) : undefined;
  const resolved: ResolvedIngestOptions = {
    languages: languages === undefined ? null : [...new Set(languages.map((l) => l.trim().toLowerCase()))],
    minCodeLines: problems.value('minCodeLines', options.minCodeLines, 1),
    maxCodeLines: problems.value('maxCodeLines', options.maxCodeLines, Infinity),
    minCodeChars: problems.value('minCodeChars', options.minCodeChars, 1),
    maxCodeChars: problems.value('maxCodeChars', options.maxCodeChars, Infinity),
    minDocstringWords: problems.value('minDocstringWords', options.minDocstringWords, 0),
    maxLineBytes: problems.value('maxLineBytes', options.maxLineBytes, 16 * 1024 * 1024),
    dedup: problems.value('dedup', options.dedup, true),
  };
  if (resolved.minCodeLines > resolved.maxCodeLines) problems.add(`{name} (${resolved.minCodeLines}) exceeds {name} (${resolved.maxCodeLines})`, 'minCodeLines', 'maxCodeLines');
  if (resolved.minCodeChars > resolved.maxCodeChars) problems.add(`{name} (${resolved.minCodeChars}) exceeds {name} (${resolved.maxCodeChars})`, 'minCodeChars', 'maxCodeChars');
  problems.throwIfAny();
  return resolved;
}

/**
 * Worker threads parsing jsonl (0 parses on the main thread). @default min(available cores, 4)
 * Apart from {@link resolveIngestOptions}: workers do not change the rows kept, so they stay out of the
 * options the manifest records.
 * @throws TidepoolError `E_USAGE` naming the option by `naming` (its flag by default).
 */
export function resolveIngestThreads(threads: number | undefined, naming?: OptionNaming): number {
  const problems = new OptionProblems('ingest', INGEST_OPTIONS, naming);
  const resolved = problems.value('threads', threads, Math.min(availableParallelism(), 4));
  problems.throwIfAny();
  return resolved;
}

/** How a run is split (`--shard I/N`, `--merge`); none of it changes the output, so not in the manifest's options. */
export interface IngestSharding {
  shard: Shard | undefined;
  merge: boolean;
}

/**
 * Validates `--shard` and `--merge` (they exclude each other).
 * @throws TidepoolError `E_USAGE` naming the options by `naming` (their flags by default).
 */
export function resolveIngestSharding(shard: string | undefined, merge: boolean | undefined, naming?: OptionNaming): IngestSharding {
  const problems = new OptionProblems('ingest', INGEST_OPTIONS, naming);
  const resolved = { shard: checkShardOption(shard, problems), merge: problems.value('merge', merge, false) };
  if (resolved.shard !== undefined && resolved.merge) problems.add('{name} and {name} exclude each other: a shard merges by itself when it finishes last; --merge alone merges finished shards', 'shard', 'merge');
  problems.throwIfAny();
  return resolved;
}
