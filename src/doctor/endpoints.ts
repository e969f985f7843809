/**
 * The doctor's endpoint check: for each `/v1/embeddings` server `embed --endpoint` would use, whether it
 * answers `GET /v1/models` (and what it lists) and, with a model name, whether a one-text embedding comes
 * back (its dimension and latency). Every failure is kept as data, in the user's words, and every request
 * has a short time limit so the doctor never hangs on a server that does not answer.
 */
import { embeddingsURL, parseEmbeddings, redactURL } from '../embedders/endpoint/wire.js';

/** Which servers to check and how; the CLI builds it (flags and environment). */
export interface EndpointCheckSettings {
  /** Base URLs as `embed --endpoint` takes them. */
  urls: readonly string[];
  /** The model to probe with one text; no embedding probe without it. */
  model?: string | undefined;
  /** Sent as `Authorization: Bearer`; never part of the result. */
  apiKey?: string | undefined;
  /** Where the key came from, e.g. `OPENAI_API_KEY` or `--api-key`, named when a server refuses it. */
  keySource?: string | undefined;
  /** Each request's time limit. @default 5000 */
  timeoutMs?: number;
}

/** One request's outcome: answered (any status) or not. */
export type EndpointFailure =
  | { kind: 'refused'; message: string }
  | { kind: 'timeout'; message: string }
  | { kind: 'unauthorized'; status: number; message: string }
  | { kind: 'not-found'; status: number; message: string }
  | { kind: 'other'; status: number | null; message: string };

/** What the doctor learned about one endpoint (the URL without credentials; never the key). */
export interface EndpointFact {
  url: string;
  /** `GET /v1/models`: the model ids listed, or why there are none. */
  models: { ok: true; ids: string[] } | { ok: false; failure: EndpointFailure };
  /** The one-text embedding with `model`; null without `--model`. */
  probe: { model: string; ok: true; dim: number; latencyMs: number } | { model: string; ok: false; failure: EndpointFailure } | null;
}

/** The `/v1/models` URL of a base URL (the sibling of {@link embeddingsURL}). */
export function modelsURL(base: string): string {
  const url = new URL(embeddingsURL(base));
  url.pathname = url.pathname.replace(/\/embeddings$/, '/models');
  return url.toString();
}

/** The failure in the user's words: which variable or flag to fix, or what the URL should look like. */
function statusFailure(status: number, body: string, settings: EndpointCheckSettings, shown: string): EndpointFailure {
  const said = body.replace(/\s+/g, ' ').trim().slice(0, 200);
  if (status === 401 || status === 403) {
    const key = settings.apiKey === undefined
      ? 'no key was sent: set OPENAI_API_KEY or pass --api-key'
      : `the key from ${settings.keySource ?? 'OPENAI_API_KEY'} was refused: check it`;
    return { kind: 'unauthorized', status, message: `${status} (key missing or wrong): ${key}` };
  }
  if (status === 404) {
    return { kind: 'not-found', status, message: `404 at ${shown} (wrong path? the base URL should be the server's root, e.g. http://host:8080, or end in /v1, e.g. http://host:8000/v1${said === '' ? '' : `; the server said: ${said}`})` };
  }
  return { kind: 'other', status, message: `answered ${status}${said === '' ? '' : `: ${said}`}` };
}

/** A fetch that threw: the server refused the connection, did not answer in time, or something else. */
function networkFailure(error: unknown, timeoutMs: number): EndpointFailure {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if ((error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError') {
    return { kind: 'timeout', message: `no answer within ${(timeoutMs / 1000).toFixed(1)} s (is the server busy, or the host/port wrong behind a firewall?)` };
  }
  if (cause?.code === 'ECONNREFUSED') return { kind: 'refused', message: 'connection refused (nothing listens there: is the server running, on this host and port?)' };
  if (cause?.code === 'ENOTFOUND' || cause?.code === 'EAI_AGAIN') return { kind: 'other', status: null, message: `host not found (${cause.code}): check the host name` };
  return { kind: 'other', status: null, message: `no answer (${cause?.code ?? cause?.message ?? (error as Error).message})` };
}

interface Answer {
  status: number;
  body: string;
  ms: number;
}

async function request(url: string, init: RequestInit, fetcher: typeof fetch, timeoutMs: number): Promise<Answer | EndpointFailure> {
  const started = performance.now();
  try {
    const response = await fetcher(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    const body = await response.text();
    return { status: response.status, body, ms: performance.now() - started };
  } catch (error) {
    return networkFailure(error, timeoutMs);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Checks one endpoint. */
export async function checkEndpoint(base: string, settings: EndpointCheckSettings, fetcher: typeof fetch = fetch): Promise<EndpointFact> {
  const url = redactURL(base);
  const timeoutMs = settings.timeoutMs ?? 5000;
  let listURL: string;
  let embedURL: string;
  try {
    listURL = modelsURL(base);
    embedURL = embeddingsURL(base);
  } catch {
    const failure: EndpointFailure = { kind: 'other', status: null, message: 'not a URL; expected e.g. http://127.0.0.1:8080 (TEI) or http://127.0.0.1:8000/v1 (vLLM, OpenAI-style)' };
    return { url, models: { ok: false, failure }, probe: settings.model === undefined ? null : { model: settings.model, ok: false, failure } };
  }
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (settings.apiKey !== undefined) headers.authorization = `Bearer ${settings.apiKey}`;

  const listed = await request(listURL, { headers }, fetcher, timeoutMs);
  let models: EndpointFact['models'];
  if ('kind' in listed) models = { ok: false, failure: listed };
  else if (listed.status !== 200) models = { ok: false, failure: statusFailure(listed.status, listed.body, settings, redactURL(listURL)) };
  else {
    const data = (parseJson(listed.body) as { data?: unknown } | undefined)?.data;
    const ids = Array.isArray(data) ? data.map((item) => (item as { id?: unknown }).id).filter((id): id is string => typeof id === 'string') : [];
    models = { ok: true, ids };
  }
  // A refused connection or a timeout says all there is: no second wait on the same server.
  if (settings.model === undefined) return { url, models, probe: null };
  const model = settings.model;
  if (!models.ok && (models.failure.kind === 'refused' || models.failure.kind === 'timeout')) return { url, models, probe: { model, ok: false, failure: models.failure } };
  const answer = await request(embedURL, { method: 'POST', headers, body: JSON.stringify({ model, input: ['tidepool doctor'], encoding_format: 'float' }) }, fetcher, timeoutMs);
  if ('kind' in answer) return { url, models, probe: { model, ok: false, failure: answer } };
  if (answer.status !== 200) return { url, models, probe: { model, ok: false, failure: statusFailure(answer.status, answer.body, settings, redactURL(embedURL)) } };
  try {
    const parsed = parseEmbeddings(parseJson(answer.body), 1, undefined, url);
    return { url, models, probe: { model, ok: true, dim: parsed.dim, latencyMs: Math.round(answer.ms) } };
  } catch (error) {
    return { url, models, probe: { model, ok: false, failure: { kind: 'other', status: 200, message: (error as Error).message } } };
  }
}

/** Checks every endpoint at once (each has its own time limit, so the slowest bounds the wait). */
export async function checkEndpoints(settings: EndpointCheckSettings, fetcher: typeof fetch = fetch): Promise<EndpointFact[]> {
  return Promise.all(settings.urls.map((url) => checkEndpoint(url, settings, fetcher)));
}
