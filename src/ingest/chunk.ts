/**
 * The parallel half of ingest's pure core: turns a block of input (jsonl bytes or parsed records)
 * into candidate rows (validated, filtered, hashed, already laid out as Arrow column buffers) plus
 * rejects and filter counts. Runs in worker threads; de-duplication stays on the main thread so the
 * output does not depend on scheduling.
 */
import { isAscii } from 'node:buffer';
import { Utf8ColumnBuilder, type Utf8Buffers } from '../store/columns.js';
import { filterReason, type FilterReason } from './core.js';
import { ContentHasher } from './content-hash.js';
import type { ResolvedIngestOptions } from './options.js';
import { rawJson, toPairFields, type PairFields, type RejectReason } from './record.js';
import { parseLine } from '../store/jsonl.js';

/** A bad record as found in a chunk. */
export interface ChunkReject {
  line: number;
  reason: RejectReason;
  field?: string;
  detail: string;
  raw?: string;
}

/** String columns of candidate rows, in `pairs.arrow` order. */
export const CHUNK_STRING_COLUMNS = ['language', 'repo', 'path', 'funcName', 'url', 'docstring', 'code', 'contentHash'] as const;
type StringColumn = (typeof CHUNK_STRING_COLUMNS)[number];

/** What one chunk yields. All typed arrays are transferable. */
export interface ChunkResult {
  /** Records seen (blank lines excluded). */
  read: number;
  rejects: ChunkReject[];
  filteredByReason: Partial<Record<FilterReason, number>>;
  /** Candidate rows: passed validation and filters, not yet de-duplicated. */
  rows: number;
  lines: Float64Array;
  hashHi: Uint32Array;
  hashLo: Uint32Array;
  columns: Record<StringColumn, Utf8Buffers>;
  /** The input block's memory, handed back for reuse (jsonl only). */
  block?: ArrayBuffer;
}

/** The options a chunk needs. */
export type ChunkOptions = Pick<ResolvedIngestOptions, 'languages' | 'minCodeLines' | 'maxCodeLines' | 'minCodeChars' | 'maxCodeChars' | 'minDocstringWords' | 'maxLineBytes'>;

/** Bytes of an over-long line kept in the reject file. */
const EXCERPT_BYTES = 256;

/** Same definition of a blank line as the byte path's (spaces, tabs, carriage returns). */
const BLANK_LINE = /^[ \t\r]*$/;

let hasherForThread: ContentHasher | undefined;
function sharedHasher(): ContentHasher {
  return (hasherForThread ??= new ContentHasher());
}

/**
 * The tally of one chunk (records read, rejects, filter counts) and the per-record decisions: where
 * rows go is up to the subclass ({@link ChunkBuilder} in JavaScript, ScanChunkBuilder in WebAssembly).
 */
export abstract class ChunkTally {
  protected read = 0;
  protected readonly rejects: ChunkReject[] = [];
  protected readonly filteredByReason: Partial<Record<FilterReason, number>> = {};

  constructor(protected readonly options: ChunkOptions) {}

  /** Records a bad record. */
  reject(reject: ChunkReject): void {
    this.read++;
    this.rejects.push(reject);
  }

  /**
   * Validates and filters one parsed record, then appends it as a candidate row. `text` is the line it
   * was parsed from (jsonl): a reject keeps it as is, since writing the value back out can fail (a
   * bigint, an array nested 100,000 deep overflows `JSON.stringify`'s stack).
   */
  record(value: unknown, line: number, text?: string): void {
    const result = toPairFields(value);
    if (!result.ok) {
      const raw = text ?? rawJson(value);
      this.reject({ line, reason: result.problem.reason, ...(result.problem.field === undefined ? {} : { field: result.problem.field }), detail: result.problem.detail, ...(raw === undefined ? {} : { raw }) });
      return;
    }
    this.read++;
    const reason = filterReason(result.fields, this.options);
    if (reason !== null) {
      this.filteredByReason[reason] = (this.filteredByReason[reason] ?? 0) + 1;
      return;
    }
    this.appendRow(result.fields, line);
  }

  /** Handles one raw jsonl line: bytes [start, end) of `buf`, `end` at its newline or the block end. */
  protected rawLine(buf: Buffer, start: number, end: number, line: number): void {
    const contentEnd = end > start && buf[end - 1] === 0x0d ? end - 1 : end;
    if (contentEnd - start > this.options.maxLineBytes) {
      this.reject({ line, reason: 'line_too_long', detail: `line exceeds ${this.options.maxLineBytes} bytes (--max-line-bytes)`, raw: buf.subarray(start, Math.min(contentEnd, start + EXCERPT_BYTES)).toString('utf8') });
      return;
    }
    const item = parseLine(buf, start, end, line);
    if (item?.kind === 'record') this.record(item.value, line, item.text);
    else if (item?.kind === 'reject') this.reject({ line, reason: item.reason, detail: item.detail, raw: item.raw });
  }

