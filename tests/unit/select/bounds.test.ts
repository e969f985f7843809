import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planPrunedFold } from '../../../src/select/bounds.js';
import { kCenterGreedy, type GreedyOptions, type GreedyState } from '../../../src/select/greedy.js';
import { ReferenceKernel, squaredDistance } from '../../../src/select/kernel.js';

async function run(kernel: ReferenceKernel, options: GreedyOptions): Promise<GreedyState> {
  const generator = kCenterGreedy(kernel, options);
  for (;;) {
    const step = await generator.next();
    if (step.done) return step.value;
  }
}

/** Seeded clusters: `clusters` centers spread over [-spread, spread]^d, points within `width` of one. */
function clustered(n: number, d: number, clusters: number, spread: number, width: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const random = (): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  const middles = Array.from({ length: clusters * d }, () => random() * spread);
  const points = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(((random() + 1) / 2) * clusters) % clusters;
    for (let j = 0; j < d; j++) points[i * d + j] = middles[c * d + j]! + random() * width;
  }
  return points;
}

/** Random data, duplicates and exact ties (small integers), or clusters, with the greedy's options. */
const dataCase = fc.record({
  n: fc.integer({ min: 2, max: 120 }),
  d: fc.integer({ min: 1, max: 6 }),
  shape: fc.constantFrom('grid', 'uniform', 'clusters'),
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  poolSize: fc.integer({ min: 1, max: 40 }),
  lazy: fc.boolean(),
  kShare: fc.double({ min: 0.05, max: 1, noNaN: true }),
}).map(({ n, d, shape, seed, poolSize, lazy, kShare }) => {
  let s = seed;
  const random = (): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  const points = shape === 'clusters'
    ? clustered(n, d, 1 + (seed % 6), 50, 1, seed)
    : Float32Array.from({ length: n * d }, () => (shape === 'grid' ? Math.round(random() * 2) : random()));
  return { n, d, points, k: Math.max(1, Math.floor(kShare * (n - 1))), first: seed % n, poolSize, lazy };
});

describe('triangle-inequality pruning', () => {
  it('gives the same picks, radii and final min-distances as the unpruned greedy (duplicates, ties, clusters)', async () => {
    await fc.assert(fc.asyncProperty(dataCase, async ({ d, points, k, first, poolSize, lazy }) => {
      const options = { k, first, poolSize, lazy };
      const pruned = await run(new ReferenceKernel(points, d), { ...options, bounds: true });
      const plain = await run(new ReferenceKernel(points, d, points, false), { ...options, bounds: true });
      expect(pruned.centers).toEqual(plain.centers);
      expect(pruned.radii).toEqual(plain.radii);
      expect(pruned.nearest).toBeDefined();
      expect(plain.nearest).toBeUndefined();
      // Where both are exact (every center folded), min-distances agree, and pruning never costs more folds.
      for (let i = 0; i < pruned.minDist.length; i++) {
        if (pruned.lag[i] === pruned.centers.length && plain.lag[i] === plain.centers.length) expect(pruned.minDist[i]).toBe(plain.minDist[i]);
      }
    }), { numRuns: 300 });
  });

  it('keeps each point\'s nearest center: its min-distance is the distance to that center', async () => {
    await fc.assert(fc.asyncProperty(dataCase, async ({ d, points, k, first, poolSize }) => {
      const state = await run(new ReferenceKernel(points, d), { k, first, poolSize, lazy: false, bounds: true });
      const nearest = state.nearest!;
      for (let i = 0; i < state.minDist.length; i++) {
        if (state.minDist[i]! < 0 || nearest[i]! < 0) continue;
        expect(state.minDist[i]).toBe(squaredDistance(points, d, i, state.centers[nearest[i]!]!));
      }
    }), { numRuns: 100 });
  });

  it('skips most point-center distances on well-separated clusters, with the picks unchanged', async () => {
    const d = 8;
    const points = clustered(4000, d, 40, 100, 1, 7);
    const options = { k: 400, first: 0, poolSize: 64, lazy: false, bounds: true };
    const pruned = await run(new ReferenceKernel(points, d), options);
    const plain = await run(new ReferenceKernel(points, d, points, false), options);
    expect(pruned.centers).toEqual(plain.centers);
    const work = (state: GreedyState): number => state.evaluations! + state.centerEvaluations!;
    expect(plain.centerEvaluations).toBe(0);
    // Ideal: the first 40 picks (one per cluster) against every point, then each pick against its own cluster: ~0.13 of n·k.
    expect(work(pruned)).toBeLessThan(0.3 * work(plain));
  });

  it('runs unpruned, and still exact, when the kernel offers no triangle support or bounds are off', async () => {
    const d = 4;
    const points = clustered(600, d, 10, 100, 1, 3);
    const options = { k: 60, first: 5, poolSize: 16, lazy: false };
    const off = await run(new ReferenceKernel(points, d), { ...options, bounds: false });
    const on = await run(new ReferenceKernel(points, d), { ...options, bounds: true });
    expect(off.centers).toEqual(on.centers);
    expect(off.centerEvaluations).toBe(0);
    expect(off.nearest).toBeUndefined();
  });
});

describe('pruned fold plans', () => {
  it('every skipped (row, center) pair is one the row already has or the triangle inequality rules out, and no pair is planned twice', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 64 }), (n, groupCount, chunk, blockRows) => {
      let s = n * 7919 + groupCount * 31 + chunk;
      const random = (): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
      const minDist = Float32Array.from({ length: n }, () => random() * 4);
      const nearest = Int32Array.from({ length: n }, () => (random() < 0.1 ? -1 : Math.floor(random() * groupCount)));
      const groups = Int32Array.from([...new Set(Array.from(nearest).filter((a) => a >= 0))].sort((a, b) => a - b));
      const centerDistances = Float32Array.from({ length: groups.length * chunk }, () => random() * 40);
      const rows = Int32Array.from({ length: n }, (_, i) => i);
      const first = 10;
      const lag = Int32Array.from({ length: n }, () => Math.floor(random() * (first + chunk)));
      const error = 1e-3;
      const plan = planPrunedFold({ rows, minDist, nearest, lag, first, chunk, groups, centerDistances, distanceError: error, blockRows });
      const planned = Array.from({ length: n }, () => new Set<number>());
      for (const block of plan.blocks) {
        expect(block.rows.length).toBeLessThanOrEqual(blockRows);
        for (const row of block.rows) {
          for (const c of block.centers) {
            expect(planned[row]!.has(c)).toBe(false);
            planned[row]!.add(c);
          }
        }
      }
      expect(plan.evaluations).toBe(plan.blocks.reduce((sum, b) => sum + b.rows.length * b.centers.length, 0));
      const wrongSkips: string[] = [];
      for (let row = 0; row < n; row++) {
        const g = groups.indexOf(nearest[row]!);
        for (let c = 0; c < chunk; c++) {
          if (planned[row]!.has(c) || first + c < lag[row]!) continue; // (a center the row has may be folded again: harmless)
          // Skipped: the row's nearest center is known, and d(c, a) >= 2 sqrt(m + E) after widening.
          const lower = g < 0 ? -1 : Math.sqrt(Math.max(0, centerDistances[g * chunk + c]! - error));
          if (lower < 2 * Math.sqrt(minDist[row]! + error) * (1 - 1e-6)) wrongSkips.push(`row ${row} center ${c}`);
        }
      }
      expect(wrongSkips).toEqual([]);
    }), { numRuns: 200 });
  });
});
