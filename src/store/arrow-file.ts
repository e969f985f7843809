/**
 * Arrow IPC file I/O as streams of record batches: bounded memory whatever the file size.
 * Writes go to `<path>.partial` and are renamed into place on close, so a crash never leaves
 * a truncated file under the final name.
 */
import { createHash, type Hash } from 'node:crypto';
import { openSync, writev, closeSync, renameSync, rmSync, statSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { RecordBatch, Schema, TypeMap } from 'apache-arrow';
import { RecordBatchFileWriter, RecordBatchReader } from './arrow.js';
import { TidepoolError, writeFailure } from '../errors.js';

/** Bytes a sink may have queued for the OS before `write` waits. */
const MAX_IN_FLIGHT_BYTES = 128 * 1024 * 1024;

/** Writes `chunks` back to back at `position`, in one request where the OS takes them all at once. */
function writeAll(fd: number, chunks: Uint8Array[], position: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const step = (rest: Uint8Array[], at: number): void => {
      writev(fd, rest, at, (error, written) => {
        if (error) {
          reject(error);
          return;
        }
        // A short write: skip what went out and go on with the rest.
        let skip = written;
        let next = 0;
        while (next < rest.length && skip >= rest[next]!.byteLength) skip -= rest[next++]!.byteLength;
        if (next === rest.length) {
          resolve();
          return;
        }
        const remaining = rest.slice(next);
        remaining[0] = remaining[0]!.subarray(skip);
        step(remaining, at + written);
      });
    };
    step(chunks, position);
  });
}

/** Writes record batches to an Arrow IPC file, one batch in memory at a time. */
export class ArrowFileSink<T extends TypeMap = TypeMap> {
  private readonly writer: RecordBatchFileWriter<T>;
  private readonly fd: number;
  private readonly drained: Promise<void>;
  private rowCount = 0;
  private closed = false;
  private position = 0;
  private inFlightBytes = 0;
  private writeError: TidepoolError | undefined;
  private onWritten: (() => void)[] = [];
  private readonly pending = new Set<Promise<void>>();
  private group: Uint8Array[] = [];
  private groupBytes = 0;
  /** SHA-256 of the file, fed in file order as chunks are queued (no second read of the file); null when not asked for. */
  private readonly hash: Hash | null;
  private digest: string | undefined;

  private constructor(
    readonly path: string,
    private readonly partialPath: string,
    schema: Schema<T>,
    sha256: boolean,
  ) {
    this.hash = sha256 ? createHash('sha256') : null;
    this.fd = openSync(partialPath, 'w');
    this.writer = new RecordBatchFileWriter<T>();
    // Writing the schema up front makes a file with zero rows still a valid, typed Arrow file.
    this.writer.reset(undefined, schema);
    this.drained = this.drain();
  }

  /**
   * Opens `path` for writing batches of `schema` (the data lands at `path` only after {@link close}).
   * `options.sha256: false` skips the file's hash, for scratch files no manifest names (embed's window parts).
   */
  static create<T extends TypeMap = TypeMap>(path: string, schema: Schema<T>, options: { sha256?: boolean } = {}): ArrowFileSink<T> {
    try {
      return new ArrowFileSink<T>(path, `${path}.partial`, schema, options.sha256 ?? true);
    } catch (error) {
      throw writeFailure(error, path);
    }
  }

  /** Rows written so far. */
  get rows(): number {
    return this.rowCount;
  }

  /**
   * Appends one record batch. File writes run on libuv's thread pool, overlapping with the caller's
   * work; this waits only while more than {@link MAX_IN_FLIGHT_BYTES} are not yet written.
   */
  async write(batch: RecordBatch<T>): Promise<void> {
    this.writer.write(batch);
    this.rowCount += batch.numRows;
    // The drain loop takes every queued chunk in microtasks; one macrotask later they are all gathered.
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.flush();
    while (this.inFlightBytes > MAX_IN_FLIGHT_BYTES && this.writeError === undefined) {
      await new Promise<void>((resolve) => this.onWritten.push(resolve));
    }
    if (this.writeError !== undefined) throw this.writeError;
  }

  /**
   * Finishes the file (footer) and renames it into place. Returns the bytes written. On a failed write
   * (a full disk: `E_NO_SPACE`) the partial file is removed and `path` is left as it was.
   */
  async close(): Promise<number> {
    if (this.closed) return statSync(this.path).size;
    this.closed = true;
    this.writer.close();
    try {
      await this.drained;
    } catch (error) {
      this.discard();
      throw error;
    }
    try {
      // Some file systems (NFS, quotas) report a full disk only when the file is closed.
      closeSync(this.fd);
    } catch (error) {
      rmSync(this.partialPath, { force: true });
      throw writeFailure(error, this.partialPath);
    }
    try {
      // Renaming over an existing file makes ext4 write the new one's data out first (auto_da_alloc):
      // seconds for a file of GBs. Removing the old one first avoids that.
      rmSync(this.path, { force: true });
      renameSync(this.partialPath, this.path);
    } catch (error) {
      throw writeFailure(error, this.path);
    }
    this.digest = this.hash?.digest('hex');
    return statSync(this.path).size;
  }

