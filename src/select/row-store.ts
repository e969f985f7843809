/**
 * Where a kernel's rows come from: a working copy in memory, or a file read block by block each pass
 * (`disk-rows.ts`). The kernel asks for two things only: every row once, in consecutive blocks (a
 * pass), and float32 copies of a few chosen rows (centers, a pool, stale rows).
 */
import type { Precision } from './options.js';
import { gatherRows, type WorkingCopy } from './working-copy.js';

/** The rows of an n x d matrix, as a kernel reads them. */
export interface RowStore {
  readonly n: number;
  readonly d: number;
  /** Precision of the blocks {@link forEachBlock} hands out. */
  readonly precision: Precision;
  /**
   * Visits rows `[start, start + block rows)` in order, blocks of at most `blockRows` rows. A block's
   * values are valid only until `visit`'s promise settles (a disk store reuses its buffers).
   */
  forEachBlock(blockRows: number, visit: (start: number, block: WorkingCopy) => Promise<void>): Promise<void>;
  /** Float32 copies of `rows` (float16 values widened exactly), row-major; written into `into` when given (at least rows x d values). */
  gather(rows: ArrayLike<number>, into?: Float32Array): Float32Array;
  /** The whole matrix, when the store holds it in memory: a kernel may then read chosen rows in place instead of gathering copies. */
  readonly whole?: WorkingCopy;
}

/** A {@link RowStore} over a working copy in memory (blocks are views, no copy). */
export function memoryRows(copy: WorkingCopy, d: number): RowStore {
  const n = copy.values.length / d;
  return {
    n,
    d,
    precision: copy.precision,
    async forEachBlock(blockRows, visit) {
      for (let start = 0; start < n; start += blockRows) {
        const end = Math.min(start + blockRows, n);
        const block: WorkingCopy = copy.precision === 'fp32'
          ? { precision: 'fp32', values: copy.values.subarray(start * d, end * d) }
          : { precision: 'fp16', values: copy.values.subarray(start * d, end * d) };
        await visit(start, block);
      }
    },
    gather: (rows, into) => gatherRows(copy, d, rows, into),
    whole: copy,
  };
}
