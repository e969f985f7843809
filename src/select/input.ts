/**
 * Loads the embedding matrix for selection into one working copy (float32, or float16 with
 * `--precision fp16`), from a NumPy `.npy` file or an Arrow embeddings file (`row_id` +
 * `FixedSizeList<Float32|Float16>` column), checking every row. A float32 `.npy` selected at fp32 is
 * mapped read-only where the mmap addon is built (store/mapped-file.ts): the working copy is the file.
 * The row check ({@link checkedChunk}) and the Arrow batch reader ({@link arrowChunks}) also serve the
 * streamed input (`disk-copy.ts`).
 */
import { TidepoolError } from '../errors.js';
import { readArrowBatches, readArrowSchema } from '../store/arrow-file.js';
import { declaredValues, embeddingMatrix } from '../store/embeddings.js';
import { float32ArrayToHalf, halfArrayToFloat32 } from '../store/matrix.js';
import { mapFileRange, type MappedRange } from '../store/mapped-file.js';
import { readNpyHeader, readNpyRows, readNpyRowsInto, type NpyHeader } from '../store/npy.js';
import type { Precision } from './options.js';
import { emptyWorkingCopy, type WorkingCopy } from './working-copy.js';

/** The matrix selection works on. */
export interface SelectionInput {
  path: string;
  format: 'npy' | 'arrow';
  n: number;
  d: number;
  /** Row-major n x d working copy: float32, or float16 bits with `--precision fp16`. */
  points: WorkingCopy;
  /** `row_id` of each row (the row index for .npy). */
  rowIds: Float64Array;
  /** Storage type in the file. */
  storedAs: 'float32' | 'float16';
  /** Squared norm of every row (float64 sums rounded to float32), computed while loading. */
  norms: Float32Array;
  /** Whether `points` is the file itself, mapped read-only (a float32 `.npy` at fp32), not a copy. */
  mapped: boolean;
}

/** How {@link loadSelectionInput} may load the rows. */
export interface LoadOptions {
  /** Map a float32 `.npy` read-only in place of copying it, where the mmap addon is built. @default true */
  map?: boolean;
}

/**
 * Writes the squared norms of `values`' rows into `norms` at `firstRow`, and throws naming the first row
 * that holds NaN or Inf: a float64 sum of squares of float32 values is finite exactly when they all are.
 */
function normsAndCheck(values: Float32Array, dim: number, firstRow: number, norms: Float32Array, path: string): void {
  const rows = values.length / dim;
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let j = r * dim; j < (r + 1) * dim; j++) sum += values[j]! * values[j]!;
    if (!Number.isFinite(sum)) {
      throw new TidepoolError('E_BAD_RECORD', `${path}: row ${firstRow + r} holds NaN or Inf; every embedding must be finite. Re-embed that row or drop it before selecting.`, { path, row: firstRow + r });
    }
    norms[firstRow + r] = sum;
  }
}

/**
 * One chunk of stored values as the working copy holds them (rounded to float16 when `precision` is
 * fp16: then the float16 values are what every distance is computed on), with its rows' squared norms
 * written into `norms` at `firstRow`; throws naming the first bad row.
 */
export function checkedChunk(chunk: WorkingCopy, precision: Precision, dim: number, firstRow: number, norms: Float32Array, path: string): WorkingCopy {
  if (precision === 'fp32') {
    const wide = chunk.precision === 'fp32' ? chunk.values : halfArrayToFloat32(chunk.values);
    normsAndCheck(wide, dim, firstRow, norms, path);
    return { precision, values: wide };
  }
  const half = chunk.precision === 'fp16' ? chunk.values : float32ArrayToHalf(chunk.values);
  const wide = halfArrayToFloat32(half);
  if (chunk.precision === 'fp32') {
    // A finite float32 value beyond ±65504 becomes Inf in float16: say so rather than "NaN or Inf".
    normsAndCheck(chunk.values, dim, firstRow, norms, path);
    for (let r = 0; r < wide.length / dim; r++) {
      for (let j = r * dim; j < (r + 1) * dim; j++) {
        if (!Number.isFinite(wide[j]!)) throw new TidepoolError('E_BAD_RECORD', `${path}: row ${firstRow + r} has a value beyond the float16 range (±65504); use --precision fp32, or normalise the embeddings.`, { path, row: firstRow + r });
      }
    }
  }
  normsAndCheck(wide, dim, firstRow, norms, path);
  return { precision, values: half };
}

/** Puts one chunk of stored values into the working copy at `firstRow` ({@link checkedChunk}). */
function store(chunk: WorkingCopy, points: WorkingCopy, dim: number, firstRow: number, norms: Float32Array, path: string): void {
  points.values.set(checkedChunk(chunk, points.precision, dim, firstRow, norms, path).values, firstRow * dim);
}

/** One Arrow record batch's embeddings (as stored) and row ids. */
export interface ArrowChunk {
  values: WorkingCopy;
  dim: number;
  rows: number;
  rowIds: ArrayLike<number | bigint>;
}

