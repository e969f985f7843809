/**
 * The `ask` of a generate run: one request through the response cache, the reachability probe, the
 * rate limiter and the budget to the LLM client, watching for an outage. The first request the cache
 * cannot answer waits for the probe, so a run against an unreachable server fails at once (and a
 * rerun whose answers are all cached needs no server at all).
 */
import { performance } from 'node:perf_hooks';
import { TidepoolError } from '../errors.js';
import type { Budget } from './budget.js';
import type { ResponseCache } from './cache.js';
import { TransientLlmError, type LlmClient } from './llm.js';
import type { RateLimiter } from './limits.js';
import { OutageWatch } from './outage.js';
import { costOf, type PriceTable } from './prices.js';
import { cacheKey, type ChatSpec } from './requests.js';
import type { Ask } from './unit.js';

/** What {@link createAsk} needs. */
export interface AskDependencies {
  cache: ResponseCache;
  client: Pick<LlmClient, 'chat' | 'probe' | 'displayURL'>;
  limiter: Pick<RateLimiter, 'acquire'>;
  budget: Budget;
  prices: PriceTable;
  /** Seconds without an answer (and the last requests failing) before the run is declared cut off. */
  unreachableSeconds: number;
  /** The output folder, named in the outage message. */
  out: string;
  /** Milliseconds on a monotonic clock. @default performance.now */
  now?: () => number;
}

/** An `ask` and its counters. */
export interface Asker {
  ask: Ask;
  /** Requests sent to the server by this run (cached answers excluded). */
  readonly paidRequests: number;
  /** Requests answered from the response cache. */
  readonly cachedRequests: number;
}

/**
 * Builds the run's `ask`.
 * @throws (from `ask`) TidepoolError `E_LLM_UNREACHABLE` when the probe fails or an outage is seen,
 *   `E_LLM_AUTH`; TransientLlmError for a failed request the unit may retry later.
 */
export function createAsk(deps: AskDependencies): Asker {
  const now = deps.now ?? (() => performance.now());
  const outage = new OutageWatch({ seconds: deps.unreachableSeconds }, now());
  let probed: Promise<void> | undefined;
  let paidRequests = 0;
  let cachedRequests = 0;

  const ask: Ask = async (spec: ChatSpec) => {
    const key = cacheKey(spec);
    const usdOf = (promptTokens: number, completionTokens: number): number | undefined => costOf(deps.prices, spec.model, { promptTokens, completionTokens });
    const hit = deps.cache.get(key);
    if (hit !== undefined) {
      cachedRequests++;
      return { result: hit, cached: true, usd: usdOf(hit.promptTokens, hit.completionTokens) };
    }
    await (probed ??= deps.client.probe());
    const grant = await deps.limiter.acquire(estimateTokens(spec));
    let result;
    try {
      result = await deps.client.chat(spec);
    } catch (error) {
      grant.settle(0);
      if (error instanceof TransientLlmError) {
        const cutOff = outage.failed(error.kind, error.message, now());
        if (cutOff !== undefined) {
          throw new TidepoolError('E_LLM_UNREACHABLE', `lost the LLM server at ${deps.client.displayURL}: the last ${cutOff.failures} requests all failed (last: ${cutOff.last}) and nothing came back for ${Math.round(cutOff.seconds)} s. Everything finished so far is saved in ${deps.out}; check the server, then rerun the same command to resume`, { url: deps.client.displayURL, failures: cutOff.failures, seconds: cutOff.seconds });
        }
      }
      throw error;
    }
    outage.answered(now());
    grant.settle(result.promptTokens + result.completionTokens);
    deps.cache.put(key, spec.model, result);
    paidRequests++;
    const usd = usdOf(result.promptTokens, result.completionTokens);
    deps.budget.record({ promptTokens: result.promptTokens, completionTokens: result.completionTokens }, usd);
    return { result, cached: false, usd };
  };
  return {
    ask,
    get paidRequests() {
      return paidRequests;
    },
    get cachedRequests() {
      return cachedRequests;
    },
  };
}

/** Prompt tokens (about 4 characters each) plus the reply's cap, for the tokens-per-minute limiter. */
function estimateTokens(spec: ChatSpec): number {
  return Math.ceil(spec.messages.reduce((sum, message) => sum + message.content.length, 0) / 4) + spec.maxTokens;
}
