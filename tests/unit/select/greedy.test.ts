import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultPoolSize, kCenterGreedy, type GreedyOptions, type GreedyState } from '../../../src/select/greedy.js';
import { ReferenceKernel } from '../../../src/select/kernel.js';
import { buildPool, nthLargest } from '../../../src/select/pool.js';

/** Textbook farthest-first traversal in float64 on the stored values: the independent reference. */
function bruteForce(points: Float32Array, d: number, k: number, first: number | undefined, seeds: readonly number[]): number[] {
  const n = points.length / d;
  const minDist = new Float64Array(n).fill(Infinity);
  const chosen = new Uint8Array(n);
  const fold = (c: number): void => {
    chosen[c] = 1;
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (let j = 0; j < d; j++) sum += (points[i * d + j]! - points[c * d + j]!) ** 2;
      if (sum < minDist[i]!) minDist[i] = sum;
    }
  };
  const picks: number[] = [];
  for (const s of seeds) fold(s);
  if (seeds.length === 0 && k > 0 && first !== undefined) {
    picks.push(first);
    fold(first);
  }
  while (picks.length < k) {
    let best = -1;
    for (let i = 0; i < n; i++) if (!chosen[i] && (best === -1 || minDist[i]! > minDist[best]!)) best = i;
    if (best === -1) break;
    picks.push(best);
    fold(best);
  }
  return picks;
}

async function run(points: Float32Array, d: number, options: GreedyOptions, onPass?: (state: GreedyState) => void): Promise<GreedyState> {
  const generator = kCenterGreedy(new ReferenceKernel(points, d), options);
  for (;;) {
    const step = await generator.next();
    if (step.done) return step.value;
    if (step.value.kind === 'pass') onPass?.(step.value.state);
  }
}

const picksOf = (state: GreedyState): number[] => state.centers.slice(state.seeds);

/** Small integer coordinates: exact arithmetic, many duplicates and exact ties. */
const gridCase = fc.record({ n: fc.integer({ min: 1, max: 40 }), d: fc.integer({ min: 1, max: 4 }) }).chain(({ n, d }) => fc.record({
  n: fc.constant(n),
  d: fc.constant(d),
  values: fc.array(fc.integer({ min: -3, max: 3 }), { minLength: n * d, maxLength: n * d }),
  k: fc.integer({ min: 1, max: n }),
  first: fc.integer({ min: 0, max: n - 1 }),
  poolSize: fc.integer({ min: 1, max: n + 2 }),
  lazy: fc.boolean(),
  seeds: fc.uniqueArray(fc.integer({ min: 0, max: n - 1 }), { maxLength: Math.min(3, n - 1) }),
}));

