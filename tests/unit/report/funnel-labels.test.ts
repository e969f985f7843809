/** The report's reject-reason table names each discriminator rule next to its code (from the manifest's funnel). */
import { describe, expect, it } from 'vitest';
import { funnelFigure } from '../../../src/report/figures/generation.js';
import { parseGenerateCounts } from '../../../src/report/manifest-counts.js';

const group = { units: 6, generated: 6, prefiltered: 1, judged: 5, accepted: 2, promptTokens: 100, completionTokens: 50, usd: null };

function figureFor(funnel: unknown): string {
  const parsed = parseGenerateCounts({ mode: 'codeocean', accepted: 2, rejected: 4, tokens: { prompt: 100, completion: 50 }, usd: null, funnel });
  if (!parsed.ok) throw new Error(parsed.problem);
  return funnelFigure({ status: 'ok', data: parsed.value }).body;
}

describe('funnel reasons in the report', () => {
  it('shows "rule_3 (what rule 3 says)" from the manifest, escaped, and a code without a name as it is', () => {
    const body = figureFor({
      groups: { 'generation/python': group },
      reasons: { 'generation/rule_3': 3, 'generation/placeholder': 1 },
      rules: { 'generation/rule_3': 'the output is <language> code that solves the task as stated…' },
    });
    expect(body).toContain('rule_3 (the output is &lt;language&gt; code that solves the task as stated…)');
    expect(body).toMatch(/>placeholder</);
  });

  it('a funnel from before rule names (or with a malformed map) still draws, with the bare codes', () => {
    for (const rules of [undefined, 'nope', { 'generation/rule_3': 7 }]) {
      const body = figureFor({ groups: { 'generation/python': group }, reasons: { 'generation/rule_3': 3 }, ...(rules === undefined ? {} : { rules }) });
      expect(body).toMatch(/>rule_3</);
    }
  });
});
