/**
 * JSON Lines reader, plain or gzip (detected by magic bytes): splits bytes into lines without ever
 * buffering more than one line, checks UTF-8, and turns every bad line into a reject instead of an error.
 * Shared by `ingest` (input pairs) and `export` (generated or kept records), so it lives in `store/`.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { createGunzip } from 'node:zlib';
import { pipeline, Transform, type Readable } from 'node:stream';
import { open } from 'node:fs/promises';
import { InternalError } from '../errors.js';

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
/** Characters of a bad line kept in the reject file when the line is too long to keep whole. */
const EXCERPT_BYTES = 256;

/** A parsed line, or why it could not be parsed (its 1-based line number either way). */
export type JsonlItem =
  | { kind: 'record'; line: number; value: unknown; /** The line it was parsed from. */ text: string }
  | { kind: 'reject'; line: number; reason: 'invalid_utf8' | 'invalid_json'; detail: string; raw: string };

/** Hooks a reader calls while it works. */
export interface ReadHooks {
  /** Bytes of the input file consumed so far (for progress). */
  onBytes?: ((bytesSoFar: number) => void) | undefined;
}

/** Result of reading a jsonl file (or a byte range of one). */
export interface JsonlDigest {
  /** SHA-256 of the raw (compressed) bytes read: the whole file's only when no byte range was given. */
  sha256: string;
  bytes: number;
  /** Lines read (a last line without a newline counts): a range's count turns its line numbers into the file's. */
  lines: number;
}

/**
 * A byte range `[start, end)` of a plain (uncompressed) jsonl file. It owns the lines that START in it:
 * a reader skips to after the first newline at or after `start - 1` (nothing when `start` is 0) and
 * reads through the newline of the line that straddles `end`, so the ranges of a split own every line
 * exactly once, wherever the cuts fall.
 */
export interface ByteRange {
  start: number;
  end: number;
}

/** Bytes per read: blocks cut at multiples of it (see {@link readJsonlBlocks}) start on a read boundary. */
const READ_BYTES = 1 << 20;

/** Whether `path` is gzip-compressed (by its magic bytes, whatever it is called). */
export async function isGzipFile(path: string): Promise<boolean> {
  const head = Buffer.alloc(2);
  const handle = await open(path, 'r');
  try {
    await handle.read(head, 0, 2, 0);
  } finally {
    await handle.close();
  }
  return head[0] === 0x1f && head[1] === 0x8b;
}

function isBlank(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c !== 0x20 && c !== 0x09 && c !== CARRIAGE_RETURN) return false;
  }
  return true;
}

/** Parses one complete line (without its newline) into an item, or null for a blank line. */
export function parseLine(buf: Buffer, start: number, end: number, line: number): JsonlItem | null {
  if (end > start && buf[end - 1] === CARRIAGE_RETURN) end--;
  if (isBlank(buf, start, end)) return null;
  const bytes = buf.subarray(start, end);
  if (!isUtf8(bytes)) {
    return { kind: 'reject', line, reason: 'invalid_utf8', detail: 'line is not valid UTF-8; re-encode the file as UTF-8', raw: bytes.toString('utf8') };
  }
  const text = bytes.toString('utf8');
  try {
    return { kind: 'record', line, value: JSON.parse(text) as unknown, text };
  } catch (error) {
    return { kind: 'reject', line, reason: 'invalid_json', detail: (error as Error).message, raw: text };
  }
}

/** A piece of a jsonl file: a block of complete lines to parse, or a line that could not be read at all. */
export type JsonlPiece =
  | { kind: 'block'; bytes: Buffer; firstLine: number }
  | { kind: 'reject'; line: number; reason: 'line_too_long' | 'truncated_gzip' | 'corrupt_gzip'; detail: string; raw: string };

/** Bytes of complete lines gathered before a block is handed out. @default 4 MiB */
export const DEFAULT_BLOCK_BYTES = 4 * 1024 * 1024;

function countNewlines(buf: Buffer): number {
  let n = 0;
  for (let at = buf.indexOf(NEWLINE); at !== -1; at = buf.indexOf(NEWLINE, at + 1)) n++;
  return n;
}

/** The UTF-8 byte order mark some editors (and Windows tools) put at the start of a text file. */
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Passes the (decompressed) bytes of a file on without a UTF-8 byte order mark at its start: it is not
 * part of the first line, and left in it would make that line invalid JSON.
 */
