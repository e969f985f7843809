/**
 * The jsonl fast path: a chunk builder whose rows are parsed, filtered and hashed by the WebAssembly
 * scanner (assembly/jsonl-scan.ts) straight from the block's bytes into Arrow column buffers, with no
 * JavaScript strings or objects per record. Lines the scanner is not sure about go through the
 * JavaScript path ({@link ChunkTally.rawLine}); the result equals {@link ChunkBuilder}'s byte for byte
 * (a property test holds it to that).
 */
import type { Utf8Buffers } from '../store/columns.js';
import { CHUNK_STRING_COLUMNS, ChunkBuilder, ChunkTally, type ChunkOptions, type ChunkResult } from './chunk.js';
import type { FilterReason } from './core.js';
import type { PairFields } from './record.js';
import { WASM_BASE64 } from './wasm/jsonl-scan.wasm.js';

/** Filter reasons in the scanner's numbering (F_* in jsonl-scan.ts). */
const FILTER_REASONS: readonly FilterReason[] = ['language', 'code_chars_min', 'code_chars_max', 'code_lines_min', 'code_lines_max', 'docstring_words_min'];

/** Longest allowed-language name the scanner holds (bytes), and how many. */
const MAX_LANGUAGE_BYTES = 64;
const MAX_LANGUAGES = 64;

interface ScanExports {
  memory: WebAssembly.Memory;
  configure(minChars: number, maxChars: number, minLines: number, maxLines: number, minWords: number, maxLine: number): void;
  languageSlot(i: number): number;
  addLanguage(length: number): void;
  reserve(length: number): number;
  scratch(length: number): number;
  scan(from: number, end: number, firstLine: number): number;
  stoppedLine(): number;
  rowCount(): number;
  readCount(): number;
  filteredCount(reason: number): number;
  linesAt(): number;
  hashHiAt(): number;
  hashLoAt(): number;
  bytesAt(column: number): number;
  bytesUsed(column: number): number;
  offsetsAt(column: number): number;
  validityAt(column: number): number;
  nullCount(column: number): number;
  beginRow(): void;
  putString(column: number, from: number, length: number): void;
  putNull(column: number): void;
  commitRow(line: number): void;
}

let instanceForThread: ScanExports | undefined;

/** One scanner per thread, reused block after block (fresh memory per block would feed the GC). */
function sharedScanner(): ScanExports {
  if (instanceForThread === undefined) {
    const module = new WebAssembly.Module(Buffer.from(WASM_BASE64, 'base64'));
    instanceForThread = new WebAssembly.Instance(module).exports as unknown as ScanExports;
  }
  return instanceForThread;
}

/** Whether the scanner can apply these options itself (else every block takes the JavaScript path). */
export function scannerSupports(options: ChunkOptions): boolean {
  const languages = options.languages;
  if (languages === null) return true;
  return languages.length <= MAX_LANGUAGES && languages.every((l) => Buffer.byteLength(l) <= MAX_LANGUAGE_BYTES && /^[\x21-\x7e]*$/.test(l) && l === l.toLowerCase());
}

/** Builds a chunk from one jsonl block with the WebAssembly scanner. Not re-entrant (one scanner per thread). */
export class ScanChunkBuilder extends ChunkTally {
  private readonly wasm: ScanExports;
  private scanned = false;
  /** Lines the scanner left to the JavaScript path. */
  fallbacks = 0;

  constructor(options: ChunkOptions) {
    super(options);
    const w = (this.wasm = sharedScanner());
    w.configure(options.minCodeChars, options.maxCodeChars, options.minCodeLines, options.maxCodeLines, options.minDocstringWords, Math.min(options.maxLineBytes, 0xffffffff));
    for (const [i, language] of (options.languages ?? []).entries()) {
      const length = Buffer.from(w.memory.buffer).write(language, w.languageSlot(i), 'latin1');
      w.addLanguage(length);
    }
  }

