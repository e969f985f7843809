/** The batch `ask` of a `generate --batch` run, set up from the run's resolved options. */
import { InternalError } from '../../errors.js';
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
  /** The structured-output format the run's client uses (one endpoint: one format). */
  format: string;
}

const FORMATS: readonly string[] = ['json_schema', 'json_object', 'text'] satisfies OutputFormat[];
const isOutputFormat = (format: string): format is OutputFormat => FORMATS.includes(format);

/** The batch `ask` against the run's one endpoint: a request unanswered by `maxRetries + 1` batches fails its unit. */
export function createRunBatchAsk(resolved: ResolvedGenerateOptions, parts: RunBatchParts): BatchAsker {
  const endpoint = resolved.endpoints[0];
  if (resolved.endpoints.length !== 1 || endpoint === undefined) throw new InternalError(`generate --batch with ${resolved.endpoints.length} endpoints (options allow one)`);
  if (!isOutputFormat(parts.format)) throw new InternalError(`generate --batch: the client's format ${parts.format} is not one format`);
  const provider = new BatchProvider({ baseURL: endpoint.baseURL, apiKey: endpoint.apiKey, maxRetries: resolved.maxRetries });
  return createBatchAsk({
    ...parts, format: parts.format, provider, limits: budgetLimits(resolved), pollIntervalMs: resolved.pollInterval * 1000, maxAttempts: resolved.maxRetries + 1,
    signal: resolved.signal, log: resolved.log,
  });
}
