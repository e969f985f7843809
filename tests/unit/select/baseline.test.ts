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

  it('when the probe must grow, it computes each added row once and still finds the exact radius', async () => {
    // The first 256 centers sit at the origin; each later center sits in a cluster of points 10 away,
    // and one point A lies 5 away from everything. The first block bounds every cluster point near 10
    // (exact: near 0) and A at 5 (exact: 5), so the probe must grow past every cluster point to reach A.
    const n = 4000;
    const count = 300;
    const seed = 7;
    const centers = randomSubset(n, count, seed);
    const points = new Float32Array(n * 2);
    const isCenter = new Set(centers);
    const later = Array.from(centers.subarray(256));
    later.forEach((row, k) => {
      points.set([10 * Math.cos((2 * Math.PI * k) / later.length), 10 * Math.sin((2 * Math.PI * k) / later.length)], row * 2);
    });
    centers.subarray(0, 256).forEach((row, k) => { points.set([0.001 * k, 0], row * 2); });
    const others = Array.from({ length: n }, (_, row) => row).filter((row) => !isCenter.has(row));
    const a = others.pop()!;
    points.set([0, -5], a * 2);
    others.forEach((row, i) => {
      const home = later[i % later.length]!;
      points.set([points[home * 2]! + 0.001 * ((i % 7) - 3), points[home * 2 + 1]! + 0.001 * ((i % 5) - 2)], row * 2);
    });
    let brute = 0;
    for (let i = 0; i < n; i++) {
      let best = Infinity;
      for (const c of centers) best = Math.min(best, squaredDistance(points, 2, i, c));
      brute = Math.max(brute, best);
    }
    const kernel = new ReferenceKernel(points, 2);
    const probed: number[] = [];
    const subset = kernel.subset.bind(kernel);
    kernel.subset = (rows: Int32Array) => {
      probed.push(rows.length);
      return subset(rows);
    };
    expect(await randomBaselineRadius(kernel, n, count, seed)).toBe(Math.sqrt(brute));
    expect(Math.sqrt(brute)).toBeCloseTo(5, 3);
    // 1024, then the 1024 rows that double it, then the rest (the probe stops at n): every row once.
    expect(probed).toEqual([1024, 1024, n - 2048]);
    expect(probed.reduce((sum, rows) => sum + rows, 0)).toBe(n);
  });
});
