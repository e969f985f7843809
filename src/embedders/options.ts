/**
 * The options that choose and configure an embedding model, shared by `embed` (which adds its own text,
 * precision and window options) and `decontam` (which embeds benchmark items with the same models).
 * Both stages take the same flags for them, so both tables spread {@link MODEL_OPTIONS}.
 */
import { MAX_BUCKETS, MAX_DIM, MIN_BUCKETS, resolveHashingOptions, type HashingOptions, type HashingParams } from './hashing/index.js';
import type { CpuFeatures } from '../backends/cpu-features.js';
import type { HubSettings } from './hub/settings.js';
import { KINDS, OptionProblems, option, type OptionNaming, type OptionTable } from '../util/options.js';

/** Where ONNX models run. `auto` picks the best provider that works here, and says why. */
export type EmbedDevice = 'auto' | 'cpu' | 'webgpu' | 'cuda';

/** What a user may set about the model (all optional but the model). */
export interface ModelOptions {
  /**
   * `hashing` (built in), a model folder in the Hugging Face / sentence-transformers layout, or a Hub id
   * `org/name[@revision]` (when no such local path exists), resolved through the Hugging Face cache.
   */
  model: string;
  /** How Hub ids are resolved (cache, endpoint, token, offline); the CLI fills it from HF_* variables. @default the public Hub, ~/.cache/huggingface/hub */
  hub?: HubSettings | undefined;
  /** @default 'auto' */
  device?: EmbedDevice | undefined;
  /**
   * Which ONNX file of the folder runs: `auto` (the int8 export for this CPU, fp16 on a GPU, else the fp32
   * model.onnx) or a variant name (`fp32`, `O2`, `qint8_avx512_vnni`, `quantized`, or the file's name).
   * @default 'auto'
   */
  variant?: string | undefined;
  /** The CPU that `variant: 'auto'` chooses for. @default this machine's (readCpuFeatures) */
  cpu?: CpuFeatures | undefined;
  /** Tokens per text; default: the model's own maximum. */
  maxLength?: number | undefined;
  /**
   * Rows x padded length per model call. @default 1024 on the CPU (small batches of similar length stay
   * in cache and pad least: measured 1.5x faster than 16384 here), 16384 on a GPU
   */
  batchTokens?: number | undefined;
  /** Parameters of the hashing model. */
  hashing?: HashingOptions | undefined;
  /**
   * Remote OpenAI-compatible `/v1/embeddings` servers: `model` is then the model name they serve
   * (`openai:NAME` for OpenAI's, whose URL the CLI takes from OPENAI_BASE_URL).
   */
  endpoint?: EndpointOptions | undefined;
}

/** Remote embedding servers (see `embedders/endpoint/`). */
export interface EndpointOptions {
  /** Base URLs, or one comma-separated string as `--endpoint` takes them. */
  urls: readonly string[] | string;
  /** Sent as a bearer token, never written anywhere. */
  apiKey?: string | undefined;
  /** Requests in flight per endpoint. @default 4 */
  concurrency?: number | undefined;
  /** Texts per request to start with; a 413 halves it for that server. @default 32 (TEI's default limit) */
  batchSize?: number | undefined;
  /** Backoff before the first retry, doubled for each next one. @default 500 */
  retryBaseMs?: number | undefined;
  /** Retries of one batch. @default 6 */
  maxRetries?: number | undefined;
}

/** Complete endpoint options. */
export interface ResolvedEndpointOptions {
  urls: string[];
  apiKey: string | undefined;
  concurrency: number;
  batchSize: number;
  retryBaseMs: number;
  maxRetries: number;
}

/** Complete, validated model options. */
export interface ResolvedModelOptions {
  model: string;
  device: EmbedDevice;
  variant: string;
  cpu: CpuFeatures | undefined;
  maxLength: number | undefined;
  batchTokens: number | undefined;
  hashing: HashingParams | undefined;
  hub: HubSettings | undefined;
  endpoint: ResolvedEndpointOptions | undefined;
}

/**
 * The model's options as `embed` and `decontam` name them (the hashing parameters are flags of their
 * own: `--dim`, `--buckets`, `--seed`), with their real ranges: a token budget under 2 leaves no room
 * for the special tokens, and the hashing limits are those of `resolveHashingOptions`.
 */
export const MODEL_OPTIONS: OptionTable = {
  model: option({ type: 'model' }, '--model'),
  device: option(KINDS.device, '--device'),
  variant: option(KINDS.string, '--variant'),
  maxLength: option({ type: 'integer', min: 2 }, '--max-length'),
  batchTokens: option(KINDS.positive, '--batch-tokens'),
  dim: option({ type: 'integer', min: 1, max: MAX_DIM }, '--dim'),
  buckets: option({ type: 'integer', min: MIN_BUCKETS, max: MAX_BUCKETS }, '--buckets'),
  seed: option({ type: 'integer', min: 0, max: 0xffffffff }, '--seed'),
};

