import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Funnel } from '../../../src/store/funnel.js';
import { shardRange } from '../../../src/store/shards.js';
import { mergeFunnels } from '../../../src/generate/sharded.js';

/** One finished unit as the funnel counts it. */
interface Outcome {
  task: string;
  language: string;
  accepted: boolean;
  reason: string | null;
  promptTokens: number;
  completionTokens: number;
  usd: number | null;
}

/** The funnel of `outcomes`, counted directly here (the reference the merge is checked against). */
function funnelOf(outcomes: readonly Outcome[]): Funnel {
  const funnel: Funnel = { groups: {}, reasons: {} };
  for (const outcome of outcomes) {
    const counts = (funnel.groups[`${outcome.task}/${outcome.language}`] ??= { units: 0, generated: 0, prefiltered: 0, judged: 0, accepted: 0, promptTokens: 0, completionTokens: 0, usd: 0 });
    counts.units++;
    counts.generated++;
    counts.judged++;
    if (outcome.accepted) counts.accepted++;
    counts.promptTokens += outcome.promptTokens;
    counts.completionTokens += outcome.completionTokens;
    counts.usd = counts.usd === null || outcome.usd === null ? null : counts.usd + outcome.usd;
    if (outcome.reason !== null) funnel.reasons[`${outcome.task}/${outcome.reason}`] = (funnel.reasons[`${outcome.task}/${outcome.reason}`] ?? 0) + 1;
  }
  return funnel;
}

const outcome = fc.record({
  task: fc.constantFrom('generation', 'repair'),
  language: fc.constantFrom('python', 'go'),
  accepted: fc.boolean(),
  reason: fc.option(fc.constantFrom('rule_1', 'unparseable'), { nil: null }),
  promptTokens: fc.nat(1000),
  completionTokens: fc.nat(1000),
  // Whole numbers, so sums are exact in whatever order they are added.
  usd: fc.option(fc.nat(100), { nil: null }),
});

describe('mergeFunnels', () => {
  it('the merge of any N-way contiguous split of the units equals the funnel of all units', () => {
    fc.assert(fc.property(fc.array(outcome, { maxLength: 40 }), fc.integer({ min: 1, max: 12 }), (outcomes, count) => {
      const parts = Array.from({ length: count }, (_, index) => {
        const range = shardRange({ index, count }, outcomes.length);
        return funnelOf(outcomes.slice(range.start, range.end));
      });
      expect(mergeFunnels(parts)).toEqual(funnelOf(outcomes));
    }));
  });

  it('keeps the rule names any shard recorded', () => {
    const rules = { 'repair/rule_1': 'the fix compiles' };
    expect(mergeFunnels([{ groups: {}, reasons: {} }, { groups: {}, reasons: {}, rules }]).rules).toEqual(rules);
  });
});
