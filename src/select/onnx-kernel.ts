/**
 * The CPU GEMM kernel: min-distance folds as one fused ONNX graph run by onnxruntime's CPU provider
 * (MLAS GEMM), block by block, using ||x||² + ||c||² - 2 x·c so a block of points times a block of
 * centers is one matrix product fused with the row-min: compute-bound, not one memory pass per center.
 */
import { buildOnnxModel } from '../backends/onnx/graph.js';
import { OnnxSession } from '../backends/onnx/session.js';
import { fp32DistanceError, type MinDistanceKernel, type PoolDistances, type TriangleSupport } from './kernel.js';
import { float32Copy, gatherRows, rowNorms, type WorkingCopy } from './working-copy.js';

function maxOf(values: Float32Array): number {
  let largest = 0;
  for (const value of values) if (value > largest) largest = value;
  return largest;
}

/**
 * The fused graph: out[r] = max(0, min_b(-2 X·Cᵀ + Cn)[r] + Xn[r]). With `halfPoints`, X arrives as
 * float16 and is widened to float32 inside the graph, block by block (products accumulate in float32).
 * With `nearest`, a second output A holds, per row, the index of a center at that minimum (as float32).
 */
export function minDistanceModel(d: number, halfPoints = false, nearest = false): Uint8Array {
  const widen = halfPoints ? [{ op: 'Cast', inputs: ['X16'], outputs: ['X'], attributes: { to: 1 } }] : [];
  const argMin = nearest
    ? [
        { op: 'ArgMin', inputs: ['G'], outputs: ['I'], attributes: { axis: 1, keepdims: 0 } },
        { op: 'Cast', inputs: ['I'], outputs: ['A'], attributes: { to: 1 } },
      ]
    : [];
  return buildOnnxModel({
    name: 'tidepool_min_distance',
    inputs: [
      halfPoints ? { name: 'X16', type: 'float16', shape: ['rows', d] } : { name: 'X', type: 'float32', shape: ['rows', d] },
      { name: 'C', type: 'float32', shape: ['centers', d] },
      { name: 'Xn', type: 'float32', shape: ['rows'] },
      { name: 'Cn', type: 'float32', shape: ['centers'] },
    ],
    outputs: [{ name: 'D', type: 'float32', shape: ['rows'] }, ...(nearest ? [{ name: 'A', type: 'float32' as const, shape: ['rows'] }] : [])],
    initializers: [{ name: 'zero', type: 'float32', dims: [], values: [0] }],
    nodes: [
      ...widen,
      { op: 'Gemm', inputs: ['X', 'C', 'Cn'], outputs: ['G'], attributes: { alpha: -2, beta: 1, transB: 1 }, floatAttributes: ['alpha', 'beta'] },
      { op: 'ReduceMin', inputs: ['G'], outputs: ['M'], attributes: { axes: [1], keepdims: 0 } },
      ...argMin,
      { op: 'Add', inputs: ['M', 'Xn'], outputs: ['S'] },
      { op: 'Max', inputs: ['S', 'zero'], outputs: ['D'] },
    ],
  });
}

/** Every squared distance between the rows of X and of C: out[r, b] = max(0, -2 X·Cᵀ + Cn + Xn[r]). */
export function pairDistanceModel(d: number): Uint8Array {
  return buildOnnxModel({
    name: 'tidepool_pair_distance',
    inputs: [
      { name: 'X', type: 'float32', shape: ['rows', d] },
      { name: 'C', type: 'float32', shape: ['centers', d] },
      { name: 'Xn', type: 'float32', shape: ['rows', 1] },
      { name: 'Cn', type: 'float32', shape: ['centers'] },
    ],
    outputs: [{ name: 'D', type: 'float32', shape: ['rows', 'centers'] }],
    initializers: [{ name: 'zero', type: 'float32', dims: [], values: [0] }],
    nodes: [
      { op: 'Gemm', inputs: ['X', 'C', 'Cn'], outputs: ['G'], attributes: { alpha: -2, beta: 1, transB: 1 }, floatAttributes: ['alpha', 'beta'] },
      { op: 'Add', inputs: ['G', 'Xn'], outputs: ['S'] },
      { op: 'Max', inputs: ['S', 'zero'], outputs: ['D'] },
    ],
  });
}

/** Sessions built on first use (pruning's graphs), shared by a kernel and its subsets. */
class LazySessions {
  private readonly made = new Map<string, Promise<OnnxSession>>();

  constructor(private readonly threads: number) {}

