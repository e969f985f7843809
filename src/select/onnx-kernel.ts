/**
 * The CPU GEMM kernel: min-distance folds as one fused ONNX graph run by onnxruntime's CPU provider
 * (MLAS GEMM), block by block, using ||x||² + ||c||² - 2 x·c so a block of points times a block of
 * centers is one matrix product fused with the row-min: compute-bound, not one memory pass per center.
 */
import { buildOnnxModel } from '../backends/onnx/graph.js';
import { OnnxSession } from '../backends/onnx/session.js';
import type { MinDistanceKernel, PoolDistances } from './kernel.js';

/** The fused graph: out[r] = max(0, min_b(-2 X·Cᵀ + Cn)[r] + Xn[r]). */
export function minDistanceModel(d: number): Uint8Array {
  return buildOnnxModel({
    name: 'tidepool_min_distance',
    inputs: [
      { name: 'X', type: 'float32', shape: ['rows', d] },
      { name: 'C', type: 'float32', shape: ['centers', d] },
      { name: 'Xn', type: 'float32', shape: ['rows'] },
      { name: 'Cn', type: 'float32', shape: ['centers'] },
    ],
    outputs: [{ name: 'D', type: 'float32', shape: ['rows'] }],
    initializers: [{ name: 'zero', type: 'float32', dims: [], values: [0] }],
    nodes: [
      { op: 'Gemm', inputs: ['X', 'C', 'Cn'], outputs: ['G'], attributes: { alpha: -2, beta: 1, transB: 1 }, floatAttributes: ['alpha', 'beta'] },
      { op: 'ReduceMin', inputs: ['G'], outputs: ['M'], attributes: { axes: [1], keepdims: 0 } },
      { op: 'Add', inputs: ['M', 'Xn'], outputs: ['S'] },
      { op: 'Max', inputs: ['S', 'zero'], outputs: ['D'] },
    ],
  });
}

/** Squared norms of every row, accumulated in float64. */
export function rowNorms(points: Float32Array, d: number): Float32Array {
  const n = points.length / d;
  const norms = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let j = i * d; j < (i + 1) * d; j++) sum += points[j]! * points[j]!;
    norms[i] = sum;
  }
  return norms;
}

/** Options of {@link OnnxKernel.create}. */
export interface OnnxKernelOptions {
  /** Points per GEMM block. @default 8192 */
  blockRows?: number;
  /** onnxruntime intra-op threads. @default 1 */
  threads?: number;
  /** Squared row norms when the caller already has them. @default computed */
  norms?: Float32Array;
}

/** A {@link MinDistanceKernel} on onnxruntime's CPU GEMM (single session, main thread). */
export class OnnxKernel implements MinDistanceKernel {
  readonly n: number;

  private constructor(
    private readonly points: Float32Array,
    readonly d: number,
    private readonly norms: Float32Array,
    private readonly session: OnnxSession,
    private readonly blockRows: number,
    /** The matrix center rows index, and its norms (this kernel's own unless it is a subset). */
    private readonly centerPoints: Float32Array = points,
    private readonly centerNorms: Float32Array = norms,
  ) {
    this.n = points.length / d;
  }

  /** Builds the graph and its session for an n x d float32 matrix. */
  static async create(points: Float32Array, d: number, options: OnnxKernelOptions = {}): Promise<OnnxKernel> {
    const session = await OnnxSession.create(minDistanceModel(d), { intraOpThreads: options.threads ?? 1 });
    return new OnnxKernel(points, d, options.norms ?? rowNorms(points, d), session, options.blockRows ?? 8192);
  }

  private gather(rows: ArrayLike<number>, from: Float32Array = this.points): Float32Array {
    const out = new Float32Array(rows.length * this.d);
    for (let j = 0; j < rows.length; j++) out.set(from.subarray(rows[j]! * this.d, (rows[j]! + 1) * this.d), j * this.d);
    return out;
  }

  async foldCenters(centers: Int32Array, minDist: Float32Array): Promise<void> {
    const d = this.d;
    const C = this.gather(centers, this.centerPoints);
    const Cn = Float32Array.from(centers, (c) => this.centerNorms[c]!);
    for (let start = 0; start < this.n; start += this.blockRows) {
      const end = Math.min(start + this.blockRows, this.n);
      const { D } = await this.session.run({
        X: { data: this.points.subarray(start * d, end * d), dims: [end - start, d] },
        C: { data: C, dims: [centers.length, d] },
        Xn: { data: this.norms.subarray(start, end), dims: [end - start] },
        Cn: { data: Cn, dims: [centers.length] },
      }, ['D']);
      for (let i = start; i < end; i++) {
        const value = D![i - start]!;
        if (minDist[i]! >= 0 && value < minDist[i]!) minDist[i] = value;
      }
    }
  }

  subset(rows: Int32Array): OnnxKernel {
    return new OnnxKernel(this.gather(rows), this.d, Float32Array.from(rows, (row) => this.norms[row]!), this.session, this.blockRows, this.centerPoints, this.centerNorms);
  }

  openPool(rows: Int32Array): PoolDistances {
    const X = this.gather(rows);
    const Xn = Float32Array.from(rows, (row) => this.norms[row]!);
    return {
      distancesTo: async (center, out) => {
        const { D } = await this.session.run({
          X: { data: X, dims: [rows.length, this.d] },
          C: { data: this.centerPoints.subarray(center * this.d, (center + 1) * this.d), dims: [1, this.d] },
          Xn: { data: Xn, dims: [rows.length] },
          Cn: { data: Float32Array.of(this.centerNorms[center]!), dims: [1] },
        }, ['D']);
        out.set(D!);
      },
    };
  }

  /** Frees the onnxruntime session. */
  release(): Promise<void> {
    return this.session.release();
  }
}
