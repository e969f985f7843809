/**
 * The HTTP half of the `/v1/embeddings` client. Node's own HTTP (http.ts), not the `openai` package: the batch size
 * must react to TEI's 413 (split the batch, remember the smaller size per server), which the package
 * surfaces only as a failed call after its own retries; owning the one retry loop here keeps 413,
 * 429/Retry-After, 5xx and resets in one place, with no second loop inside a client.
 * Batches go out over every endpoint, `concurrency` in flight per endpoint; each answered batch is
 * handed to `onBatch` (which journals it) before that slot sends its next request.
 */
import { TidepoolError } from '../../errors.js';
import { keepAlivePost, type PostAnswer, type PostJSON } from './http.js';
import { embeddingsURL, isRetryableStatus, parseBase64Answer, parseEmbeddings, redactURL, retryDelayMs, type ParsedEmbeddings } from './wire.js';

/** Where and how to send texts. The key never leaves this object (no log line, manifest or file). */
export interface EndpointSettings {
  /** Base URLs (`http://host:8080`, `…/v1` or `…/v1/embeddings`). */
  urls: readonly string[];
  /** The `model` field of each request. */
  model: string;
  apiKey?: string | undefined;
  /** Requests in flight per endpoint. @default 4 */
  concurrency: number;
  /** Inputs per request to start with; a 413 halves it for that endpoint. @default 32 (TEI's default limit) */
  batchSize: number;
  /** Retries of one batch before giving up. @default 6 */
  maxRetries: number;
  /** Backoff of the first retry, doubled on each next one. @default 500 */
  retryBaseMs: number;
  /** One request's time limit. @default 120000 */
  timeoutMs: number;
}

/** An answered batch: which of the given texts (indexes into them), their vectors, and the tokens counted. */
export interface AnsweredBatch {
  indexes: Uint32Array;
  vectors: Float32Array;
  tokens: number;
}

/** How vectors travel: base64 of little-endian float32 (OpenAI's own client's default), or JSON numbers. */
export type WireEncoding = 'base64' | 'float';

/** What the client reports as it goes (retries, batch-size changes). */
export type EndpointLog = (line: string) => void;

interface Endpoint {
  url: URL;
  shown: string;
  batchSize: number;
  /** Gave up on after its retries: its batches go to the other endpoints for the rest of the run. */
  down: boolean;
  /** Request slots free now, of `concurrency`: shared by every {@link EndpointClient.embed} call in progress. */
  freeSlots: number;
  /** Slots waiting for one of this endpoint's to be freed, first come first served. */
  waiting: (() => void)[];
}

/** The error of an endpoint that stayed unavailable through every retry (the only kind another endpoint can take over). */
class EndpointDown extends TidepoolError {}

/** Injected for tests: the transport, a clock-free sleep and the jitter source. */
export interface EndpointDeps {
  post?: PostJSON;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  log?: EndpointLog | undefined;
}

/** Retry the same batch (after `waitMs`), split it (413), or fail with `error`. */
type Outcome = { ok: ParsedEmbeddings } | { retry: string; retryAfter: string | null } | { split: true } | { error: Error };

/** Sends texts to OpenAI-compatible embedding servers. One instance per run: it remembers each server's batch size. */
export class EndpointClient {
  private readonly endpoints: Endpoint[];
  private readonly post: PostJSON;
  /** `Content-Type` and, with a key, `Authorization`: the same object for every request. */
  private readonly headers: Readonly<Record<string, string>>;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly log: EndpointLog;
  private wireEncoding: WireEncoding = 'base64';

  constructor(private readonly settings: EndpointSettings, deps: EndpointDeps = {}) {
    if (settings.urls.length === 0) throw new TidepoolError('E_USAGE', 'no embedding endpoint: pass --endpoint URL[,URL...] or --model openai:NAME');
    this.endpoints = settings.urls.map((url) => {
      try {
        return { url: new URL(embeddingsURL(url)), shown: redactURL(url), batchSize: settings.batchSize, down: false, freeSlots: settings.concurrency, waiting: [] };
      } catch {
        throw new TidepoolError('E_USAGE', `--endpoint ${redactURL(url)} is not a URL; expected e.g. http://127.0.0.1:8080 (TEI) or http://127.0.0.1:8000/v1 (vLLM, OpenAI-style)`);
      }
    });
    this.post = deps.post ?? keepAlivePost();
    this.headers = settings.apiKey === undefined ? { 'content-type': 'application/json' } : { 'content-type': 'application/json', authorization: `Bearer ${settings.apiKey}` };
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = deps.random ?? Math.random;
    this.log = deps.log ?? (() => undefined);
  }

  /** The endpoints as logs and manifests show them (no credentials). */
  get shownURLs(): string[] {
    return this.endpoints.map((endpoint) => endpoint.shown);
  }

  /** The batch size each endpoint uses now (after any 413). */
  get batchSizes(): number[] {
    return this.endpoints.map((endpoint) => endpoint.batchSize);
  }

