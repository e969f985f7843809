/** What a generate job is set up from: the identity of its outputs, its manifest parameters and its budget. */
import { createHash } from 'node:crypto';
import { redactUrl } from '../util/redact-url.js';
import type { BudgetLimits } from './budget.js';
import type { ResponseCache } from './cache.js';
import type { ResolvedGenerateOptions } from './options.js';
import { costOf, type PriceTable } from './prices.js';
import type { PromptSet } from './prompts.js';
import type { RunIdentity } from './records.js';

/** Everything that shapes the outputs (not the limits, budget, concurrency or row limit). */
export function hashConfig(resolved: ResolvedGenerateOptions, prompts: PromptSet, coresetSha: string, pairs: { bytes: number; sha256: string | undefined }): string {
  const shape = {
    mode: resolved.mode, tasks: resolved.tasks, seed: resolved.seed, translateTo: resolved.translateTo,
    model: resolved.model, temperature: resolved.temperature, discriminatorModel: resolved.discriminatorModel,
    discriminatorTemperature: resolved.discriminatorTemperature, replyTokens: resolved.replyTokens,
    poolCapacity: resolved.poolCapacity, poolEpoch: resolved.poolEpoch, goodExamples: resolved.goodExamples, badExamples: resolved.badExamples,
    prompts: Object.values(prompts).map((prompt) => [prompt.name, prompt.version]),
    coreset: coresetSha, pairs: pairs.sha256 ?? `bytes=${pairs.bytes}`,
    // Added only when on, so jobs without execution checks keep the identity they had before they existed.
    ...(resolved.execute === true ? { execution: { requirePass: resolved.requirePass } } : {}),
  };
  return createHash('sha256').update(JSON.stringify(shape)).digest('hex');
}

/** The manifest's `parameters`: every option that shaped the run, the base URL without credentials, never the API key. */
export function manifestParameters(resolved: ResolvedGenerateOptions, identity: RunIdentity): Record<string, unknown> {
  return {
    mode: resolved.mode, tasks: resolved.tasks, model: resolved.model, discriminatorModel: resolved.discriminatorModel,
    baseURL: redactUrl(resolved.endpoints[0]?.baseURL ?? resolved.baseURL),
    endpoints: resolved.endpoints.map((endpoint) => ({ url: redactUrl(endpoint.baseURL), model: endpoint.model ?? null })), concurrency: resolved.concurrency, rpm: resolved.rpm ?? null, tpm: resolved.tpm ?? null,
    maxUsd: resolved.maxUsd ?? null, maxTokens: resolved.maxTokens ?? null, limit: resolved.limit ?? null, seed: resolved.seed,
    translateTo: resolved.translateTo, temperature: resolved.temperature, discriminatorTemperature: resolved.discriminatorTemperature,
    replyTokens: resolved.replyTokens, poolCapacity: resolved.poolCapacity, poolEpoch: resolved.poolEpoch,
    goodExamples: resolved.goodExamples, badExamples: resolved.badExamples, prompts: resolved.prompts ?? null,
    promptVersions: identity.promptVersions, prices: resolved.prices ?? null, maxAnswerBytes: resolved.maxAnswerBytes,
    batch: resolved.batch,
    execute: resolved.execute, execConcurrency: resolved.execConcurrency, requirePass: resolved.requirePass, unsafeNoSandbox: resolved.unsafeNoSandbox,
  };
}

/** The budget the options set (`--max-usd`, `--max-tokens`). */
export function budgetLimits(resolved: ResolvedGenerateOptions): BudgetLimits {
  return { ...(resolved.maxUsd === undefined ? {} : { maxUsd: resolved.maxUsd }), ...(resolved.maxTokens === undefined ? {} : { maxTokens: resolved.maxTokens }) };
}

/** What the folder's earlier runs spent, from the response cache (so a rerun's budget counts it). */
export function spentSoFar(cache: ResponseCache, prices: PriceTable): { promptTokens: number; completionTokens: number; usd: number | null; requests: number } {
  let promptTokens = 0;
  let completionTokens = 0;
  let usd: number | null = 0;
  for (const [model, spend] of Object.entries(cache.spend.byModel)) {
    promptTokens += spend.promptTokens;
    completionTokens += spend.completionTokens;
    const cost = costOf(prices, model, spend);
    usd = cost === undefined || usd === null ? null : usd + cost;
  }
  return { promptTokens, completionTokens, usd, requests: cache.spend.requests };
}
