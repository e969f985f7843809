/**
 * `rejects.jsonl`: one line per bad record, and one per input file left out as a whole. Also decides
 * which errors are a file's own problem (damaged, unreadable: that file is rejected, the run goes on)
 * rather than the run's (output, interruption, bugs: the run stops).
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { TidepoolError } from '../errors.js';
import type { FileRejectReason, RejectReason } from './record.js';

/** File name of the reject log. */
export const REJECTS_FILE = 'rejects.jsonl';

/** One line of `rejects.jsonl` for a bad record. */
export interface RejectRecord {
  file: string;
  line: number;
  reason: RejectReason;
  field?: string;
  detail: string;
  /** The offending line or an excerpt of it, so nothing is lost. */
  raw?: string;
}

/** One line of `rejects.jsonl` for an input file that could not be read (it has no `line`). */
export interface FileRejectRecord {
  file: string;
  reason: FileRejectReason;
  detail: string;
  /** Records read from the file before the problem (processed as usual: kept, filtered or rejected). */
  recordsRead: number;
}

/** Appends reject lines to a file. */
export class RejectLog {
  private readonly stream: WriteStream;
  constructor(readonly path: string) {
    this.stream = createWriteStream(path);
  }
  async write(record: RejectRecord | FileRejectRecord): Promise<void> {
    if (!this.stream.write(`${JSON.stringify(record)}\n`)) await once(this.stream, 'drain');
  }
  async close(): Promise<void> {
    this.stream.end();
    await once(this.stream, 'finish');
  }
}

/** System errors that mean the input file itself cannot be read. */
const UNREADABLE_FILE_ERRNO = new Set(['ENOENT', 'EACCES', 'EPERM', 'EISDIR', 'EIO', 'ELOOP', 'ENXIO']);

/**
 * Whether an error raised while reading an input is that file's own problem: not a readable Parquet or
 * Arrow file, or not readable at all. Anything else (an output error, an interruption, a bug) stops the run.
 */
export function isFileProblem(error: unknown): boolean {
  if (error instanceof TidepoolError) return error.code === 'E_FORMAT_INVALID' || error.code === 'E_INPUT_MISSING';
  const code = (error as NodeJS.ErrnoException | null | undefined)?.code;
  return typeof code === 'string' && UNREADABLE_FILE_ERRNO.has(code);
}

/** The error when no input file could be read: one clear error for one file, every reason for several. */
export function everyFileRejected(rejected: readonly { file: string; error: unknown }[]): TidepoolError {
  const only = rejected.length === 1 ? rejected[0]!.error : undefined;
  if (only instanceof TidepoolError) return only;
  const format = rejected.some(({ error }) => error instanceof TidepoolError && error.code === 'E_FORMAT_INVALID');
  const reasons = rejected.map(({ file, error }) => `  ${file}: ${(error as Error).message}`).join('\n');
  return new TidepoolError(
    format ? 'E_FORMAT_INVALID' : 'E_INPUT_MISSING',
    `no input could be read: ${rejected.length === 1 ? 'the input file was' : `all ${rejected.length} input files were`} rejected:\n${reasons}\nRepair or replace ${rejected.length === 1 ? 'it' : 'them'} (or leave them out) and rerun.`,
    { files: rejected.map(({ file, error }) => ({ file, detail: (error as Error).message })) },
  );
}
