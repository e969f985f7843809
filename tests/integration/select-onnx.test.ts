import { describe, expect, it } from 'vitest';
import { randomBaselineRadius } from '../../src/select/baseline.js';
import { kCenterGreedy, type GreedyState } from '../../src/select/greedy.js';
import { ReferenceKernel, type MinDistanceKernel } from '../../src/select/kernel.js';
import { OnnxKernel } from '../../src/select/onnx-kernel.js';
import { memoryRows, type RowStore } from '../../src/select/row-store.js';
import { rowNorms } from '../../src/select/working-copy.js';
import { float32ArrayToHalf, halfArrayToFloat32 } from '../../src/store/matrix.js';

function randomMatrix(n: number, d: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n * d }, () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1);
}

async function greedy(kernel: MinDistanceKernel, k: number, poolSize: number, bounds = true, lazy = true): Promise<GreedyState> {
  const generator = kCenterGreedy(kernel, { k, first: 0, poolSize, bounds, lazy });
  for (;;) {
    const step = await generator.next();
    if (step.done) return step.value;
  }
}

function float64MinDist(points: Float32Array, d: number, row: number, centers: readonly number[]): number {
  let best = Infinity;
  for (const c of centers) {
    let sum = 0;
    for (let j = 0; j < d; j++) sum += (points[row * d + j]! - points[c * d + j]!) ** 2;
    best = Math.min(best, sum);
  }
  return best;
}

