/**
 * Several OpenAI-compatible endpoints behind one `chat`: each request goes to the endpoint with the
 * fewest requests outstanding (at most `concurrency` on each); a request that fails there (nothing
 * came back, a 5xx, a 429) goes to another endpoint, and an endpoint that keeps failing or stops
 * answering is taken out and tried again after a back-off ({@link EndpointHealth}). Only when no
 * endpoint is left to try does a request fail, as a {@link TransientLlmError} the unit retries later.
 */
import { performance } from 'node:perf_hooks';
import { TidepoolError } from '../../errors.js';
import { TransientLlmError, type ChatResult, type LlmClient } from '../llm.js';
import type { ChatSpec } from '../requests.js';
import { EndpointHealth, type HealthPolicy } from './health.js';
import { endpointReport, type EndpointReport } from './report.js';
import type { RunLlm } from './run-llm.js';

/** The part of {@link LlmClient} the pool drives. */
export type EndpointClient = Pick<LlmClient, 'chat' | 'probe' | 'close' | 'format' | 'displayURL'>;

/** One endpoint of the pool. */
export interface PoolEndpoint {
  client: EndpointClient;
  /** The model name sent to this server in place of the request's; undefined: the request's own. */
  model?: string | undefined;
}

/** How the pool behaves. */
export interface EndpointPoolOptions {
  /** Requests in flight on each endpoint, at most. */
  concurrency: number;
  /** Times one request is sent at most, over all endpoints (the same one again only when no other is in). */
  attempts: number;
  policy?: HealthPolicy;
  /** Milliseconds on a monotonic clock. @default performance.now */
  now?: () => number;
  /** Messages for people (an endpoint taken out or back in). */
  log?: (line: string) => void;
}

interface Slot {
  index: number;
  endpoint: PoolEndpoint;
  health: EndpointHealth;
  outstanding: number;
  requests: number;
  answered: number;
  errors: number;
  latenciesMs: number[];
}

interface Waiter {
  tried: ReadonlySet<number>;
  /** The request failed before: it may not wait for an endpoint to come back. */
  failedBefore: boolean;
  resolve(slot: Slot | undefined): void;
}

/** Several endpoints as one chat client. */
export class EndpointPool implements RunLlm {
  readonly displayURL: string;
  private readonly slots: Slot[];
  private readonly queue: Waiter[] = [];
  private readonly now: () => number;
  private readonly log: (line: string) => void;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(endpoints: readonly PoolEndpoint[], private readonly options: EndpointPoolOptions) {
    this.now = options.now ?? (() => performance.now());
    this.log = options.log ?? (() => {});
    this.slots = endpoints.map((endpoint, index) => ({ index, endpoint, health: new EndpointHealth(options.policy), outstanding: 0, requests: 0, answered: 0, errors: 0, latenciesMs: [] }));
    this.displayURL = endpoints.map((endpoint) => endpoint.client.displayURL).join(', ');
  }

  /**
   * Probes every endpoint at once. One that cannot be reached is taken out (and tried again later);
   * the run fails only when none can be reached, or when one refuses its key.
   * @throws TidepoolError `E_LLM_UNREACHABLE` (every endpoint), `E_LLM_AUTH` (naming the endpoint)
   */
  async probe(): Promise<void> {
    const outcomes = await Promise.allSettled(this.slots.map((slot) => slot.endpoint.client.probe()));
    const unreachable: string[] = [];
    for (const [index, outcome] of outcomes.entries()) {
      if (outcome.status === 'fulfilled') continue;
      const slot = this.slots[index]!;
      const error: unknown = outcome.reason;
      if (error instanceof TidepoolError && error.code === 'E_LLM_UNREACHABLE') {
        unreachable.push(error.message);
        slot.health.failed('connection', this.now());
        this.log(`generate: endpoint ${slot.endpoint.client.displayURL} is out of reach (${typeof error.details.reason === 'string' ? error.details.reason : error.message}); the others take its requests and it is tried again later`);
      } else throw named(error, slot);
    }
    if (unreachable.length === this.slots.length) {
      throw new TidepoolError('E_LLM_UNREACHABLE', `cannot reach any of the ${this.slots.length} LLM servers: ${unreachable.join('; ')}`, { urls: this.slots.map((slot) => slot.endpoint.client.displayURL) });
    }
    this.schedulePump();
  }

