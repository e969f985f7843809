/**
 * Spending limits for a generate run (`--max-usd`, `--max-tokens`): counts what the responses
 * cost, including what earlier runs of the same job spent, and says when no new request may start.
 * Requests already in flight finish, so a run may end slightly over its budget. Pure.
 */
import { TidepoolError } from '../errors.js';
import { priceOf, type PriceTable } from './prices.js';

/** Budgets; an absent field is no limit. */
export interface BudgetLimits {
  /** Most USD to spend (`--max-usd`); needs a price for every model used. */
  maxUsd?: number;
  /** Most tokens, prompt plus completion, to spend (`--max-tokens`). */
  maxTokens?: number;
}

/** What was spent so far. */
export interface Spend {
  promptTokens: number;
  completionTokens: number;
  /** USD; `null` once any request had no known price. */
  usd: number | null;
  /** Responses paid for. */
  requests: number;
}

/** Token counts of one response, from its `usage`. */
export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

const NOTHING_SPENT: Spend = { promptTokens: 0, completionTokens: 0, usd: 0, requests: 0 };

const formatCount = (n: number): string => n.toLocaleString('en-US');
const formatUsd = (usd: number): string => `$${usd.toFixed(usd < 1 ? 4 : 2)}`;

/** Tracks spending against {@link BudgetLimits}. */
export class Budget {
  readonly #limits: BudgetLimits;
  #spent: Spend;

  /**
   * @param limits the budgets; `maxUsd` and `maxTokens` must be positive when given (`E_USAGE`).
   * @param spent what earlier runs of the same job already spent. @default nothing spent
   */
  constructor(limits: BudgetLimits, spent: Spend = NOTHING_SPENT) {
    const problems: string[] = [];
    if (limits.maxUsd !== undefined && !(Number.isFinite(limits.maxUsd) && limits.maxUsd > 0)) {
      problems.push(`--max-usd must be a positive amount of US dollars, found ${String(limits.maxUsd)}`);
    }
    if (limits.maxTokens !== undefined && !(Number.isInteger(limits.maxTokens) && limits.maxTokens > 0)) {
      problems.push(`--max-tokens must be a positive whole number of tokens, found ${String(limits.maxTokens)}`);
    }
    if (problems.length > 0) {
      throw new TidepoolError('E_USAGE', `Invalid budget: ${problems.join('; ')}. Fix the flag or leave it out for no limit.`, { limits });
    }
    checkSpend(spent);
    this.#limits = { ...limits };
    this.#spent = { ...spent };
  }

  /**
   * Adds one paid response: its token usage and its cost in USD, `undefined` when its model has no
   * price (the USD total then becomes unknown, `null`, for good).
   */
  record(usage: TokenUsage, usd: number | undefined): void {
    const spent = this.#spent;
    this.#spent = {
      promptTokens: spent.promptTokens + usage.promptTokens,
      completionTokens: spent.completionTokens + usage.completionTokens,
      usd: spent.usd === null || usd === undefined ? null : spent.usd + usd,
      requests: spent.requests + 1,
    };
  }

  /** A snapshot of what was spent, earlier runs included. */
  get spent(): Spend {
    return { ...this.#spent };
  }

  /**
   * Why no new request may start, or `undefined` while within every budget; e.g. "the token budget
   * (--max-tokens 100000) is used up: 100,412 tokens spent". A USD budget also stops the run once
   * the USD total is unknown, since it can no longer be enforced.
   */
  exhausted(): string | undefined {
    const { maxUsd, maxTokens } = this.#limits;
    const spent = this.#spent;
    const reasons: string[] = [];
    const tokens = spent.promptTokens + spent.completionTokens;
    if (maxTokens !== undefined && tokens >= maxTokens) {
      reasons.push(`the token budget (--max-tokens ${maxTokens}) is used up: ${formatCount(tokens)} tokens spent`);
    }
    if (maxUsd !== undefined) {
      if (spent.usd === null) {
        reasons.push(`the USD budget (--max-usd ${maxUsd}) cannot be enforced: a response came from a model with no known price; add its price with --prices FILE`);
      } else if (spent.usd >= maxUsd) {
        reasons.push(`the USD budget (--max-usd ${maxUsd}) is used up: ${formatUsd(spent.usd)} spent`);
      }
    }
    return reasons.length > 0 ? reasons.join('; ') : undefined;
  }
}

/** Rejects a carried-over spend that cannot be right (it comes from a job's saved state). */
function checkSpend(spent: Spend): void {
  const problems: string[] = [];
  for (const field of ['promptTokens', 'completionTokens', 'requests'] as const) {
    if (!(Number.isInteger(spent[field]) && spent[field] >= 0)) problems.push(`${field} must be a non-negative integer, found ${String(spent[field])}`);
  }
  if (spent.usd !== null && !(Number.isFinite(spent.usd) && spent.usd >= 0)) problems.push(`usd must be a non-negative number or null, found ${String(spent.usd)}`);
  if (problems.length > 0) {
    throw new TidepoolError('E_FORMAT_INVALID', `The spend carried over from earlier runs of this job is invalid: ${problems.join('; ')}. The job's saved state is damaged; start the job in a new output folder.`, { spent });
  }
}

/**
 * Throws `E_USAGE` when `limits.maxUsd` is set but some of `models` (the generator and
 * discriminator ids) have no price in `table`, naming them and showing how to add them with
 * `--prices FILE`. Does nothing without a USD budget.
 */
export function checkBudgetPriced(limits: BudgetLimits, table: PriceTable, models: readonly string[]): void {
  if (limits.maxUsd === undefined) return;
  const unpriced = [...new Set(models)].filter((model) => priceOf(table, model) === undefined);
  if (unpriced.length === 0) return;
  const names = unpriced.map((model) => `"${model}"`).join(', ');
  const example = `{${unpriced.map((model) => `${JSON.stringify(model)}: {"input": 0.5, "output": 1.5}`).join(', ')}}`;
  throw new TidepoolError(
    'E_USAGE',
    `--max-usd ${limits.maxUsd} needs a price for every model, but none is known for ${names}. ` +
      `Add ${unpriced.length === 1 ? 'it' : 'them'} with --prices FILE, where FILE is JSON like ${example} ` +
      `(USD per 1M prompt / completion tokens), or budget in tokens with --max-tokens instead.`,
    { models: unpriced },
  );
}
