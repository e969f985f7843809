/** The random baseline: the covering radius of a seeded random subset of the same size. */
import { seededRandom } from '../util/random.js';
import type { MinDistanceKernel } from './kernel.js';
import { REFRESH_GATHER_ROWS } from './memory-plan.js';
import { nthLargest } from './pool.js';
import { valuesAt } from './working-copy.js';

/** `count` distinct rows of `n`, chosen with a seeded partial Fisher-Yates shuffle. */
export function randomSubset(n: number, count: number, seed: number): Int32Array {
  const random = seededRandom(seed ^ 0x5bd1e995);
  const picked = new Map<number, number>();
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (n - i));
    const atJ = picked.get(j) ?? j;
    picked.set(j, picked.get(i) ?? i);
    out[i] = atJ;
  }
  return out;
}

/** Centers folded into every point first, and rows whose exact value is computed each round. */
const FIRST_BLOCK = 32;
const PROBE_ROWS = 256;

/**
 * Euclidean covering radius of a seeded random subset of `count` rows: max over points of the distance
 * to the nearest subset row. Exact, without folding every center into every point. Folding some of
 * the centers gives each point an upper bound U of its distance; the exact values of the few points with
 * the largest U give a lower bound L of the answer, and a point with U <= L can no longer matter. So,
 * round by round: fold a first small block of centers into all points, compute the exact value of the
 * {@link PROBE_ROWS} candidates with the largest U (raising L), drop every candidate with U <= L, and
 * fold the next block of centers (doubling) into the candidates left only. Most points drop out after
 * the first rounds, so the work is a fraction of n x count (about a third at 96K points, count 1,000).
 *
 * When every row is a center the radius is 0 exactly: a GEMM kernel's `|p|² + |c|² - 2 p·c` leaves
 * about 1e-6 of a row's distance to itself, which read 0.0009 as the radius at k = n.
 * @param gatherRows most rows a subset gathers at once (the memory plan's block; smaller in tests).
 */
export async function randomBaselineRadius(kernel: MinDistanceKernel, n: number, count: number, seed: number, gatherRows = REFRESH_GATHER_ROWS): Promise<number> {
  if (count >= n) return 0; // every row is a center
  const centers = randomSubset(n, count, seed);
  const bounds = new Float32Array(n).fill(Infinity);
  let folded = Math.min(count, FIRST_BLOCK);
  await kernel.foldCenters(centers.subarray(0, folded), bounds);
  let candidates: Int32Array = new Int32Array(n);
  for (let i = 0; i < n; i++) candidates[i] = i;
  let best = 0;
  for (;;) {
    if (folded === count) {
      for (const row of candidates) best = Math.max(best, bounds[row]!);
      return Math.sqrt(best);
    }
    // Exact values of the candidates with the largest bounds (ties at the threshold all come in).
    const values = valuesAt(bounds, candidates);
    const threshold = nthLargest(values, Math.min(PROBE_ROWS, candidates.length) - 1);
    const probe = rowsWhere(candidates, bounds, (bound) => bound >= threshold);
    best = Math.max(best, await foldInto(kernel, probe, bounds, centers, folded, count, gatherRows));
    candidates = rowsWhere(candidates, bounds, (bound) => bound < threshold && bound > best);
    if (candidates.length === 0) return Math.sqrt(best);
    const next = Math.min(count, 2 * folded);
    if (2 * candidates.length >= n) await kernel.foldCenters(centers.subarray(folded, next), bounds);
    else await foldInto(kernel, candidates, bounds, centers, folded, next, gatherRows);
    folded = next;
  }
}

/** The rows of `rows` whose bound `keep` accepts, in order (a plain loop: typed arrays' `filter` is several times slower). */
function rowsWhere(rows: Int32Array, bounds: Float32Array, keep: (bound: number) => boolean): Int32Array {
  let kept = 0;
  const out = new Int32Array(rows.length);
  for (let j = 0; j < rows.length; j++) if (keep(bounds[rows[j]!]!)) out[kept++] = rows[j]!;
  return out.slice(0, kept);
}

/**
 * Folds centers [from, to) into the bounds of `rows`; returns their largest value. The rows go to the
 * kernel `gatherRows` at a time ({@link REFRESH_GATHER_ROWS} by default: the block the memory plan
 * counts, which a kernel that copies them reuses from one block to the next), not all at once: the
 * candidates can be half the matrix.
 */
async function foldInto(kernel: MinDistanceKernel, rows: Int32Array, bounds: Float32Array, centers: Int32Array, from: number, to: number, gatherRows: number): Promise<number> {
  let max = 0;
  for (let at = 0; at < rows.length; at += gatherRows) {
    const block = rows.subarray(at, at + gatherRows);
    const values = valuesAt(bounds, block);
    const sub = kernel.subset(block);
    try {
      for (let start = from; start < to; start += 4096) await sub.foldCenters(centers.subarray(start, Math.min(start + 4096, to)), values);
    } finally {
      sub.dispose?.();
    }
    for (let j = 0; j < block.length; j++) bounds[block[j]!] = values[j]!;
    max = Math.max(max, maxOf(values));
  }
  return max;
}

/** Largest value of `values`, or 0 when empty or all negative (chosen centers are -1). */
export function maxOf(values: Float32Array): number {
  let max = 0;
  for (const v of values) if (v > max) max = v;
  return max;
}
