import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeXml, formatNumber, formatPercentTick, logTicks, niceTicks } from '../../../src/report/svg.js';

describe('escapeXml', () => {
  it('escapes the five XML specials and nothing else', () => {
    expect(escapeXml(`<a href="x">Tom & Jerry's</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;');
    expect(escapeXml('héllo → 世界')).toBe('héllo → 世界');
    fc.assert(fc.property(fc.string(), (text) => {
      expect(escapeXml(text)).not.toMatch(/[<>"']|&(?!(amp|lt|gt|quot|#39);)/);
    }));
  });
});

describe('niceTicks', () => {
  it('gives round steps covering the range', () => {
    expect(niceTicks(0, 120)).toEqual([0, 20, 40, 60, 80, 100, 120]);
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0.13, 0.87)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0.31, 0.52)).toEqual([0.3, 0.35, 0.4, 0.45, 0.5, 0.55]);
    expect(niceTicks(-3.2, 4.1)).toEqual([-4, -2, 0, 2, 4, 6]);
    expect(niceTicks(5, 5)).toEqual([4.4, 4.6, 4.8, 5, 5.2, 5.4, 5.6]);
    expect(niceTicks(0, 0)).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(niceTicks(Number.NaN, 1)).toEqual([]);
    expect(niceTicks(0, 2, 5, true)).toEqual([0, 1, 2]);
    expect(niceTicks(0, 0, 5, true)).toEqual([-1, 0, 1]);
  });

  it('always covers [min, max] with evenly spaced ticks (property)', () => {
    fc.assert(fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.double({ min: 1e-3, max: 1e6, noNaN: true }), (min, span) => {
      const ticks = niceTicks(min, min + span);
      expect(ticks.length).toBeGreaterThanOrEqual(2);
      expect(ticks.length).toBeLessThanOrEqual(13);
      const step = ticks[1]! - ticks[0]!;
      // Covered up to rounding: a value a hair (1e-9 of a step) past a tick is taken as on it.
      expect(ticks[0]!).toBeLessThanOrEqual(min + 1e-6 * step);
      expect(ticks.at(-1)!).toBeGreaterThanOrEqual(min + span - 1e-6 * step);
      for (let i = 1; i < ticks.length; i++) expect(ticks[i]! - ticks[i - 1]!).toBeCloseTo(step, 6);
    }));
  });
});

describe('logTicks', () => {
  it('takes 1, 2 and 5 times powers of ten, thinned to decades when there are too many', () => {
    expect(logTicks(1, 150)).toEqual([1, 2, 5, 10, 20, 50, 100]);
    expect(logTicks(3, 40)).toEqual([5, 10, 20]);
    expect(logTicks(1, 1e6)).toEqual([1, 10, 100, 1000, 10000, 100000, 1000000]);
    expect(logTicks(0, 10)).toEqual([]);
  });
});

describe('formatNumber', () => {
  it('writes numbers the way people read them on a chart', () => {
    expect([0, 7, 42.5, 1234, 12_345, 2_500_000, 3e9, 0.012345, -1500].map(formatNumber)).toEqual(['0', '7', '42.5', '1,234', '12.3k', '2.5M', '3G', '0.0123', '-1,500']);
    expect([0, 0.05, 0.125, 1].map(formatPercentTick)).toEqual(['0%', '5%', '12.5%', '100%']);
  });
});