/** The embeddings of an Arrow file batch by batch, checking its columns and that the width never changes. */
export async function* arrowChunks(path: string, column = 'embedding'): AsyncGenerator<ArrowChunk, void, undefined> {
  const schema = await readArrowSchema(path);
  const names = schema.fields.map((f) => f.name);
  for (const required of ['row_id', column]) {
    if (!names.includes(required)) {
      throw new TidepoolError('E_SCHEMA', `${path} has no "${required}" column (columns: ${names.join(', ')}). Pass a file written by \`tidepool embed\`, or a .npy matrix.`, { path });
    }
  }
  let d = 0;
  let rows = 0;
  for await (const batch of readArrowBatches(path)) {
    const matrix = embeddingMatrix(batch.getChild(column)!, column);
    if (d !== 0 && matrix.dim !== d) throw new TidepoolError('E_SCHEMA', `${path}: embedding width changes from ${d} to ${matrix.dim} at row ${rows}`, { path });
    d = matrix.dim;
    const rowIds = batch.getChild('row_id')!.toArray() as BigInt64Array | Int32Array | Float64Array;
    yield { values: declaredValues(matrix.precision, matrix.values.slice()), dim: d, rows: matrix.rows, rowIds };
    rows += matrix.rows;
  }
}

/**
 * A float32 `.npy`'s values, mapped from the file (its pages shared with the page cache: no fresh memory
 * to fault in, no copy), or null where the addon is missing or the values cannot be mapped as one array.
 */
function mappedValues(header: NpyHeader): Float32Array | null {
  const count = header.rows * header.dim;
  let mapped: MappedRange | null;
  try {
    mapped = mapFileRange(header.path, header.dataOffset, 4 * count);
  } catch {
    return null; // reading it says what is wrong, if anything is
  }
  return mapped === null ? null : new Float32Array(mapped.buffer, mapped.offset, count);
}

async function loadNpy(path: string, precision: Precision, options: LoadOptions): Promise<SelectionInput> {
  const header = await readNpyHeader(path);
  const norms = new Float32Array(header.rows);
  const rowIds = new Float64Array(header.rows);
  for (let i = 0; i < header.rows; i++) rowIds[i] = i;
  const mapped = precision === 'fp32' && header.dtype === 'float32' && options.map !== false ? mappedValues(header) : null;
  if (mapped !== null) {
    normsAndCheck(mapped, header.dim, 0, norms, path);
    return { path, format: 'npy', n: header.rows, d: header.dim, points: { precision: 'fp32', values: mapped }, rowIds, storedAs: header.dtype, norms, mapped: true };
  }
  const points = emptyWorkingCopy(precision, header.rows * header.dim);
  if (points.precision === 'fp32' && header.dtype === 'float32') {
    // Straight into the working copy, a chunk at a time: each chunk is checked while the next one is read.
    const values = points.values;
    const rowsPerChunk = Math.max(1, Math.floor((8 << 20) / (4 * header.dim)));
    const read = (startRow: number): Promise<void> => readNpyRowsInto(header, startRow, Math.min(rowsPerChunk, header.rows - startRow), values, startRow * header.dim);
    let pending = header.rows > 0 ? read(0) : Promise.resolve();
    for (let startRow = 0; startRow < header.rows; startRow += rowsPerChunk) {
      await pending;
      const endRow = Math.min(startRow + rowsPerChunk, header.rows);
      pending = endRow < header.rows ? read(endRow) : Promise.resolve();
      void pending.catch(() => undefined); // awaited on the next turn; a check failing first must not leave it unhandled
      normsAndCheck(values.subarray(startRow * header.dim, endRow * header.dim), header.dim, startRow, norms, path);
    }
  } else {
    const stored: Precision = header.dtype === 'float32' ? 'fp32' : 'fp16';
    for await (const chunk of readNpyRows(header)) store(declaredValues(stored, chunk.values), points, header.dim, chunk.startRow, norms, path);
  }
  return { path, format: 'npy', n: header.rows, d: header.dim, points, rowIds, storedAs: header.dtype, norms, mapped: false };
}

async function loadArrow(path: string, column: string, precision: Precision): Promise<SelectionInput> {
  const parts: WorkingCopy[] = [];
  const ids: number[] = [];
  let d = 0;
  let storedAs: 'float32' | 'float16' = 'float32';
  let rows = 0;
  for await (const chunk of arrowChunks(path, column)) {
    d = chunk.dim;
    storedAs = chunk.values.precision === 'fp32' ? 'float32' : 'float16';
    parts.push(chunk.values);
    for (let i = 0; i < chunk.rows; i++) ids.push(Number(chunk.rowIds[i]!));
    rows += chunk.rows;
  }
  const points = emptyWorkingCopy(precision, rows * d);
  const norms = new Float32Array(rows);
  let at = 0;
  for (const part of parts) {
    store(part, points, d, at / d, norms, path);
    at += part.values.length;
  }
  return { path, format: 'arrow', n: rows, d, points, rowIds: Float64Array.from(ids), storedAs, norms, mapped: false };
}

/** Loads `.npy` or Arrow embeddings (by extension). */
export function loadSelectionInput(path: string, precision: Precision, column = 'embedding', options: LoadOptions = {}): Promise<SelectionInput> {
  if (path.toLowerCase().endsWith('.npy')) return loadNpy(path, precision, options);
  if (/\.(arrow|feather|ipc)$/i.test(path)) return loadArrow(path, column, precision);
  return Promise.reject(new TidepoolError('E_FORMAT_UNKNOWN', `unknown embeddings format: ${path}. Pass a NumPy .npy file (float32/float16, shape N x d) or an Arrow file from \`tidepool embed\` (.arrow).`, { path }));
}