describe('k-center greedy (exact candidate-pool algorithm)', () => {
  it('picks exactly what textbook greedy picks, ties to the lowest row, for any pool size (integer data: exact arithmetic)', async () => {
    await fc.assert(fc.asyncProperty(gridCase, async ({ n, d, values, k, first, poolSize, lazy, seeds }) => {
      const points = Float32Array.from(values);
      const want = Math.min(k, n - Math.max(seeds.length, 1) + (seeds.length === 0 ? 1 : 0));
      const state = await run(points, d, { k: want, first, seeds, poolSize, lazy });
      expect(picksOf(state)).toEqual(bruteForce(points, d, want, first, seeds));
      expect(new Set(state.centers).size).toBe(state.centers.length);
    }), { numRuns: 400 });
  });

  it('matches the float64 reference on real-valued data up to 1e-6-relative near-ties', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 2, max: 80 }), fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 1000 }), async (n, d, seed) => {
      let s = seed;
      const random = (): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
      const points = Float32Array.from({ length: n * d }, random);
      const k = Math.min(n, 1 + (seed % n));
      const state = await run(points, d, { k, first: seed % n, poolSize: 1 + (seed % 7), lazy: seed % 2 === 0 });
      const ours = picksOf(state);
      const reference = bruteForce(points, d, k, seed % n, []);
      const at = ours.findIndex((row, i) => row !== reference[i]);
      if (at === -1) return;
      // First divergence: both candidates' float64 min-distances to the same earlier centers must agree.
      const dist = (row: number): number => Math.min(...ours.slice(0, at).map((c) => {
        let sum = 0;
        for (let j = 0; j < d; j++) sum += (points[row * d + j]! - points[c * d + j]!) ** 2;
        return sum;
      }));
      const a = dist(ours[at]!);
      const b = dist(reference[at]!);
      expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-6 * Math.max(a, b));
    }), { numRuns: 300 });
  });

  it('radii are the min-distances at pick time and never increase', async () => {
    const points = Float32Array.from({ length: 300 * 3 }, (_, i) => Math.sin(i * 12.9898) * 43758.5453 % 1);
    const state = await run(points, 3, { k: 60, first: 0, poolSize: 16 });
    expect(state.radii[0]).toBe(Infinity);
    for (let i = 2; i < state.radii.length; i++) expect(state.radii[i]!).toBeLessThanOrEqual(state.radii[i - 1]!);
    // The covering radius after the last pick is at most the last pick's radius.
    const covering = Math.max(...Array.from(state.minDist));
    expect(covering).toBeLessThanOrEqual(state.radii.at(-1)!);
  });

  it('needs far fewer full passes than picks', async () => {
    const points = Float32Array.from({ length: 2000 * 4 }, (_, i) => Math.sin(i * 78.233) * 43758.5453 % 1);
    const state = await run(points, 4, { k: 200, first: 0, poolSize: 200 });
    expect(picksOf(state)).toEqual(bruteForce(points, 4, 200, 0, []));
    expect(state.passes).toBeLessThan(40);
  });

  it('resuming from the state of any full pass gives the same picks as an uninterrupted run', async () => {
    await fc.assert(fc.asyncProperty(gridCase, async ({ n, d, values, first, poolSize, lazy }) => {
      const points = Float32Array.from(values);
      const options = { k: n - 1, first, poolSize, lazy };
      const snapshots: GreedyState[] = [];
      const whole = await run(points, d, options, (state) => snapshots.push(structuredClone(state)));
      for (const snapshot of snapshots) {
        const generator = kCenterGreedy(new ReferenceKernel(points, d), options, snapshot);
        let step = await generator.next();
        while (!step.done) step = await generator.next();
        expect(picksOf(step.value)).toEqual(picksOf(whole));
      }
    }), { numRuns: 100 });
  });
});

describe('candidate pools', () => {
  it('hold the first M candidates in greedy order, and tau is the next one', () => {
    fc.assert(fc.property(fc.array(fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 5 })), { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 70 }), (raw, size) => {
      const minDist = Float32Array.from(raw);
      const order = raw.map((dist, row) => ({ dist, row })).filter((p) => p.dist >= 0).sort((a, b) => b.dist - a.dist || a.row - b.row);
      const pool = buildPool(minDist, size);
      expect(Array.from(pool.rows)).toEqual(order.slice(0, size).map((p) => p.row));
      expect(pool.tau).toEqual(order[size] ?? null);
    }));
  });

  it('nthLargest agrees with sorting', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 200 }), fc.nat(), (values, r) => {
      const rank = r % values.length;
      expect(nthLargest(Float32Array.from(values), rank)).toBe([...values].sort((a, b) => b - a)[rank]);
    }));
  });
});

describe('defaultPoolSize', () => {
  it('is 4 sqrt(n) (256 to n), 2 sqrt(n) for lazy passes in memory', () => {
    expect(defaultPoolSize(100)).toBe(100);
    expect(defaultPoolSize(1000)).toBe(256);
    expect(defaultPoolSize(1_000_000)).toBe(4000);
    expect(defaultPoolSize(1_000_000, true)).toBe(2000);
    expect(defaultPoolSize(2_000_000, true)).toBe(2829);
    expect(defaultPoolSize(10_000, true)).toBe(256);
  });
});
