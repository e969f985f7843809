/**
 * Cutting a list of token sequences into padded sub-batches. Padding is the main waste of batched
 * encoding (every row is as long as the batch's longest), so rows are sorted by length first and each
 * sub-batch holds texts of nearly equal length. Pure.
 */

/** Rows `order[start..end)` run together, padded to `paddedLength`. */
export interface SubBatch {
  start: number;
  end: number;
  paddedLength: number;
}

/** The run order and its sub-batches. */
export interface BatchPlan {
  /** Input positions, longest sequence first (ties in input order). */
  order: number[];
  batches: SubBatch[];
}

/**
 * Sorts by length (longest first, so a batch's first row sets its padded length) and cuts so that
 * rows × padded length ≤ `batchTokens`, with at least one row per batch.
 */
export function planBatches(lengths: readonly number[], batchTokens: number): BatchPlan {
  const order = lengths.map((_, index) => index).sort((a, b) => lengths[b]! - lengths[a]! || a - b);
  const batches: SubBatch[] = [];
  for (let start = 0; start < order.length; ) {
    const paddedLength = lengths[order[start]!]!;
    const rows = Math.max(1, Math.floor(batchTokens / Math.max(1, paddedLength)));
    const end = Math.min(order.length, start + rows);
    batches.push({ start, end, paddedLength });
    start = end;
  }
  return { order, batches };
}
