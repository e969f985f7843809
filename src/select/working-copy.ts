/**
 * The matrix selection computes on: n x d, row-major, float32 or float16, with its precision carried
 * beside the values, so no code has to guess it from the array's class.
 */
import { halfToFloat } from '../store/matrix.js';
import type { Precision } from './options.js';

/** A row-major working copy: float32 values, or float16 as raw IEEE half bits (half the memory). */
export type WorkingCopy =
  | { readonly precision: 'fp32'; readonly values: Float32Array }
  | { readonly precision: 'fp16'; readonly values: Uint16Array };

/** A zeroed working copy of `length` values. */
export function emptyWorkingCopy(precision: Precision, length: number): WorkingCopy {
  return precision === 'fp16' ? { precision, values: new Uint16Array(length) } : { precision, values: new Float32Array(length) };
}

/** A float32 working copy over `values` (no copy). */
export function float32Copy(values: Float32Array): WorkingCopy {
  return { precision: 'fp32', values };
}


/** Squared norms of every row (of the stored values), accumulated in float64. */
export function rowNorms(copy: WorkingCopy, d: number): Float32Array {
  const n = copy.values.length / d;
  const norms = new Float32Array(n);
  const value = copy.precision === 'fp32' ? (j: number) => copy.values[j]! : (j: number) => halfToFloat(copy.values[j]!);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let j = i * d; j < (i + 1) * d; j++) sum += value(j) * value(j);
    norms[i] = sum;
  }
  return norms;
}

/** `values[rows[j]]` for every j: one value per row (a plain loop, several times faster than `Float32Array.from` with a callback). */
export function valuesAt(values: Float32Array, rows: ArrayLike<number>): Float32Array {
  const out = new Float32Array(rows.length);
  for (let j = 0; j < rows.length; j++) out[j] = values[rows[j]!]!;
  return out;
}

/** Rows of a working copy as float32 (float16 rows are widened exactly), into `into` when given (its first rows x d values). */
export function gatherRows(from: WorkingCopy, d: number, rows: ArrayLike<number>, into?: Float32Array): Float32Array {
  const out = into === undefined ? new Float32Array(rows.length * d) : into.subarray(0, rows.length * d);
  for (let j = 0; j < rows.length; j++) {
    const at = rows[j]! * d;
    if (from.precision === 'fp32') out.set(from.values.subarray(at, at + d), j * d);
    else for (let k = 0; k < d; k++) out[j * d + k] = halfToFloat(from.values[at + k]!);
  }
  return out;
}
