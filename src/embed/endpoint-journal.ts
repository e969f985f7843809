/**
 * The answered batches of one window embedded on remote servers, `.embed-parts/endpoint-NNNNNN.bin`:
 * append-only records `[u32 rows][u32 tokens][rows x u32 row index][rows x dim f32][u32 check]`, each
 * written (with the records that arrived meanwhile) before its slot sends the next request, so kill -9 loses only the batches in
 * flight; written records are synced to disk within a second, so a power cut loses at most that
 * second's answers. The check (the record's CRC-32) marks a record complete: a torn
 * or damaged tail is ignored, and its rows are sent again.
 */
import { crc32 } from 'node:zlib';
import { open, readFile, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFailure } from '../errors.js';

/** What a window's journal already holds. */
export interface AnsweredRows {
  /** Vectors of the answered rows, window-row-major (`rows x dim`); unanswered rows are zeros. */
  vectors: Float32Array;
  answered: Uint8Array;
  tokens: number;
  count: number;
  /** Bytes of the complete records (where the next record goes). */
  bytes: number;
}

function check(bytes: Uint8Array): number {
  return crc32(bytes);
}

/** Encodes one answered batch as a journal record. */
export function encodeRecord(indexes: Uint32Array, vectors: Float32Array, tokens: number): Buffer {
  // One buffer, filled in place (no concat of body and check): every answer passes through here.
  const length = 8 + indexes.byteLength + vectors.byteLength;
  const record = Buffer.allocUnsafe(length + 4);
  record.writeUInt32LE(indexes.length, 0);
  record.writeUInt32LE(tokens, 4);
  record.set(new Uint8Array(indexes.buffer, indexes.byteOffset, indexes.byteLength), 8);
  record.set(new Uint8Array(vectors.buffer, vectors.byteOffset, vectors.byteLength), 8 + indexes.byteLength);
  record.writeUInt32LE(check(record.subarray(0, length)), length);
  return record;
}

/**
 * Reads every complete record of `bytes` for a window of `rows` rows of `dim`, stopping at a torn or damaged one.
 * @param into where the vectors go (`rows x dim`, zeroed here); a new array when omitted
 */
export function decodeRecords(bytes: Buffer, rows: number, dim: number, into?: Float32Array): AnsweredRows {
  const result: AnsweredRows = { vectors: into?.fill(0) ?? new Float32Array(rows * dim), answered: new Uint8Array(rows), tokens: 0, count: 0, bytes: 0 };
  for (let at = 0; at + 8 <= bytes.length;) {
    const n = bytes.readUInt32LE(at);
    const length = 8 + n * 4 + n * dim * 4;
    if (n === 0 || at + length + 4 > bytes.length) break;
    const body = bytes.subarray(at, at + length);
    if (check(body) !== bytes.readUInt32LE(at + length)) break;
    const indexes = new Uint32Array(body.buffer.slice(body.byteOffset + 8, body.byteOffset + 8 + n * 4));
    if (indexes.some((row) => row >= rows)) break;
    const vectors = new Float32Array(body.buffer.slice(body.byteOffset + 8 + n * 4, body.byteOffset + length));
    indexes.forEach((row, j) => {
      if (result.answered[row] === 1) return;
      result.vectors.set(vectors.subarray(j * dim, (j + 1) * dim), row * dim);
      result.answered[row] = 1;
      result.count++;
    });
    result.tokens += body.readUInt32LE(4);
    at += length + 4;
    result.bytes = at;
  }
  return result;
}

/** Longest stretch of written answers not yet synced to disk. */
export const SYNC_EVERY_MS = 1000;

/** The journal file of one window. */
export class EndpointJournal {
  /** Records waiting for the next write + sync, with their callers' promises. */
  private pending: { record: Buffer; done: () => void; fail: (error: Error) => void }[] = [];
  private flushing: Promise<void> | null = null;
  private failure: Error | null = null;
  private syncedAt = performance.now();
  private unsynced = false;
  private timer: NodeJS.Timeout | undefined;
  private closing = false;

  private constructor(readonly path: string, private readonly handle: FileHandle) {}