async function* withoutBom(source: AsyncIterable<Buffer>, onStrip: () => void): AsyncGenerator<Buffer, void, undefined> {
  let head: Buffer | undefined = Buffer.alloc(0); // the first bytes, until there are enough to tell
  for await (const chunk of source) {
    if (head === undefined) {
      yield chunk;
      continue;
    }
    head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
    if (head.length < UTF8_BOM.length && UTF8_BOM.subarray(0, head.length).equals(head)) continue;
    const bom = head.subarray(0, UTF8_BOM.length).equals(UTF8_BOM);
    const rest = bom ? head.subarray(UTF8_BOM.length) : head;
    if (bom) onStrip();
    head = undefined;
    yield rest;
  }
  if (head !== undefined && head.length > 0) yield head; // a file shorter than a BOM
}

/** Hands out memory for blocks: each block gets a buffer of its own (transferable, or a shared slot). */
export type BlockAllocator = (bytes: number) => ArrayBufferLike;

const freshBlock: BlockAllocator = (bytes) => new ArrayBuffer(bytes);

/** Concatenates pieces into the start of a block buffer from `allocate`. */
function ownedConcat(pieces: Buffer[], bytes: number, allocate: BlockAllocator = freshBlock): Buffer {
  const out = Buffer.from(allocate(bytes), 0, bytes);
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}

/**
 * Reads a .jsonl or .jsonl.gz file (gzip detected by magic bytes) as blocks of complete lines, in order.
 * Never holds more than one block plus one line (a line over `maxLineBytes` is skipped, not buffered).
 * A UTF-8 byte order mark at the start of the (decompressed) text is dropped.
 * Blocks are cut by position, not by what was read when: a block ends with the line that straddles a
 * multiple of `blockBytes` (or at an over-long line), so reading a `range` whose start is such a multiple
 * gives exactly the blocks an unsharded read gives there; a range's line numbers count from its first line.
 * `digest` receives the SHA-256 of the raw bytes read and the lines read once it has read as far as it could.
 * @throws InternalError when `range` is given for a gzip file (it has no byte ranges of lines).
 */
