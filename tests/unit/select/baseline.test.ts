import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { randomBaselineRadius, randomSubset } from '../../../src/select/baseline.js';
import { ReferenceKernel, squaredDistance } from '../../../src/select/kernel.js';

describe('random baseline', () => {
  it('randomSubset gives distinct rows, deterministic per seed', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 500 }), fc.nat(), fc.nat(), (n, c, seed) => {
      const count = c % (n + 1);
      const subset = randomSubset(n, count, seed);
      expect(new Set(subset).size).toBe(count);
      expect(subset.every((row) => row >= 0 && row < n)).toBe(true);
      expect(Array.from(randomSubset(n, count, seed))).toEqual(Array.from(subset));
    }));
  });

  it('the pruned covering radius equals folding every center into every point', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 300, max: 2500 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 257, max: 700 }), fc.nat(), async (n, d, rawCount, seed) => {
      let s = seed + 1;
      const points = Float32Array.from({ length: n * d }, () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) ** 3);
      const count = Math.min(rawCount, n);
      const kernel = new ReferenceKernel(points, d);
      const centers = randomSubset(n, count, seed);
      let brute = 0;
      for (let i = 0; i < n; i++) {
        let best = Infinity;
        for (const c of centers) best = Math.min(best, squaredDistance(points, d, i, c));
        brute = Math.max(brute, best);
      }
      expect(await randomBaselineRadius(kernel, n, count, seed)).toBe(Math.sqrt(brute));
    }), { numRuns: 15 });
  });
});
