/** Decontam options: user-facing {@link DecontamOptions} -> validated {@link ResolvedDecontamOptions}. */
import { availableParallelism } from 'node:os';
import { ENDPOINT_OPTIONS, MODEL_OPTIONS, checkModelOptions, type EmbedDevice, type EndpointOptions, type ResolvedEndpointOptions } from '../embedders/options.js';
import type { HashingOptions } from '../embedders/hashing/index.js';
import type { HubSettings } from '../embedders/hub/settings.js';
import { MIN_DISTINCT_UNITS } from './exact.js';
import { checkShardOption, type Shard } from '../store/shards.js';
import { KINDS, OptionProblems, option, type OptionNaming, type OptionTable } from '../util/options.js';

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
  /** `hashing`, an ONNX model folder or a Hub id `org/name[@revision]` (as for `tidepool embed`). @default 'hashing' */
  model?: string | undefined;
  /**
   * Remote OpenAI-compatible `/v1/embeddings` servers that serve `model` (as for `tidepool embed`); with
   * `embeddings` made on servers, those of the model its manifest names.
   */
  endpoint?: EndpointOptions | undefined;
  /** How Hub ids are resolved; the CLI fills it from HF_* variables. @default the public Hub, ~/.cache/huggingface/hub */
  hub?: HubSettings | undefined;
  /**
   * Least cosine similarity that flags a record. @default 0.9: with the hashing model, near-verbatim
   * copies (in bench/decontam.mjs verbatim copies score 0.97 and more, unrelated code below 0.4;
   * paraphrases with renamed variables 0.2 to 0.6). Sentence-embedding models place unrelated code
   * higher: check a model's scores on known-clean data before choosing its threshold.
   */
  embedThreshold?: number | undefined;
  /** ONNX models: where they run. @default 'auto' */
  device?: EmbedDevice | undefined;
  /** ONNX models: which ONNX file of the folder runs (see ModelOptions.variant). @default 'auto' */
  variant?: string | undefined;
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
  /** `I/N`: check only shard I of N (0-based) of the input's lines (generated records) or pairs.arrow rows (with a coreset: its rows among them) into the shared output folder, then merge if it is the last. */
  shard?: string | undefined;
  /** Only merge the finished shards' parts into the usual outputs. @default false */
  merge?: boolean | undefined;
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
  embedding: { enabled: boolean; model: string; modelGiven: boolean; threshold: number; device: EmbedDevice; variant: string; maxLength: number | undefined; batchTokens: number | undefined; hashing: HashingOptions; hub: HubSettings | undefined; endpoint: ResolvedEndpointOptions | undefined };
  maxSolutions: number;
  threads: number;
  windowRows: number;
  shard: Shard | undefined;
  merge: boolean;
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

/**
 * Every option of `tidepool decontam` (the command's camelCase names), checked by the resolver and by
 * `tidepool run`, with the real ranges: an exact run shorter than {@link MIN_DISTINCT_UNITS} matches
 * everywhere, n-grams past 64 tokens never repeat, and more than 256 threads is a typo.
 */
export const DECONTAM_OPTIONS: OptionTable = {
  bench: option({ type: 'paths' }, '--bench', true),
  exact: option(KINDS.boolean, '--no-exact'),
  minExactChars: option({ type: 'integer', min: MIN_DISTINCT_UNITS }, '--min-exact-chars'),
  ngram: option(KINDS.boolean, '--no-ngram'),
  ngramN: option({ type: 'integer', min: 1, max: 64 }, '--ngram-n'),
  ngramThreshold: option({ type: 'number', min: 0, max: 1, openMin: true }, '--ngram-threshold'),
  minNgrams: option(KINDS.positive, '--min-ngrams'),
  embed: option(KINDS.boolean, '--no-embed'),
  embedThreshold: option({ type: 'number', min: -1, max: 1 }, '--embed-threshold'),
  ...MODEL_OPTIONS,
  ...ENDPOINT_OPTIONS,
  maxSolutions: option(KINDS.count, '--max-solutions'),
  threads: option({ type: 'integer', min: 0, max: 256 }, '--threads'),
  windowRows: option(KINDS.positive, '--window-rows'),
  shard: option(KINDS.string, '--shard'),
  merge: option(KINDS.boolean, '--merge'),
};

