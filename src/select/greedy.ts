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
import { buildPool, precedes, type CandidatePool } from './pool.js';
import { refreshTop } from './refresh.js';

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
  /** Distances computed inside candidate pools (pool size per pick). */
  poolEvaluations?: number;
  /** Center-to-center distances computed for triangle-inequality pruning. */
  centerEvaluations?: number;
  /** Rows read by folds (a row read once per fold call it takes part in): times d x bytes per value, the bytes passes read. */
  rowsRead?: number;
  /**
   * Per point: ordinal in `centers` of the center its `minDist` comes from, or -1 when unknown;
   * kept only with triangle-inequality pruning (absent otherwise, or in a checkpoint from before it).
   */
  nearest?: Int32Array;
  /** Triangle-inequality pruning saved too little last time: fold unpruned until this many centers. */
  pruneRetryAt?: number;
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
  /**
   * Exact triangle-inequality pruning of folds (bounds.ts), when the kernel offers it: same picks,
   * fewer distance evaluations where points sit much closer to their nearest center than centers to
   * each other (clustered data, duplicates); on Gaussian and real-code embeddings it skips almost
   * nothing and costs time, hence off unless asked.
   * @default false
   */
  bounds?: boolean | undefined;
}

/** Whether lazy refresh pays for an n x d matrix: measured 2.2x faster at 1,000,000 x 768, 20% slower at 100,000 x 384. */
export function lazyPays(n: number, d: number): boolean {
  return n * d >= 2 ** 27;
}

/** What the driver reports as it goes. */
export type GreedyEvent =
  | { kind: 'pass'; state: GreedyState }
  | { kind: 'picks'; picked: number; radius: number };

/**
 * The default pool size for n points: 4√n (at least 256, at most n), halved where lazy refresh runs over
 * rows in memory. A larger pool means fewer passes but a lower bar for refreshing, so more points
 * refreshed per pass. Where a pass folds every point (small inputs) or reads the whole file (streamed
 * from disk), fewer passes win; with lazy refresh in memory, 2√n does less work (measured, same picks:
 * L 2,000,000 x 768, k = 20,000: 0.081 n·k distance evaluations vs 0.101 at 4√n, 22 passes vs 18;
 * 1,000,000 x 768, k = 5,000: 0.059 vs 0.070, greedy 7.1 s vs 9.6 s).
 */
export function defaultPoolSize(n: number, lazyInMemory = false): number {
  return Math.min(n, Math.max(256, Math.ceil((lazyInMemory ? 2 : 4) * Math.sqrt(n))));
}

/** A fresh state: no center folded yet. */
export function initialState(n: number, options: GreedyOptions): GreedyState {
  const seeds = [...(options.seeds ?? [])];
  const minDist = new Float32Array(n).fill(Infinity);
  const state: GreedyState = { centers: seeds, seeds: seeds.length, radii: [], minDist, lag: new Int32Array(n), folded: 0, passes: 0, evaluations: 0, poolEvaluations: 0, centerEvaluations: 0, rowsRead: 0 };
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
      await refreshTop(kernel, state, 1, options.lazy ?? true, options.bounds ?? false);
      yield { kind: 'pass', state };
      return state;
    }
    await refreshTop(kernel, state, poolSize, options.lazy ?? true, options.bounds ?? false);
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
    state.poolEvaluations = (state.poolEvaluations ?? 0) + rows.length;
    for (let j = 0; j < rows.length; j++) if (update[j]! < dists[j]!) dists[j] = update[j]!;
  }
}
