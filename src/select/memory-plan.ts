/**
 * Whether a selection holds its matrix in memory or streams it from disk, under a memory budget. Pure:
 * the estimates below are what the run allocates for its data (Node and onnxruntime's own ~150 MB come
 * on top, outside the budget).
 *
 * - Per point, always: min-distance bound, lag and squared norm (4 bytes each), row id (8), and the
 *   scratch of a pass's order statistics and pool building (about 24): {@link BYTES_PER_POINT}.
 * - The candidate pool: its rows gathered as float32, twice over (the gather and the GEMM's input).
 * - A fold works on a block of rows times up to {@link FOLD_CENTERS} centers: the block widened to
 *   float32 and its distance matrix (4 bytes per center); streaming adds two blocks as stored (one being
 *   read while the other is folded).
 * - Streaming keeps one buffer for the gathers' reads ({@link gatherSpanBytes}).
 * - Lazy refresh (large n x d) gathers up to {@link REFRESH_GATHER_ROWS} stale rows as float32, and so
 *   does the random baseline (its candidates, block by block): one such gather at a time.
 */
import type { Precision } from './options.js';

/** Bytes of per-point state a run keeps, matrix aside. */
export const BYTES_PER_POINT = 48;
/**
 * Centers folded per GEMM call by a refresh (`refresh.ts` folds in chunks of this many, which bounds a
 * fold's distance matrix). The random baseline (`baseline.ts`) chunks its folds its own way, not by this.
 */
export const FOLD_CENTERS = 2_048;
/** Stale rows gathered per refresh step (`refresh.ts` gathers them in blocks of this many). */
export const REFRESH_GATHER_ROWS = 65_536;
/** Rows one gather from disk reads at most at once (`disk-rows.ts`), up to {@link GATHER_SPAN_MAX_BYTES}. */
export const GATHER_SPAN_ROWS = 256;
export const GATHER_SPAN_MAX_BYTES = 1 << 20;

/** The buffer a streamed run keeps for its gathers' reads, for rows of `rowBytes` bytes. */
export function gatherSpanBytes(rowBytes: number): number {
  return Math.max(rowBytes, Math.min(GATHER_SPAN_MAX_BYTES, GATHER_SPAN_ROWS * rowBytes));
}
/** Rows per GEMM block when nothing limits it (the in-memory kernel's default, `onnx-kernel.ts`). */
export const DEFAULT_BLOCK_ROWS = 8_192;

/** What a plan is computed from. */
export interface MemoryPlanInput {
  n: number;
  d: number;
  /** Precision of the working copy (and of the disk copy when streaming). */
  precision: Precision;
  /** Bytes allowed. */
  budget: number;
  /** Candidate pool size M. */
  poolSize: number;
  /** Whether the greedy refreshes lazily (it then gathers stale rows). */
  lazy: boolean;
  /** Whether the random baseline runs (it gathers its candidate rows, in the same blocks). */
  baseline: boolean;
}

/** How the rows reach the kernel. */
export type MemoryPlan =
  | { mode: 'memory'; estimate: number }
  | { mode: 'stream'; estimate: number; blockRows: number }
  | { mode: 'too-small'; minimum: number };

/** Bytes of one stored value. */
export function bytesPerValue(precision: Precision): 2 | 4 {
  return precision === 'fp16' ? 2 : 4;
}

/** Bytes the data takes besides the matrix and the fold blocks. */
function fixedBytes({ n, d, poolSize, lazy, baseline }: MemoryPlanInput): number {
  return n * BYTES_PER_POINT + 2 * Math.min(poolSize, n) * d * 4 + (lazy || baseline ? Math.min(n, REFRESH_GATHER_ROWS) * d * 4 : 0);
}

/** Bytes a fold needs per block row: float32 row, a distance per center, and (streaming) two stored rows. */
function bytesPerBlockRow(d: number, precision: Precision, streamed: boolean): number {
  return d * 4 + FOLD_CENTERS * 4 + (streamed ? 2 * d * bytesPerValue(precision) : 0);
}

/**
 * The matrix in memory when it fits with everything else; otherwise streamed in the largest blocks
 * (up to {@link DEFAULT_BLOCK_ROWS} rows) the budget leaves room for; `too-small` with the least
 * budget that can stream (blocks of one row) when even that does not fit.
 */
export function planMemory(input: MemoryPlanInput): MemoryPlan {
  const { n, d, precision, budget } = input;
  const fixed = fixedBytes(input);
  const inMemory = fixed + n * d * bytesPerValue(precision) + Math.min(n, DEFAULT_BLOCK_ROWS) * bytesPerBlockRow(d, precision, false);
  if (inMemory <= budget) return { mode: 'memory', estimate: inMemory };
  const perRow = bytesPerBlockRow(d, precision, true);
  const streamFixed = fixed + gatherSpanBytes(d * bytesPerValue(precision));
  const minimum = streamFixed + perRow;
  if (minimum > budget) return { mode: 'too-small', minimum };
  const blockRows = Math.min(DEFAULT_BLOCK_ROWS, n, Math.floor((budget - streamFixed) / perRow));
  return { mode: 'stream', estimate: streamFixed + blockRows * perRow, blockRows };
}
