import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NonNegativeRanks, nthLargest } from '../../../src/select/pool.js';

/** The non-negative values of `values`, largest first (-0 counted as 0): the reference order. */
function sortedNonNegative(values: Float32Array): number[] {
  return Array.from(values).filter((v) => v >= 0).map((v) => (Object.is(v, -0) ? 0 : v)).sort((a, b) => b - a);
}

describe('NonNegativeRanks', () => {
  it('gives every rank of the non-negative entries as a full sort does, leaving the array as it was', () => {
    const special = fc.constantFrom(-1, -0, 0, Infinity, 1, 1.0000001, 2 ** -140, 3.4e38);
    const value = fc.oneof(fc.float({ noNaN: true }), special, fc.float({ min: 1, max: Math.fround(1.01), noNaN: true }));
    fc.assert(fc.property(fc.array(value, { minLength: 1, maxLength: 400 }), (list) => {
      const values = Float32Array.from(list);
      const before = Array.from(values);
      const expected = sortedNonNegative(values);
      const ranked = new NonNegativeRanks(values);
      expect(ranked.count).toBe(expected.length);
      expected.forEach((want, rank) => {
        expect(ranked.largest(rank)).toBe(want);
      });
      expect(Array.from(values)).toEqual(before);
    }), { numRuns: 300 });
  });

  it('agrees with quickselect on many close values (one bucket holds most of them), and refuses ranks outside the count', () => {
    let s = 5;
    const values = Float32Array.from({ length: 50_000 }, (_, i) => (i % 97 === 0 ? -1 : 1 + ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 0.001));
    const ranked = new NonNegativeRanks(values);
    const copy = values.filter((v) => v >= 0);
    for (const rank of [0, 1, 100, 4_000, copy.length - 1]) expect(ranked.largest(rank)).toBe(nthLargest(copy.slice(), rank));
    expect(() => ranked.largest(copy.length)).toThrow(RangeError);
    expect(() => ranked.largest(-1)).toThrow(RangeError);
    expect(new NonNegativeRanks(Float32Array.of(-1, -2)).count).toBe(0);
  });
});
