/**
 * One streaming pass over the embeddings (Arrow from `tidepool embed`, or `.npy`): a seeded sample of
 * rows for the map and the baseline, a seeded random subset for the baseline's centers, and the
 * vectors of the coreset rows to highlight. Memory stays bounded by what is kept, whatever the size.
 */
import type { DataType } from 'apache-arrow';
import { Type } from '../store/arrow.js';
import { TidepoolError } from '../errors.js';
import { readArrowBatches, readArrowSchema } from '../store/arrow-file.js';
import { copyRowsAsFloat32, declaredValues, embeddingMatrix, type EmbeddingValues } from '../store/embeddings.js';
import { readNpyHeader, readNpyRows } from '../store/npy.js';
import { Reservoir, type SampledRows } from './reservoir.js';

/** What to keep from the pass. */
export interface EmbeddingScanRequest {
  /** An `.arrow` (row_id + embedding) or `.npy` file. */
  path: string;
  /** Rows in the uniform sample. */
  sampleSize: number;
  /**
   * Random centers to keep, at most: a function of the width, read before the pass, so the memory
   * can be bounded by the caller.
   */
  centerCount: (dim: number) => number;
  seed: number;
  /** `row_id`s whose vectors to keep (the coreset rows to highlight). */
  highlight: readonly number[];
}

/** What the pass kept. */
export interface EmbeddingScan {
  rows: number;
  dim: number;
  sample: SampledRows;
  /** A uniform random subset in random order: each prefix is a random subset of that size. */
  centers: SampledRows;
  /** Highlighted rows found, in the order asked for. */
  highlighted: { rowIds: number[]; vectors: Float32Array };
}

/** A chunk of rows as the files hold them. */
interface Chunk {
  data: EmbeddingValues;
  rowIds: ArrayLike<number | bigint> | null;
  firstRow: number;
  rows: number;
}

/** Streams the embeddings once and keeps the samples and highlighted rows. */
export async function scanEmbeddings(request: EmbeddingScanRequest): Promise<EmbeddingScan> {
  const { dim, chunks } = await openChunks(request.path);
  const sample = new Reservoir(request.sampleSize, dim, request.seed);
  const centers = new Reservoir(Math.max(0, request.centerCount(dim)), dim, (request.seed ^ 0x9e3779b9) >>> 0);
  const wanted = new Map<number, number>();
  request.highlight.forEach((rowId, index) => wanted.set(rowId, index));
  const found: (Float32Array | undefined)[] = Array.from({ length: request.highlight.length }, () => undefined);
  const row = new Float32Array(dim);
  let rows = 0;
  for await (const chunk of chunks) {
    for (let r = 0; r < chunk.rows; r++) {
      const rowId = chunk.rowIds === null ? chunk.firstRow + r : Number(chunk.rowIds[r]);
      const sampleSlot = sample.nextSlot();
      const centerSlot = centers.nextSlot();
      const highlightIndex = wanted.get(rowId);
      if (sampleSlot < 0 && centerSlot < 0 && highlightIndex === undefined) continue;
      copyRowsAsFloat32(chunk.data, dim, r, 1, row, 0);
      if (sampleSlot >= 0) sample.store(sampleSlot, rowId, row, 0);
      if (centerSlot >= 0) centers.store(centerSlot, rowId, row, 0);
      if (highlightIndex !== undefined) found[highlightIndex] = row.slice();
    }
    rows += chunk.rows;
  }
  const keptIds: number[] = [];
  const kept: Float32Array[] = [];
  found.forEach((vector, index) => {
    if (vector === undefined) return;
    keptIds.push(request.highlight[index]!);
    kept.push(vector);
  });
  const vectors = new Float32Array(kept.length * dim);
  kept.forEach((vector, index) => {
    vectors.set(vector, index * dim);
  });
  return { rows, dim, sample: sample.finish(), centers: centers.finish(), highlighted: { rowIds: keptIds, vectors } };
}

async function openChunks(path: string): Promise<{ dim: number; chunks: AsyncGenerator<Chunk> }> {
  if (path.toLowerCase().endsWith('.npy')) {
    const header = await readNpyHeader(path);
    async function* chunks(): AsyncGenerator<Chunk> {
      for await (const chunk of readNpyRows(header)) yield { data: declaredValues(header.dtype === 'float32' ? 'fp32' : 'fp16', chunk.values), rowIds: null, firstRow: chunk.startRow, rows: chunk.rows };
    }
    return { dim: header.dim, chunks: chunks() };
  }
  const schema = await readArrowSchema(path);
  const names = schema.fields.map((field) => field.name);
  const missing = ['row_id', 'embedding'].filter((name) => !names.includes(name));
  if (missing.length > 0) throw new TidepoolError('E_SCHEMA', `${path} has no ${missing.map((name) => `"${name}"`).join(' or ')} column (columns: ${names.join(', ')}); expected embeddings.arrow from \`tidepool embed\``, { path });
  const type = schema.fields.find((field) => field.name === 'embedding')!.type as DataType & { listSize?: unknown };
  if (typeof type.listSize !== 'number') throw new TidepoolError('E_SCHEMA', `${path}: column "embedding" has type ${Type[type.typeId]}; expected FixedSizeList<Float32|Float16>`, { path });
  const dim = type.listSize;
  async function* chunks(): AsyncGenerator<Chunk> {
    let firstRow = 0;
    for await (const batch of readArrowBatches(path)) {
      const matrix = embeddingMatrix(batch.getChild('embedding')!, 'embedding');
      const rowIds = batch.getChild('row_id')!.toArray() as ArrayLike<number | bigint>;
      yield { data: matrix, rowIds, firstRow, rows: matrix.rows };
      firstRow += matrix.rows;
    }
  }
  return { dim, chunks: chunks() };
}
