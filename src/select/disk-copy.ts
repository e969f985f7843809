/**
 * The input of an out-of-core selection: per-point data (squared norms, row ids) in memory, the matrix
 * on disk. A `.npy` file already stored at the working precision is streamed in place; anything else
 * (an Arrow file, or a float32 `.npy` under `--precision fp16`) is first written, checked, to a flat
 * copy in the output folder (`select.rows.bin`, float16 where asked: half the bytes each pass reads),
 * removed when the run finishes. Every row is checked as the in-memory load checks it.
 */
import { open, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { TidepoolError, writeFailure } from '../errors.js';
import { readNpyHeader, readNpyRows } from '../store/npy.js';
import { declaredValues } from '../store/embeddings.js';
import { DiskRows } from './disk-rows.js';
import { arrowChunks, checkedChunk, type ArrowChunk } from './input.js';
import type { Precision } from './options.js';

/** select's own disk copy of the matrix, in the output folder while a run needs it. */
export const DISK_COPY_FILE = 'select.rows.bin';

/** What {@link openStreamedInput} gives: the rows on disk and the per-point data in memory. */
export interface StreamedInput {
  rows: DiskRows;
  n: number;
  d: number;
  norms: Float32Array;
  rowIds: Float64Array;
  storedAs: 'float32' | 'float16';
  /** The disk copy written for this run, or undefined when the input file is streamed in place. */
  copy: string | undefined;
}

/** Grows a typed array by doubling (n unknown until an Arrow file is read through). */
class Growing<T extends Float32Array | Float64Array> {
  length = 0;
  constructor(public values: T, private readonly make: (length: number) => T) {}
  reserve(extra: number): void {
    if (this.length + extra <= this.values.length) return;
    const grown = this.make(Math.max(this.length + extra, 2 * this.values.length));
    grown.set(this.values.subarray(0, this.length));
    this.values = grown;
  }
  done(): T {
    return this.values.subarray(0, this.length) as T;
  }
}

/**
 * Opens `path` for streaming at `precision`, writing the disk copy into `dir` when the file cannot be
 * streamed as it is. Reads the whole input once (norms and checks).
 */
export async function openStreamedInput(path: string, precision: Precision, dir: string, column = 'embedding'): Promise<StreamedInput> {
  if (path.toLowerCase().endsWith('.npy')) {
    const header = await readNpyHeader(path);
    const stored: Precision = header.dtype === 'float32' ? 'fp32' : 'fp16';
    const rowIds = Float64Array.from({ length: header.rows }, (_, i) => i);
    if (stored === precision) {
      const norms = new Float32Array(header.rows);
      for await (const chunk of readNpyRows(header)) checkedChunk(declaredValues(stored, chunk.values), precision, header.dim, chunk.startRow, norms, path);
      const rows = await DiskRows.open({ path, offset: header.dataOffset, n: header.rows, d: header.dim, precision });
      return { rows, n: header.rows, d: header.dim, norms, rowIds, storedAs: header.dtype, copy: undefined };
    }
    const chunks = (async function* () {
      for await (const chunk of readNpyRows(header)) yield { values: declaredValues(stored, chunk.values), dim: header.dim, rows: chunk.rows, rowIds: undefined };
    })();
    const written = await writeDiskCopy(chunks, precision, path, join(dir, DISK_COPY_FILE));
    const rows = await DiskRows.open({ path: written.copy, offset: 0, n: written.n, d: written.d, precision });
    return { rows, n: written.n, d: written.d, norms: written.norms, rowIds, storedAs: header.dtype, copy: written.copy };
  }
  const written = await writeDiskCopy(arrowChunks(path, column), precision, path, join(dir, DISK_COPY_FILE));
  const rows = await DiskRows.open({ path: written.copy, offset: 0, n: written.n, d: written.d, precision });
  return { ...written, rows };
}

/** An Arrow batch ({@link ArrowChunk}), or rows of a `.npy` file: those have no row ids (theirs are their indices). */
type SourceChunk = Omit<ArrowChunk, 'rowIds'> & { rowIds: ArrowChunk['rowIds'] | undefined };

/** Writes the checked rows at `precision` to `copy`; returns their norms and row ids. */
async function writeDiskCopy(chunks: AsyncIterable<SourceChunk>, precision: Precision, source: string, copy: string): Promise<Omit<StreamedInput, 'rows' | 'copy'> & { copy: string }> {
  let handle: FileHandle;
  try {
    handle = await open(copy, 'w');
  } catch (error) {
    throw writeFailure(error, copy);
  }
  const norms = new Growing(new Float32Array(1024), (length) => new Float32Array(length));
  const rowIds = new Growing(new Float64Array(1024), (length) => new Float64Array(length));
  let d = 0;
  let position = 0;
  let storedAs: 'float32' | 'float16' = 'float32';
  try {
    for await (const chunk of chunks) {
      d = chunk.dim;
      storedAs = chunk.values.precision === 'fp32' ? 'float32' : 'float16';
      const first = norms.length;
      norms.reserve(chunk.rows);
      rowIds.reserve(chunk.rows);
      const values = checkedChunk(chunk.values, precision, d, first, norms.values, source).values;
      for (let i = 0; i < chunk.rows; i++) rowIds.values[first + i] = chunk.rowIds === undefined ? first + i : Number(chunk.rowIds[i]!);
      norms.length += chunk.rows;
      rowIds.length += chunk.rows;
      const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
      try {
        for (let done = 0; done < bytes.byteLength;) done += (await handle.write(bytes, done, bytes.byteLength - done, position + done)).bytesWritten;
      } catch (error) {
        throw writeFailure(error, copy);
      }
      position += bytes.byteLength;
    }
    await handle.close();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(copy, { force: true });
    throw error;
  }
  if (norms.length === 0) throw new TidepoolError('E_INPUT_EMPTY', `${source} holds no rows: there is nothing to select from. Embed some pairs first.`, { path: source });
  return { copy, n: norms.length, d, norms: norms.done(), rowIds: rowIds.done(), storedAs };
}

/** Removes the disk copy from `dir` (after a finished run). */
export async function removeDiskCopy(dir: string): Promise<void> {
  await rm(join(dir, DISK_COPY_FILE), { force: true });
}
