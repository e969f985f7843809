/**
 * Rows streamed from a file: a row-major n x d matrix of little-endian float32 or float16 values at a
 * byte offset (a `.npy` file's data, or select's own disk copy). A pass reads it in blocks, the next
 * block being read while the kernel folds the current one, so memory holds two blocks whatever n is.
 * Counts the bytes read and the seconds the reads took, for the progress line's disk rate.
 */
import { readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { endianness } from 'node:os';
import { InternalError, TidepoolError } from '../errors.js';
import { halfArrayToFloat32 } from '../store/matrix.js';
import { bytesPerValue, gatherSpanBytes } from './memory-plan.js';
import type { Precision } from './options.js';
import type { RowStore } from './row-store.js';
import { emptyWorkingCopy, type WorkingCopy } from './working-copy.js';

/**
 * Largest gap between two wanted rows that a gather reads through rather than starting a new read (and
 * at most a quarter of its span): copying 64 KiB costs about what one more read does here.
 */
export const GATHER_GAP_BYTES = 64 * 1024;

/** Where the matrix lies in its file. */
export interface DiskMatrix {
  path: string;
  /** Byte offset of row 0. */
  offset: number;
  n: number;
  d: number;
  precision: Precision;
}

/** A {@link RowStore} that reads its file on every pass. Close it when done. */
export class DiskRows implements RowStore {
  readonly n: number;
  readonly d: number;
  readonly precision: Precision;
  /** Bytes read so far (passes and gathers). */
  bytesRead = 0;
  /** Seconds spent waiting on reads (each read timed from issue to completion). */
  readSeconds = 0;
  private readonly rowBytes: number;
  /** The buffer gathers read their spans into (made on the first gather). */
  private span: Uint8Array | undefined;

  private constructor(private readonly handle: FileHandle, private readonly matrix: DiskMatrix) {
    this.n = matrix.n;
    this.d = matrix.d;
    this.precision = matrix.precision;
    this.rowBytes = matrix.d * bytesPerValue(matrix.precision);
  }

  /** Opens `matrix.path` and checks that it holds the whole matrix. */
  static async open(matrix: DiskMatrix): Promise<DiskRows> {
    if (endianness() !== 'LE') throw new TidepoolError('E_USAGE', 'out-of-core selection reads little-endian values in place and needs a little-endian machine; raise --memory-budget so the matrix is loaded into memory.');
    let handle: FileHandle;
    try {
      handle = await open(matrix.path, 'r');
    } catch (error) {
      throw new TidepoolError('E_INPUT_MISSING', `cannot read ${matrix.path}: ${(error as Error).message}`, { path: matrix.path }, { cause: error });
    }
    const { size } = await handle.stat();
    const needed = matrix.offset + matrix.n * matrix.d * bytesPerValue(matrix.precision);
    if (size < needed) {
      await handle.close();
      throw new TidepoolError('E_FORMAT_INVALID', `${matrix.path} holds ${size} bytes where a ${matrix.n} x ${matrix.d} ${matrix.precision} matrix at byte ${matrix.offset} needs ${needed}; it changed or was cut off. Re-create it (or delete it, if it is select's own copy in the output folder) and rerun.`, { path: matrix.path });
    }
    return new DiskRows(handle, matrix);
  }

  async forEachBlock(blockRows: number, visit: (start: number, block: WorkingCopy) => Promise<void>): Promise<void> {
    if (!Number.isInteger(blockRows) || blockRows < 1) throw new InternalError(`DiskRows.forEachBlock: blockRows must be a positive integer, got ${blockRows}`);
    const rows = Math.min(blockRows, this.n);
    const buffers = [emptyWorkingCopy(this.precision, rows * this.d), emptyWorkingCopy(this.precision, rows * this.d)] as const;
    const read = (start: number, buffer: WorkingCopy): Promise<WorkingCopy> => {
      const end = Math.min(start + rows, this.n);
      const pending = this.readRows(start, end, buffer);
      void pending.catch(() => undefined); // awaited on the next turn; a failing visit must not leave it unhandled
      return pending;
    };
    let pending: Promise<WorkingCopy> | undefined = this.n > 0 ? read(0, buffers[0]) : undefined;
    let turn = 0;
    try {
      for (let start = 0; start < this.n; start += rows) {
        const block = await pending!;
        turn ^= 1;
        pending = start + rows < this.n ? read(start + rows, buffers[turn]!) : undefined;
        await visit(start, block);
      }
    } finally {
      await pending?.catch(() => undefined);
    }
  }

  /** Reads rows [start, end) into the front of `buffer`; resolves to the view holding them. */
  private async readRows(start: number, end: number, buffer: WorkingCopy): Promise<WorkingCopy> {
    const bytes = (end - start) * this.rowBytes;
    const target = new Uint8Array(buffer.values.buffer, buffer.values.byteOffset, bytes);
    const position = this.matrix.offset + start * this.rowBytes;
    const began = performance.now();
    let done = 0;
    while (done < bytes) {
      let got: number;
      try {
        ({ bytesRead: got } = await this.handle.read(target, done, bytes - done, position + done));
      } catch (error) {
        throw new TidepoolError('E_INPUT_MISSING', `cannot read ${this.matrix.path}: ${(error as Error).message}`, { path: this.matrix.path }, { cause: error });
      }
      if (got === 0) throw this.endedEarly(start, done);
      done += got;
    }
    this.readSeconds += (performance.now() - began) / 1000;
    this.bytesRead += bytes;
    const length = (end - start) * this.d;
    return buffer.precision === 'fp32' ? { precision: 'fp32', values: buffer.values.subarray(0, length) } : { precision: 'fp16', values: buffer.values.subarray(0, length) };
  }

  private endedEarly(start: number, done: number): TidepoolError {
    return new TidepoolError('E_FORMAT_INVALID', `${this.matrix.path} ended early at row ${start + Math.floor(done / this.rowBytes)} (0-based): the file changed or was truncated during the run. Restore it and rerun the same command to resume.`, { path: this.matrix.path });
  }

  /**
   * Float32 copies of `rows`, read with synchronous positional reads (a gather is a few rows or one
   * bounded block, and the kernel's interface is synchronous there). Rows in ascending order that lie
   * close together are read in one span ({@link gatherSpanBytes}, reading through gaps of at most
   * {@link GATHER_GAP_BYTES}): the stale rows of a lazy pass are scattered over the file, and one read
   * per row made the reads' system calls, not the disk, the limit (26 MB/s at 8,000,000 x 768).
   */
  gather(rows: ArrayLike<number>, into?: Float32Array): Float32Array {
    const { d, rowBytes } = this;
    const out = into === undefined ? new Float32Array(rows.length * d) : into.subarray(0, rows.length * d);
    const span = this.span ??= new Uint8Array(gatherSpanBytes(rowBytes));
    const gap = Math.min(GATHER_GAP_BYTES, span.byteLength / 4);
    const began = performance.now();
    for (let j = 0; j < rows.length;) {
      const first = rows[j]!;
      let end = j + 1;
      while (end < rows.length) {
        const next = rows[end]!;
        const previous = rows[end - 1]!;
        if (next <= previous || (next - previous - 1) * rowBytes > gap || (next - first + 1) * rowBytes > span.byteLength) break;
        end++;
      }
      const bytes = (rows[end - 1]! - first + 1) * rowBytes;
      const position = this.matrix.offset + first * rowBytes;
      for (let done = 0; done < bytes;) {
        const got = readSync(this.handle.fd, span, done, bytes - done, position + done);
        if (got === 0) throw this.endedEarly(first, done);
        done += got;
      }
      this.bytesRead += bytes;
      for (let i = j; i < end; i++) {
        const at = (rows[i]! - first) * rowBytes;
        if (this.precision === 'fp32') out.set(new Float32Array(span.buffer, at, d), i * d);
        else halfArrayToFloat32(new Uint16Array(span.buffer, at, d), out.subarray(i * d, (i + 1) * d));
      }
      j = end;
    }
    this.readSeconds += (performance.now() - began) / 1000;
    return out;
  }

  /** Closes the file. */
  async close(): Promise<void> {
    await this.handle.close();
  }
}