  /** SHA-256 (hex) of the finished file; available after {@link close}. */
  get sha256(): string {
    if (this.digest === undefined) throw new Error(`${this.path} is not closed yet, or was opened without sha256`);
    return this.digest;
  }

  /** Drops the partial file (after an error). */
  async abort(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.writer.abort();
    await this.drained.catch(() => undefined);
    this.discard();
  }

  /** Closes the file and deletes it: on a full disk that gives its space back. */
  private discard(): void {
    try {
      closeSync(this.fd);
    } catch {
      // The data is being thrown away; a close that reports the disk full changes nothing.
    }
    rmSync(this.partialPath, { force: true });
  }

  /**
   * Resolves once every batch written so far is on disk (or failed): until then the writes may still
   * read the batches' buffers, so their memory must not be reused.
   */
  async written(): Promise<void> {
    this.flush();
    await Promise.allSettled([...this.pending]);
  }

  /** Sends the chunks gathered so far to the OS as one vectored write. */
  private flush(): void {
    if (this.group.length === 0) return;
    const chunks = this.group;
    const bytes = this.groupBytes;
    this.group = [];
    this.groupBytes = 0;
    // Positional writes: order of completion does not matter, so several can be in flight.
    const done = writeAll(this.fd, chunks, this.position).then(
      () => {
        this.inFlightBytes -= bytes;
        this.pending.delete(done);
        for (const resolve of this.onWritten.splice(0)) resolve();
      },
      (error: unknown) => {
        this.pending.delete(done);
        this.writeError = writeFailure(error, this.partialPath);
        for (const resolve of this.onWritten.splice(0)) resolve();
      },
    );
    this.pending.add(done);
    this.position += bytes;
    this.inFlightBytes += bytes;
  }

  /**
   * Takes the writer's chunks as they come (one per buffer and per padding, dozens per batch) and
   * gathers them; {@link write} sends each batch's run to the OS as one vectored write.
   */
  private async drain(): Promise<void> {
    for await (const chunk of this.writer as AsyncIterable<Uint8Array>) {
      if (chunk.byteLength === 0) continue;
      this.hash?.update(chunk);
      this.group.push(chunk);
      this.groupBytes += chunk.byteLength;
      if (this.group.length >= 512) this.flush(); // IOV_MAX is 1024 on Linux
    }
    this.flush();
    await Promise.allSettled([...this.pending]);
    if (this.writeError !== undefined) throw this.writeError;
  }
}

/** Arrow IPC magic at the start of the file format (`ARROW1`). */
const ARROW_MAGIC = Buffer.from('ARROW1');

/** True when the first bytes are the Arrow file magic or an IPC stream continuation marker. */
export function looksLikeArrow(head: Uint8Array): boolean {
  if (head.length >= 6 && Buffer.from(head.subarray(0, 6)).equals(ARROW_MAGIC)) return true;
  return head.length >= 4 && head[0] === 0xff && head[1] === 0xff && head[2] === 0xff && head[3] === 0xff;
}

/** Streams the record batches of an Arrow IPC file or stream, one at a time. */
export async function* readArrowBatches<T extends TypeMap = TypeMap>(path: string): AsyncGenerator<RecordBatch<T>, void, undefined> {
  const reader = await openArrowReader<T>(path);
  try {
    for await (const batch of reader) yield batch;
  } catch (error) {
    throw new TidepoolError('E_FORMAT_INVALID', `${path} is not a readable Arrow IPC file: ${(error as Error).message}. Re-create it, or convert it with pyarrow (pa.ipc.new_file).`, { path }, { cause: error });
  } finally {
    await reader.cancel();
  }
}

/** Reads only the schema of an Arrow IPC file. */
export async function readArrowSchema(path: string): Promise<Schema> {
  const reader = await openArrowReader(path);
  try {
    return reader.schema;
  } finally {
    await reader.cancel();
  }
}

async function openArrowReader<T extends TypeMap>(path: string) {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new TidepoolError('E_INPUT_MISSING', `cannot read ${path}: ${(error as Error).message}`, { path }, { cause: error });
  }
  try {
    const head = Buffer.alloc(8);
    await handle.read(head, 0, 8, 0);
    if (!looksLikeArrow(head)) {
      throw new TidepoolError('E_FORMAT_INVALID', `${path} is not an Arrow IPC file (no ARROW1 magic or stream marker at the start). Expected a file written by tidepool or pyarrow.`, { path });
    }
    // A FileHandle gives the reader random access: the file format is read batch by batch via its
    // footer instead of being buffered whole (which a Node stream source would do).
    const reader = await RecordBatchReader.from<T>(handle);
    await reader.open();
    return reader;
  } catch (error) {
    await handle.close().catch(() => undefined);
    if (error instanceof TidepoolError) throw error;
    throw new TidepoolError('E_FORMAT_INVALID', `${path} is not a readable Arrow IPC file: ${(error as Error).message}`, { path }, { cause: error });
  }
}