  /** Path of window `window`'s journal in the parts folder `dir`. */
  static pathOf(dir: string, window: number): string {
    return join(dir, `endpoint-${String(window).padStart(6, '0')}.bin`);
  }

  /** What the journal of `window` holds (nothing when there is none), its vectors in `into` when given (see {@link decodeRecords}). */
  static async read(dir: string, window: number, rows: number, dim: number, into?: Float32Array): Promise<AnsweredRows> {
    const bytes = await readFile(EndpointJournal.pathOf(dir, window)).catch(() => Buffer.alloc(0));
    return decodeRecords(bytes, rows, dim, into);
  }

  /**
   * Opens the journal for appending after its first `validBytes` bytes: a torn tail from a killed run
   * is cut off first, so new records follow the last complete one.
   */
  static async open(dir: string, window: number, validBytes: number): Promise<EndpointJournal> {
    const path = EndpointJournal.pathOf(dir, window);
    try {
      const handle = await open(path, 'a+');
      await handle.truncate(validBytes);
      return new EndpointJournal(path, handle);
    } catch (error) {
      throw writeFailure(error, path);
    }
  }

  /**
   * Appends one answered batch; resolves once it is written to the file (the kernel holds it: a kill -9
   * of tidepool loses nothing written). Written answers are synced to disk within {@link SYNC_EVERY_MS}
   * and on close, so a power cut loses at most that last stretch of answers, which a rerun sends again
   * (a torn record fails its check). A sync per answer cost a disk round trip per request: at 100 ms
   * latency that held every request slot ~15-20% longer than the server did. Records arriving while a
   * write runs go out together in the next write; records keep their call order.
   */
  append(indexes: Uint32Array, vectors: Float32Array, tokens: number): Promise<void> {
    const record = encodeRecord(indexes, vectors, tokens);
    return new Promise((done, fail) => {
      if (this.failure !== null) {
        fail(this.failure);
        return;
      }
      this.pending.push({ record, done, fail });
      this.kick();
    });
  }

  /**
   * Starts a flush unless one runs. `flushing` is set before the flush's first step can finish and
   * cleared in a later microtask, so a flush that has nothing to await never leaves it set (which would
   * stall every later append).
   */
  private kick(): void {
    if (this.flushing !== null) return;
    this.flushing = this.flush().finally(() => {
      this.flushing = null;
      if (this.failure !== null) return;
      if (this.pending.length > 0) this.kick();
      // Answers written but not synced get their sync within the interval, even if no other answer comes.
      else if (this.unsynced && this.timer === undefined && !this.closing) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.kick();
        }, Math.max(0, SYNC_EVERY_MS - (performance.now() - this.syncedAt)));
      }
    });
  }

  private async flush(): Promise<void> {
    while (this.failure === null) {
      const group = this.pending.splice(0);
      if (group.length > 0) {
        try {
          // One vectored write of the group: no concatenated copy of its records.
          if (group.length === 1) await this.handle.write(group[0]!.record);
          else await this.handle.writev(group.map((entry) => entry.record));
          this.unsynced = true;
          for (const entry of group) entry.done();
        } catch (error) {
          this.failure = writeFailure(error, this.path);
          for (const entry of [...group, ...this.pending.splice(0)]) entry.fail(this.failure);
        }
      }
      if (this.unsynced && performance.now() - this.syncedAt >= SYNC_EVERY_MS) await this.sync();
      if (this.pending.length === 0) break;
    }
  }

  private async sync(): Promise<void> {
    try {
      await this.handle.datasync();
      this.unsynced = false;
      this.syncedAt = performance.now();
    } catch (error) {
      this.failure ??= writeFailure(error, this.path);
    }
  }

  /** Writes and syncs what is left, then closes; throws the first write or sync failure. */
  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.flushing !== null) await this.flushing;
    try {
      if (this.unsynced && this.failure === null) await this.sync();
      if (this.failure !== null) throw this.failure;
    } finally {
      await this.handle.close();
    }
  }

  /** Deletes the journal of `window` (its window is in the parts now). */
  static async remove(dir: string, window: number): Promise<void> {
    await rm(EndpointJournal.pathOf(dir, window), { force: true });
  }
}
