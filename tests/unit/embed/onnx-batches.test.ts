// planBatches: a permutation sorted longest first, cut so every sub-batch fits the token budget (or
// holds a single row), each padded to its own longest row.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planBatches } from '../../../src/embedders/onnx/index.js';

describe('planBatches', () => {
  it('sorts longest first and cuts at the token budget', () => {
    const plan = planBatches([3, 10, 2, 10, 7], 20);
    expect(plan.order).toEqual([1, 3, 4, 0, 2]);
    expect(plan.batches).toEqual([
      { start: 0, end: 2, paddedLength: 10 },
      { start: 2, end: 4, paddedLength: 7 },
      { start: 4, end: 5, paddedLength: 2 },
    ]);
  });

  it('runs a row longer than the budget alone, and plans nothing for no rows', () => {
    expect(planBatches([50, 5], 8).batches).toEqual([
      { start: 0, end: 1, paddedLength: 50 },
      { start: 1, end: 2, paddedLength: 5 },
    ]);
    expect(planBatches([], 8)).toEqual({ order: [], batches: [] });
  });

  it('keeps every invariant on random lengths and budgets', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 2, max: 300 }), { maxLength: 200 }), fc.integer({ min: 1, max: 5000 }), (lengths, budget) => {
        const { order, batches } = planBatches(lengths, budget);
        expect([...order].sort((a, b) => a - b)).toEqual(lengths.map((_, index) => index));
        let next = 0;
        for (const batch of batches) {
          expect(batch.start).toBe(next);
          const rows = order.slice(batch.start, batch.end).map((index) => lengths[index]!);
          expect(rows.length).toBeGreaterThan(0);
          expect(batch.paddedLength).toBe(Math.max(...rows));
          if (rows.length > 1) expect(rows.length * batch.paddedLength).toBeLessThanOrEqual(budget);
          next = batch.end;
        }
        expect(next).toBe(lengths.length);
      }),
    );
  });
});
