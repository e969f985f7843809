/**
 * Candidate pools: the M points that come first in greedy order (larger min-distance first, lower
 * row index first among equals), and the key of the best point left outside (tau).
 */

/** A point's place in greedy order. */
export interface OrderKey {
  dist: number;
  row: number;
}

/** True when `a` comes strictly before `b` in greedy order. */
export function precedes(aDist: number, aRow: number, bDist: number, bRow: number): boolean {
  return aDist > bDist || (aDist === bDist && aRow < bRow);
}

/** A candidate pool. */
export interface CandidatePool {
  /** Pool rows, in greedy order. */
  rows: Int32Array;
  /** Their min-distances. */
  dists: Float32Array;
  /** The first point in greedy order outside the pool, or null when the pool holds every candidate. */
  tau: OrderKey | null;
}

/**
 * The first `size` candidates in greedy order among points with `minDist >= 0` (negative marks a chosen
 * center), and tau. O(n) selection of the threshold, then O(size log size) to order the pool.
 */
export function buildPool(minDist: Float32Array, size: number): CandidatePool {
  const candidates: number[] = [];
  // Threshold: the size-th largest value (quickselect on a copy of the candidates' values).
  const values = new Float32Array(minDist.length);
  let count = 0;
  for (let i = 0; i < minDist.length; i++) if (minDist[i]! >= 0) values[count++] = minDist[i]!;
  if (count === 0) return { rows: new Int32Array(0), dists: new Float32Array(0), tau: null };
  const take = Math.min(size, count);
  const threshold = nthLargest(values.subarray(0, count), take - 1);
  for (let i = 0; i < minDist.length && candidates.length < take; i++) {
    if (minDist[i]! > threshold) candidates.push(i);
  }
  // Ties at the threshold enter in row order until the pool is full.
  for (let i = 0; i < minDist.length && candidates.length < take; i++) {
    if (minDist[i] === threshold) candidates.push(i);
  }
  candidates.sort((a, b) => (precedes(minDist[a]!, a, minDist[b]!, b) ? -1 : 1));
  const rows = Int32Array.from(candidates);
  const dists = Float32Array.from(candidates, (row) => minDist[row]!);
  let tau: OrderKey | null = null;
  if (take < count) {
    const inPool = new Uint8Array(minDist.length);
    for (const row of rows) inPool[row] = 1;
    for (let i = 0; i < minDist.length; i++) {
      const dist = minDist[i]!;
      if (dist < 0 || inPool[i] === 1) continue;
      if (tau === null || precedes(dist, i, tau.dist, tau.row)) tau = { dist, row: i };
    }
  }
  return { rows, dists, tau };
}

/** The value of rank `rank` (0 = largest) in `values`; reorders `values`. */
export function nthLargest(values: Float32Array, rank: number): number {
  let lo = 0;
  let hi = values.length - 1;
  for (;;) {
    if (lo === hi) return values[lo]!;
    // Median of three as pivot keeps sorted and constant inputs linear in practice.
    const mid = (lo + hi) >>> 1;
    const a = values[lo]!;
    const b = values[mid]!;
    const c = values[hi]!;
    const pivot = a > b ? (b > c ? b : a > c ? c : a) : a > c ? a : b > c ? c : b;
    // Three-way partition: [lo, lt) > pivot, [lt, gt] == pivot, (gt, hi] < pivot.
    let lt = lo;
    let gt = hi;
    let i = lo;
    while (i <= gt) {
      const v = values[i]!;
      if (v > pivot) {
        values[i] = values[lt]!;
        values[lt++] = v;
        i++;
      } else if (v < pivot) {
        values[i] = values[gt]!;
        values[gt--] = v;
      } else {
        i++;
      }
    }
    if (rank < lt) hi = lt - 1;
    else if (rank > gt) lo = gt + 1;
    else return pivot;
  }
}
