/**
 * Exact k-center greedy (farthest-first traversal) with far fewer full passes than one per pick.
 *
 * Min-distances only shrink as centers are added. After a full pass (all centers folded into every
 * point), the M points first in greedy order form a candidate pool, and tau is the first point outside
 * it. Greedy then runs inside the pool, updating only pool points against each new center, for as long
 * as the pool's best still comes before tau in greedy order: outside points can only have moved down,
 * so that pick is exactly the global one. When the pool runs dry, every center picked since the last
 * full pass is folded into all points in one batched pass (`MinDistanceKernel.foldCenters`), which a
 * GEMM or GPU kernel runs at matrix-multiply speed instead of one memory-bound pass per pick.
 *
 * Lazy refresh: a pass does not fold the new centers into every point. Min-distances are kept as upper
 * bounds with, per point, how many centers they include (`lag`); a pass refreshes only the points whose
 * bound could put them among the pool's M, widening until no stale bound reaches the M-th exact value.
 * Points far from the frontier (most of them, after the first passes) are left stale: a stale bound
 * standing in for tau can only make the pool stop early, never pick wrong.
 *
 * Greedy order: larger squared min-distance first; among equal distances, the lower row index.
 * Points already chosen are marked with min-distance -1 and are never picked again.
 */
import { InternalError } from '../errors.js';
import type { MinDistanceKernel } from './kernel.js';
import { buildPool, nthLargest, precedes, type CandidatePool } from './pool.js';

/** Where a run stands; consistent (and checkpointable) whenever {@link GreedyEvent} `pass` is yielded. */
export interface GreedyState {
  /** Centers given up front (warm start), then the picks. */
  centers: number[];
  /** How many of `centers` were given up front. */
  seeds: number;
  /** Squared min-distance of each pick when it was picked (Infinity for a first pick with no centers). */
  radii: number[];
  /**
   * Per point: squared distance to the nearest of `centers[0..lag[i])` (an upper bound of its distance
   * to all centers); -1 for chosen points.
   */
  minDist: Float32Array;
  /** Per point: how many leading `centers` are folded into its `minDist`. */
  lag: Int32Array;
  /** Centers when the last pass ended (every point that could matter had them all). */
  folded: number;
  /** Passes (refresh rounds) run so far. */
  passes: number;
  /** Point-center distances computed in passes so far (a full pass per pick would be n per center). */
  evaluations?: number;
}

/** Options of {@link kCenterGreedy}. */
export interface GreedyOptions {
  /** Number of new centers to pick. */
  k: number;
  /** First center when there are no seeds. */
  first?: number | undefined;
  /** Rows already selected (warm start). */
  seeds?: readonly number[] | undefined;
  /** Candidate pool size M (the caller picks it: {@link defaultPoolSize} is the usual one). */
  poolSize: number;
  /**
   * Lazy refresh: a pass folds new centers only into points that could reach the pool (see above).
   * Same picks; it pays when passes are GEMM-bound (large n x d), and costs a few O(n) scans per pass.
   * @default true
   */
  lazy?: boolean | undefined;
}

/** Whether lazy refresh pays for an n x d matrix: measured 2.2x faster at 1,000,000 x 768, 20% slower at 100,000 x 384. */
export function lazyPays(n: number, d: number): boolean {
  return n * d >= 2 ** 27;
}

/** What the driver reports as it goes. */
export type GreedyEvent =
  | { kind: 'pass'; state: GreedyState }
  | { kind: 'picks'; picked: number; radius: number };

/** The default pool size for n points. */
export function defaultPoolSize(n: number): number {
  return Math.min(n, Math.max(256, Math.ceil(4 * Math.sqrt(n))));
}

/** A fresh state: no center folded yet. */
export function initialState(n: number, options: GreedyOptions): GreedyState {
  const seeds = [...(options.seeds ?? [])];
  const minDist = new Float32Array(n).fill(Infinity);
  const state: GreedyState = { centers: seeds, seeds: seeds.length, radii: [], minDist, lag: new Int32Array(n), folded: 0, passes: 0, evaluations: 0 };
  for (const row of seeds) minDist[row] = -1;
  if (seeds.length === 0 && options.k > 0) {
    if (options.first === undefined) throw new RangeError('options.first is required when there are no seeds');
    state.centers.push(options.first);
    state.radii.push(Infinity);
    minDist[options.first] = -1;
  }
  return state;
}

/**
 * Runs greedy until `options.k` new centers are picked (or every point is a center), resuming from
 * `state` when given (a state yielded with a `pass` event, e.g. from a checkpoint). The final state
 * has every center folded, so its largest min-distance is the covering radius.
 */
export async function* kCenterGreedy(
  kernel: MinDistanceKernel,
  options: GreedyOptions,
  state: GreedyState = initialState(kernel.n, options),
): AsyncGenerator<GreedyEvent, GreedyState, undefined> {
  const { poolSize } = options;
  // Users' values are checked by resolveSelectOptions; reaching here with a bad one is a bug.
  if (!Number.isInteger(poolSize) || poolSize < 1) throw new InternalError(`k-center greedy was given pool size ${poolSize}; it must be a positive integer`);
  const picked = (): number => state.centers.length - state.seeds;
  for (;;) {
    if (picked() >= options.k) {
      // The covering radius needs the largest exact min-distance: refresh until it is exact.
      await refreshTop(kernel, state, 1, options.lazy ?? true);
      yield { kind: 'pass', state };
      return state;
    }
    await refreshTop(kernel, state, poolSize, options.lazy ?? true);
    yield { kind: 'pass', state };
    const pool = buildPool(state.minDist, poolSize);
    if (pool.rows.length === 0) return state; // every point is a center
    const before = picked();
    await pickFromPool(kernel, state, pool, options.k);
    // Right after a full pass the pool's first point is the global first, so a round always picks.
    if (picked() === before) throw new InternalError('k-center greedy made no progress after a full pass (pool order disagrees with tau)');
    yield { kind: 'picks', picked: picked() - before, radius: state.radii.at(-1)! };
  }
}

