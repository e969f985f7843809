/**
 * The pure half of the `/v1/embeddings` client: URLs, the answer's checks, retry delays and prices.
 * No I/O, so each rule is tested on its own.
 */
import { TidepoolError } from '../../errors.js';

/**
 * The embeddings URL of a server given as a base URL: `…/embeddings` as is, `…/v1` (OpenAI's base-URL
 * style) plus `/embeddings`, and a bare server (`http://host:8080`, TEI's style) plus `/v1/embeddings`.
 */
export function embeddingsURL(base: string): string {
  const url = new URL(base);
  const path = url.pathname.replace(/\/+$/, '');
  url.pathname = path.endsWith('/embeddings') ? path : path.endsWith('/v1') ? `${path}/embeddings` : `${path}/v1/embeddings`;
  return url.toString();
}

/** OpenAI's API, where `openai:NAME` goes when no server is named. */
export const OPENAI_BASE_URL = 'https://api.openai.com/v1';

/** A URL as logs and manifests show it: without user, password or query (which may carry a key). */
export function redactURL(base: string): string {
  try {
    const url = new URL(base);
    url.username = '';
    url.password = '';
    url.search = '';
    return url.toString().replace(/\/$/, '');
  } catch {
    return '(an invalid URL)';
  }
}

/** Statuses worth another try: rate limits, timeouts, conflicts and server errors. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** Longest wait a server's Retry-After may impose, and longest backoff. */
export const MAX_RETRY_WAIT_MS = 60_000;

/**
 * How long to wait before retry `attempt` (1 = the first retry): the server's Retry-After (seconds or
 * an HTTP date) when it sent one, else `baseMs x 2^(attempt-1)` with jitter in [50%, 100%] so slots that
 * failed together do not retry together; both capped at {@link MAX_RETRY_WAIT_MS}.
 */
export function retryDelayMs(attempt: number, retryAfter: string | null, baseMs: number, random: () => number, now = Date.now()): number {
  if (retryAfter !== null && retryAfter.trim() !== '') {
    const seconds = Number(retryAfter);
    const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(retryAfter) - now;
    if (Number.isFinite(ms)) return Math.min(Math.max(ms, 0), MAX_RETRY_WAIT_MS);
  }
  const backoff = baseMs * 2 ** (attempt - 1);
  return Math.min(backoff * (0.5 + random() / 2), MAX_RETRY_WAIT_MS);
}

/** USD per million input tokens of OpenAI's embedding models (openai.com/api/pricing). */
export const PRICES_PER_MILLION: Readonly<Record<string, number>> = {
  'text-embedding-3-small': 0.02,
  'text-embedding-3-large': 0.13,
  'text-embedding-ada-002': 0.1,
};

/** Estimated cost in USD of `tokens` input tokens of `model`; null for a model without a known price. */
export function estimateCostUSD(model: string, tokens: number): number | null {
  const price = PRICES_PER_MILLION[model];
  return price === undefined ? null : (tokens / 1e6) * price;
}

/** One answer's vectors (row-major, `count x dim`) and the tokens the server counted (0 if it did not say). */
export interface ParsedEmbeddings {
  vectors: Float32Array;
  dim: number;
  tokens: number;
}

/** Bytes that base64 text `value` decodes to (its length less the `=` padding). */
function base64Bytes(value: string): number {
  const padding = value.endsWith('==') ? 2 : value.endsWith('=') ? 1 : 0;
  return (value.length / 4) * 3 - padding;
}

function decodeEmbedding(value: unknown): Float32Array | undefined {
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'base64');
    if (bytes.length % 4 !== 0) return undefined;
    return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  }
  if (Array.isArray(value) && value.every((item) => typeof item === 'number' && Number.isFinite(item))) return Float32Array.from(value as number[]);
  return undefined;
}

/**
 * Checks an answer to `count` inputs and returns its vectors in input order (by each item's `index`).
 * @param dim the dimension every vector must have; undefined takes the first vector's (the probe)
 * @throws TidepoolError `E_ENDPOINT_ANSWER` naming `endpoint` for a wrong shape, count or dimension
 */
export function parseEmbeddings(body: unknown, count: number, dim: number | undefined, endpoint: string): ParsedEmbeddings {
  const bad = (what: string): TidepoolError => new TidepoolError('E_ENDPOINT_ANSWER', `${endpoint} answered ${what}; nothing of this answer was written. Is it an OpenAI-compatible /v1/embeddings server serving the model you named?`, { endpoint });
  const data = typeof body === 'object' && body !== null ? (body as { data?: unknown }).data : undefined;
  if (!Array.isArray(data)) throw bad('without a `data` list of embeddings');
  if (data.length !== count) throw bad(`${data.length} embeddings for ${count} inputs`);
  let width = dim;
  let vectors: Float32Array | undefined;
  const seen = new Uint8Array(count);
  for (let position = 0; position < count; position++) {
    const item = data[position] as { index?: unknown; embedding?: unknown } | undefined;
    const index = typeof item?.index === 'number' ? item.index : position;
    if (!Number.isInteger(index) || index < 0 || index >= count || seen[index] === 1) throw bad(`item ${position} with index ${String(index)} (expected each of 0..${count - 1} once)`);
    const embedding = item?.embedding;
    // The usual case once the dimension is known: base64 decoded straight into the answer's array.
    if (width !== undefined && typeof embedding === 'string' && embedding.length % 4 === 0 && base64Bytes(embedding) === width * 4) {
      vectors ??= new Float32Array(count * width);
      const written = Buffer.from(vectors.buffer, vectors.byteOffset + index * width * 4, width * 4).write(embedding, 'base64');
      if (written !== width * 4) throw bad(`item ${position} with an embedding that is not base64`);
      seen[index] = 1;
      continue;
    }
    const vector = decodeEmbedding(embedding);
    if (vector === undefined) throw bad(`item ${position} without a numeric embedding`);
    width ??= vector.length;
    if (vector.length !== width) throw bad(`a ${vector.length}-dimensional embedding where ${width} dimensions were expected (the dimension of this run)`);
    vectors ??= new Float32Array(count * width);
    vectors.set(vector, index * width);
    seen[index] = 1;
  }
  const usage = (body as { usage?: { prompt_tokens?: unknown } }).usage;
  const tokens = typeof usage?.prompt_tokens === 'number' ? usage.prompt_tokens : 0;
  return { vectors: vectors ?? new Float32Array(0), dim: width ?? 0, tokens };
}

