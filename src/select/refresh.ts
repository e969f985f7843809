/**
 * Passes of the greedy driver: folding the centers picked since a point's last refresh into its
 * min-distance, for the points that could matter (lazy refresh, see greedy.ts), with exact
 * triangle-inequality pruning (bounds.ts) when the kernel supports it.
 */
import { InternalError } from '../errors.js';
import type { MinDistanceKernel, TriangleSupport } from './kernel.js';
import { nearestGroups, planPrunedFold, type FoldBlock } from './bounds.js';
import { FOLD_CENTERS, REFRESH_GATHER_ROWS } from './memory-plan.js';
import { NonNegativeRanks } from './pool.js';
import type { GreedyState } from './greedy.js';
import { valuesAt } from './working-copy.js';

/** Rows per pruned block: small enough for tight center unions, large enough for a GEMM. */
const PRUNED_BLOCK_ROWS = 4_096;
/** Groups per center-center distance call. */
const CENTER_SLAB = 2_048;
/** Over the whole matrix, a pruned plan runs only when it costs less than this share of one ungathered fold. */
const PRUNE_WORTH = 0.85;

/** Adds to a counter of the state. */
function count(state: GreedyState, counter: 'evaluations' | 'rowsRead' | 'centerEvaluations', by: number): void {
  state[counter] = (state[counter] ?? 0) + by;
}

/**
 * Makes the `m` first points in greedy order exact: while a stale bound reaches the m-th largest value,
 * refreshes every stale point whose bound reaches the (2^r m)-th largest in round r (a margin that
 * doubles, so there are at most log2(n / m) rounds).
 * Then every point at or above the m-th largest value is exact, and every stale bound lies below it.
 */
export async function refreshTop(kernel: MinDistanceKernel, state: GreedyState, m: number, lazy: boolean, bounds: boolean): Promise<void> {
  const target = state.centers.length;
  if (state.folded === target) return;
  const { minDist, lag } = state;
  const refresh = (rows: Int32Array): Promise<void> => {
    const triangle = bounds ? kernel.triangle : undefined;
    return triangle === undefined ? refreshRows(kernel, state, rows, target) : refreshRowsPruned(kernel, triangle, state, rows, target);
  };
  if (!lazy) {
    const stale = staleRows(minDist, lag, target, 0);
    if (stale.length > 0) {
      await refresh(stale);
      state.passes++;
    }
    state.folded = target;
    return;
  }
  let folded = false;
  for (let widen = 2; ; widen *= 2) {
    const ranked = new NonNegativeRanks(minDist);
    const count = ranked.count;
    if (count === 0) break;
    const rank = (r: number): number => ranked.largest(Math.min(r, count) - 1);
    const exactAbove = rank(m);
    let open = false;
    for (let i = 0; i < minDist.length && !open; i++) open = lag[i]! < target && minDist[i]! >= exactAbove;
    if (!open) break;
    const stale = staleRows(minDist, lag, target, Math.max(0, rank(widen * m)));
    await refresh(stale);
    folded = true;
  }
  state.folded = target;
  if (folded) state.passes++;
}

/**
 * The points lacking some of the first `target` centers whose min-distance (bound) is at least `margin`
 * (>= 0: chosen points, at -1, never). Counted first, then filled: growing an array of up to n row
 * numbers each pass faulted in fresh memory every time (96,000 x 384: about 0.1 s of a 0.9 s greedy).
 */
function staleRows(minDist: Float32Array, lag: Int32Array, target: number, margin: number): Int32Array {
  let count = 0;
  for (let i = 0; i < minDist.length; i++) if (lag[i]! < target && minDist[i]! >= margin) count++;
  const rows = new Int32Array(count);
  for (let i = 0, at = 0; at < count; i++) if (lag[i]! < target && minDist[i]! >= margin) rows[at++] = i;
  return rows;
}

/**
 * Folds into each of `rows` the centers it lacks. When they are most of the points, one fold over the
 * whole matrix (no gather) from the oldest lag is cheaper; otherwise rows are gathered in blocks, grouped
 * by lag. Folding a center a point already has changes nothing, so `lag` only ever moves forward.
 */
async function refreshRows(kernel: MinDistanceKernel, state: GreedyState, rows: Int32Array, target: number, keepNearest = false): Promise<void> {
  const { minDist, lag, centers } = state;
  const nearest = keepNearest ? (state.nearest ??= new Int32Array(minDist.length).fill(-1)) : undefined;
  /** `rowOf(j)`: the point of `values[j]`. */
  const foldAll = async (sub: MinDistanceKernel, values: Float32Array, from: number, rowOf: (j: number) => number): Promise<void> => {
    for (let c = from; c < target; c += FOLD_CENTERS) {
      const chunk = Int32Array.from(centers.slice(c, Math.min(c + FOLD_CENTERS, target)));
      if (nearest === undefined) await sub.foldCenters(chunk, values);
      else {
        const triangle = sub.triangle;
        if (triangle === undefined) throw new InternalError('a subset of a kernel with triangle support has none');
        const local = new Int32Array(values.length).fill(-1);
        await triangle.foldNearest(chunk, values, local);
        for (let j = 0; j < local.length; j++) if (local[j]! >= 0) nearest[rowOf(j)] = c + local[j]!;
      }
      count(state, 'rowsRead', values.length);
    }
    count(state, 'evaluations', values.length * (target - from));
  };
  if (rows.length * 2 >= minDist.length) {
    let from = target;
    for (const row of rows) from = Math.min(from, lag[row]!);
    await foldAll(kernel, minDist, from, (j) => j);
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
    for (let at = 0; at < group.length; at += REFRESH_GATHER_ROWS) {
      const chunk = Int32Array.from(group.slice(at, at + REFRESH_GATHER_ROWS));
      const values = valuesAt(minDist, chunk);
      const sub = kernel.subset(chunk);
      try {
        await foldAll(sub, values, from, (j) => chunk[j]!);
      } finally {
        sub.dispose?.();
      }
      for (let j = 0; j < chunk.length; j++) {
        minDist[chunk[j]!] = values[j]!;
        lag[chunk[j]!] = target;
      }
    }
  }
}