  /** Appends a candidate row (validated, filtered, language normalised). */
  protected abstract appendRow(fields: PairFields, line: number): void;
}

/** Builds a chunk's rows in JavaScript: the reference for the jsonl fast path, and the path of parsed records. */
export class ChunkBuilder extends ChunkTally {
  private readonly lines: number[] = [];
  private readonly hashHi: number[] = [];
  private readonly hashLo: number[] = [];
  private readonly builders = Object.fromEntries(CHUNK_STRING_COLUMNS.map((name) => [name, new Utf8ColumnBuilder()])) as Record<StringColumn, Utf8ColumnBuilder>;

  constructor(
    options: ChunkOptions,
    private readonly hasher: ContentHasher = sharedHasher(),
  ) {
    super(options);
  }

  protected appendRow(fields: PairFields, line: number): void {
    const hasher = this.hasher;
    const codeBytes = hasher.hash(fields.code);
    const hi = hasher.hi;
    const lo = hasher.lo;
    this.lines.push(line);
    this.hashHi.push(hi);
    this.hashLo.push(lo);
    const b = this.builders;
    b.language.append(fields.language);
    b.repo.append(fields.repo);
    b.path.append(fields.path);
    b.funcName.append(fields.funcName);
    b.url.append(fields.url);
    b.docstring.append(fields.docstring);
    b.code.appendBytes(codeBytes);
    b.contentHash.appendHex64(hi, lo);
  }

  /** Splits a block of complete jsonl lines (the first is line `firstLine`) and adds each. */
  jsonlBlock(bytes: Uint8Array, firstLine: number): void {
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    // Fast path: an all-ASCII block is decoded once (a plain byte copy) and split as a string ("\n" is
    // one byte and one code unit, so line numbers agree). A block with any other character is decoded
    // line by line: decoding it whole would make every line a two-byte string, 3x slower to decode
    // and to parse, for the sake of the ~1% of lines that need it.
    if (isAscii(buf)) this.jsonlText(buf.toString('latin1'), firstLine);
    else this.jsonlBytes(buf, firstLine);
  }

  private jsonlText(text: string, firstLine: number): void {
    const maxLineBytes = this.options.maxLineBytes;
    let line = firstLine;
    for (let start = 0; start < text.length; line++) {
      let end = text.indexOf('\n', start);
      if (end === -1) end = text.length;
      const content = text.slice(start, end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end);
      start = end + 1;
      // A UTF-16 unit is at most 3 UTF-8 bytes: count bytes only when the limit could be exceeded.
      if (content.length * 3 > maxLineBytes && Buffer.byteLength(content) > maxLineBytes) {
        this.reject({ line, reason: 'line_too_long', detail: `line exceeds ${maxLineBytes} bytes (--max-line-bytes)`, raw: Buffer.from(content).subarray(0, EXCERPT_BYTES).toString('utf8') });
        continue;
      }
      const first = content.charCodeAt(0);
      if (first !== 0x7b && BLANK_LINE.test(content)) continue; // blank line: not a record
      let value: unknown;
      try {
        value = JSON.parse(content);
      } catch (error) {
        this.reject({ line, reason: 'invalid_json', detail: (error as Error).message, raw: content });
        continue;
      }
      this.record(value, line, content);
    }
  }

  private jsonlBytes(buf: Buffer, firstLine: number): void {
    let line = firstLine;
    for (let start = 0; start < buf.length; line++) {
      let end = buf.indexOf(0x0a, start);
      if (end === -1) end = buf.length;
      this.rawLine(buf, start, end, line);
      start = end + 1;
    }
  }

  /** The chunk's result; the builder must not be used afterwards. */
  finish(): ChunkResult {
    const columns = Object.fromEntries(CHUNK_STRING_COLUMNS.map((name) => [name, this.builders[name].finishBuffers()])) as Record<StringColumn, Utf8Buffers>;
    return {
      read: this.read,
      rejects: this.rejects,
      filteredByReason: this.filteredByReason,
      rows: this.lines.length,
      lines: Float64Array.from(this.lines),
      hashHi: Uint32Array.from(this.hashHi),
      hashLo: Uint32Array.from(this.hashLo),
      columns,
    };
  }
}

/** The buffers of a chunk result, for a transfer list. */
export function chunkTransferList(result: ChunkResult): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>([result.lines.buffer, result.hashHi.buffer, result.hashLo.buffer] as ArrayBuffer[]);
  if (result.block !== undefined) buffers.add(result.block);
  for (const column of Object.values(result.columns)) {
    buffers.add(column.offsets.buffer as ArrayBuffer);
    buffers.add(column.bytes.buffer as ArrayBuffer);
    if (column.validity) buffers.add(column.validity.buffer as ArrayBuffer);
  }
  return [...buffers];
}
