/**
 * The answered batches of one window embedded on remote servers, `.embed-parts/endpoint-NNNNNN.bin`:
 * append-only records `[u32 rows][u32 tokens][rows x u32 row index][rows x dim f32][u32 check]`, each
 * written before its slot sends the next request, so kill -9 loses only the batches in flight; written
 * records are synced to disk within a second, so a power cut loses at most that second's answers. The check (the record's CRC-32) marks a record complete: a torn
 * or damaged tail is ignored, and its rows are sent again.
 */
import { crc32 } from 'node:zlib';
import { writeSync, writevSync } from 'node:fs';
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

/** Encodes one answered batch as a journal record (the bytes {@link recordPieces} are, in one buffer). */
export function encodeRecord(indexes: Uint32Array, vectors: Float32Array, tokens: number): Buffer {
  return Buffer.concat(recordPieces(indexes, vectors, tokens));
}

/**
 * One answered batch's record as the pieces one vectored write sends: a 12-byte buffer for the counts
 * and the check, and views of the indexes and vectors themselves. Not one record buffer: every answer
 * passes through here (320 a second at 2 servers x 16), and a copy of its 50 KB of vectors into a new
 * buffer was a second allocation and copy of each answer, for the garbage collector to free.
 */
export function recordPieces(indexes: Uint32Array, vectors: Float32Array, tokens: number): Uint8Array[] {
  const frame = Buffer.allocUnsafe(12);
  frame.writeUInt32LE(indexes.length, 0);
  frame.writeUInt32LE(tokens, 4);
  const head = frame.subarray(0, 8);
  const indexBytes = new Uint8Array(indexes.buffer, indexes.byteOffset, indexes.byteLength);
  const vectorBytes = new Uint8Array(vectors.buffer, vectors.byteOffset, vectors.byteLength);
  frame.writeUInt32LE(crc32(vectorBytes, crc32(indexBytes, crc32(head))), 8);
  return [head, indexBytes, vectorBytes, frame.subarray(8, 12)];
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
  private failure: Error | null = null;
  private syncedAt = performance.now();
  private unsynced = false;
  /** The sync in progress, if any (never two at once). */
  private syncing: Promise<void> | null = null;
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
   * latency that held every request slot ~15-20% longer than the server did.
   * The write itself is synchronous (into the page cache: tens of microseconds for a 50 KB record): at
   * 320 answers/s a trip through the thread pool per answer cost more main-thread time (the request,
   * its promise, the wake-ups) than the write, and delayed each slot's next request behind it. Records
   * are therefore in the file in call order. Only the sync (a disk round trip) runs in the background.
   */
  append(indexes: Uint32Array, vectors: Float32Array, tokens: number): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const pieces = recordPieces(indexes, vectors, tokens);
    try {
      const length = pieces.reduce((sum, piece) => sum + piece.byteLength, 0);
      const written = writevSync(this.handle.fd, pieces);
      // A regular file takes the whole write or fails; a short one (a full disk) is rewritten in one piece.
      if (written < length) {
        const rest = Buffer.concat(pieces).subarray(written);
        for (let at = 0; at < rest.length;) at += writeSync(this.handle.fd, rest, at);
      }
    } catch (error) {
      this.failure = writeFailure(error, this.path);
      return Promise.reject(this.failure);
    }
    this.unsynced = true;
    this.scheduleSync();
    return Promise.resolve();
  }

  /** Syncs now when the last sync is {@link SYNC_EVERY_MS} old, else once it will be (one timer, one sync at a time). */
  private scheduleSync(): void {
    if (this.syncing !== null || this.timer !== undefined || this.closing || this.failure !== null) return;
    const wait = SYNC_EVERY_MS - (performance.now() - this.syncedAt);
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.scheduleSync();
      }, wait);
      return;
    }
    this.syncing = this.sync().finally(() => {
      this.syncing = null;
      // Records written while it ran get their own sync within the interval.
      if (this.unsynced) this.scheduleSync();
    });
  }

  private async sync(): Promise<void> {
    // Writes made while the sync runs are not covered by it: they stay unsynced for the next one.
    this.unsynced = false;
    try {
      await this.handle.datasync();
      this.syncedAt = performance.now();
    } catch (error) {
      this.unsynced = true;
      this.failure ??= writeFailure(error, this.path);
    }
  }

  /** Syncs what is written, then closes; throws the first write or sync failure. */
  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    try {
      if (this.syncing !== null) await this.syncing;
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
