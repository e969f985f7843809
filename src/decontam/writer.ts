/**
 * A JSON Lines output written atomically: lines go to `<path>.partial` in large synchronous writes
 * (the page cache absorbs them), hashed on the way, and the file is renamed into place only by
 * {@link JsonlWriter.close}; a crash or an error leaves no file under the final name.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { TidepoolError } from '../errors.js';
import type { ManifestFile } from '../store/manifest.js';

/** Characters gathered before one write. */
const FLUSH_CHARS = 4 << 20;

/** Writes lines to `<path>.partial`, then renames. */
export class JsonlWriter {
  private readonly fd: number;
  private readonly hash = createHash('sha256');
  private chunks: string[] = [];
  private pendingChars = 0;
  private bytes = 0;
  private lines = 0;
  private closed = false;

  private constructor(readonly path: string, private readonly partialPath: string) {
    this.fd = openSync(partialPath, 'w');
  }

  /** Opens `path` for writing (the data lands there only on {@link close}). */
  static create(path: string): JsonlWriter {
    try {
      return new JsonlWriter(path, `${path}.partial`);
    } catch (error) {
      throw new TidepoolError('E_OUTPUT', `cannot write ${path}: ${(error as Error).message}. Check that the --out folder is writable.`, { path }, { cause: error });
    }
  }

  /** Lines written so far. */
  get rows(): number {
    return this.lines;
  }

  /** Appends one line (without its newline). */
  write(line: string): void {
    this.chunks.push(line, '\n');
    this.pendingChars += line.length + 1;
    this.lines++;
    if (this.pendingChars >= FLUSH_CHARS) this.flush();
  }

  /** Appends whole lines already joined (each ending in a newline), e.g. a shard's part file. */
  writeLines(data: Buffer, lines: number): void {
    this.flush();
    this.chunks.push(data.toString('utf8'));
    this.lines += lines;
    this.flush();
  }

  /** Writes what is left, closes, renames into place; returns the file as a manifest records it. */
  close(): ManifestFile {
    this.flush();
    this.closed = true;
    closeSync(this.fd);
    rmSync(this.path, { force: true });
    renameSync(this.partialPath, this.path);
    return { path: this.path, bytes: this.bytes, sha256: this.hash.digest('hex'), rows: this.lines };
  }

  /** Drops the partial file (after an error). */
  abort(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
    rmSync(this.partialPath, { force: true });
  }

  private flush(): void {
    if (this.chunks.length === 0) return;
    const data = Buffer.from(this.chunks.join(''));
    this.chunks = [];
    this.pendingChars = 0;
    this.hash.update(data);
    try {
      let written = 0;
      while (written < data.length) written += writeSync(this.fd, data, written);
    } catch (error) {
      throw new TidepoolError('E_OUTPUT', `cannot write ${this.partialPath}: ${(error as Error).message}. Check free space in the --out folder.`, { path: this.partialPath }, { cause: error });
    }
    this.bytes += data.length;
  }
}
