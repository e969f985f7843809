/**
 * Append-only JSON-lines logs that survive kill -9: every record is one `write` of one line, and on
 * opening, a torn last line (the process died mid-write) is cut off so the log ends on a whole line.
 */
import { closeSync, existsSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { TidepoolError } from '../errors.js';

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
  /** Bytes in the file once pending lines are written. */
  size: number;

  private constructor(readonly path: string, fd: number, size: number) {
    this.fd = fd;
    this.size = size;
  }

  /** Opens `path` for appending; `size` is the byte length of its whole lines (from {@link scanLines}). */
  static open(path: string, size: number): AppendLog {
    try {
      return new AppendLog(path, openSync(path, 'a'), size);
    } catch (error) {
      throw new TidepoolError('E_OUTPUT', `cannot append to ${path}: ${(error as Error).message}; check the --out folder's permissions and free space`, { path }, { cause: error });
    }
  }

  /** Appends one JSON value as one line (written by the end of this event-loop turn); returns where it starts. */
  append(value: unknown): { offset: number; length: number } {
    const line = Buffer.from(`${JSON.stringify(value)}\n`);
    this.pending.push(line);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flush();
      });
    }
    const offset = this.size;
    this.size += line.length;
    return { offset, length: line.length - 1 };
  }

  /** Writes every pending line now. */
  flush(): void {
    this.flushScheduled = false;
    if (this.pending.length === 0 || this.fd < 0) return;
    const data = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    this.pending = [];
    let written = 0;
    while (written < data.length) written += writeSync(this.fd, data, written);
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

  close(): void {
    this.flush();
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/** Cuts `path` to `size` bytes (creating it when missing) and opens it for appending. */
export function openTruncated(path: string, size: number): AppendLog {
  const fd = openSync(path, existsSync(path) ? 'r+' : 'w+');
  try {
    ftruncateSync(fd, size);
  } finally {
    closeSync(fd);
  }
  return AppendLog.open(path, size);
}
