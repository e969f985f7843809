/** The random baseline: the covering radius of a seeded random subset of the same size. */
import { seededRandom } from '../util/random.js';
import type { MinDistanceKernel } from './kernel.js';

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

/**
 * Euclidean covering radius of a seeded random subset of `count` rows: max over points of the distance
 * to the nearest subset row. Exact, without folding every center into every point: after folding a
 * first block of centers into all points (upper bounds U), the `probe` points with the largest U get
 * every center; if the largest exact value among them is at least the largest U outside them, it is the
 * answer (no outside point can exceed its bound). Otherwise the probe doubles (only the rows it adds
 * are computed).
 *
 * When every row is a center the radius is 0 exactly: a GEMM kernel's `|p|² + |c|² - 2 p·c` leaves
 * about 1e-6 of a row's distance to itself, which read 0.0009 as the radius at k = n.
 */
export async function randomBaselineRadius(kernel: MinDistanceKernel, n: number, count: number, seed: number): Promise<number> {
  if (count >= n) return 0; // every row is a center
  const centers = randomSubset(n, count, seed);
  const bounds = new Float32Array(n).fill(Infinity);
  const firstBlock = Math.min(count, 256);
  await kernel.foldCenters(centers.subarray(0, firstBlock), bounds);
  if (firstBlock === count) return Math.sqrt(maxOf(bounds));
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => bounds[b]! - bounds[a]!);
  let best = 0;
  for (let done = 0, probe = Math.min(n, 1024); ; done = probe, probe = Math.min(n, probe * 2)) {
    // Rows [0, done) of the order have their exact values already: only the new ones get every center.
    const rows = order.subarray(done, probe);
    const exact = Float32Array.from(rows, (row) => bounds[row]!);
    const sub = kernel.subset(rows);
    for (let start = firstBlock; start < count; start += 4096) await sub.foldCenters(centers.subarray(start, Math.min(start + 4096, count)), exact);
    best = Math.max(best, maxOf(exact));
    if (probe === n || best >= bounds[order[probe]!]!) return Math.sqrt(best);
  }
}

/** Largest value of `values`, or 0 when empty or all negative (chosen centers are -1). */
export function maxOf(values: Float32Array): number {
  let max = 0;
  for (const v of values) if (v > max) max = v;
  return max;
}
