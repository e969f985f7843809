/**
 * NumPy `.npy` I/O for embedding matrices: 2-D, C order, little-endian float32 (`<f4`) or float16
 * (`<f2`), header versions 1.0, 2.0 and 3.0 as in NumPy's format spec (`numpy.lib.format`).
 * Reads stream whole rows in bounded chunks or fill a caller's array with positional reads; writes
 * go to `<path>.partial` and are renamed into place, so a crash never leaves a truncated file under
 * the final name. float16 values travel as raw half bits in a Uint16Array (see `matrix.ts`).
 */
import { endianness } from 'node:os';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { InternalError, TidepoolError, writeFailure } from '../errors.js';

/** Element type of an `.npy` matrix tidepool reads and writes. */
export type NpyDtype = 'float32' | 'float16';

/** What {@link readNpyHeader} learned about a valid `.npy` matrix. */
export interface NpyHeader {
  path: string;
  dtype: NpyDtype;
  /** Number of rows (`shape[0]`). */
  rows: number;
  /** Values per row (`shape[1]`). */
  dim: number;
  /** Byte offset of the first value (magic + version + header length + header). */
  dataOffset: number;
  /** Major version of the header format. */
  version: 1 | 2 | 3;
}

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY
const ARRAY_ALIGN = 64;
const MAX_HEADER_BYTES = 1 << 20;
/** Target size of one chunk for streaming reads and writes. */
const CHUNK_BYTES = 16 * 1024 * 1024;
/** A single read/write call stays under libuv's 2 GiB limit. */
const MAX_IO_BYTES = 1 << 30;
const LITTLE_ENDIAN_HOST = endianness() === 'LE';
const ITEM_SIZE: Record<NpyDtype, 2 | 4> = { float32: 4, float16: 2 };
/** Accepted `descr` values; `=` means native order, which is little-endian only on a little-endian host. */
const DESCR_DTYPES: Record<string, NpyDtype> = LITTLE_ENDIAN_HOST ? { '<f4': 'float32', '<f2': 'float16', '=f4': 'float32', '=f2': 'float16' } : { '<f4': 'float32', '<f2': 'float16' };
const DTYPE_KINDS: Record<string, string> = { f: 'float', i: 'int', u: 'uint', c: 'complex', b: 'bool' };

/** Parses and validates the header of a 2-D C-order little-endian float32/float16 `.npy` file. */
export async function readNpyHeader(path: string): Promise<NpyHeader> {
  const handle = await openForRead(path);
  try {
    const prefix = Buffer.alloc(12);
    const prefixBytes = await readFully(handle, path, prefix, 0);
    if (prefixBytes < 10 || !prefix.subarray(0, 6).equals(MAGIC)) throw new TidepoolError('E_FORMAT_INVALID', `${path} is not a NumPy .npy file (it does not start with the magic bytes \\x93NUMPY). Save the matrix with np.save(path, arr).`, { path });
    const major = prefix[6]!;
    const minor = prefix[7]!;
    if ((major !== 1 && major !== 2 && major !== 3) || minor !== 0) throw new TidepoolError('E_FORMAT_INVALID', `${path} uses .npy format version ${major}.${minor}; tidepool reads 1.0, 2.0 and 3.0. Re-save it with np.save(path, arr).`, { path, major, minor });
    const lengthBytes = major === 1 ? 2 : 4;
    const headerLength = major === 1 ? prefix.readUInt16LE(8) : prefix.readUInt32LE(8);
    const dataOffset = 8 + lengthBytes + headerLength;
    if (headerLength > MAX_HEADER_BYTES) throw new TidepoolError('E_FORMAT_INVALID', `${path}: the .npy header claims ${headerLength} bytes (more than ${MAX_HEADER_BYTES}); the file is corrupt. Re-save it with np.save(path, arr).`, { path, headerLength });
    const headerBytes = Buffer.alloc(headerLength);
    if ((await readFully(handle, path, headerBytes, 8 + lengthBytes)) < headerLength) throw new TidepoolError('E_FORMAT_INVALID', `${path} is truncated inside its .npy header (expected ${dataOffset} header bytes). Re-create the file with np.save(path, arr).`, { path });
    const text = headerBytes.toString(major === 3 ? 'utf8' : 'latin1');
    const { dtype, rows, dim } = checkHeaderDict(path, parseHeaderDict(path, text));
    const rowBytes = dim * ITEM_SIZE[dtype];
    const expectedBytes = dataOffset + rows * rowBytes;
    if (!Number.isSafeInteger(expectedBytes)) throw new TidepoolError('E_FORMAT_INVALID', `${path}: shape (${rows}, ${dim}) is too large to address; the header is corrupt.`, { path, rows, dim });
    const { size } = await handle.stat();
    if (size < expectedBytes) {
      const firstIncompleteRow = Math.floor(Math.max(0, size - dataOffset) / rowBytes);
      throw new TidepoolError(
        'E_FORMAT_INVALID',
        `${path} is truncated: a (${rows}, ${dim}) ${dtype} matrix needs ${expectedBytes} bytes (${dataOffset}-byte header + ${rows} x ${rowBytes}-byte rows), found ${size}; row ${firstIncompleteRow} (0-based) is the first incomplete row. The file was probably cut off while being written or copied: re-create it with np.save(path, arr).`,
        { path, expectedBytes, foundBytes: size, firstIncompleteRow },
      );
    }
    return { path, dtype, rows, dim, dataOffset, version: major };
  } finally {
    await handle.close();
  }
}