  /** The `encoding_format` requests carry: `base64` unless the probe found a server that refuses it. */
  get encoding(): WireEncoding {
    return this.wireEncoding;
  }

  /**
   * Embeds one short text on the first endpoint that answers to learn the model's dimension. It asks for base64 vectors (OpenAI's, vLLM's and TEI's servers send them; a quarter of the
   * JSON to parse, and no float printing on the server); a server that refuses the field (400/422) is
   * asked again for floats, which every later request then uses. A server that ignores the field and
   * sends floats anyway is read as it is.
   */
  async probe(text = 'tidepool'): Promise<number> {
    // The first endpoint that answers; one that stays down is left out of the run (the last one's error is the run's).
    let endpoint = this.endpoints[0]!;
    for (const [at, next] of this.endpoints.entries()) {
      endpoint = next;
      if (at === this.endpoints.length - 1) break;
      try {
        return await this.probeOne(endpoint, text);
      } catch (error) {
        if (!(error instanceof EndpointDown)) throw error;
        endpoint.down = true;
        this.log(`${endpoint.shown} gave no answer through ${this.settings.maxRetries} retries: left out of this run`);
      }
    }
    return this.probeOne(endpoint, text);
  }

  private async probeOne(endpoint: Endpoint, text: string): Promise<number> {
    try {
      return (await this.send(endpoint, [text], undefined)).dim;
    } catch (error) {
      const status = (error as { details?: { status?: unknown } }).details?.status;
      if (this.wireEncoding !== 'base64' || (status !== 400 && status !== 422)) throw error;
      this.log(`${endpoint.shown} refused encoding_format base64 (${status}): asking for float vectors`);
      this.wireEncoding = 'float';
      return (await this.send(endpoint, [text], undefined)).dim;
    }
  }

  /**
   * Embeds `texts[i]` for each i in `rows` (all when omitted), batches spread over every endpoint, and
   * awaits `onBatch` for each answer before that slot sends again. An endpoint that stays unavailable
   * through its retries is left out for the rest of the run while another one answers; on any other
   * failure (or the last endpoint down) the other slots finish their requests in flight (and journal
   * them), then the first error is thrown.
   * Calls may overlap (embed starts a window's requests while the last ones of the window before are
   * answered): `concurrency` counts one endpoint's requests in flight over all of them, each call's slots
   * taking the endpoint's free ones as the other call's slots run out of batches.
   * @param onDrained called once every batch is taken (the last ones still on their way): the caller's
   *   cue to start its next call, whose slots then take over this call's as they finish
   */
  async embed(texts: readonly string[], dim: number, onBatch: (batch: AnsweredBatch) => Promise<void>, rows?: readonly number[], onDrained?: () => void): Promise<void> {
    // The rows not yet taken, from `next` on; batches handed back (413 halves, a down server's) go in
    // `returned` and are taken first. A cursor, not a slice of the rest per batch: that copied the
    // window's remaining rows (up to 16,384) for every request.
    const queue = rows ?? [...texts.keys()];
    let next = 0;
    const returned: number[][] = [];
    let failure: Error | undefined;
    let drained = false;
    const take = (size: number): number[] | undefined => {
      const first = returned.shift();
      if (first === undefined) {
        if (next >= queue.length) {
          if (!drained) {
            drained = true;
            onDrained?.();
          }
          return undefined;
        }
        next += size;
        return queue.slice(next - size, next);
      }
      if (first.length > size) returned.unshift(first.slice(size));
      return first.slice(0, size);
    };
    const slot = async (endpoint: Endpoint): Promise<void> => {
      await this.acquireSlot(endpoint);
      try {
        await slotLoop(endpoint);
      } finally {
        this.releaseSlot(endpoint);
      }
    };
    const slotLoop = async (endpoint: Endpoint): Promise<void> => {
      for (let batch = take(endpoint.batchSize); batch !== undefined && failure === undefined; batch = endpoint.down ? undefined : take(endpoint.batchSize)) {
        try {
          const parsed = await this.send(endpoint, batch.map((i) => texts[i]!), dim);
          await onBatch({ indexes: Uint32Array.from(batch), vectors: parsed.vectors, tokens: parsed.tokens });
        } catch (error) {
          if (error instanceof SplitBatch) {
            // Both halves go back to the front, for whichever slot is free first.
            const half = Math.ceil(batch.length / 2);
            returned.unshift(batch.slice(0, half), batch.slice(half));
            continue;
          }
          if (error instanceof EndpointDown && this.endpoints.some((other) => other !== endpoint && !other.down)) {
            // One server down is not the run's end while another answers: it takes this batch and the rest.
            returned.unshift(batch);
            if (!endpoint.down) this.log(`${endpoint.shown} gave no answer through ${this.settings.maxRetries} retries: sending its batches to the other ${this.endpoints.filter((other) => other !== endpoint && !other.down).length} endpoint(s) for the rest of the run`);
            endpoint.down = true;
            continue;
          }
          failure ??= error instanceof Error ? error : new Error(String(error));
        }
      }
    };
    const slots = this.endpoints.flatMap((endpoint) => Array.from({ length: this.settings.concurrency }, () => slot(endpoint)));
    await Promise.all(slots);
    if (failure !== undefined) throw failure;
  }