  /**
   * Sends `spec` to the least busy endpoint, and to others while it fails there.
   * @throws TransientLlmError when it failed on every endpoint it could go to; TidepoolError (naming the
   *   endpoint) when no request can succeed there (a refused key, an unknown model).
   */
  async chat(spec: ChatSpec): Promise<ChatResult> {
    const tried = new Set<number>();
    let lastError: TransientLlmError | undefined;
    for (let sent = 1; ; sent++) {
      const slot = await this.acquire(tried, lastError !== undefined);
      if (slot === undefined) throw lastError ?? new TransientLlmError('every LLM endpoint is taken out', 'connection');
      tried.add(slot.index);
      slot.requests++;
      const started = this.now();
      try {
        const result = await slot.endpoint.client.chat(slot.endpoint.model === undefined ? spec : { ...spec, model: slot.endpoint.model });
        slot.answered++;
        slot.latenciesMs.push(this.now() - started);
        slot.health.answered();
        return result;
      } catch (error) {
        slot.errors++;
        if (!(error instanceof TransientLlmError)) throw named(error, slot);
        lastError = error;
        if (slot.health.failed(error.kind, this.now())) {
          this.log(`generate: endpoint ${slot.endpoint.client.displayURL} taken out for ${Math.round((slot.health.returnsAt - this.now()) / 1000)} s after: ${error.message}`);
        }
        // An unusable answer says nothing about where to send the request: the unit decides.
        if (error.kind === 'answer' || sent >= this.options.attempts) throw error;
      } finally {
        slot.outstanding--;
        this.pump();
      }
    }
  }

  /** Closes every endpoint's connections and stops the comeback timer. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    for (const waiter of this.queue.splice(0)) waiter.resolve(undefined);
    for (const slot of this.slots) slot.endpoint.client.close();
  }

  /** The structured-output format of each endpoint, the distinct ones joined by `/`. */
  get format(): string {
    return [...new Set(this.slots.map((slot) => slot.endpoint.client.format))].join('/');
  }

  /** Requests, errors, latency and times taken out, per endpoint. */
  report(): EndpointReport[] {
    return this.slots.map((slot) => endpointReport(slot.endpoint.client.displayURL, slot.endpoint.model, slot, slot.health.takenOut));
  }

  /** A slot for a request (its outstanding count taken), or undefined when it may not wait and none is in. */
  private acquire(tried: ReadonlySet<number>, failedBefore: boolean): Promise<Slot | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.queue.push({ tried, failedBefore, resolve });
      this.pump();
    });
  }

  /** Hands free slots to the waiters in arrival order; fails the ones that may not wait for a comeback. */
  private pump(): void {
    const now = this.now();
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      const slot = this.pick(head.tried, now);
      if (slot === undefined) break;
      this.queue.shift();
      slot.outstanding++;
      head.resolve(slot);
    }
    if (this.queue.length > 0 && this.slots.every((slot) => slot.health.isOut(now))) {
      // Nothing is in: a request that already failed somewhere fails now (its unit is retried later,
      // and the run's outage watch counts it); fresh ones wait for the first endpoint to come back.
      for (let i = this.queue.length - 1; i >= 0; i--) {
        const waiter = this.queue[i]!;
        if (waiter.failedBefore) {
          this.queue.splice(i, 1);
          waiter.resolve(undefined);
        }
      }
    }
    this.schedulePump();
  }

  /** The endpoint with a free slot and the fewest outstanding, one not tried by this request first. */
  private pick(tried: ReadonlySet<number>, now: number): Slot | undefined {
    let best: Slot | undefined;
    let bestKey = Infinity;
    for (const slot of this.slots) {
      if (slot.outstanding >= slot.health.capacity(this.options.concurrency, now)) continue;
      const key = (tried.has(slot.index) ? this.options.concurrency + 1 : 0) + slot.outstanding;
      if (key < bestKey) {
        best = slot;
        bestKey = key;
      }
    }
    return best;
  }

  /** Wakes the queue when the first taken-out endpoint may be tried again. */
  private schedulePump(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.closed) return;
    const now = this.now();
    const returns = this.slots.filter((slot) => slot.health.isOut(now)).map((slot) => slot.health.returnsAt);
    if (returns.length === 0 || this.queue.length === 0) return;
    this.timer = setTimeout(() => {
      this.pump();
    }, Math.max(1, Math.min(...returns) - now));
  }
}

/** `error` with the endpoint it came from in its message (a TidepoolError keeps its code). */
function named(error: unknown, slot: Slot): unknown {
  if (!(error instanceof TidepoolError)) return error;
  const url = slot.endpoint.client.displayURL;
  return new TidepoolError(error.code, `endpoint ${url}${slot.endpoint.model === undefined ? '' : ` (model ${slot.endpoint.model})`}: ${error.message}`, { ...error.details, url });
}