/**
 * Streams the matrix in chunks of whole rows. Memory stays bounded: one chunk is being read ahead
 * while the caller holds the previous one; each chunk is a fresh array the caller may keep.
 * @param rowsPerChunk rows per chunk (the last one may be shorter)
 * @default rowsPerChunk chosen so that a chunk is about 16 MiB
 */
export async function* readNpyRows(
  header: NpyHeader,
  rowsPerChunk: number = Math.max(1, Math.floor(CHUNK_BYTES / (header.dim * ITEM_SIZE[header.dtype]))),
): AsyncGenerator<{ startRow: number; rows: number; values: Float32Array | Uint16Array }, void, undefined> {
  if (!Number.isSafeInteger(rowsPerChunk) || rowsPerChunk <= 0) throw new InternalError(`readNpyRows: rowsPerChunk must be a positive integer, got ${rowsPerChunk}`);
  const handle = await openForRead(header.path);
  const readChunk = async (startRow: number) => {
    const rows = Math.min(rowsPerChunk, header.rows - startRow);
    const values = header.dtype === 'float32' ? new Float32Array(rows * header.dim) : new Uint16Array(rows * header.dim);
    await readRowsWith(handle, header, startRow, rows, values, 0);
    return { startRow, rows, values };
  };
  const start = (startRow: number) => {
    const pending = readChunk(startRow);
    // The read-ahead may fail while the caller is busy with the previous chunk; it is awaited below.
    void pending.catch(() => undefined);
    return pending;
  };
  let next = header.rows > 0 ? start(0) : undefined;
  try {
    while (next !== undefined) {
      const chunk = await next;
      const following = chunk.startRow + chunk.rows;
      next = following < header.rows ? start(following) : undefined;
      yield chunk;
    }
  } finally {
    await next?.catch(() => undefined);
    await handle.close();
  }
}

/**
 * Reads rows `[startRow, startRow + rows)` into `target` at element offset `targetOffset`, with
 * positional reads, so several calls can fill disjoint shards of one (SharedArrayBuffer-backed)
 * array concurrently. `target` is a Float32Array for float32, a Uint16Array of half bits for float16.
 * @default targetOffset 0
 */
export async function readNpyRowsInto(header: NpyHeader, startRow: number, rows: number, target: Float32Array | Uint16Array, targetOffset = 0): Promise<void> {
  const handle = await openForRead(header.path);
  try {
    await readRowsWith(handle, header, startRow, rows, target, targetOffset);
  } finally {
    await handle.close();
  }
}

/**
 * Writes a 2-D float32 (Float32Array) or float16 (Uint16Array of half bits) matrix as `.npy`,
 * byte for byte as `np.save` would: version 1.0 header (2.0 if it would not fit), C order,
 * little-endian. Streams in chunks to `<path>.partial`, then renames it to `path`.
 */
