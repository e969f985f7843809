/**
 * Candidate pools: the M points that come first in greedy order (larger min-distance first, lower
 * row index first among equals), and the key of the best point left outside (tau).
 */
import { valuesAt } from './working-copy.js';

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
  // Threshold: the size-th largest value.
  const ranked = new NonNegativeRanks(minDist);
  const count = ranked.count;
  if (count === 0) return { rows: new Int32Array(0), dists: new Float32Array(0), tau: null };
  const take = Math.min(size, count);
  const threshold = ranked.largest(take - 1);
  for (let i = 0; i < minDist.length && candidates.length < take; i++) {
    if (minDist[i]! > threshold) candidates.push(i);
  }
  // Ties at the threshold enter in row order until the pool is full.
  for (let i = 0; i < minDist.length && candidates.length < take; i++) {
    if (minDist[i] === threshold) candidates.push(i);
  }
  candidates.sort((a, b) => (precedes(minDist[a]!, a, minDist[b]!, b) ? -1 : 1));
  const rows = Int32Array.from(candidates);
  const dists = valuesAt(minDist, candidates);
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

/** Buckets of {@link NonNegativeRanks}: a float32's top 16 bits (sign, exponent, 7 mantissa bits). */
const RANK_BUCKETS = 1 << 16;
/** The bits of -0, counted as 0. */
const NEGATIVE_ZERO = 0x8000_0000;

/**
 * Order statistics of the non-negative entries of a float32 array (min-distances: chosen centers are
 * negative), without copying or reordering it: one pass builds a histogram of the values' top 16 bits
 * (non-negative floats order as their bit patterns do), then a rank's bucket is found by walking the
 * histogram and the value chosen among that bucket's entries only. A few O(n) passes of integer work
 * instead of a quickselect over a copy per rank.
 */
export class NonNegativeRanks {
  /** How many entries are non-negative. */
  readonly count: number;
  private readonly bits: Uint32Array;
  private readonly histogram = new Int32Array(RANK_BUCKETS);

  /** `values` must not change while this is used. */
  constructor(private readonly values: Float32Array) {
    this.bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
    const { bits, histogram } = this;
    let count = 0;
    for (let i = 0; i < bits.length; i++) {
      const b = bits[i]!;
      if (b < NEGATIVE_ZERO) {
        histogram[b >>> 16]!++;
        count++;
      } else if (b === NEGATIVE_ZERO) {
        histogram[0]!++;
        count++;
      }
    }
    this.count = count;
  }

  /** The value of rank `rank` (0 = largest) among the non-negative entries; `rank` must be below {@link count}. */
  largest(rank: number): number {
    if (!Number.isInteger(rank) || rank < 0 || rank >= this.count) throw new RangeError(`rank ${rank} is outside 0..${this.count - 1}`);
    const { bits, histogram } = this;
    // From the largest non-negative bucket down (buckets with the sign bit set hold nothing counted).
    let bucket = (RANK_BUCKETS >>> 1) - 1;
    let above = 0;
    while (above + histogram[bucket]! <= rank) above += histogram[bucket--]!;
    const members = new Float32Array(histogram[bucket]!);
    let at = 0;
    for (let i = 0; i < bits.length; i++) {
      const b = bits[i]!;
      if (b >>> 16 === bucket || (bucket === 0 && b === NEGATIVE_ZERO)) members[at++] = b === NEGATIVE_ZERO ? 0 : this.values[i]!;
    }
    return nthLargest(members, rank - above);
  }
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