const QUOTE = 0x22;
const COLON = 0x3a;
const INDEX_KEY = Buffer.from('"index"');
const EMBEDDING_KEY = Buffer.from('"embedding"');
const PROMPT_TOKENS_KEY = Buffer.from('"prompt_tokens"');

/** Position after the whitespace at `at`. */
function skipSpace(body: Buffer, at: number): number {
  let next = at;
  while (next < body.length && (body[next] === 0x20 || body[next] === 0x0a || body[next] === 0x0d || body[next] === 0x09)) next++;
  return next;
}

/** Position of the value after `key` found at `at` (past `:` and whitespace), or -1 without a colon. */
function valueAfter(body: Buffer, at: number, key: Buffer): number {
  const colon = skipSpace(body, at + key.length);
  return body[colon] === COLON ? skipSpace(body, colon + 1) : -1;
}

/**
 * Position of the value of the next key `key` from `from` (past its colon), or -1: a match not followed
 * by a colon is a string value (`"object": "embedding"`), not the key, and is skipped.
 */
function findKey(body: Buffer, key: Buffer, from: number): number {
  for (let at = body.indexOf(key, from); at >= 0; at = body.indexOf(key, at + key.length)) {
    const value = valueAfter(body, at, key);
    if (value >= 0) return value;
  }
  return -1;
}

/** The non-negative integer at `at`, or -1 (none, or a number that is not an integer). */
function integerAt(body: Buffer, at: number): number {
  let value = 0;
  let next = at;
  for (; next < body.length && body[next]! >= 0x30 && body[next]! <= 0x39; next++) value = value * 10 + body[next]! - 0x30;
  // A fraction or an exponent (1.5, 1e3) is not the integer its digits start.
  const after = body[next];
  return next === at || after === 0x2e || after === 0x65 || after === 0x45 ? -1 : value;
}

/**
 * The usual answer (base64 vectors of a known dimension) read from its bytes, without JSON.parse or a
 * string of the whole body: at 320 answers/s of 50 KB that parse, its strings and their garbage were a
 * large share of the client's CPU. The keys are found by their quoted names: a JSON string cannot hold
 * `"index"` or `"embedding"` followed by a colon unescaped, so a match is a key. Items are taken in body
 * order, each with one `index` and one base64 `embedding` (either key first, as servers differ), their
 * vectors decoded into place by index. Anything else (floats, a missing or repeated index, a wrong length,
 * bad base64, an error body) returns undefined: the caller then parses the body as JSON with
 * {@link parseEmbeddings}, which accepts or names the problem.
 */
export function parseBase64Answer(body: Buffer, count: number, dim: number): ParsedEmbeddings | undefined {
  const bytes = dim * 4;
  const encodedLength = Math.ceil(bytes / 3) * 4;
  const vectors = new Float32Array(count * dim);
  const target = Buffer.from(vectors.buffer);
  const seen = new Uint8Array(count);
  let indexValue = findKey(body, INDEX_KEY, 0);
  let start = findKey(body, EMBEDDING_KEY, 0);
  for (let item = 0; item < count; item++) {
    if (indexValue < 0 || start < 0) return undefined;
    const index = integerAt(body, indexValue);
    if (index < 0 || index >= count || seen[index] === 1) return undefined;
    if (body[start] !== QUOTE || body[start + 1 + encodedLength] !== QUOTE) return undefined;
    const nextIndex = findKey(body, INDEX_KEY, indexValue);
    const nextStart = findKey(body, EMBEDDING_KEY, start + 2 + encodedLength);
    // Both keys of this item come before either key of the next one: items do not interleave.
    const itemEnd = Math.max(indexValue, start);
    if ((nextIndex >= 0 && nextIndex < itemEnd) || (nextStart >= 0 && nextStart < itemEnd)) return undefined;
    const encoded = body.toString('latin1', start + 1, start + 1 + encodedLength);
    if (target.write(encoded, index * bytes, bytes, 'base64') !== bytes || base64Bytes(encoded) !== bytes) return undefined;
    seen[index] = 1;
    indexValue = nextIndex;
    start = nextStart;
  }
  // One more key of either kind: more items than inputs, for parseEmbeddings to name.
  if (indexValue >= 0 || start >= 0) return undefined;
  const tokensValue = findKey(body, PROMPT_TOKENS_KEY, 0);
  const tokens = tokensValue < 0 ? 0 : Math.max(0, integerAt(body, tokensValue));
  return { vectors, dim, tokens };
}
