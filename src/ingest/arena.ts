/**
 * Shared memory for jsonl blocks and their parsed results. Each slot is a pair of SharedArrayBuffers
 * (the input block, the worker's result) handed to the workers once, at start; tasks then name a
 * slot by number. Nothing is allocated or transferred per block, which matters: every ArrayBuffer
 * that arrives on the main thread counts as fresh external memory, and that, not the work, is what
 * drove V8 into a full garbage collection every few blocks.
 */
import { CHUNK_STRING_COLUMNS, type ChunkResult } from './chunk.js';

/** Input capacity of a slot: a 4 MiB block plus the 1 MiB read that completes it, with room. */
export const SLOT_INPUT_BYTES = 6 * 1024 * 1024;
/** Result capacity of a slot (a result that does not fit travels the ordinary way). */
export const SLOT_OUTPUT_BYTES = 12 * 1024 * 1024;

/** The shared buffers, as the workers receive them. */
export interface ArenaBuffers {
  inputs: SharedArrayBuffer[];
  outputs: SharedArrayBuffer[];
}

/** Hands out slots; owned by the main thread. */
export class SlotArena {
  readonly buffers: ArenaBuffers;
  private readonly free: number[];
  private readonly slotOfInput = new Map<ArrayBufferLike, number>();

  constructor(slots: number) {
    this.buffers = {
      inputs: Array.from({ length: slots }, () => new SharedArrayBuffer(SLOT_INPUT_BYTES)),
      outputs: Array.from({ length: slots }, () => new SharedArrayBuffer(SLOT_OUTPUT_BYTES)),
    };
    this.buffers.inputs.forEach((buffer, slot) => this.slotOfInput.set(buffer, slot));
    this.free = Array.from({ length: slots }, (_, slot) => slots - 1 - slot);
  }

  /** A free slot's input buffer for a block of `bytes`, or null (none free, or the block is too big). */
  take(bytes: number): SharedArrayBuffer | null {
    if (bytes > SLOT_INPUT_BYTES) return null;
    const slot = this.free.pop();
    return slot === undefined ? null : this.buffers.inputs[slot]!;
  }

  /** The slot whose input buffer this is, if any. */
  slotOf(buffer: ArrayBufferLike): number | undefined {
    return this.slotOfInput.get(buffer);
  }

  release(slot: number): void {
    this.free.push(slot);
  }
}

/** Where each array of a result lies in a slot's output buffer: [byteOffset, length] pairs. */
export interface PackedChunk {
  read: number;
  rows: number;
  rejects: ChunkResult['rejects'];
  filteredByReason: ChunkResult['filteredByReason'];
  /** lines (f64), hashHi, hashLo (u32), then per string column: offsets (i32), bytes (u8), validity (u8, or [-1, 0] when null). */
  layout: number[];
  nullCounts: number[];
}

function align8(n: number): number {
  return (n + 7) & ~7;
}

/** Copies a result's arrays into `out`; null when they do not fit (the caller sends the result itself). */
export function packChunk(result: ChunkResult, out: SharedArrayBuffer): PackedChunk | null {
  const arrays: (ArrayBufferView | null)[] = [result.lines, result.hashHi, result.hashLo];
  for (const name of CHUNK_STRING_COLUMNS) {
    const column = result.columns[name];
    arrays.push(column.offsets, column.bytes, column.validity);
  }
  let need = 0;
  for (const array of arrays) need = align8(need + (array?.byteLength ?? 0));
  if (need > out.byteLength) return null;
  const bytes = new Uint8Array(out);
  const layout: number[] = [];
  let at = 0;
  for (const array of arrays) {
    if (array === null) {
      layout.push(-1, 0);
      continue;
    }
    bytes.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), at);
    layout.push(at, array.byteLength);
    at = align8(at + array.byteLength);
  }
  return {
    read: result.read,
    rows: result.rows,
    rejects: result.rejects,
    filteredByReason: result.filteredByReason,
    layout,
    nullCounts: CHUNK_STRING_COLUMNS.map((name) => result.columns[name].nullCount),
  };
}

/** The result a {@link PackedChunk} describes, as views of `out` (no copy). */
export function unpackChunk(packed: PackedChunk, out: SharedArrayBuffer): ChunkResult {
  const { layout, rows } = packed;
  const view = <T>(index: number, make: (offset: number, bytes: number) => T): T => make(layout[index * 2]!, layout[index * 2 + 1]!);
  const columns = Object.fromEntries(CHUNK_STRING_COLUMNS.map((name, c) => {
    const base = 3 + c * 3;
    const validityAt = layout[(base + 2) * 2]!;
    return [name, {
      length: rows,
      nullCount: packed.nullCounts[c]!,
      offsets: view(base, (o, n) => new Int32Array(out, o, n / 4)),
      bytes: view(base + 1, (o, n) => new Uint8Array(out, o, n)),
      validity: validityAt < 0 ? null : view(base + 2, (o, n) => new Uint8Array(out, o, n)),
    }];
  })) as ChunkResult['columns'];
  return {
    read: packed.read,
    rows,
    rejects: packed.rejects,
    filteredByReason: packed.filteredByReason,
    lines: view(0, (o, n) => new Float64Array(out, o, n / 8)),
    hashHi: view(1, (o, n) => new Uint32Array(out, o, n / 4)),
    hashLo: view(2, (o, n) => new Uint32Array(out, o, n / 4)),
    columns,
  };
}
