/** The batch `ask` of a `generate --batch` run, set up from the run's resolved options. */
import type { Budget } from '../budget.js';
import type { ResponseCache } from '../cache.js';
import { budgetLimits } from '../job-config.js';
import type { OutputFormat } from '../llm.js';
import type { ResolvedGenerateOptions } from '../options.js';
import type { PriceTable } from '../prices.js';
import { createBatchAsk, type BatchAsker } from './asker.js';
import { BatchProvider } from './provider.js';

/** What the run shares with its batch `ask`. */
export interface RunBatchParts {
  cache: ResponseCache;
  budget: Budget;
  /** Batch prices. */
  prices: PriceTable;
  /** The job's work folder (`DIR/.generate`). */
  work: string;
  format: OutputFormat;
}

/** The batch `ask` against `resolved.baseURL`: a request unanswered by `maxRetries + 1` batches fails its unit. */
export function createRunBatchAsk(resolved: ResolvedGenerateOptions, parts: RunBatchParts): BatchAsker {
  const provider = new BatchProvider({ baseURL: resolved.baseURL, apiKey: resolved.apiKey, maxRetries: resolved.maxRetries });
  return createBatchAsk({
    ...parts, provider, limits: budgetLimits(resolved), pollIntervalMs: resolved.pollInterval * 1000, maxAttempts: resolved.maxRetries + 1,
    signal: resolved.signal, log: resolved.log,
  });
}
