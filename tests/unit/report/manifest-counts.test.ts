import { describe, expect, it } from 'vitest';
import { parseDecontamCounts, parseGenerateCounts } from '../../../src/report/manifest-counts.js';
import { parseFunnel } from '../../../src/store/funnel.js';

const group = { units: 4, generated: 4, prefiltered: 1, judged: 3, accepted: 2, promptTokens: 100, completionTokens: 50, usd: null };

describe('manifest counts', () => {
  it('reads a generate funnel and derives tasks and languages from it', () => {
    const parsed = parseGenerateCounts({ mode: 'codeocean', accepted: 3, rejected: 5, tokens: { prompt: 200, completion: 100 }, usd: null, funnel: { groups: { 'repair/go': group, 'explain/go': { ...group, accepted: 1, usd: 0.5 } }, reasons: { 'repair/x': 2 } } });
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.value.tasks).toEqual({ repair: { units: 4, accepted: 2 }, explain: { units: 4, accepted: 1 } });
    expect(parsed.value.languages).toEqual({ go: { units: 8, accepted: 3 } });
    expect(parsed.value.funnel.groups['explain/go']!.usd).toBe(0.5);
    expect(parsed.value.funnel.groups['repair/go']!.usd).toBeNull();
    expect(parsed.value.usd).toBeNull();
    expect(parsed.value.tokens).toEqual({ prompt: 200, completion: 100 });
  });

  it('names what is wrong with a funnel instead of crashing', () => {
    expect(parseGenerateCounts(null)).toEqual({ ok: false, problem: 'its manifest has no "counts"' });
    expect(parseFunnel({ groups: {} })).toMatchObject({ ok: false, problem: expect.stringContaining('counts.funnel') as unknown });
    expect(parseFunnel({ groups: { 'a/b': { ...group, units: -1 } }, reasons: {} })).toEqual({ ok: false, problem: 'counts.funnel.groups["a/b"].units is not a count' });
    expect(parseFunnel({ groups: {}, reasons: { 'a/x': 'many' } })).toEqual({ ok: false, problem: 'counts.funnel.reasons["a/x"] is not a count' });
  });

  it('reads decontam counts, and says which fields are missing', () => {
    expect(parseDecontamCounts({ records: 10, kept: 8, removed: 2, removedByBenchmark: { humaneval: 2 }, removedByDetector: { exact: 1, ngram: 2, embedding: 0 } })).toEqual({
      ok: true, value: { records: 10, kept: 8, removed: 2, removedByBenchmark: { humaneval: 2 }, removedByDetector: { exact: 1, ngram: 2, embedding: 0 } },
    });
    expect(parseDecontamCounts({ removedByBenchmark: {}, removedByDetector: {} })).toMatchObject({ ok: true, value: { records: null, removed: null } });
    expect(parseDecontamCounts({ removedByBenchmark: { a: 1 } })).toMatchObject({ ok: false, problem: expect.stringContaining('removedByDetector') as unknown });
  });
});