/**
 * The options for remote servers, spread into embed's and decontam's tables (and so into pipeline
 * files). Apart from {@link MODEL_OPTIONS}, which keeps the local model's flags; the key is no option
 * of a table: it comes from the environment (or `--api-key`) through `cli/` only.
 */
export const ENDPOINT_OPTIONS: OptionTable = {
  endpoint: option(KINDS.list, '--endpoint'),
  concurrency: option(KINDS.positive, '--concurrency'),
  endpointBatch: option(KINDS.positive, '--endpoint-batch'),
};

/**
 * Checks every model field into `problems` (whose table holds {@link MODEL_OPTIONS}) and returns them
 * completed; the hashing parameters are undefined for an ONNX model, or when one of them is wrong.
 */
export function checkModelOptions(options: ModelOptions, problems: OptionProblems): ResolvedModelOptions {
  problems.value('model', options.model);
  const device = problems.value('device', options.device, 'auto');
  const variant = problems.value('variant', options.variant, 'auto');
  problems.value('maxLength', options.maxLength);
  problems.value('batchTokens', options.batchTokens);
  const found = problems.list.length;
  const hashing = options.hashing ?? {};
  problems.value('dim', hashing.dim);
  problems.value('seed', hashing.seed);
  const beforeBuckets = problems.list.length;
  const buckets = problems.value('buckets', hashing.buckets);
  // The table cannot say "a power of two"; the feature hash masks its bits with `buckets - 1`.
  if (buckets !== undefined && problems.list.length === beforeBuckets && (buckets & (buckets - 1)) !== 0) {
    problems.add(`{name} must be a power of two from ${MIN_BUCKETS} to ${MAX_BUCKETS} (2^4 to 2^26), got ${String(buckets)}`, 'buckets');
  }
  // Checked above, so this only fills in the defaults.
  const params = options.model === 'hashing' && problems.list.length === found ? resolveHashingOptions(hashing) : undefined;
  return { model: options.model, device, variant, cpu: options.cpu, maxLength: options.maxLength, batchTokens: options.batchTokens, hashing: params, hub: options.hub, endpoint: checkEndpointOptions(options, problems) };
}

/** The endpoint options completed; `openai:NAME` without servers is a problem (the CLI fills in OpenAI's URL). */
function checkEndpointOptions(options: ModelOptions, problems: OptionProblems): ResolvedEndpointOptions | undefined {
  const given = options.endpoint;
  if (given === undefined) {
    if (options.model.startsWith('openai:')) problems.add(`{name} ${options.model} names a model of an OpenAI-compatible server, but no server was given: pass --endpoint URL (or set OPENAI_BASE_URL)`, 'model');
    return undefined;
  }
  const own = new OptionProblems(problems.stage, ENDPOINT_OPTIONS, problems.name);
  own.value('endpoint', given.urls);
  const concurrency = own.value('concurrency', given.concurrency, 4);
  const batchSize = own.value('endpointBatch', given.batchSize, 32);
  const urls = own.list.length > 0 ? [] : typeof given.urls === 'string' ? given.urls.split(',').map((url) => url.trim()).filter((url) => url !== '') : [...given.urls];
  for (const url of urls) {
    const problem = endpointURLProblem(url);
    if (problem !== undefined) own.add(`{name}: ${problem}`, 'endpoint');
  }
  problems.list.push(...own.list);
  if (own.list.length > 0) return undefined;
  return { urls, apiKey: given.apiKey, concurrency, batchSize, retryBaseMs: given.retryBaseMs ?? 500, maxRetries: given.maxRetries ?? 6 };
}

/** Why `url` cannot be an embedding server's base URL (not a URL, or not http/https), else undefined. Never shows user, password or query. */
export function endpointURLProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Whatever sits before an @ may be a password.
    const shown = url.replace(/^[^@/]*\/\/[^@/]*@/, '').slice(0, 80);
    return `"${shown}" is not a URL; expected e.g. http://127.0.0.1:8080 (TEI) or http://127.0.0.1:8000/v1 (vLLM, OpenAI-style)`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return `${parsed.protocol}//${parsed.host} is not an http or https URL; embedding servers answer over HTTP (e.g. http://127.0.0.1:8080)`;
  return undefined;
}

/**
 * Validates every model field, collecting all problems into one `E_USAGE` error.
 * @param naming how messages name an option. @default its flag
 */
export function resolveModelOptions(options: ModelOptions, naming?: OptionNaming): ResolvedModelOptions {
  const problems = new OptionProblems('embed', MODEL_OPTIONS, naming);
  const resolved = checkModelOptions(options, problems);
  problems.throwIfAny();
  return resolved;
}