describe('onnxruntime GEMM kernel', () => {
  it('folds centers like the reference kernel (float32 GEMM form vs float64 direct form)', async () => {
    const d = 48;
    const points = randomMatrix(5000, d, 7);
    const onnx = await OnnxKernel.create({ precision: 'fp32', values: points }, d, { blockRows: 1024 });
    const reference = new ReferenceKernel(points, d);
    const centers = Int32Array.of(3, 999, 4242, 17, 3000);
    const a = new Float32Array(5000).fill(Infinity);
    const b = new Float32Array(5000).fill(Infinity);
    a[17] = -1;
    b[17] = -1;
    await onnx.foldCenters(centers, a);
    await reference.foldCenters(centers, b);
    expect(a[17]).toBe(-1);
    for (let i = 0; i < 5000; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(1e-5 * Math.max(1, b[i]!));
    await onnx.release();
  });

  it('each greedy pick is the float64 farthest point given the earlier picks, up to 1e-6 relative', async () => {
    const d = 32;
    const n = 3000;
    const points = randomMatrix(n, d, 11);
    const kernel = await OnnxKernel.create({ precision: 'fp32', values: points }, d, { blockRows: 700 });
    const state = await greedy(kernel, 120, 64);
    await kernel.release();
    const picks = state.centers;
    expect(new Set(picks).size).toBe(picks.length);
    expect(state.passes).toBeLessThan(120);
    for (let t = 1; t < picks.length; t++) {
      const earlier = picks.slice(0, t);
      const chosen = new Set(earlier);
      let farthest = 0;
      for (let i = 0; i < n; i++) if (!chosen.has(i)) farthest = Math.max(farthest, float64MinDist(points, d, i, earlier));
      expect(float64MinDist(points, d, picks[t]!, earlier)).toBeGreaterThanOrEqual(farthest * (1 - 1e-6));
    }
  });

  it('fp16 working copy: each pick is the float64 farthest point on the stored float16 values, and it folds like the reference on them', async () => {
    const d = 40;
    const n = 2500;
    const half = float32ArrayToHalf(randomMatrix(n, d, 23));
    const stored = halfArrayToFloat32(half);
    const kernel = await OnnxKernel.create({ precision: 'fp16', values: half }, d, { blockRows: 600 });
    const reference = new ReferenceKernel(stored, d);
    const a = new Float32Array(n).fill(Infinity);
    const b = new Float32Array(n).fill(Infinity);
    await kernel.foldCenters(Int32Array.of(5, 1234, 2499), a);
    await reference.foldCenters(Int32Array.of(5, 1234, 2499), b);
    for (let i = 0; i < n; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(1e-5 * Math.max(1, b[i]!));
    const state = await greedy(kernel, 100, 48);
    await kernel.release();
    const picks = state.centers;
    expect(new Set(picks).size).toBe(picks.length);
    for (let t = 1; t < picks.length; t++) {
      const earlier = picks.slice(0, t);
      const chosen = new Set(earlier);
      let farthest = 0;
      for (let i = 0; i < n; i++) if (!chosen.has(i)) farthest = Math.max(farthest, float64MinDist(stored, d, i, earlier));
      expect(float64MinDist(stored, d, picks[t]!, earlier)).toBeGreaterThanOrEqual(farthest * (1 - 1e-6));
    }
  });

  it('the random-baseline radius at k = n is 0 exactly, not the GEMM form\'s leftover of a row\'s distance to itself', async () => {
    const d = 64;
    for (const n of [200, 1500]) { // one block of centers, and the pruned path
      const points = randomMatrix(n, d, 5);
      const kernel = await OnnxKernel.create({ precision: 'fp32', values: points }, d, { blockRows: 512 });
      expect(await randomBaselineRadius(kernel, n, n, 3)).toBe(0);
      await kernel.release();
    }
  });

  it('triangle support: distances within the declared error bound of float64, nearest centers right, and pruned picks equal unpruned ones (fp32 and fp16)', async () => {
    const d = 24;
    const n = 4000;
    // Tight clusters far apart, with exact duplicate rows: pruning skips most pairs here.
    const noise = randomMatrix(n, d, 31);
    const middles = randomMatrix(25, d, 37);
    const points = Float32Array.from(noise, (v, at) => middles[(Math.floor(at / d) % 25) * d + (at % d)]! * 20 + v * 0.5);
    points.copyWithin(100 * d, 7 * d, 8 * d);
    points.copyWithin(200 * d, 7 * d, 8 * d);
    for (const precision of ['fp32', 'fp16'] as const) {
      const stored = precision === 'fp32' ? points : halfArrayToFloat32(float32ArrayToHalf(points));
      const copy = precision === 'fp32' ? { precision, values: points } : { precision, values: float32ArrayToHalf(points) };
      const kernel = await OnnxKernel.create(copy, d, { blockRows: 700 });
      const pairs = await kernel.triangle.centerDistances(Int32Array.of(0, 7, 100, 3999), Int32Array.from({ length: 300 }, (_, j) => j * 13));
      pairs.forEach((value, at) => {
        const exact = float64MinDist(stored, d, [0, 7, 100, 3999][Math.floor(at / 300)]!, [(at % 300) * 13]);
        expect(Math.abs(value - exact)).toBeLessThanOrEqual(kernel.triangle.distanceError);
      });
      const minDist = new Float32Array(n).fill(Infinity);
      const nearest = new Int32Array(n).fill(-1);
      const centers = Int32Array.of(5, 1234, 2499, 7);
      await kernel.triangle.foldNearest(centers, minDist, nearest);
      for (let i = 0; i < n; i++) expect(Math.abs(minDist[i]! - float64MinDist(stored, d, i, [centers[nearest[i]!]!]))).toBeLessThanOrEqual(kernel.triangle.distanceError);
      for (const lazy of [false, true]) {
        const pruned = await greedy(kernel, 300, 64, true, lazy);
        const plain = await greedy(kernel, 300, 64, false, lazy);
        expect(pruned.centers).toEqual(plain.centers);
        expect(pruned.radii).toEqual(plain.radii);
        if (!lazy) expect(pruned.evaluations! + pruned.centerEvaluations!).toBeLessThan(0.5 * plain.evaluations!);
      }
      await kernel.release();
    }
  });

  it('a subset of a matrix in memory (rows gathered by the graph) folds bit for bit like a subset gathered as a float32 copy (fp32 and fp16, nearest centers too, subsets of subsets)', async () => {
    const d = 40;
    const n = 3000;
    const points = randomMatrix(n, d, 41);
    for (const precision of ['fp32', 'fp16'] as const) {
      const copy = precision === 'fp32' ? { precision, values: points } : { precision, values: float32ArrayToHalf(points) };
      const inPlace = await OnnxKernel.create(copy, d, { blockRows: 500 });
      // The same rows through a store that does not offer the whole matrix: its subsets gather copies.
      const inMemory = memoryRows(copy, d);
      const store: RowStore = { n, d, precision, gather: (at, into) => inMemory.gather(at, into), forEachBlock: (rows, visit) => inMemory.forEachBlock(rows, visit) };
      const copying = await OnnxKernel.overRows(store, rowNorms(copy, d), { blockRows: 500 });
      const rows = Int32Array.from({ length: 1200 }, (_, j) => (j * 7 + 3) % n);
      const inner = Int32Array.from({ length: 300 }, (_, j) => (j * 11) % 1200);
      const centers = Int32Array.of(9, 2999, 1500, 4, 777);
      const pairs = [
        [inPlace.subset(rows), copying.subset(rows)],
        [inPlace.subset(rows).subset(inner), copying.subset(Int32Array.from(inner, (j) => rows[j]!))],
        // A subset of a copied subset: its rows are in memory, its centers still index the whole matrix.
        [copying.subset(rows).subset(inner), inPlace.subset(Int32Array.from(inner, (j) => rows[j]!))],
      ] as const;
      for (const [a, b] of pairs) {
        const left = new Float32Array(a.n).fill(Infinity);
        const right = new Float32Array(b.n).fill(Infinity);
        left[5] = -1;
        right[5] = -1;
        const leftNearest = new Int32Array(a.n).fill(-1);
        const rightNearest = new Int32Array(b.n).fill(-1);
        await a.triangle.foldNearest(centers.subarray(0, 3), left, leftNearest);
        await b.triangle.foldNearest(centers.subarray(0, 3), right, rightNearest);
        await a.foldCenters(centers.subarray(3), left);
        await b.foldCenters(centers.subarray(3), right);
        expect(a.n).toBe(b.n);
        expect(left[5]).toBe(-1);
        expect(Array.from(left)).toEqual(Array.from(right));
        expect(Array.from(leftNearest)).toEqual(Array.from(rightNearest));
        b.dispose();
      }
      await inPlace.release();
      await copying.release();
    }
  });
});
