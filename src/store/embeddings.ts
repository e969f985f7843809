/**
 * Embedding columns: `FixedSizeList<Float32>` or `FixedSizeList<Float16>`. Later stages read them as
 * one flat typed array per record batch, without copying (Float16 values are raw IEEE half bits in a Uint16Array).
 */
import type { Data, Vector } from 'apache-arrow';
import { DataType, Field, FixedSizeList, Float16, Float32, Precision, Type, makeData } from './arrow.js';
import { InternalError, TidepoolError } from '../errors.js';
import { halfToFloat } from './matrix.js';

/** Storage precision of an embedding column. */
export type EmbeddingPrecision = 'fp32' | 'fp16';

/** Row-major embedding values with the precision they are stored in: float32, or float16 as raw half bits. */
export type EmbeddingValues = { precision: 'fp32'; values: Float32Array } | { precision: 'fp16'; values: Uint16Array };

/** A row-major matrix view over an embedding column's buffer (`rows * dim` values; a view, not a copy). */
export type EmbeddingMatrix = EmbeddingValues & {
  /** Number of rows. */
  rows: number;
  /** Values per row. */
  dim: number;
};

/**
 * Values read from a file whose header or schema says `precision`, with that precision attached. A
 * reader hands out a plain union of arrays; an array class that disagrees with the declared precision
 * is a bug in the reader, not in the user's file.
 */
export function declaredValues(precision: EmbeddingPrecision, values: Float32Array | Uint16Array): EmbeddingValues {
  if (precision === 'fp32' && values instanceof Float32Array) return { precision, values };
  if (precision === 'fp16' && values instanceof Uint16Array) return { precision, values };
  throw new InternalError(`values declared ${precision} arrived as a ${values.constructor.name}`);
}

/** Copies `rows` rows of `dim` values from row `from` of `source` into `out` at row `at`, as float32 (float16 widened exactly). */
export function copyRowsAsFloat32(source: EmbeddingValues, dim: number, from: number, rows: number, out: Float32Array, at: number): void {
  const start = from * dim;
  const end = start + rows * dim;
  if (source.precision === 'fp32') {
    out.set(source.values.subarray(start, end), at * dim);
    return;
  }
  const { values } = source;
  for (let j = start, k = at * dim; j < end; j++, k++) out[k] = halfToFloat(values[j]!);
}

/** The Arrow type of an embedding column. */
export function embeddingType(dim: number, precision: EmbeddingPrecision): FixedSizeList<Float32 | Float16> {
  const child = new Field('item', precision === 'fp32' ? new Float32() : new Float16(), false);
  return new FixedSizeList(dim, child);
}

/** Wraps a flat row-major array as embedding column data (no copy). */
export function embeddingData({ precision, values }: EmbeddingValues, dim: number): Data<FixedSizeList<Float32 | Float16>> {
  if (!Number.isInteger(dim) || dim <= 0 || values.length % dim !== 0) {
    throw new TidepoolError('E_SCHEMA', `embedding values (${values.length}) are not a whole number of rows of dim ${dim}`);
  }
  const type = embeddingType(dim, precision);
  const rows = values.length / dim;
  const child = makeData({ type: type.children[0]!.type, length: values.length, nullCount: 0, data: values });
  return makeData({ type, length: rows, nullCount: 0, child });
}

/**
 * Returns a zero-copy matrix view of an embedding column chunk. Throws `E_SCHEMA` naming the column
 * when it is not `FixedSizeList<Float32|Float16>` or has nulls.
 */
export function embeddingMatrix(column: Vector, columnName = 'embedding'): EmbeddingMatrix {
  const type = column.type as DataType;
  if (!DataType.isFixedSizeList(type)) {
    throw new TidepoolError('E_SCHEMA', `column "${columnName}" has type ${String(column.type)}; expected FixedSizeList<Float32> or FixedSizeList<Float16>`);
  }
  const childType = type.children[0]?.type as DataType | undefined;
  // Compare by type id and precision: types read back from a file are plain `Float`, not `Float32`.
  const precision: EmbeddingPrecision | undefined = !DataType.isFloat(childType)
    ? undefined
    : childType.precision === Precision.SINGLE ? 'fp32' : childType.precision === Precision.HALF ? 'fp16' : undefined;
  if (precision === undefined) {
    throw new TidepoolError('E_SCHEMA', `column "${columnName}" holds ${childType === undefined ? 'nothing' : Type[childType.typeId]}; expected Float32 or Float16 values`);
  }
  if (column.data.length !== 1) {
    throw new TidepoolError('E_SCHEMA', `column "${columnName}" spans ${column.data.length} chunks; pass one record batch's column`);
  }
  const data = column.data[0]!;
  if (data.nullCount > 0) {
    throw new TidepoolError('E_SCHEMA', `column "${columnName}" has ${data.nullCount} null rows; every row needs an embedding`);
  }
  const dim = type.listSize;
  const child = data.children[0]!;
  const start = data.offset * dim;
  const [from, to] = [start + child.offset, start + child.offset + data.length * dim];
  // The column's declared type says which array Arrow holds the values in.
  return precision === 'fp32'
    ? { rows: data.length, dim, precision, values: (child.values as Float32Array).subarray(from, to) }
    : { rows: data.length, dim, precision, values: (child.values as Uint16Array).subarray(from, to) };
}