/** Greedy inside the pool while its best provably beats every point outside. */
async function pickFromPool(kernel: MinDistanceKernel, state: GreedyState, pool: CandidatePool, k: number): Promise<void> {
  const { rows, dists, tau } = pool;
  const queries = kernel.openPool(rows);
  const update = new Float32Array(rows.length);
  const open = new Uint8Array(rows.length).fill(1);
  while (state.centers.length - state.seeds < k) {
    let best = -1;
    for (let j = 0; j < rows.length; j++) {
      if (open[j] === 1 && (best === -1 || precedes(dists[j]!, rows[j]!, dists[best]!, rows[best]!))) best = j;
    }
    if (best === -1) return;
    if (tau !== null && !precedes(dists[best]!, rows[best]!, tau.dist, tau.row)) return;
    const row = rows[best]!;
    state.centers.push(row);
    state.radii.push(dists[best]!);
    state.minDist[row] = -1;
    open[best] = 0;
    await queries.distancesTo(row, update);
    for (let j = 0; j < rows.length; j++) if (update[j]! < dists[j]!) dists[j] = update[j]!;
  }
}

/** Rows refreshed per gathered block, and centers per fold: bound the memory of one refresh step. */
const REFRESH_ROWS = 65_536;
const REFRESH_CENTERS = 2_048;

/**
 * Makes the `m` first points in greedy order exact: while a stale bound reaches the m-th largest value,
 * refreshes every stale point whose bound reaches the (2^r m)-th largest in round r (a margin that
 * doubles, so there are at most log2(n / m) rounds).
 * Then every point at or above the m-th largest value is exact, and every stale bound lies below it.
 */
async function refreshTop(kernel: MinDistanceKernel, state: GreedyState, m: number, lazy: boolean): Promise<void> {
  const target = state.centers.length;
  if (state.folded === target) return;
  const { minDist, lag } = state;
  if (!lazy) {
    const stale: number[] = [];
    for (let i = 0; i < minDist.length; i++) if (lag[i]! < target && minDist[i]! >= 0) stale.push(i);
    if (stale.length > 0) {
      await refreshRows(kernel, state, stale, target);
      state.passes++;
    }
    state.folded = target;
    return;
  }
  const values = new Float32Array(minDist.length);
  let folded = false;
  for (let widen = 2; ; widen *= 2) {
    let count = 0;
    for (const value of minDist) if (value >= 0) values[count++] = value;
    if (count === 0) break;
    const rank = (r: number): number => nthLargest(values.subarray(0, count), Math.min(r, count) - 1);
    const exactAbove = rank(m);
    let open = false;
    for (let i = 0; i < minDist.length && !open; i++) open = lag[i]! < target && minDist[i]! >= exactAbove;
    if (!open) break;
    const margin = rank(widen * m);
    const stale: number[] = [];
    for (let i = 0; i < minDist.length; i++) if (lag[i]! < target && minDist[i]! >= 0 && minDist[i]! >= margin) stale.push(i);
    await refreshRows(kernel, state, stale, target);
    folded = true;
  }
  state.folded = target;
  if (folded) state.passes++;
}

/**
 * Folds into each of `rows` the centers it lacks. When they are most of the points, one fold over the
 * whole matrix (no gather) from the oldest lag is cheaper; otherwise rows are gathered in blocks, grouped
 * by lag. Folding a center a point already has changes nothing, so `lag` only ever moves forward.
 */
async function refreshRows(kernel: MinDistanceKernel, state: GreedyState, rows: readonly number[], target: number): Promise<void> {
  const { minDist, lag, centers } = state;
  const foldAll = async (sub: MinDistanceKernel, values: Float32Array, from: number): Promise<void> => {
    for (let c = from; c < target; c += REFRESH_CENTERS) {
      await sub.foldCenters(Int32Array.from(centers.slice(c, Math.min(c + REFRESH_CENTERS, target))), values);
    }
    state.evaluations = (state.evaluations ?? 0) + (values.length * (target - from));
  };
  if (rows.length * 2 >= minDist.length) {
    let from = target;
    for (const row of rows) from = Math.min(from, lag[row]!);
    await foldAll(kernel, minDist, from);
    for (let i = 0; i < lag.length; i++) if (lag[i]! >= from) lag[i] = target;
    return;
  }
  const groups = new Map<number, number[]>();
  for (const row of rows) {
    const from = lag[row]!;
    const group = groups.get(from);
    if (group === undefined) groups.set(from, [row]);
    else group.push(row);
  }
  for (const [from, group] of groups) {
    for (let at = 0; at < group.length; at += REFRESH_ROWS) {
      const chunk = Int32Array.from(group.slice(at, at + REFRESH_ROWS));
      const values = Float32Array.from(chunk, (row) => minDist[row]!);
      await foldAll(kernel.subset(chunk), values, from);
      chunk.forEach((row, j) => {
        minDist[row] = values[j]!;
        lag[row] = target;
      });
    }
  }
}
