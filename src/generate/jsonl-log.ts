/**
 * Append-only JSON-lines logs that survive kill -9: every record is one `write` of one line, and on
 * opening, a torn last line (the process died mid-write) is cut off so the log ends on a whole line.
 * A failed write (a full disk) is a {@link TidepoolError} naming the file, raised by the call that
 * wrote, or, when the write happened at the end of an event-loop turn, by the next call on the log:
 * never an exception out of a timer. What reached the file before stays valid.
 */
import { closeSync, existsSync, fstatSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { writeFailure, type TidepoolError } from '../errors.js';

const CHUNK = 1 << 20;

/**
 * Calls `onLine(text, offset, length)` for every complete line of `path` (offset and length in bytes,
 * newline excluded) and cuts a torn tail off the file. Returns the byte length of the complete lines.
 */
export function scanLines(path: string, onLine: (text: string, offset: number, length: number) => void): number {
  if (!existsSync(path)) return 0;
  const fd = openSync(path, 'r+');
  try {
    const chunk = Buffer.allocUnsafe(CHUNK);
    let carry = Buffer.alloc(0);
    let position = 0;
    let lineStart = 0;
    for (;;) {
      const read = readSync(fd, chunk, 0, CHUNK, position);
      if (read === 0) break;
      position += read;
      const data = carry.length === 0 ? chunk.subarray(0, read) : Buffer.concat([carry, chunk.subarray(0, read)]);
      let from = 0;
      for (let newline = data.indexOf(10, from); newline !== -1; newline = data.indexOf(10, from)) {
        if (newline > from) onLine(data.toString('utf8', from, newline), lineStart, newline - from);
        lineStart += newline - from + 1;
        from = newline + 1;
      }
      carry = Buffer.from(data.subarray(from));
    }
    if (carry.length > 0) ftruncateSync(fd, lineStart);
    return lineStart;
  } finally {
    closeSync(fd);
  }
}

/**
 * An open append-only log. Lines appended in one turn of the event loop go out in one write at the
 * end of the turn (or at {@link flush}, {@link read} and {@link close}): at hundreds of requests a
 * second one write per line costs more than the rest of the bookkeeping.
 */
export class AppendLog {
  private fd: number;
  private pending: Buffer[] = [];
  private flushScheduled = false;
  /** Set by a failed write: every later append, flush and close throws it. */
  private failure: TidepoolError | undefined;
  /** Bytes in the file once pending lines are written. */
  size: number;

  private constructor(readonly path: string, fd: number, size: number, private readonly write: WriteSync) {
    this.fd = fd;
    this.size = size;
  }

  /**
   * Opens `path` for appending; `size` is the byte length of its whole lines (from {@link scanLines}).
   * `write` stands in for `fs.writeSync` (tests inject a full disk).
   * @throws TidepoolError `E_NO_SPACE` / `E_OUTPUT` naming `path`.
   */
  static open(path: string, size: number, write: WriteSync = writeSync): AppendLog {
    try {
      return new AppendLog(path, openSync(path, 'a'), size, write);
    } catch (error) {
      throw writeFailure(error, path);
    }
  }

  /**
   * Appends one JSON value as one line (written by the end of this event-loop turn); returns where it starts.
   * @throws TidepoolError the failure of an earlier write to this log.
   */
  append(value: unknown): { offset: number; length: number } {
    if (this.failure !== undefined) throw this.failure;
    const line = Buffer.from(`${JSON.stringify(value)}\n`);
    this.pending.push(line);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        try {
          this.flush();
        } catch {
          // Kept in `failure`: the next append, flush or close on this log throws it.
        }
      });
    }
    const offset = this.size;
    this.size += line.length;
    return { offset, length: line.length - 1 };
  }

  /**
   * Writes every pending line now.
   * @throws TidepoolError `E_NO_SPACE` (full disk, quota, read-only) or `E_OUTPUT`, naming the file; again on every later call.
   */
  flush(): void {
    this.flushScheduled = false;
    if (this.failure !== undefined) throw this.failure;
    if (this.pending.length === 0 || this.fd < 0) return;
    const data = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    this.pending = [];
    let written = 0;
    try {
      while (written < data.length) written += this.write(this.fd, data, written);
    } catch (error) {
      // A torn last line may be left behind; the next run's scan (or the checkpoint's length) cuts it.
      this.failure = writeFailure(error, this.path);
      throw this.failure;
    }
  }

  /** Reads `length` bytes at `offset` (a line appended earlier). */
  read(offset: number, length: number): string {
    this.flush();
    const fd = openSync(this.path, 'r');
    try {
      const buffer = Buffer.allocUnsafe(length);
      let got = 0;
      while (got < length) {
        const n = readSync(fd, buffer, got, length - got, offset + got);
        if (n === 0) break;
        got += n;
      }
      return buffer.toString('utf8', 0, got);
    } finally {
      closeSync(fd);
    }
  }

  /** Writes what is pending and closes the file (closed even when the write fails, which then throws). */
  close(): void {
    try {
      this.flush();
    } finally {
      if (this.fd >= 0) closeSync(this.fd);
      this.fd = -1;
    }
  }
}

/** The part of `fs.writeSync` an {@link AppendLog} uses. */
export type WriteSync = (fd: number, buffer: Buffer, offset: number) => number;

/**
 * Closes every log, each even when another fails; throws the first failure (after closing them all).
 */
export function closeAll(logs: readonly { close(): void }[]): void {
  let failure: { error: unknown } | undefined;
  for (const log of logs) {
    try {
      log.close();
    } catch (error) {
      failure ??= { error };
    }
  }
  if (failure !== undefined) throw failure.error;
}

/**
 * Cuts `path` to `size` bytes (creating it when missing) and opens it for appending.
 * @throws TidepoolError `E_NO_SPACE` / `E_OUTPUT` naming `path`.
 */
export function openTruncated(path: string, size: number, write?: WriteSync): AppendLog {
  try {
    const fd = openSync(path, existsSync(path) ? 'r+' : 'w+');
    try {
      // Only when needed: a file already of that length is left alone.
      if (fstatSync(fd).size !== size) ftruncateSync(fd, size);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    throw writeFailure(error, path);
  }
  return AppendLog.open(path, size, write);
}
