import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { randomBaselineRadius, randomSubset } from '../../../src/select/baseline.js';
import { ReferenceKernel, squaredDistance, type MinDistanceKernel } from '../../../src/select/kernel.js';

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
      const brute = bruteSquaredRadius(points, d, n, centers);
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
    const brute = bruteSquaredRadius(points, 2, n, centers);
    const kernel = new ReferenceKernel(points, 2);
    const evaluations = countEvaluations(kernel);
    expect(await randomBaselineRadius(kernel, n, count, seed)).toBe(Math.sqrt(brute));
    expect(Math.sqrt(brute)).toBeCloseTo(5, 3);
    // Bounds this poor keep most points in every round: the work stays near folding every center into
    // every point (a round that folds into all points refolds the rows probed before it: 16% more here).
    expect(evaluations(), `${evaluations()} vs n x count ${n * count}`).toBeLessThanOrEqual(1.2 * n * count);
  });

  it('prunes: on clustered points it computes a fraction of the n x count distances', async () => {
    const n = 6000;
    const d = 4;
    let s = 3;
    const random = (): number => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const points = new Float32Array(n * d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) points[i * d + j] = (i % 20) * 3 + random();
    const kernel = new ReferenceKernel(points, d);
    const evaluations = countEvaluations(kernel);
    const count = 400;
    const centers = randomSubset(n, count, 5);
    const brute = bruteSquaredRadius(points, d, n, centers);
    expect(await randomBaselineRadius(kernel, n, count, 5)).toBe(Math.sqrt(brute));
    expect(evaluations()).toBeLessThan(0.5 * n * count);
  });

  it('gathers at most the given block of rows at once, and finds the same radius', async () => {
    const n = 3000;
    const d = 3;
    let s = 11;
    const points = Float32Array.from({ length: n * d }, () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const count = 500;
    const centers = randomSubset(n, count, 9);
    const brute = bruteSquaredRadius(points, d, n, centers);
    const kernel = new ReferenceKernel(points, d);
    const sizes: number[] = [];
    const subset = kernel.subset.bind(kernel);
    kernel.subset = (rows) => {
      sizes.push(rows.length);
      return subset(rows);
    };
    expect(await randomBaselineRadius(kernel, n, count, 9, 97)).toBe(Math.sqrt(brute));
    expect(Math.max(...sizes)).toBe(97);
    // The unblocked run gathers more than that at once (so the block is what limits it).
    sizes.length = 0;
    expect(await randomBaselineRadius(kernel, n, count, 9)).toBe(Math.sqrt(brute));
    expect(Math.max(...sizes)).toBeGreaterThan(97);
  });

  it('k = n gives radius 0 exactly with a kernel in the GEMM form |p|² + |c|² - 2 p·c (float32), whose self-distances are not 0', async () => {
    for (const n of [100, 900]) { // one block of centers, and the pruned path
      const d = 32;
      let s = n;
      const points = Float32Array.from({ length: n * d }, () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32 * 2 - 1);
      const kernel = gemmFormKernel(points, d);
      const self = new Float32Array(n).fill(Infinity);
      await kernel.foldCenters(Int32Array.from({ length: n }, (_, i) => i), self);
      expect(Math.max(...self)).toBeGreaterThan(0); // the float error this is about
      expect(await randomBaselineRadius(kernel, n, n, 1)).toBe(0);
      expect(await randomBaselineRadius(kernel, n, n - 1, 1)).toBeGreaterThan(0.01);
    }
  });
});

/** The squared covering radius of `centers` over the first n rows, one (point, center) pair at a time. */
function bruteSquaredRadius(points: Float32Array, d: number, n: number, centers: Int32Array): number {
  let brute = 0;
  for (let i = 0; i < n; i++) {
    let best = Infinity;
    for (const c of centers) best = Math.min(best, squaredDistance(points, d, i, c));
    brute = Math.max(brute, best);
  }
  return brute;
}

/**
 * A kernel computing distances as the GEMM kernels do, in float32: |p|² + |c|² - 2 p·c, clamped at 0,
 * the dot product summed in another order than the norms (as a blocked GEMM does), so a row's distance
 * to itself is float error rather than 0.
 */
function gemmFormKernel(points: Float32Array, d: number, rows: Int32Array | null = null): MinDistanceKernel {
  const f = Math.fround;
  const norm = (row: number) => {
    let sum = 0;
    for (let j = 0; j < d; j++) sum = f(sum + f(points[row * d + j]! * points[row * d + j]!));
    return sum;
  };
  const dot = (a: number, b: number) => {
    let sum = 0;
    for (let j = d - 1; j >= 0; j--) sum = f(sum + f(points[a * d + j]! * points[b * d + j]!));
    return sum;
  };
  const all = points.length / d;
  const rowOf = (i: number) => (rows === null ? i : rows[i]!);
  return {
    n: rows === null ? all : rows.length,
    d,
    foldCenters(centers, minDist) {
      for (let i = 0; i < minDist.length; i++) {
        if (minDist[i]! < 0) continue;
        const row = rowOf(i);
        for (const c of centers) minDist[i] = Math.min(minDist[i]!, Math.max(0, f(f(norm(row) + norm(c)) - f(2 * dot(row, c)))));
      }
      return Promise.resolve();
    },
    openPool: () => {
      throw new Error('not used by the baseline');
    },
    subset: (subsetRows) => gemmFormKernel(points, d, Int32Array.from(subsetRows, rowOf)),
  };
}

/** Counts the (point, center) distances `kernel` and the subsets it makes compute from now on. */
function countEvaluations(kernel: MinDistanceKernel): () => number {
  let total = 0;
  const wrap = (target: MinDistanceKernel): MinDistanceKernel => {
    const fold = target.foldCenters.bind(target);
    const subset = target.subset.bind(target);
    target.foldCenters = (centers, minDist) => {
      total += target.n * centers.length;
      return fold(centers, minDist);
    };
    target.subset = (rows) => wrap(subset(rows));
    return target;
  };
  wrap(kernel);
  return () => total;
}
