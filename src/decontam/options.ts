/** Decontam options: user-facing {@link DecontamOptions} -> validated {@link ResolvedDecontamOptions}. */
import { availableParallelism } from 'node:os';
import { TidepoolError } from '../errors.js';
import type { EmbedDevice } from '../embedders/options.js';
import type { HashingOptions } from '../embedders/hashing/index.js';
import { MIN_DISTINCT_UNITS } from './exact.js';
import { KINDS, option, type OptionTable } from '../util/options.js';

/** What a user may set (all optional but the input, benchmarks and output). */
export interface DecontamOptions {
  /** Ingest output folder or pairs.arrow; generate output folder or a .jsonl(.gz) of generated records. */
  input: string;
  /** Benchmark files (.jsonl / .jsonl.gz). */
  bench: readonly string[];
  out: string;
  /** Pairs input only: check just the rows of this coreset (a `select` output folder or coreset.arrow). */
  coreset?: string | undefined;
  /** Pairs input only: the `embed` output for these pairs, whose vectors are used instead of re-embedding. */
  embeddings?: string | undefined;
  /** Run the exact-substring detector. @default true */
  exact?: boolean | undefined;
  /** Shortest shared run (normalised characters) the exact detector reports; shorter pieces are skipped. @default 50 */
  minExactChars?: number | undefined;
  /** Run the n-gram detector. @default true */
  ngram?: boolean | undefined;
  /** Tokens per n-gram. @default 10 */
  ngramN?: number | undefined;
  /** Least share of a benchmark code unit's n-grams found in a record. @default 0.5 */
  ngramThreshold?: number | undefined;
  /** Least number of a unit's n-grams found in a record. @default 10 */
  minNgrams?: number | undefined;
  /** Run the embedding detector. @default true */
  embed?: boolean | undefined;
  /** `hashing` or an ONNX model folder (as for `tidepool embed`). @default 'hashing' */
  model?: string | undefined;
  /**
   * Least cosine similarity that flags a record. @default 0.9: with the hashing model, near-verbatim
   * copies (in bench/decontam.mjs verbatim copies score 0.97 and more, unrelated code below 0.4;
   * paraphrases with renamed variables 0.2 to 0.6). Sentence-embedding models place unrelated code
   * higher: check a model's scores on known-clean data before choosing its threshold.
   */
  embedThreshold?: number | undefined;
  /** ONNX models: where they run. @default 'auto' */
  device?: EmbedDevice | undefined;
  /** ONNX models: tokens per text. @default the model's maximum */
  maxLength?: number | undefined;
  /** ONNX models: rows x padded length per model call. */
  batchTokens?: number | undefined;
  /** Hashing model parameters (ignored with `embeddings`, whose manifest names them). */
  hashing?: HashingOptions | undefined;
  /** APPS: solutions per problem that are checked (0: all). @default 5 */
  maxSolutions?: number | undefined;
  /** Embedding worker threads (0: this thread). @default min(available cores, 4) */
  threads?: number | undefined;
  /** Records per window (the unit of work and of memory). @default 8192 */
  windowRows?: number | undefined;
}

/** Complete, validated options. */
export interface ResolvedDecontamOptions {
  input: string;
  bench: string[];
  out: string;
  coreset: string | undefined;
  embeddings: string | undefined;
  exact: { enabled: boolean; minChars: number };
  ngram: { enabled: boolean; n: number; threshold: number; minNgrams: number };
  embedding: { enabled: boolean; model: string; modelGiven: boolean; threshold: number; device: EmbedDevice; maxLength: number | undefined; batchTokens: number | undefined; hashing: HashingOptions };
  maxSolutions: number;
  threads: number;
  windowRows: number;
}

/** @default 50 */
export const DEFAULT_MIN_EXACT_CHARS = 50;
/** @default 10 */
export const DEFAULT_NGRAM_N = 10;
/** @default 0.5 */
export const DEFAULT_NGRAM_THRESHOLD = 0.5;
/** @default 10 */
export const DEFAULT_MIN_NGRAMS = 10;
/** @default 0.9 */
export const DEFAULT_EMBED_THRESHOLD = 0.9;
/** @default 5 */
export const DEFAULT_MAX_SOLUTIONS = 5;