/**
 * {@link refreshRows} with triangle-inequality pruning: center chunk by center chunk, plans which rows
 * need which new centers (bounds.ts) and folds only those, keeping each point's nearest center. When
 * the plan would save little, the chunk is folded unpruned (still recording nearest centers).
 */
async function refreshRowsPruned(kernel: MinDistanceKernel, triangle: TriangleSupport, state: GreedyState, rows: Int32Array, target: number): Promise<void> {
  // Planning costs center-center distances: after a plan that saved too little, wait until the
  // centers have doubled (radii shrink, so bounds start to pay) before trying again, folding the
  // usual way meanwhile (still keeping nearest centers).
  if (state.pruneRetryAt !== undefined && target < state.pruneRetryAt) return refreshRows(kernel, state, rows, target, true);
  const { minDist, lag, centers } = state;
  const n = minDist.length;
  const nearest = (state.nearest ??= new Int32Array(n).fill(-1));
  const whole = rows.length * 2 >= n;
  let from = target;
  for (const row of rows) from = Math.min(from, lag[row]!);
  for (let c0 = from; c0 < target; c0 += FOLD_CENTERS) {
    const c1 = Math.min(c0 + FOLD_CENTERS, target);
    const chunkCenters = Int32Array.from(centers.slice(c0, c1));
    const chunk = chunkCenters.length;
    // Rows lacking some of this chunk's centers; an exact duplicate of a center (0) can never improve.
    const active: number[] = [];
    if (whole) {
      for (let i = 0; i < n; i++) if (lag[i]! >= from && lag[i]! < c1 && minDist[i]! > 0) active.push(i);
    } else {
      for (const row of rows) if (lag[row]! < c1 && minDist[row]! > 0) active.push(row);
    }
    const activeRows = Int32Array.from(active);
    let unpruned = 0;
    for (const row of activeRows) unpruned += c1 - Math.max(c0, lag[row]!);
    const tryPruning = state.pruneRetryAt === undefined || target >= state.pruneRetryAt;
    const groups = tryPruning ? nearestGroups(activeRows, nearest) : new Int32Array(0);
    let distances: Float32Array = new Float32Array(0);
    if (groups.length > 0) {
      // In slabs of groups, so the kernel's intermediates stay small; the whole table is |groups| x chunk.
      distances = new Float32Array(groups.length * chunk);
      for (let g = 0; g < groups.length; g += CENTER_SLAB) {
        const slab = groups.subarray(g, g + CENTER_SLAB);
        distances.set(await triangle.centerDistances(Int32Array.from(slab, (a) => centers[a]!), chunkCenters), g * chunk);
      }
      count(state, 'centerEvaluations', groups.length * chunk);
    }
    const plan = planPrunedFold({ rows: activeRows, minDist, nearest, lag, first: c0, chunk, groups, centerDistances: distances, distanceError: triangle.distanceError, blockRows: PRUNED_BLOCK_ROWS });
    if (tryPruning) {
      if (plan.evaluations >= PRUNE_WORTH * unpruned) state.pruneRetryAt = 2 * target;
      else delete state.pruneRetryAt;
    }
    if (whole && plan.evaluations >= PRUNE_WORTH * n * chunk) {
      // Pruning saves too little here: one fold over the whole matrix, no gather.
      const local = new Int32Array(n).fill(-1);
      await triangle.foldNearest(chunkCenters, minDist, local);
      for (let i = 0; i < n; i++) if (local[i]! >= 0) nearest[i] = c0 + local[i]!;
      count(state, 'evaluations', n * chunk);
      count(state, 'rowsRead', n);
      continue;
    }
    const blocks = plan.blocks;
    for (const block of blocks) await foldBlock(kernel, triangle, state, block, chunkCenters, c0);
  }
  if (whole) {
    for (let i = 0; i < n; i++) if (lag[i]! >= from) lag[i] = target;
  } else {
    for (const row of rows) lag[row] = target;
  }
}

/** Folds one block: its rows (gathered) against its centers of the chunk starting at ordinal `c0`. */
async function foldBlock(kernel: MinDistanceKernel, triangle: TriangleSupport, state: GreedyState, block: FoldBlock, chunkCenters: Int32Array, c0: number): Promise<void> {
  const { minDist } = state;
  const nearest = state.nearest!;
  const subset = kernel.subset(block.rows);
  const sub = subset.triangle;
  if (sub === undefined) throw new InternalError(`a subset of a kernel with triangle support (error bound ${triangle.distanceError}) has none`);
  const values = valuesAt(minDist, block.rows);
  const local = new Int32Array(block.rows.length).fill(-1);
  try {
    await sub.foldNearest(Int32Array.from(block.centers, (c) => chunkCenters[c]!), values, local);
  } finally {
    subset.dispose?.();
  }
  block.rows.forEach((row, j) => {
    minDist[row] = values[j]!;
    if (local[j]! >= 0) nearest[row] = c0 + block.centers[local[j]!]!;
  });
  count(state, 'evaluations', block.rows.length * block.centers.length);
  count(state, 'rowsRead', block.rows.length);
}
