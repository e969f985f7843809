/**
 * Cosine similarity of record vectors against the benchmark's vectors. The bulk pass is one fused
 * ONNX graph on onnxruntime's CPU GEMM: a block of records times all benchmark vectors, reduced to the
 * best cosine per record (2,000,000 records x 664 items x 256 dims is 7e11 flops: minutes in plain
 * JavaScript, seconds in a GEMM). Only records whose best cosine reaches the threshold are then
 * compared one by one ({@link cosineMatches}) to list every item above it. {@link maxCosineReference}
 * is the plain reference the kernel is tested against.
 */
import { buildOnnxModel } from '../backends/onnx/graph.js';
import { OnnxSession } from '../backends/onnx/session.js';

/** Scales every row of `values` to unit length, in place (all-zero rows stay zero); returns `values`. */
export function normalizeRows(values: Float32Array, dim: number): Float32Array {
  for (let at = 0; at < values.length; at += dim) {
    let squares = 0;
    for (let j = at; j < at + dim; j++) squares += values[j]! * values[j]!;
    if (squares === 0) continue;
    const scale = 1 / Math.sqrt(squares);
    for (let j = at; j < at + dim; j++) values[j]! *= scale;
  }
  return values;
}

/** Cosine of record row `row` of `records` with every unit-length benchmark row; 0 for a zero record. */
function cosines(records: Float32Array, row: number, bench: Float32Array, dim: number, visit: (item: number, cosine: number) => void): void {
  const at = row * dim;
  let squares = 0;
  for (let j = at; j < at + dim; j++) squares += records[j]! * records[j]!;
  const norm = Math.sqrt(squares);
  const items = bench.length / dim;
  for (let item = 0; item < items; item++) {
    let dot = 0;
    const base = item * dim;
    for (let j = 0; j < dim; j++) dot += records[at + j]! * bench[base + j]!;
    visit(item, norm > 0 ? dot / norm : 0);
  }
}

/** Best cosine per record row, computed directly in float64 (the reference for {@link SimilarityKernel}). */
export function maxCosineReference(records: Float32Array, bench: Float32Array, dim: number): Float32Array {
  const rows = records.length / dim;
  const best = new Float32Array(rows);
  for (let row = 0; row < rows; row++) {
    let max = -Infinity;
    cosines(records, row, bench, dim, (_item, cosine) => {
      if (cosine > max) max = cosine;
    });
    best[row] = bench.length === 0 ? 0 : max;
  }
  return best;
}

/** A benchmark item an embedding matched, with the cosine. */
export interface EmbeddingMatch {
  item: number;
  score: number;
}

/** Benchmark rows whose cosine with record row `row` is at least `threshold`, best first. */
export function cosineMatches(records: Float32Array, row: number, bench: Float32Array, dim: number, threshold: number): EmbeddingMatch[] {
  const found: EmbeddingMatch[] = [];
  cosines(records, row, bench, dim, (item, score) => {
    if (score >= threshold) found.push({ item, score });
  });
  return found.sort((a, b) => b.score - a.score || a.item - b.item);
}

/**
 * The fused graph: S[r] = max_i (X[r] · B[i]) / max(||X[r]||, 1e-12), with the unit-length benchmark
 * rows baked in (transposed) as a constant.
 */
export function maxCosineModel(bench: Float32Array, dim: number): Uint8Array {
  const items = bench.length / dim;
  const transposed = new Float32Array(bench.length);
  for (let i = 0; i < items; i++) for (let j = 0; j < dim; j++) transposed[j * items + i] = bench[i * dim + j]!;
  return buildOnnxModel({
    name: 'tidepool_max_cosine',
    inputs: [{ name: 'X', type: 'float32', shape: ['rows', dim] }],
    outputs: [{ name: 'S', type: 'float32', shape: ['rows'] }],
    initializers: [
      { name: 'BT', type: 'float32', dims: [dim, items], values: transposed },
      { name: 'epsilon', type: 'float32', dims: [], values: [1e-12] },
    ],
    nodes: [
      { op: 'MatMul', inputs: ['X', 'BT'], outputs: ['G'] },
      { op: 'ReduceMax', inputs: ['G'], outputs: ['M'], attributes: { axes: [1], keepdims: 0 } },
      { op: 'ReduceL2', inputs: ['X'], outputs: ['N'], attributes: { axes: [1], keepdims: 0 } },
      { op: 'Max', inputs: ['N', 'epsilon'], outputs: ['D'] },
      { op: 'Div', inputs: ['M', 'D'], outputs: ['S'] },
    ],
  });
}

/** Best cosine per record against a fixed set of benchmark vectors, on onnxruntime's CPU GEMM. */
export class SimilarityKernel {
  private constructor(
    private readonly session: OnnxSession,
    readonly dim: number,
    private readonly blockRows: number,
  ) {}

  /** Builds the session for unit-length benchmark rows `bench` (items x dim). */
  static async create(bench: Float32Array, dim: number, threads = 1): Promise<SimilarityKernel> {
    const items = Math.max(1, bench.length / dim);
    const session = await OnnxSession.create(maxCosineModel(bench, dim), { intraOpThreads: threads });
    // About 16 MiB of products per block, whatever the benchmark's size.
    return new SimilarityKernel(session, dim, Math.max(64, Math.floor(4_194_304 / items)));
  }

  /** Best cosine of each row of `records` (rows x dim, float32). */
  async maxCosine(records: Float32Array): Promise<Float32Array> {
    const rows = records.length / this.dim;
    const best = new Float32Array(rows);
    for (let start = 0; start < rows; start += this.blockRows) {
      const end = Math.min(rows, start + this.blockRows);
      const { S } = await this.session.run({ X: { data: records.subarray(start * this.dim, end * this.dim), dims: [end - start, this.dim] } }, ['S']);
      best.set(S!, start);
    }
    return best;
  }

  /** Frees the session. */
  async release(): Promise<void> {
    await this.session.release();
  }
}
