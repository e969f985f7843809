/**
 * Embedding columns: `FixedSizeList<Float32>` or `FixedSizeList<Float16>`. Later stages read them as
 * one flat typed array per record batch, without copying (Float16 values are raw IEEE half bits in a Uint16Array).
 */
import type { Data, Vector } from 'apache-arrow';
import { DataType, Field, FixedSizeList, Float16, Float32, Precision, Type, makeData } from './arrow.js';
import { TidepoolError } from '../errors.js';

/** Storage precision of an embedding column. */
export type EmbeddingPrecision = 'fp32' | 'fp16';

/** A row-major matrix view over an embedding column's buffer. */
export interface EmbeddingMatrix {
  /** Number of rows. */
  rows: number;
  /** Values per row. */
  dim: number;
  precision: EmbeddingPrecision;
  /** `rows * dim` values, row-major; fp16 as raw half bits. A view, not a copy. */
  values: Float32Array | Uint16Array;
}

/** The Arrow type of an embedding column. */
export function embeddingType(dim: number, precision: EmbeddingPrecision): FixedSizeList<Float32 | Float16> {
  const child = new Field('item', precision === 'fp32' ? new Float32() : new Float16(), false);
  return new FixedSizeList(dim, child);
}

/** Wraps a flat row-major array as embedding column data (no copy). */
export function embeddingData(values: Float32Array | Uint16Array, dim: number): Data<FixedSizeList<Float32 | Float16>> {
  if (!Number.isInteger(dim) || dim <= 0 || values.length % dim !== 0) {
    throw new TidepoolError('E_SCHEMA', `embedding values (${values.length}) are not a whole number of rows of dim ${dim}`);
  }
  const precision: EmbeddingPrecision = values instanceof Float32Array ? 'fp32' : 'fp16';
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
  const values = (child.values as Float32Array | Uint16Array).subarray(start + child.offset, start + child.offset + data.length * dim);
  return { rows: data.length, dim, precision, values };
}