  get(key: string, model: () => Uint8Array): Promise<OnnxSession> {
    let session = this.made.get(key);
    if (session === undefined) {
      session = OnnxSession.create(model(), { intraOpThreads: this.threads });
      this.made.set(key, session);
    }
    return session;
  }

  async release(): Promise<void> {
    for (const session of this.made.values()) await (await session).release();
    this.made.clear();
  }
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
  readonly triangle: TriangleSupport;

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
    private readonly lazySessions: LazySessions = new LazySessions(1),
    /** The largest squared norm of the center matrix. */
    private readonly maxSquaredNorm: number = maxOf(centerNorms),
  ) {
    this.n = points.values.length / d;
    this.triangle = {
      distanceError: fp32DistanceError(d, maxSquaredNorm),
      foldNearest: (centers, minDist, nearest) => this.fold(centers, minDist, nearest),
      centerDistances: (a, b) => this.centerDistances(a, b),
    };
  }

  /**
   * Builds the graph and its sessions for an n x d matrix (float32, or float16 bits). Subsets and
   * pools are small and always float32; only full passes read the float16 copy.
   */
  static async create(points: WorkingCopy, d: number, options: OnnxKernelOptions = {}): Promise<OnnxKernel> {
    const sessionOptions = { intraOpThreads: options.threads ?? 1 };
    const session = await OnnxSession.create(minDistanceModel(d), sessionOptions);
    const halfSession = points.precision === 'fp16' ? await OnnxSession.create(minDistanceModel(d, true), sessionOptions) : session;
    const norms = options.norms ?? rowNorms(points, d);
    return new OnnxKernel(points, d, norms, session, options.blockRows ?? 8192, points, norms, halfSession, new LazySessions(sessionOptions.intraOpThreads));
  }

  private gather(rows: ArrayLike<number>, from: WorkingCopy = this.points): Float32Array {
    return gatherRows(from, this.d, rows);
  }

  foldCenters(centers: Int32Array, minDist: Float32Array): Promise<void> {
    return this.fold(centers, minDist, undefined);
  }

  private async fold(centers: Int32Array, minDist: Float32Array, nearest: Int32Array | undefined): Promise<void> {
    const d = this.d;
    const C = this.gather(centers, this.centerPoints);
    const Cn = Float32Array.from(centers, (c) => this.centerNorms[c]!);
    const half = this.points.precision === 'fp16';
    const session = nearest === undefined
      ? half ? this.halfSession : this.session
      : await this.lazySessions.get(half ? 'nearest16' : 'nearest', () => minDistanceModel(d, half, true));
    for (let start = 0; start < this.n; start += this.blockRows) {
      const end = Math.min(start + this.blockRows, this.n);
      const block = this.points.values.subarray(start * d, end * d);
      const { D, A } = await session.run({
        [half ? 'X16' : 'X']: { data: block, dims: [end - start, d] },
        C: { data: C, dims: [centers.length, d] },
        Xn: { data: this.norms.subarray(start, end), dims: [end - start] },
        Cn: { data: Cn, dims: [centers.length] },
      }, nearest === undefined ? ['D'] : ['D', 'A']);
      for (let i = start; i < end; i++) {
        const value = D![i - start]!;
        if (minDist[i]! >= 0 && value < minDist[i]!) {
          minDist[i] = value;
          if (nearest !== undefined) nearest[i] = A![i - start]!;
        }
      }
    }
  }

  private async centerDistances(a: Int32Array, b: Int32Array): Promise<Float32Array> {
    const session = await this.lazySessions.get('pairs', () => pairDistanceModel(this.d));
    const { D } = await session.run({
      X: { data: this.gather(a, this.centerPoints), dims: [a.length, this.d] },
      C: { data: this.gather(b, this.centerPoints), dims: [b.length, this.d] },
      Xn: { data: Float32Array.from(a, (row) => this.centerNorms[row]!), dims: [a.length, 1] },
      Cn: { data: Float32Array.from(b, (row) => this.centerNorms[row]!), dims: [b.length] },
    }, ['D']);
    return D!;
  }

  subset(rows: Int32Array): OnnxKernel {
    return new OnnxKernel(float32Copy(this.gather(rows)), this.d, Float32Array.from(rows, (row) => this.norms[row]!), this.session, this.blockRows, this.centerPoints, this.centerNorms, this.session, this.lazySessions, this.maxSquaredNorm);
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
    await this.lazySessions.release();
    if (this.halfSession !== this.session) await this.halfSession.release();
    await this.session.release();
  }
}