export async function writeNpy(path: string, values: Float32Array | Uint16Array, rows: number, dim: number): Promise<void> {
  if (!Number.isSafeInteger(rows) || !Number.isSafeInteger(dim) || rows <= 0 || dim <= 0) throw new TidepoolError('E_SCHEMA', `cannot write ${path}: shape (${rows}, ${dim}) is not a non-empty 2-D matrix; tidepool only writes matrices with at least one row and one column.`, { path, rows, dim });
  if (values.length !== rows * dim) throw new InternalError(`writeNpy: ${values.length} values do not make a (${rows}, ${dim}) matrix`);
  const dtype: NpyDtype = values instanceof Float32Array ? 'float32' : 'float16';
  const descr = dtype === 'float32' ? '<f4' : '<f2';
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${rows}, ${dim}), }`;
  // np.save also appends spare spaces for in-place growth; for 2-D shapes they fall inside the 64-byte padding.
  const header = wrapNpyHeader(dict);
  const partialPath = `${path}.partial`;
  let handle: FileHandle;
  try {
    handle = await open(partialPath, 'w');
  } catch (error) {
    throw writeFailure(error, path);
  }
  try {
    await writeFully(handle, header, 0);
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    for (let offset = 0; offset < bytes.byteLength; offset += CHUNK_BYTES) {
      const piece = bytes.subarray(offset, offset + CHUNK_BYTES);
      await writeFully(handle, LITTLE_ENDIAN_HOST ? piece : swapToOtherOrder(piece.slice(), ITEM_SIZE[dtype]), header.byteLength + offset);
    }
    await handle.close();
    await rename(partialPath, path);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(partialPath, { force: true });
    throw writeFailure(error, path);
  }
}

/**
 * Wraps a header dict literal as NumPy does: magic, version, header length, the dict, space padding
 * and a final `\n` so that the data starts at a multiple of 64 bytes. Version 1.0 (uint16 length)
 * unless the header needs more than 65535 bytes, then 2.0 (uint32 length). Low-level; most callers
 * want {@link writeNpy}.
 */
export function wrapNpyHeader(dictLiteral: string): Uint8Array {
  const dict = Buffer.from(dictLiteral, 'latin1');
  const withNewline = dict.byteLength + 1;
  const padFor = (prefixBytes: number) => ARRAY_ALIGN - ((prefixBytes + withNewline) % ARRAY_ALIGN);
  const version = withNewline + padFor(10) > 0xffff ? 2 : 1;
  const prefixBytes = version === 1 ? 10 : 12;
  const headerLength = withNewline + padFor(prefixBytes);
  const out = Buffer.alloc(prefixBytes + headerLength, 0x20);
  MAGIC.copy(out, 0);
  out[6] = version;
  out[7] = 0;
  if (version === 1) out.writeUInt16LE(headerLength, 8);
  else out.writeUInt32LE(headerLength, 8);
  dict.copy(out, prefixBytes);
  out[out.byteLength - 1] = 0x0a;
  return out;
}

function parseHeaderDict(path: string, text: string): Record<string, unknown> {
  let dict: unknown;
  try {
    dict = parsePythonLiteral(text);
  } catch (error) {
    throw new TidepoolError('E_FORMAT_INVALID', `${path}: cannot parse the .npy header ${JSON.stringify(text.trim())}: ${(error as Error).message}. Re-save the file with np.save(path, arr).`, { path }, { cause: error });
  }
  if (typeof dict !== 'object' || dict === null || Array.isArray(dict) || Object.keys(dict).sort().join() !== 'descr,fortran_order,shape') throw new TidepoolError('E_FORMAT_INVALID', `${path}: the .npy header must be a dict with exactly the keys 'descr', 'fortran_order' and 'shape', found ${JSON.stringify(text.trim())}. Re-save the file with np.save(path, arr).`, { path });
  return dict as Record<string, unknown>;
}

function checkHeaderDict(path: string, { descr, fortran_order: fortranOrder, shape }: Record<string, unknown>): { dtype: NpyDtype; rows: number; dim: number } {
  if (!Array.isArray(shape) || !shape.every((n) => Number.isSafeInteger(n) && (n as number) >= 0) || typeof fortranOrder !== 'boolean') throw new TidepoolError('E_FORMAT_INVALID', `${path}: the .npy header has an invalid 'shape' or 'fortran_order' (shape must be a tuple of integers, fortran_order True or False). Re-save the file with np.save(path, arr).`, { path });
  const dims = shape as number[];
  const shapeText = `(${dims.join(', ')}${dims.length === 1 ? ',' : ''})`;
  const problems: string[] = [];
  const dtype = typeof descr === 'string' && Object.hasOwn(DESCR_DTYPES, descr) ? DESCR_DTYPES[descr] : undefined;
  if (dtype === undefined) problems.push(dtypeProblem(descr));
  if (dims.length !== 2) {
    problems.push(`shape ${shapeText} is ${dims.length}-D, expected a 2-D (rows, dim) matrix; fix: np.save(path, arr.reshape(len(arr), -1))`);
  } else if (dims[0] === 0 || dims[1] === 0) {
    problems.push(`shape ${shapeText} has no ${dims[0] === 0 ? 'rows' : 'columns'}; save a matrix with at least one row and one column (check arr.shape before np.save)`);
  }
  if (fortranOrder) problems.push(`the data is in Fortran (column-major) order, expected C (row-major) order; fix: np.save(path, np.ascontiguousarray(arr))`);
  if (dtype === undefined || problems.length > 0) throw new TidepoolError('E_SCHEMA', `${path} is not a matrix tidepool can read: ${problems.join('; ')}.`, { path, descr, shape: dims, fortranOrder });
  return { dtype, rows: dims[0]!, dim: dims[1]! };
}

function dtypeProblem(descr: unknown): string {
  const expected = `expected float32 ('<f4') or float16 ('<f2'), little-endian`;
  if (typeof descr !== 'string') {
    return `dtype ${JSON.stringify(descr)} is a structured dtype, ${expected}; fix: np.save(path, np.lib.recfunctions.structured_to_unstructured(arr, dtype=np.float32))`;
  }
  const match = /^([<>=|]?)([a-zA-Z])(\d+)$/.exec(descr);
  const kind = match === null ? undefined : DTYPE_KINDS[match[2]!];
  const name = match === null || kind === undefined ? 'an unsupported type' : kind === 'bool' ? 'bool' : `${kind}${Number(match[3]) * 8}`;
  const bigEndian = match?.[1] === '>' || (match?.[1] === '=' && !LITTLE_ENDIAN_HOST);
  const target = bigEndian && name === 'float16' ? 'np.float16' : 'np.float32';
  return `dtype '${descr}' is ${bigEndian ? 'big-endian ' : ''}${name}, ${expected}; fix: np.save(path, arr.astype(${target}))`;
}

async function readRowsWith(handle: FileHandle, header: NpyHeader, startRow: number, rows: number, target: Float32Array | Uint16Array, targetOffset: number): Promise<void> {
  const { path, dtype, dim } = header;
  const itemSize = ITEM_SIZE[dtype];
  if ((dtype === 'float32') !== target instanceof Float32Array) throw new InternalError(`readNpyRowsInto: ${path} holds ${dtype}, so the target must be a ${dtype === 'float32' ? 'Float32Array' : 'Uint16Array'}`);
  const inRange = (n: number) => Number.isSafeInteger(n) && n >= 0;
  if (!inRange(startRow) || !inRange(rows) || !inRange(targetOffset) || startRow + rows > header.rows || targetOffset + rows * dim > target.length) throw new InternalError(`readNpyRowsInto: rows [${startRow}, ${startRow + rows}) of ${path} (${header.rows} rows) at offset ${targetOffset} do not fit a target of ${target.length} values`);
  const bytes = new Uint8Array(target.buffer, target.byteOffset + targetOffset * itemSize, rows * dim * itemSize);
  const got = await readFully(handle, path, bytes, header.dataOffset + startRow * dim * itemSize);
  if (got < bytes.byteLength) throw new TidepoolError('E_FORMAT_INVALID', `${path} ended early: row ${startRow + Math.floor(got / (dim * itemSize))} (0-based) is incomplete. The file changed or was truncated after its header was read; re-create it with np.save(path, arr).`, { path });
  if (!LITTLE_ENDIAN_HOST) swapToOtherOrder(bytes, itemSize);
}

function swapToOtherOrder(bytes: Uint8Array, itemSize: 2 | 4): Uint8Array {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (itemSize === 2) view.swap16();
  else view.swap32();
  return bytes;
}

async function openForRead(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'r');
  } catch (error) {
    throw new TidepoolError('E_INPUT_MISSING', `cannot read ${path}: ${(error as Error).message}. Check the path to the .npy file.`, { path }, { cause: error });
  }
}

/** Reads until `target` is full or the file ends; returns the bytes read. */
async function readFully(handle: FileHandle, path: string, target: Uint8Array, position: number): Promise<number> {
  let done = 0;
  try {
    while (done < target.byteLength) {
      const { bytesRead } = await handle.read(target, done, Math.min(target.byteLength - done, MAX_IO_BYTES), position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
  } catch (error) {
    throw new TidepoolError('E_INPUT_MISSING', `cannot read ${path}: ${(error as Error).message}`, { path }, { cause: error });
  }
  return done;
}

async function writeFully(handle: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.byteLength) {
    const { bytesWritten } = await handle.write(bytes, done, Math.min(bytes.byteLength - done, MAX_IO_BYTES), position + done);
    done += bytesWritten;
  }
}

/** Python literal tokens that JSON spells differently: strings, True/False/None, Python 2 longs, tuple parentheses, trailing commas. */
const PYTHON_TO_JSON = /'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|\b(True|False|None)\b|\b(\d+)L\b|([()])|,(?=\s*[)\]}])/g;

/**
 * Evaluates the dict literal of an `.npy` header (the str/int/bool/tuple/list/dict subset of
 * Python that np.save writes, like ast.literal_eval) by rewriting it as JSON; tuples become arrays.
 */
function parsePythonLiteral(text: string): unknown {
  const json = text.replace(PYTHON_TO_JSON, (_match: string, single?: string, double?: string, word?: string, digits?: string, paren?: string) => {
    const quoted = single ?? double;
    if (quoted !== undefined) return JSON.stringify(quoted.replace(/\\(.)/g, '$1'));
    if (word !== undefined) return word === 'True' ? 'true' : word === 'False' ? 'false' : 'null';
    if (digits !== undefined) return digits;
    if (paren !== undefined) return paren === '(' ? '[' : ']';
    return ''; // a trailing comma, which JSON does not allow
  });
  return JSON.parse(json) as unknown;
}