  /** Waits for one of `endpoint`'s request slots (at once when one is free). */
  private acquireSlot(endpoint: Endpoint): Promise<void> {
    if (endpoint.freeSlots > 0) {
      endpoint.freeSlots--;
      return Promise.resolve();
    }
    return new Promise((resolve) => endpoint.waiting.push(resolve));
  }

  /** Frees a request slot of `endpoint`: to the first slot waiting for one, if any. */
  private releaseSlot(endpoint: Endpoint): void {
    const next = endpoint.waiting.shift();
    if (next === undefined) endpoint.freeSlots++;
    else next();
  }

  /** One batch to one endpoint, retried as the rules say; a 413 throws {@link SplitBatch} after halving the endpoint's size. */
  private async send(endpoint: Endpoint, inputs: string[], dim: number | undefined): Promise<ParsedEmbeddings> {
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.attempt(endpoint, inputs, dim);
      if ('ok' in outcome) return outcome.ok;
      if ('error' in outcome) throw outcome.error;
      if ('split' in outcome) {
        if (inputs.length === 1) throw new TidepoolError('E_ENDPOINT_REQUEST', `${endpoint.shown} answered 413 (payload too large) to a single text: the text is longer than the server accepts. Raise the server's limit (TEI: --max-batch-tokens / --payload-limit) or shorten --text.`, { endpoint: endpoint.shown, status: 413 });
        const smaller = Math.min(endpoint.batchSize, Math.ceil(inputs.length / 2));
        if (smaller < endpoint.batchSize) this.log(`${endpoint.shown} refused ${inputs.length} texts per request (413): sending at most ${smaller} from now on`);
        endpoint.batchSize = smaller;
        throw new SplitBatch();
      }
      if (attempt >= this.settings.maxRetries || endpoint.down) {
        throw new EndpointDown('E_ENDPOINT_REQUEST', `${endpoint.shown}: ${outcome.retry}, still after ${attempt + 1} attempts; is the server overloaded or down? Rerun later: answered batches are kept and not sent again.`, { endpoint: endpoint.shown });
      }
      const wait = retryDelayMs(attempt + 1, outcome.retryAfter, this.settings.retryBaseMs, this.random);
      this.log(`${endpoint.shown}: ${outcome.retry}; retry ${attempt + 1} of ${this.settings.maxRetries} in ${(wait / 1000).toFixed(1)}s`);
      await this.sleep(wait);
    }
  }

  private async attempt(endpoint: Endpoint, inputs: string[], dim: number | undefined): Promise<Outcome> {
    let response: PostAnswer;
    try {
      response = await this.post(endpoint.url, JSON.stringify({ model: this.settings.model, input: inputs, encoding_format: this.wireEncoding }), this.headers, this.settings.timeoutMs);
    } catch (error) {
      // A reset, a refused connection or a timeout: the batch may or may not have been embedded; send it again.
      const failure = error as { code?: string; message?: string };
      return { retry: `no answer (${failure.code ?? failure.message ?? String(error)})`, retryAfter: null };
    }
    if (response.status >= 200 && response.status < 300 && dim !== undefined && this.wireEncoding === 'base64') {
      const fast = parseBase64Answer(response.body, inputs.length, dim);
      if (fast !== undefined) return { ok: fast };
    }
    const text = response.body.toString('utf8');
    if (response.status >= 200 && response.status < 300) {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return { error: new TidepoolError('E_ENDPOINT_ANSWER', `${endpoint.shown} answered ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`, { endpoint: endpoint.shown }) };
      }
      try {
        return { ok: parseEmbeddings(body, inputs.length, dim, endpoint.shown) };
      } catch (error) {
        return { error: error as TidepoolError };
      }
    }
    if (response.status === 413) return { split: true };
    const said = text.slice(0, 300);
    if (isRetryableStatus(response.status)) return { retry: `status ${response.status} (${said})`, retryAfter: response.retryAfter };
    if (response.status === 401 || response.status === 403) {
      return { error: new TidepoolError('E_ENDPOINT_AUTH', `${endpoint.shown} refused the request (${response.status}: ${said}). Pass the server's key with --api-key or OPENAI_API_KEY.`, { endpoint: endpoint.shown, status: response.status }) };
    }
    return { error: new TidepoolError('E_ENDPOINT_REQUEST', `${endpoint.shown} answered ${response.status}: ${said}. Check --model (${this.settings.model}) against the models the server serves (GET /v1/models).`, { endpoint: endpoint.shown, status: response.status }) };
  }
}

/** Internal signal: the batch was too large for its endpoint and goes back to the queue in halves. */
class SplitBatch extends Error {}
