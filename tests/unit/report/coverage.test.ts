import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { baselineKs, greedyCurve, randomCoverageRadii } from '../../../src/report/coverage.js';

/** The definition, by brute force: max over points of the distance to the nearest of the first k centers. */
function bruteForceRadius(points: Float32Array, n: number, centers: Float32Array, d: number, k: number): number {
  let radius = 0;
  for (let i = 0; i < n; i++) {
    let nearest = Infinity;
    for (let c = 0; c < k; c++) {
      let sum = 0;
      for (let j = 0; j < d; j++) sum += (points[i * d + j]! - centers[c * d + j]!) ** 2;
      nearest = Math.min(nearest, sum);
    }
    radius = Math.max(radius, nearest);
  }
  return Math.sqrt(radius);
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

describe('randomCoverageRadii', () => {
  it('equals the brute-force covering radius for every k (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 400 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 120 }), fc.nat(), (n, d, centerCount, seed) => {
      const random = lcg(seed + 1);
      // Cubed values: skewed, clustered data with far outliers, where pruning matters.
      const points = Float32Array.from({ length: n * d }, () => random() ** 3);
      const centers = Float32Array.from({ length: centerCount * d }, () => random() ** 3);
      const ks = baselineKs(centerCount);
      const measured = randomCoverageRadii(points, n, centers, d, ks);
      expect(measured.truncated).toBe(false);
      expect(measured.points.map((p) => p.k)).toEqual(ks);
      for (const point of measured.points) expect(point.radius).toBeCloseTo(bruteForceRadius(points, n, centers, d, point.k), 9);
      // Pruning never does more work than folding every center into every point.
      expect(measured.work).toBeLessThanOrEqual(n * centerCount * d);
    }), { numRuns: 60 });
  });

  it('skips most of the work when one point is clearly farthest', () => {
    const n = 5000;
    const d = 8;
    const random = lcg(7);
    const points = Float32Array.from({ length: n * d }, () => random());
    points.fill(50, 0, d); // one far outlier
    const centers = Float32Array.from({ length: 500 * d }, () => random());
    const ks = [1, 10, 100, 500];
    const measured = randomCoverageRadii(points, n, centers, d, ks);
    for (const point of measured.points) expect(point.radius).toBeCloseTo(bruteForceRadius(points, n, centers, d, point.k), 9);
    expect(measured.work).toBeLessThan(0.1 * n * 500 * d);
  });

  it('stops when the work budget is spent, and ignores ks beyond the centers given', () => {
    const random = lcg(3);
    const points = Float32Array.from({ length: 200 * 4 }, random);
    const centers = Float32Array.from({ length: 64 * 4 }, random);
    // k = 1 folds one center into each of the 200 points: 800 products, the whole budget.
    const limited = randomCoverageRadii(points, 200, centers, 4, [1, 8, 64], 200 * 4);
    expect(limited.truncated).toBe(true);
    expect(limited.points.map((p) => p.k)).toEqual([1]);
    expect(limited.work).toBe(800);
    expect(randomCoverageRadii(points, 200, centers, 4, [4, 65, 100]).points.map((p) => p.k)).toEqual([4]);
  });
});

describe('baselineKs', () => {
  it('spreads about 8 values of k evenly on a log scale, ending at the coreset size', () => {
    expect(baselineKs(1000)).toEqual([1, 3, 7, 19, 52, 139, 373, 1000]);
    expect(baselineKs(5)).toEqual([1, 2, 3, 4, 5]);
    expect(baselineKs(1)).toEqual([1]);
    expect(baselineKs(0)).toEqual([]);
  });
});

describe('greedyCurve', () => {
  it('puts the radius of rank r at k = r, leaving out rank 0 and nulls', () => {
    expect(greedyCurve([null, 4, 3, null, 2])).toEqual([{ k: 1, radius: 4 }, { k: 2, radius: 3 }, { k: 4, radius: 2 }]);
    expect(greedyCurve([null])).toEqual([]);
  });

  it('thins long curves on a log scale, keeping the first and last picks', () => {
    const radii = [null, ...Array.from({ length: 99_999 }, (_, i) => 1 / Math.sqrt(i + 1))];
    const curve = greedyCurve(radii, 200);
    expect(curve.length).toBeLessThanOrEqual(202);
    expect(curve.length).toBeGreaterThan(100);
    expect(curve[0]).toEqual({ k: 1, radius: 1 });
    expect(curve.at(-1)!.k).toBe(99_999);
    expect(curve.every((p, i) => i === 0 || p.k > curve[i - 1]!.k)).toBe(true);
  });
});
