/**
 * The CPU GEMM kernel: min-distance folds as one fused ONNX graph run by onnxruntime's CPU provider
 * (MLAS GEMM), block by block, using ||x||² + ||c||² - 2 x·c so a block of points times a block of
 * centers is one matrix product fused with the row-min: compute-bound, not one memory pass per center.
 */
import { buildOnnxModel } from '../backends/onnx/graph.js';
import { OnnxSession } from '../backends/onnx/session.js';
import type { MinDistanceKernel, PoolDistances } from './kernel.js';
import { float32Copy, gatherRows, rowNorms, type WorkingCopy } from './working-copy.js';

/**
 * The fused graph: out[r] = max(0, min_b(-2 X·Cᵀ + Cn)[r] + Xn[r]). With `halfPoints`, X arrives as
 * float16 and is widened to float32 inside the graph, block by block (products accumulate in float32).
 */
export function minDistanceModel(d: number, halfPoints = false): Uint8Array {
  const widen = halfPoints ? [{ op: 'Cast', inputs: ['X16'], outputs: ['X'], attributes: { to: 1 } }] : [];
  return buildOnnxModel({
    name: 'tidepool_min_distance',
    inputs: [
      halfPoints ? { name: 'X16', type: 'float16', shape: ['rows', d] } : { name: 'X', type: 'float32', shape: ['rows', d] },
      { name: 'C', type: 'float32', shape: ['centers', d] },
      { name: 'Xn', type: 'float32', shape: ['rows'] },
      { name: 'Cn', type: 'float32', shape: ['centers'] },
    ],
    outputs: [{ name: 'D', type: 'float32', shape: ['rows'] }],
    initializers: [{ name: 'zero', type: 'float32', dims: [], values: [0] }],
    nodes: [
      ...widen,
      { op: 'Gemm', inputs: ['X', 'C', 'Cn'], outputs: ['G'], attributes: { alpha: -2, beta: 1, transB: 1 }, floatAttributes: ['alpha', 'beta'] },
      { op: 'ReduceMin', inputs: ['G'], outputs: ['M'], attributes: { axes: [1], keepdims: 0 } },
      { op: 'Add', inputs: ['M', 'Xn'], outputs: ['S'] },
      { op: 'Max', inputs: ['S', 'zero'], outputs: ['D'] },
    ],
  });
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
    private readonly points: WorkingCopy,
    readonly d: number,
    private readonly norms: Float32Array,
    private readonly session: OnnxSession,
    private readonly blockRows: number,
    /** The matrix center rows index, and its norms (this kernel's own unless it is a subset). */
    private readonly centerPoints: WorkingCopy = points,
    private readonly centerNorms: Float32Array = norms,
    /** The session whose X input is float16 (the float32 one when the points are float32). */
    private readonly halfSession: OnnxSession = session,
  ) {
    this.n = points.values.length / d;
  }

  /**
   * Builds the graph and its sessions for an n x d matrix (float32, or float16 bits). Subsets and
   * pools are small and always float32; only full passes read the float16 copy.
   */
  static async create(points: WorkingCopy, d: number, options: OnnxKernelOptions = {}): Promise<OnnxKernel> {
    const sessionOptions = { intraOpThreads: options.threads ?? 1 };
    const session = await OnnxSession.create(minDistanceModel(d), sessionOptions);
    const halfSession = points.precision === 'fp16' ? await OnnxSession.create(minDistanceModel(d, true), sessionOptions) : session;
    return new OnnxKernel(points, d, options.norms ?? rowNorms(points, d), session, options.blockRows ?? 8192, points, undefined, halfSession);
  }

  private gather(rows: ArrayLike<number>, from: WorkingCopy = this.points): Float32Array {
    return gatherRows(from, this.d, rows);
  }

  async foldCenters(centers: Int32Array, minDist: Float32Array): Promise<void> {
    const d = this.d;
    const C = this.gather(centers, this.centerPoints);
    const Cn = Float32Array.from(centers, (c) => this.centerNorms[c]!);
    for (let start = 0; start < this.n; start += this.blockRows) {
      const end = Math.min(start + this.blockRows, this.n);
      const half = this.points.precision === 'fp16';
      const block = this.points.values.subarray(start * d, end * d);
      const session = half ? this.halfSession : this.session;
      const { D } = await session.run({
        [half ? 'X16' : 'X']: { data: block, dims: [end - start, d] },
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
    return new OnnxKernel(float32Copy(this.gather(rows)), this.d, Float32Array.from(rows, (row) => this.norms[row]!), this.session, this.blockRows, this.centerPoints, this.centerNorms);
  }

  openPool(rows: Int32Array): PoolDistances {
    const X = this.gather(rows);
    const Xn = Float32Array.from(rows, (row) => this.norms[row]!);
    return {
      distancesTo: async (center, out) => {
        const { D } = await this.session.run({
          X: { data: X, dims: [rows.length, this.d] },
          C: { data: this.gather([center], this.centerPoints), dims: [1, this.d] },
          Xn: { data: Xn, dims: [rows.length] },
          Cn: { data: Float32Array.of(this.centerNorms[center]!), dims: [1] },
        }, ['D']);
        out.set(D!);
      },
    };
  }

  /** Frees the onnxruntime sessions. */
  async release(): Promise<void> {
    if (this.halfSession !== this.session) await this.halfSession.release();
    await this.session.release();
  }
}