  /** Parses a block of complete jsonl lines (the first is line `firstLine`). Call once. */
  jsonlBlock(bytes: Uint8Array, firstLine: number): void {
    if (this.scanned) throw new Error('ScanChunkBuilder takes one block');
    this.scanned = true;
    const w = this.wasm;
    const at = w.reserve(bytes.length);
    new Uint8Array(w.memory.buffer, at, bytes.length).set(bytes);
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let from = 0;
    let line = firstLine;
    while (from < bytes.length) {
      from = w.scan(from, bytes.length, line);
      if (from >= bytes.length) break;
      // The scanner stopped at a line it leaves to the JavaScript path.
      line = w.stoppedLine();
      this.fallbacks++;
      let end = buf.indexOf(0x0a, from);
      if (end === -1) end = buf.length;
      this.rawLine(buf, from, end, line);
      from = end + 1;
      line++;
    }
  }

  protected appendRow(fields: PairFields, line: number): void {
    const w = this.wasm;
    const values = [fields.language, fields.repo, fields.path, fields.funcName, fields.url, fields.docstring, fields.code];
    const worst = values.reduce((sum, v) => sum + (v === null ? 0 : v.length * 3), 0);
    const scratch = w.scratch(worst);
    const memory = Buffer.from(w.memory.buffer);
    w.beginRow();
    let at = scratch;
    for (const [column, value] of values.entries()) {
      if (value === null) {
        w.putNull(column);
      } else {
        const length = memory.write(value, at, 'utf8');
        w.putString(column, at, length);
        at += length;
      }
    }
    w.commitRow(line);
  }

  /**
   * The chunk's result, copied out of the scanner's memory; with `views`, views of that memory instead,
   * valid only until the thread's next block (for a caller that copies them at once, e.g. packChunk).
   */
  finish(views = false): ChunkResult {
    const w = this.wasm;
    const memory = w.memory.buffer;
    const rows = w.rowCount();
    const own = <T extends Uint8Array | Uint32Array | Int32Array>(view: T): T => (views ? view : (view.slice() as T));
    const copy32 = (at: number): Uint32Array => own(new Uint32Array(memory, at, rows));
    const columns = Object.fromEntries(
      CHUNK_STRING_COLUMNS.map((name, column): [string, Utf8Buffers] => {
        const nullCount = w.nullCount(column);
        return [name, {
          length: rows,
          nullCount,
          validity: nullCount > 0 ? own(new Uint8Array(memory, w.validityAt(column), Math.ceil(rows / 8))) : null,
          offsets: own(new Int32Array(memory, w.offsetsAt(column), rows + 1)),
          bytes: own(new Uint8Array(memory, w.bytesAt(column), w.bytesUsed(column))),
        }];
      }),
    ) as ChunkResult['columns'];
    const filteredByReason = { ...this.filteredByReason };
    for (const [index, reason] of FILTER_REASONS.entries()) {
      const n = w.filteredCount(index);
      if (n > 0) filteredByReason[reason] = (filteredByReason[reason] ?? 0) + n;
    }
    return {
      read: this.read + w.readCount(),
      rejects: this.rejects,
      filteredByReason,
      rows,
      lines: Float64Array.from(copy32(w.linesAt())),
      hashHi: copy32(w.hashHiAt()),
      hashLo: copy32(w.hashLoAt()),
      columns,
    };
  }
}

/**
 * Parses one jsonl block: with the scanner where it supports the options, else in JavaScript. With
 * `views`, a scanner result may be views of its memory, valid until this thread's next block.
 */
export function parseJsonlBlock(bytes: Uint8Array, firstLine: number, options: ChunkOptions, views = false): ChunkResult {
  if (!scannerSupports(options)) {
    const builder = new ChunkBuilder(options);
    builder.jsonlBlock(bytes, firstLine);
    return builder.finish();
  }
  const builder = new ScanChunkBuilder(options);
  builder.jsonlBlock(bytes, firstLine);
  return builder.finish(views);
}
