import { describe, expect, it } from 'vitest';
import { Budget, checkBudgetPriced, type Spend } from '../../../src/generate/budget.js';
import { costOf, DEFAULT_PRICES, type PriceTable } from '../../../src/generate/prices.js';

/** The error `action` throws (fails the test when it throws nothing). */
function thrown(action: () => unknown): { code?: unknown; message: string } {
  try {
    action();
  } catch (error) {
    return error as { code?: unknown; message: string };
  }
  throw new Error('expected an error, none was thrown');
}

const usage = (promptTokens: number, completionTokens: number) => ({ promptTokens, completionTokens });

describe('Budget: accounting', () => {
  it('adds tokens, USD and requests per response', () => {
    const budget = new Budget({});
    budget.record(usage(1000, 200), 0.25);
    budget.record(usage(500, 100), 0.5);
    expect(budget.spent).toEqual({ promptTokens: 1500, completionTokens: 300, usd: 0.75, requests: 2 });
    expect(budget.exhausted()).toBeUndefined();
  });

  it('one response without a known price makes the USD total null for good', () => {
    const budget = new Budget({});
    budget.record(usage(10, 10), 0.01);
    budget.record(usage(10, 10), undefined);
    expect(budget.spent.usd).toBeNull();
    budget.record(usage(10, 10), 0.01);
    expect(budget.spent).toEqual({ promptTokens: 30, completionTokens: 30, usd: null, requests: 3 });
  });

  it('spent is a snapshot, not a live view', () => {
    const budget = new Budget({});
    const before = budget.spent;
    budget.record(usage(1, 1), 0);
    expect(before).toEqual({ promptTokens: 0, completionTokens: 0, usd: 0, requests: 0 });
  });

  it('works with costOf for a priced model and an unpriced local one', () => {
    const budget = new Budget({});
    budget.record(usage(1_000_000, 0), costOf(DEFAULT_PRICES, 'gpt-4o-mini', usage(1_000_000, 0)));
    expect(budget.spent.usd).toBeCloseTo(0.15, 12);
    budget.record(usage(5, 5), costOf(DEFAULT_PRICES, 'llama3.1:8b', usage(5, 5)));
    expect(budget.spent.usd).toBeNull();
  });
});

describe('Budget: limits', () => {
  it('a token budget counts prompt plus completion and stops at the limit', () => {
    const budget = new Budget({ maxTokens: 100_000 });
    budget.record(usage(60_000, 39_999), undefined);
    expect(budget.exhausted()).toBeUndefined();
    budget.record(usage(300, 113), undefined);
    expect(budget.exhausted()).toBe('the token budget (--max-tokens 100000) is used up: 100,412 tokens spent');
  });

  it('reaching the limit exactly counts as used up', () => {
    const budget = new Budget({ maxTokens: 10 });
    budget.record(usage(4, 6), undefined);
    expect(budget.exhausted()).toMatch(/used up: 10 tokens spent/);
  });

  it('a USD budget stops once the spend reaches it', () => {
    const budget = new Budget({ maxUsd: 5 });
    budget.record(usage(1, 1), 4.99);
    expect(budget.exhausted()).toBeUndefined();
    budget.record(usage(1, 1), 0.0313);
    expect(budget.exhausted()).toBe('the USD budget (--max-usd 5) is used up: $5.02 spent');
    const small = new Budget({ maxUsd: 0.01 });
    small.record(usage(1, 1), 0.01234);
    expect(small.exhausted()).toBe('the USD budget (--max-usd 0.01) is used up: $0.0123 spent');
  });

  it('a USD budget stops the run when the USD total becomes unknown', () => {
    const budget = new Budget({ maxUsd: 5 });
    budget.record(usage(1, 1), undefined);
    expect(budget.exhausted()).toMatch(/--max-usd 5\) cannot be enforced: .*no known price.*--prices FILE/);
    // without a USD budget an unknown price is fine
    const tokensOnly = new Budget({ maxTokens: 100 });
    tokensOnly.record(usage(1, 1), undefined);
    expect(tokensOnly.exhausted()).toBeUndefined();
  });

  it('both budgets used up: both reasons are given', () => {
    const budget = new Budget({ maxUsd: 1, maxTokens: 10 });
    budget.record(usage(10, 10), 2);
    expect(budget.exhausted()).toBe('the token budget (--max-tokens 10) is used up: 20 tokens spent; the USD budget (--max-usd 1) is used up: $2.00 spent');
  });

  it('rejects bad limits with E_USAGE naming every bad flag', () => {
    const error = thrown(() => new Budget({ maxUsd: 0, maxTokens: 2.5 }));
    expect(error.code).toBe('E_USAGE');
    expect(error.message).toMatch(/--max-usd .* found 0; --max-tokens .* found 2\.5/);
    expect(thrown(() => new Budget({ maxUsd: Number.POSITIVE_INFINITY })).code).toBe('E_USAGE');
  });
});

