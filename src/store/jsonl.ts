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

/** Result of reading a jsonl file: its SHA-256 over the raw (compressed) bytes. */
export interface JsonlDigest {
  sha256: string;
  bytes: number;
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
async function* withoutBom(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer, void, undefined> {
  let head: Buffer | undefined = Buffer.alloc(0); // the first bytes, until there are enough to tell
  for await (const chunk of source) {
    if (head === undefined) {
      yield chunk;
      continue;
    }
    head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
    if (head.length < UTF8_BOM.length && UTF8_BOM.subarray(0, head.length).equals(head)) continue;
    const rest = head.subarray(0, UTF8_BOM.length).equals(UTF8_BOM) ? head.subarray(UTF8_BOM.length) : head;
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
 * `digest` receives the SHA-256 of the raw file bytes once the file has been read as far as it could be.
 */
export async function* readJsonlBlocks(
  path: string,
  maxLineBytes: number,
  hooks: ReadHooks = {},
  digest?: (result: JsonlDigest) => void,
  blockBytes: number = DEFAULT_BLOCK_BYTES,
  allocate: BlockAllocator = freshBlock,
): AsyncGenerator<JsonlPiece[], void, undefined> {
  // Detect gzip by its magic bytes, whatever the file is called.
  const head = Buffer.alloc(2);
  const handle = await open(path, 'r');
  try {
    await handle.read(head, 0, 2, 0);
  } finally {
    await handle.close();
  }
  const gzip = head[0] === 0x1f && head[1] === 0x8b;
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
  const file = createReadStream(path, { highWaterMark: 1 << 20 });
  const stages: NodeJS.ReadWriteStream[] = gzip ? [hasher, createGunzip({ chunkSize: 1 << 20 })] : [hasher];
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

  try {
    for await (const chunk of withoutBom(source as AsyncIterable<Buffer>)) {
      const out: JsonlPiece[] = [];
      const firstNewline = chunk.indexOf(NEWLINE);
      if (firstNewline === -1) {
        if (!skipping) {
          partialPieces.push(chunk);
          partialLength += chunk.length;
        }
      } else {
        // The chunk's first newline ends the line in progress.
        if (skipping) {
          blockFirstLine++; // the skipped line
          skipping = false;
        } else {
          for (const piece of partialPieces) addToBlock(piece);
          addToBlock(chunk.subarray(0, firstNewline + 1));
        }
        const lastNewline = chunk.lastIndexOf(NEWLINE);
        addToBlock(chunk.subarray(firstNewline + 1, lastNewline + 1));
        partialPieces = lastNewline + 1 < chunk.length ? [chunk.subarray(lastNewline + 1)] : [];
        partialLength = chunk.length - lastNewline - 1;
        if (blockLength >= blockBytes) flushBlock(out);
      }
      if (!skipping && partialLength > maxLineBytes) {
        // Everything before the long line goes first, so pieces stay in line order.
        flushBlock(out);
        excerpt = ownedConcat(partialPieces, partialLength).subarray(0, EXCERPT_BYTES).toString('utf8');
        out.push({ kind: 'reject', line: blockFirstLine, reason: 'line_too_long', detail: tooLong, raw: excerpt });
        skipping = true;
        partialPieces = [];
        partialLength = 0;
      }
      if (out.length > 0) yield out;
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
    digest?.({ sha256: hash.digest('hex'), bytes: rawBytes });
    return;
  } finally {
    file.destroy();
  }
  const out: JsonlPiece[] = [];
  if (!skipping) for (const piece of partialPieces) addToBlock(piece); // a last line without a newline
  flushBlock(out);
  if (out.length > 0) yield out;
  digest?.({ sha256: hash.digest('hex'), bytes: rawBytes });
}