/**
 * Validates every field, collecting all problems into one `E_USAGE` error.
 * @param naming how messages name an option. @default its flag (`--ngram-n`); the pipeline passes `pipelineNaming('decontam')`
 */
export function resolveDecontamOptions(options: DecontamOptions, naming?: OptionNaming): ResolvedDecontamOptions {
  const problems = new OptionProblems('decontam', DECONTAM_OPTIONS, naming);
  // input and out are not options of a pipeline file (the pipeline wires them), so not in the table.
  if (options.input.trim() === '') problems.add('options.input must name an ingest or generate output (folder or file)');
  if (options.out.trim() === '') problems.add('options.out must name an output folder');
  if (options.bench.length === 0) problems.add('{name} must list at least one benchmark file (.jsonl or .jsonl.gz)', 'bench');
  else problems.value('bench', options.bench);
  const exact = problems.value('exact', options.exact, true);
  const minExactChars = problems.value('minExactChars', options.minExactChars, DEFAULT_MIN_EXACT_CHARS);
  const ngram = problems.value('ngram', options.ngram, true);
  const ngramN = problems.value('ngramN', options.ngramN, DEFAULT_NGRAM_N);
  const ngramThreshold = problems.value('ngramThreshold', options.ngramThreshold, DEFAULT_NGRAM_THRESHOLD);
  const minNgrams = problems.value('minNgrams', options.minNgrams, DEFAULT_MIN_NGRAMS);
  const embed = problems.value('embed', options.embed, true);
  const embedThreshold = problems.value('embedThreshold', options.embedThreshold, DEFAULT_EMBED_THRESHOLD);
  // The model is resolved (and its folder read) only when the embedding detector runs; checked here all the same.
  const model = checkModelOptions({ ...options, model: options.model ?? 'hashing' }, problems);
  const maxSolutions = problems.value('maxSolutions', options.maxSolutions, DEFAULT_MAX_SOLUTIONS);
  const threads = problems.value('threads', options.threads, Math.min(availableParallelism(), 4));
  const windowRows = problems.value('windowRows', options.windowRows, 8192);
  const merge = problems.value('merge', options.merge, false);
  const shard = checkShardOption(options.shard, problems);
  if (shard !== undefined && merge) problems.add('{name} and {name} exclude each other: a shard merges by itself when it finishes last; --merge alone merges finished shards', 'shard', 'merge');
  // Without --embeddings (whose manifest names the model), servers need to be told which model to run.
  if (options.endpoint !== undefined && options.model === undefined && options.embeddings === undefined) problems.add('{name} needs the model the servers serve: add --model NAME', 'endpoint');
  if (!exact && !ngram && !embed) problems.add('every detector is turned off: keep at least one of exact, ngram and embedding');
  if (options.embeddings !== undefined && !embed) problems.add('options.embeddings gives vectors for the embedding detector, which is turned off (drop {name} or --embeddings)', 'embed');
  problems.throwIfAny();
  return {
    input: options.input,
    bench: [...options.bench],
    out: options.out,
    coreset: options.coreset,
    embeddings: options.embeddings,
    exact: { enabled: exact, minChars: minExactChars },
    ngram: { enabled: ngram, n: ngramN, threshold: ngramThreshold, minNgrams },
    embedding: {
      enabled: embed,
      model: model.model,
      modelGiven: options.model !== undefined,
      threshold: embedThreshold,
      device: model.device,
      variant: model.variant,
      maxLength: options.maxLength,
      batchTokens: options.batchTokens,
      hashing: options.hashing ?? {},
      hub: options.hub,
      endpoint: model.endpoint,
    },
    maxSolutions,
    threads,
    windowRows,
    shard,
    merge,
  };
}