describe('Budget: resume', () => {
  it('carries in what earlier runs spent, against the same limits', () => {
    const earlier: Spend = { promptTokens: 90_000, completionTokens: 9_000, usd: 4.5, requests: 120 };
    const budget = new Budget({ maxTokens: 100_000, maxUsd: 5 }, earlier);
    expect(budget.spent).toEqual(earlier);
    expect(budget.exhausted()).toBeUndefined();
    budget.record(usage(900, 100), 0.1);
    expect(budget.spent).toEqual({ promptTokens: 90_900, completionTokens: 9_100, usd: 4.6, requests: 121 });
    expect(budget.exhausted()).toMatch(/^the token budget \(--max-tokens 100000\) is used up: 100,000 tokens spent$/);
    earlier.requests = 0; // the carried-in object is copied, not shared
    expect(budget.spent.requests).toBe(121);
  });

  it('an earlier unknown USD total stays unknown', () => {
    const budget = new Budget({}, { promptTokens: 1, completionTokens: 1, usd: null, requests: 1 });
    budget.record(usage(1, 1), 1);
    expect(budget.spent.usd).toBeNull();
  });

  it('a resumed run that is already over budget stops before its first request', () => {
    const budget = new Budget({ maxUsd: 2 }, { promptTokens: 0, completionTokens: 0, usd: 2.5, requests: 3 });
    expect(budget.exhausted()).toMatch(/used up: \$2\.50 spent/);
  });

  it('rejects a damaged carried-in spend with E_FORMAT_INVALID', () => {
    const error = thrown(() => new Budget({}, { promptTokens: -1, completionTokens: 0.5, usd: Number.NaN, requests: 0 }));
    expect(error.code).toBe('E_FORMAT_INVALID');
    expect(error.message).toMatch(/promptTokens .* found -1; completionTokens .* found 0\.5; usd .* found NaN/);
  });
});

describe('checkBudgetPriced', () => {
  const table: PriceTable = { ...DEFAULT_PRICES, 'my-judge': { input: 1, output: 2 } };

  it('passes when every model has a price (dated snapshots included) or no USD budget is set', () => {
    expect(() => {
      checkBudgetPriced({ maxUsd: 5 }, table, ['gpt-4o-mini-2024-07-18', 'my-judge']);
    }).not.toThrow();
    expect(() => {
      checkBudgetPriced({ maxTokens: 1000 }, table, ['llama3.1:8b']);
    }).not.toThrow();
    expect(() => {
      checkBudgetPriced({}, table, ['llama3.1:8b']);
    }).not.toThrow();
  });

  it('names each unpriced model once and shows the --prices JSON to add', () => {
    const error = thrown(() => {
      checkBudgetPriced({ maxUsd: 5 }, table, ['llama3.1:8b', 'gpt-4o', 'llama3.1:8b', 'qwen2.5-coder']);
    });
    expect(error.code).toBe('E_USAGE');
    expect(error.message).toContain('--max-usd 5 needs a price for every model, but none is known for "llama3.1:8b", "qwen2.5-coder"');
    expect(error.message).toContain('--prices FILE, where FILE is JSON like {"llama3.1:8b": {"input": 0.5, "output": 1.5}, "qwen2.5-coder": {"input": 0.5, "output": 1.5}}');
    expect(error.message).toContain('--max-tokens');
    expect(error.message).not.toContain('"gpt-4o"');
  });
});
