/**
 * Fast column builders that write Arrow buffers directly (offsets + bytes + validity bitmap),
 * avoiding per-value builder overhead on the ingest hot path.
 */
import type { Data, Vector } from 'apache-arrow';
import { Int32, Int64, Utf8, makeData } from './arrow.js';

/** The buffers of a UTF-8 column: what Arrow stores, as plain typed arrays. */
export interface Utf8Buffers {
  length: number;
  nullCount: number;
  /** Bit per row, 1 = valid; null when no row is null. */
  validity: Uint8Array | null;
  /** `length + 1` byte offsets into `bytes`. */
  offsets: Int32Array;
  bytes: Uint8Array;
}

/** Wraps UTF-8 column buffers as Arrow data (no copy). */
export function utf8Data(buffers: Utf8Buffers): Data<Utf8> {
  return makeData({
    type: new Utf8(),
    length: buffers.length,
    nullCount: buffers.nullCount,
    nullBitmap: buffers.validity,
    valueOffsets: buffers.offsets,
    data: buffers.bytes,
  });
}

/**
 * Keeps the rows of a UTF-8 column where `keep[row]` is 1, compacting the column IN PLACE (its
 * buffers are reused, so no memory is allocated; the input must not be used afterwards). Maximal
 * runs of kept rows move with one copy. Returns views of the compacted prefix.
 */
export function compactUtf8Rows(column: Utf8Buffers, keep: Uint8Array, kept: number): Utf8Buffers {
  if (kept === column.length) return column;
  const { offsets, bytes, validity } = column;
  let out = 0;
  let outBytes = 0;
  let nullCount = 0;
  for (let row = 0; row < column.length;) {
    if (keep[row] !== 1) {
      row++;
      continue;
    }
    let end = row;
    while (end < column.length && keep[end] === 1) end++;
    const from = offsets[row]!;
    const to = offsets[end]!;
    // Rows only move towards the start, so every value is read before anything overwrites it.
    for (let r = row; r < end; r++) {
      const valid = validity === null || ((validity[r >> 3]! >> (r & 7)) & 1) === 1;
      if (validity !== null) {
        if (valid) validity[out >> 3]! |= 1 << (out & 7);
        else validity[out >> 3]! &= ~(1 << (out & 7));
      }
      if (!valid) nullCount++;
      offsets[out + 1] = outBytes + offsets[r + 1]! - from;
      out++;
    }
    bytes.copyWithin(outBytes, from, to);
    outBytes += to - from;
    row = end;
  }
  offsets[0] = 0;
  if (validity !== null && (kept & 7) !== 0) validity[kept >> 3]! &= (1 << (kept & 7)) - 1;
  return {
    length: kept,
    nullCount,
    validity: validity !== null && nullCount > 0 ? validity.subarray(0, Math.ceil(kept / 8)) : null,
    offsets: offsets.subarray(0, kept + 1),
    bytes: bytes.subarray(0, outBytes),
  };
}

const HEX_DIGITS = Buffer.from('0123456789abcdef');

/** Growable UTF-8 string column with nulls. */
export class Utf8ColumnBuilder {
  private bytes: Buffer;
  private offsets: Int32Array;
  private validity: Uint8Array;
  private length = 0;
  private byteLength = 0;
  private nullCount = 0;

  constructor(initialRows = 256, initialBytes = 4096) {
    this.bytes = Buffer.allocUnsafe(initialBytes);
    this.offsets = new Int32Array(initialRows + 1);
    this.validity = new Uint8Array(Math.ceil(initialRows / 8));
  }

  /** Rows appended so far. */
  get rows(): number {
    return this.length;
  }

  /** UTF-8 bytes appended so far. */
  get bytesUsed(): number {
    return this.byteLength;
  }

  /** Appends a string, or null. */
  append(value: string | null): void {
    const row = this.length;
    if (row + 1 >= this.offsets.length) this.growRows();
    if (value === null) {
      this.nullCount++;
    } else {
      this.validity[row >> 3]! |= 1 << (row & 7);
      // A UTF-16 code unit encodes to at most 3 UTF-8 bytes.
      const worst = value.length * 3;
      if (this.byteLength + worst > this.bytes.length) this.growBytes(this.byteLength + worst);
      this.byteLength += this.bytes.write(value, this.byteLength, 'utf8');
    }
    this.length = row + 1;
    this.offsets[row + 1] = this.byteLength;
  }