/** Every option of `tidepool decontam` (the command's camelCase names), checked by the resolver and by `tidepool run`. */
export const DECONTAM_OPTIONS: OptionTable = {
  bench: option({ type: 'paths' }, '--bench', true),
  exact: option(KINDS.boolean, '--no-exact'),
  minExactChars: option(KINDS.positive, '--min-exact-chars'),
  ngram: option(KINDS.boolean, '--no-ngram'),
  ngramN: option(KINDS.positive, '--ngram-n'),
  ngramThreshold: option({ type: 'number', min: 0, max: 1, openMin: true }, '--ngram-threshold'),
  minNgrams: option(KINDS.positive, '--min-ngrams'),
  embed: option(KINDS.boolean, '--no-embed'),
  model: option({ type: 'model' }, '--model'),
  embedThreshold: option({ type: 'number', min: -1, max: 1 }, '--embed-threshold'),
  device: option(KINDS.device, '--device'),
  maxLength: option(KINDS.positive, '--max-length'),
  batchTokens: option(KINDS.positive, '--batch-tokens'),
  dim: option(KINDS.positive, '--dim'),
  buckets: option(KINDS.positive, '--buckets'),
  seed: option(KINDS.count, '--seed'),
  maxSolutions: option(KINDS.count, '--max-solutions'),
  threads: option(KINDS.count, '--threads'),
  windowRows: option(KINDS.positive, '--window-rows'),
};

/** Validates every field, collecting all problems into one `E_USAGE` error. */
export function resolveDecontamOptions(options: DecontamOptions): ResolvedDecontamOptions {
  const problems: string[] = [];
  const integer = (name: string, value: number | undefined, min: number, max = Number.MAX_SAFE_INTEGER): void => {
    if (value !== undefined && (!Number.isInteger(value) || value < min || value > max)) problems.push(`options.${name} must be an integer from ${min}${max === Number.MAX_SAFE_INTEGER ? ' up' : ` to ${max}`}, got ${String(value)}`);
  };
  const fraction = (name: string, value: number | undefined, min: number, max: number, openMin: boolean): void => {
    if (value !== undefined && !(Number.isFinite(value) && (openMin ? value > min : value >= min) && value <= max)) problems.push(`options.${name} must be a number in ${openMin ? '(' : '['}${min}, ${max}], got ${String(value)}`);
  };
  if (options.input.trim() === '') problems.push('options.input must name an ingest or generate output (folder or file)');
  if (options.out.trim() === '') problems.push('options.out must name an output folder');
  if (options.bench.length === 0) problems.push('options.bench must list at least one benchmark file (.jsonl or .jsonl.gz)');
  integer('minExactChars', options.minExactChars, MIN_DISTINCT_UNITS);
  integer('ngramN', options.ngramN, 1, 64);
  fraction('ngramThreshold', options.ngramThreshold, 0, 1, true);
  integer('minNgrams', options.minNgrams, 1);
  fraction('embedThreshold', options.embedThreshold, -1, 1, false);
  integer('maxSolutions', options.maxSolutions, 0);
  integer('threads', options.threads, 0, 256);
  integer('windowRows', options.windowRows, 1);
  integer('maxLength', options.maxLength, 2);
  integer('batchTokens', options.batchTokens, 1);
  const exact = options.exact ?? true;
  const ngram = options.ngram ?? true;
  const embed = options.embed ?? true;
  if (!exact && !ngram && !embed) problems.push('every detector is turned off: keep at least one of exact, ngram and embedding');
  if (options.embeddings !== undefined && !embed) problems.push('options.embeddings gives vectors for the embedding detector, which is turned off (drop --no-embed or --embeddings)');
  if (problems.length > 0) throw new TidepoolError('E_USAGE', `invalid decontam options:\n  - ${problems.join('\n  - ')}`, { problems });
  return {
    input: options.input,
    bench: [...options.bench],
    out: options.out,
    coreset: options.coreset,
    embeddings: options.embeddings,
    exact: { enabled: exact, minChars: options.minExactChars ?? DEFAULT_MIN_EXACT_CHARS },
    ngram: { enabled: ngram, n: options.ngramN ?? DEFAULT_NGRAM_N, threshold: options.ngramThreshold ?? DEFAULT_NGRAM_THRESHOLD, minNgrams: options.minNgrams ?? DEFAULT_MIN_NGRAMS },
    embedding: {
      enabled: embed,
      model: options.model ?? 'hashing',
      modelGiven: options.model !== undefined,
      threshold: options.embedThreshold ?? DEFAULT_EMBED_THRESHOLD,
      device: options.device ?? 'auto',
      maxLength: options.maxLength,
      batchTokens: options.batchTokens,
      hashing: options.hashing ?? {},
    },
    maxSolutions: options.maxSolutions ?? DEFAULT_MAX_SOLUTIONS,
    threads: options.threads ?? Math.min(availableParallelism(), 4),
    windowRows: options.windowRows ?? 8192,
  };
}