export async function* readJsonlBlocks(
  path: string,
  maxLineBytes: number,
  hooks: ReadHooks = {},
  digest?: (result: JsonlDigest) => void,
  blockBytes: number = DEFAULT_BLOCK_BYTES,
  allocate: BlockAllocator = freshBlock,
  range?: ByteRange,
): AsyncGenerator<JsonlPiece[], void, undefined> {
  const gzip = await isGzipFile(path);
  if (gzip && range !== undefined) throw new InternalError(`byte range of a gzip file requested: ${path}`);
  const hash = createHash('sha256');
  let rawBytes = 0;
  const hasher = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      rawBytes += chunk.length;
      hash.update(chunk);
      hooks.onBytes?.(rawBytes);
      callback(null, chunk);
    },
  });
  // A range starts reading on a read boundary, so its reads (and where an over-long line is noticed,
  // see below) are those of a read of the whole file.
  const readStart = range === undefined || range.start === 0 ? 0 : Math.floor((range.start - 1) / READ_BYTES) * READ_BYTES;
  const file = createReadStream(path, { highWaterMark: READ_BYTES, start: readStart });
  const stages: NodeJS.ReadWriteStream[] = gzip ? [hasher, createGunzip({ chunkSize: READ_BYTES })] : [hasher];
  const source = stages.at(-1) as unknown as Readable;
  pipeline([file, ...stages], () => undefined); // errors surface through iterating `source`

  let blockPieces: Buffer[] = [];
  let blockLength = 0;
  let blockFirstLine = 1;
  let partialPieces: Buffer[] = [];
  let partialLength = 0;
  let skipping = false; // inside an over-long line, discarding until its newline
  let excerpt = '';
  const tooLong = `line exceeds ${maxLineBytes} bytes (--max-line-bytes); raise the limit if such lines are real`;
  /** Position in the (decompressed) text of the next byte read. */
  let position = readStart;
  /** Whether the range's first line has been reached (always, without a range or from its start). */
  let owned = readStart === 0 && (range === undefined || range.start === 0);
  /** The block in progress ends with the first newline at or after `nextCut - 1`. */
  let nextCut = blockBytes;
  let ended = false;

  const flushBlock = (out: JsonlPiece[]): void => {
    if (blockLength === 0) return;
    const bytes = ownedConcat(blockPieces, blockLength, allocate);
    out.push({ kind: 'block', bytes, firstLine: blockFirstLine });
    blockFirstLine += countNewlines(bytes) + (bytes[bytes.length - 1] === NEWLINE ? 0 : 1);
    blockPieces = [];
    blockLength = 0;
  };
  const addToBlock = (piece: Buffer): void => {
    if (piece.length === 0) return;
    blockPieces.push(piece);
    blockLength += piece.length;
  };
  /** Takes bytes that follow the ones taken before: ends the line in progress at their first newline. */
  const take = (piece: Buffer): void => {
    if (piece.length === 0) return;
    const firstNewline = piece.indexOf(NEWLINE);
    if (firstNewline === -1) {
      if (!skipping) {
        partialPieces.push(piece);
        partialLength += piece.length;
      }
      return;
    }
    if (skipping) {
      blockFirstLine++; // the skipped line
      skipping = false;
    } else {
      for (const partial of partialPieces) addToBlock(partial);
      addToBlock(piece.subarray(0, firstNewline + 1));
    }
    const lastNewline = piece.lastIndexOf(NEWLINE);
    addToBlock(piece.subarray(firstNewline + 1, lastNewline + 1));
    partialPieces = lastNewline + 1 < piece.length ? [piece.subarray(lastNewline + 1)] : [];
    partialLength = piece.length - lastNewline - 1;
  };
  /** Takes a read that starts at a line start or inside the line in progress; true once the range's last line is taken. */
  const takeRead = (chunk: Buffer, at: number, out: JsonlPiece[]): boolean => {
    let from = 0;
    while (from < chunk.length) {
      const cutAt = Math.max(from, nextCut - 1 - at);
      const stopAt = range === undefined ? Infinity : Math.max(from, range.end - 1 - at);
      const searchFrom = Math.min(cutAt, stopAt);
      if (searchFrom >= chunk.length) break;
      const newline = chunk.indexOf(NEWLINE, searchFrom);
      if (newline === -1) break;
      take(chunk.subarray(from, newline + 1));
      from = newline + 1;
      if (at + newline >= nextCut - 1) {
        flushBlock(out);
        while (nextCut - 1 <= at + newline) nextCut += blockBytes;
      }
      if (range !== undefined && at + newline >= range.end - 1) return true;
    }
    take(chunk.subarray(from));
    return false;
  };

  // A byte order mark is only ever at the start of the file.
  const reads = readStart === 0 ? withoutBom(source as AsyncIterable<Buffer>, () => (position += UTF8_BOM.length)) : (source as AsyncIterable<Buffer>);
  if (range !== undefined && range.end <= range.start) ended = true; // an empty range owns no line
  try {
    for await (const read of reads) {
      if (ended) break;
      let chunk = read;
      let at = position;
      position += read.length;
      if (!owned) {
        // Skip the line that started before the range (the previous range's), through its newline.
        const from = Math.max(0, range!.start - 1 - at);
        const newline = from < chunk.length ? chunk.indexOf(NEWLINE, from) : -1;
        if (newline === -1) continue;
        chunk = chunk.subarray(newline + 1);
        at += newline + 1;
        owned = true;
        nextCut = (Math.floor(at / blockBytes) + 1) * blockBytes;
        if (at >= range!.end) break; // the range holds no line start
      }
      const out: JsonlPiece[] = [];
      ended = takeRead(chunk, at, out);
      if (!ended && !skipping && partialLength > maxLineBytes) {
        // Everything before the long line goes first, so pieces stay in line order.
        flushBlock(out);
        excerpt = ownedConcat(partialPieces, partialLength).subarray(0, EXCERPT_BYTES).toString('utf8');
        out.push({ kind: 'reject', line: blockFirstLine, reason: 'line_too_long', detail: tooLong, raw: excerpt });
        skipping = true;
        partialPieces = [];
        partialLength = 0;
      }
      if (out.length > 0) yield out;
      if (ended) break;
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'Z_BUF_ERROR' && code !== 'Z_DATA_ERROR') throw error;
    // The compressed stream ended early or is corrupt: the complete lines before it are kept,
    // whatever was being read when it broke is rejected.
    const out: JsonlPiece[] = [];
    flushBlock(out);
    const truncated = code === 'Z_BUF_ERROR';
    const line = blockFirstLine;
    out.push({
      kind: 'reject',
      line,
      reason: truncated ? 'truncated_gzip' : 'corrupt_gzip',
      detail: truncated
        ? `gzip stream ends early at line ${line} (${(error as Error).message}); the file was cut short: download or copy it again`
        : `gzip data is corrupt at line ${line} (${(error as Error).message}); the rest of the file was not read: download or copy it again`,
      raw: skipping ? excerpt : ownedConcat(partialPieces, partialLength).subarray(0, EXCERPT_BYTES).toString('utf8'),
    });
    yield out;
    digest?.({ sha256: hash.digest('hex'), bytes: rawBytes, lines: line });
    return;
  } finally {
    file.destroy();
  }
  const out: JsonlPiece[] = [];
  if (!skipping) for (const piece of partialPieces) addToBlock(piece);
  flushBlock(out);
  if (out.length > 0) yield out;
  digest?.({ sha256: hash.digest('hex'), bytes: rawBytes, lines: blockFirstLine - 1 + (skipping ? 1 : 0) }); // an over-long last line is still a line
}