  /** Appends a value already encoded as UTF-8 (copied). */
  appendBytes(bytes: Uint8Array): void {
    const row = this.length;
    if (row + 1 >= this.offsets.length) this.growRows();
    this.validity[row >> 3]! |= 1 << (row & 7);
    if (this.byteLength + bytes.length > this.bytes.length) this.growBytes(this.byteLength + bytes.length);
    this.bytes.set(bytes, this.byteLength);
    this.byteLength += bytes.length;
    this.length = row + 1;
    this.offsets[row + 1] = this.byteLength;
  }

  /** Appends a 64-bit value given as two 32-bit halves, as 16 lowercase hex digits. */
  appendHex64(hi: number, lo: number): void {
    const row = this.length;
    if (row + 1 >= this.offsets.length) this.growRows();
    this.validity[row >> 3]! |= 1 << (row & 7);
    if (this.byteLength + 16 > this.bytes.length) this.growBytes(this.byteLength + 16);
    const bytes = this.bytes;
    let at = this.byteLength;
    for (let shift = 28; shift >= 0; shift -= 4) bytes[at++] = HEX_DIGITS[(hi >>> shift) & 15]!;
    for (let shift = 28; shift >= 0; shift -= 4) bytes[at++] = HEX_DIGITS[(lo >>> shift) & 15]!;
    this.byteLength = at;
    this.length = row + 1;
    this.offsets[row + 1] = at;
  }

  /** Returns the column as Arrow data and resets the builder. */
  finish(): Data<Utf8> {
    return utf8Data(this.finishBuffers());
  }

  /** Returns the column as plain buffers (transferable between threads) and resets the builder. */
  finishBuffers(): Utf8Buffers {
    const length = this.length;
    const buffers: Utf8Buffers = {
      length,
      nullCount: this.nullCount,
      validity: this.nullCount > 0 ? this.validity.slice(0, Math.ceil(length / 8)) : null,
      offsets: this.offsets.slice(0, length + 1),
      bytes: new Uint8Array(this.bytes.subarray(0, this.byteLength)),
    };
    this.length = 0;
    this.byteLength = 0;
    this.nullCount = 0;
    this.validity.fill(0);
    return buffers;
  }

  private growRows(): void {
    const offsets = new Int32Array(this.offsets.length * 2);
    offsets.set(this.offsets);
    this.offsets = offsets;
    const validity = new Uint8Array(Math.ceil(offsets.length / 8));
    validity.set(this.validity);
    this.validity = validity;
  }

  private growBytes(needed: number): void {
    if (needed > 0x7fffffff) {
      throw new RangeError('a string column batch exceeded 2 GiB; lower the batch size');
    }
    const bytes = Buffer.allocUnsafe(Math.min(Math.max(needed, this.bytes.length * 2), 0x7fffffff));
    this.bytes.copy(bytes, 0, 0, this.byteLength);
    this.bytes = bytes;
  }
}

/** Int32 column data from a typed array (the array is used as is, not copied). */
export function int32Data(values: Int32Array): Data<Int32> {
  return makeData({ type: new Int32(), length: values.length, nullCount: 0, data: values });
}

/** Int64 column data from a typed array (the array is used as is, not copied). */
export function int64Data(values: BigInt64Array): Data<Int64> {
  return makeData({ type: new Int64(), length: values.length, nullCount: 0, data: values });
}

/**
 * Reads the values of a Utf8 column straight from its buffers (one slice per value, no TextDecoder
 * call); null for a null entry. Falls back to `vector.get` when the column has several chunks.
 */
export function utf8Reader(vector: Vector<Utf8>): (row: number) => string | null {
  const chunks = vector.data as Data<Utf8>[];
  const single = chunks.length === 1 ? chunks[0]! : undefined;
  if (single === undefined) return (row) => vector.get(row);
  const offsets = single.valueOffsets;
  const bytes = Buffer.from(single.values.buffer, single.values.byteOffset, single.values.byteLength);
  const validity = single.nullBitmap;
  const base = single.offset;
  return (row) => {
    const at = base + row;
    if (single.nullCount > 0 && ((validity[at >> 3]! >> (at & 7)) & 1) === 0) return null;
    return bytes.toString('utf8', offsets[at], offsets[at + 1]);
  };
}
