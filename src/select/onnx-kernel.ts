/**
 * The CPU GEMM kernel: min-distance folds as one fused ONNX graph run by onnxruntime's CPU provider
 * (MLAS GEMM), block by block, using ||x||² + ||c||² - 2 x·c so a block of points times a block of
 * centers is one matrix product fused with the row-min: compute-bound, not one memory pass per center.
 */
import { buildOnnxModel } from '../backends/onnx/graph.js';
import { OnnxSession } from '../backends/onnx/session.js';
import { InternalError } from '../errors.js';
import type { Precision } from './options.js';
import { fp32DistanceError, type MinDistanceKernel, type PoolDistances, type TriangleSupport } from './kernel.js';
import { DEFAULT_BLOCK_ROWS } from './memory-plan.js';
import { memoryRows, type RowStore } from './row-store.js';
import { ScratchBuffers } from './scratch.js';
import { float32Copy, rowNorms, valuesAt, type WorkingCopy } from './working-copy.js';

function maxOf(values: Float32Array): number {
  let largest = 0;
  for (const value of values) if (value > largest) largest = value;
  return largest;
}

/**
 * The fused graph: out[r] = max(0, min_b(-2 X·Cᵀ + Cn)[r] + Xn[r]). With `halfPoints`, X arrives as
 * float16 and is widened to float32 inside the graph, block by block (products accumulate in float32).
 * With `nearest`, a second output A holds, per row, the index of a center at that minimum (as float32).
 * With `gathered`, the graph takes the whole matrix and its norms (`Xall`/`X16all`, `Xnall`: onnxruntime
 * reads them in place), row indices `I` and center indices `Ic`, and gathers X, Xn, C and Cn itself, on
 * its threads.
 */
export function minDistanceModel(d: number, halfPoints = false, nearest = false, gathered = false): Uint8Array {
  const points = halfPoints ? 'X16' : 'X';
  const gather = gathered
    ? [
        { op: 'Gather', inputs: [`${points}all`, 'I'], outputs: [points], attributes: { axis: 0 } },
        { op: 'Gather', inputs: ['Xnall', 'I'], outputs: ['Xn'], attributes: { axis: 0 } },
        { op: 'Gather', inputs: [`${points}all`, 'Ic'], outputs: [halfPoints ? 'C16' : 'C'], attributes: { axis: 0 } },
        { op: 'Gather', inputs: ['Xnall', 'Ic'], outputs: ['Cn'], attributes: { axis: 0 } },
        ...(halfPoints ? [{ op: 'Cast', inputs: ['C16'], outputs: ['C'], attributes: { to: 1 } }] : []),
      ]
    : [];
  const widen = halfPoints ? [{ op: 'Cast', inputs: ['X16'], outputs: ['X'], attributes: { to: 1 } }] : [];
  const argMin = nearest
    ? [
        { op: 'ArgMin', inputs: ['G'], outputs: ['J'], attributes: { axis: 1, keepdims: 0 } },
        { op: 'Cast', inputs: ['J'], outputs: ['A'], attributes: { to: 1 } },
      ]
    : [];
  const type = halfPoints ? 'float16' as const : 'float32' as const;
  const inputs = gathered
    ? [
        { name: `${points}all`, type, shape: ['n', d] },
        { name: 'I', type: 'int32' as const, shape: ['rows'] },
        { name: 'Ic', type: 'int32' as const, shape: ['centers'] },
        { name: 'Xnall', type: 'float32' as const, shape: ['n'] },
      ]
    : [
        { name: points, type, shape: ['rows', d] },
        { name: 'C', type: 'float32' as const, shape: ['centers', d] },
        { name: 'Xn', type: 'float32' as const, shape: ['rows'] },
        { name: 'Cn', type: 'float32' as const, shape: ['centers'] },
      ];
  return buildOnnxModel({
    name: 'tidepool_min_distance',
    inputs,
    outputs: [{ name: 'D', type: 'float32', shape: ['rows'] }, ...(nearest ? [{ name: 'A', type: 'float32' as const, shape: ['rows'] }] : [])],
    initializers: [{ name: 'zero', type: 'float32', dims: [], values: [0] }],
    nodes: [
      ...gather,
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
  /** Points per GEMM block. @default 8192 ({@link DEFAULT_BLOCK_ROWS}) */
  blockRows?: number;
  /** onnxruntime intra-op threads. @default 1 */
  threads?: number;
  /** Squared row norms when the caller already has them. @default computed (in-memory matrices only) */
  norms?: Float32Array;
}

/** Sessions built ahead of the rows ({@link OnnxKernel.prepare}). */
export interface PreparedOnnxKernel {
  kernel(rows: RowStore, norms: Float32Array): OnnxKernel;
  release(): Promise<void>;
}

/**
 * A {@link MinDistanceKernel} on onnxruntime's CPU GEMM (single session, main thread), over rows in
 * memory or streamed from disk ({@link RowStore}): a fold is one pass over the store's blocks.
 */
export class OnnxKernel implements MinDistanceKernel {
  readonly n: number;
  readonly triangle: TriangleSupport;

  private constructor(
    private readonly rows: RowStore,
    readonly d: number,
    private readonly norms: Float32Array,
    private readonly session: OnnxSession,
    private readonly blockRows: number,
    /** The matrix center rows index, and its norms (this kernel's own unless it is a subset). */
    private readonly centerRows: RowStore = rows,
    private readonly centerNorms: Float32Array = norms,
    /** The session whose X input is float16 (the float32 one when the points are float32). */
    private readonly halfSession: OnnxSession = session,
    private readonly lazySessions: LazySessions = new LazySessions(1),
    /** The largest squared norm of the center matrix. */
    private readonly maxSquaredNorm: number = maxOf(centerNorms),
    /** Buffers the subsets' gathers reuse (shared by a kernel and its subsets). */
    private readonly scratch: ScratchBuffers = new ScratchBuffers(),
    /** A subset's gathered rows, borrowed from `scratch` until {@link dispose}. */
    private borrowed: Float32Array | null = null,
    /**
     * A subset read in place: its point j is row `index[j]` of `rows` (a store holding the whole matrix
     * in memory, whose norms `norms` are), gathered by the graph itself; null for every other kernel.
     */
    private readonly index: Int32Array | null = null,
  ) {
    this.n = index === null ? rows.n : index.length;
    this.triangle = {
      distanceError: fp32DistanceError(d, maxSquaredNorm),
      foldNearest: (centers, minDist, nearest) => this.fold(centers, minDist, nearest),
      centerDistances: (a, b) => this.centerDistances(a, b),
    };
  }

  /**
   * Builds the graph and its sessions for an n x d matrix in memory (float32, or float16 bits).
   * Pools are small and always float32; full passes and subsets (gathered by the graph) read the float16 copy.
   */
  static async create(points: WorkingCopy, d: number, options: OnnxKernelOptions = {}): Promise<OnnxKernel> {
    return (await OnnxKernel.prepare(d, points.precision, options)).kernel(memoryRows(points, d), options.norms ?? rowNorms(points, d));
  }

  /** As {@link create}, over any {@link RowStore} (rows streamed from disk: `norms` must be given). */
  static async overRows(rows: RowStore, norms: Float32Array, options: OnnxKernelOptions = {}): Promise<OnnxKernel> {
    return (await OnnxKernel.prepare(rows.d, rows.precision, options)).kernel(rows, norms);
  }

  /**
   * Builds the sessions for rows of width `d` at `precision` before the rows are there: a run starts
   * this while it reads its input, so loading onnxruntime and building its graphs overlap the read.
   * `kernel` makes the kernel once the rows and their norms are ready (the kernel then owns the
   * sessions); `release` frees them when no kernel is made.
   */
  static async prepare(d: number, precision: Precision, options: OnnxKernelOptions = {}): Promise<PreparedOnnxKernel> {
    const sessionOptions = { intraOpThreads: options.threads ?? 1 };
    const session = await OnnxSession.create(minDistanceModel(d), sessionOptions);
    const halfSession = precision === 'fp16' ? await OnnxSession.create(minDistanceModel(d, true), sessionOptions) : session;
    return {
      kernel: (rows, norms) => {
        if (rows.d !== d || rows.precision !== precision) throw new InternalError(`OnnxKernel prepared for ${d}-wide ${precision} rows was given ${rows.d}-wide ${rows.precision} rows`);
        return new OnnxKernel(rows, d, norms, session, options.blockRows ?? DEFAULT_BLOCK_ROWS, rows, undefined, halfSession, new LazySessions(sessionOptions.intraOpThreads));
      },
      release: async () => {
        if (halfSession !== session) await halfSession.release();
        await session.release();
      },
    };
  }

  foldCenters(centers: Int32Array, minDist: Float32Array): Promise<void> {
    return this.fold(centers, minDist, undefined);
  }

  private async fold(centers: Int32Array, minDist: Float32Array, nearest: Int32Array | undefined): Promise<void> {
    const d = this.d;
    const nearestSessions = nearest === undefined ? undefined : this.lazySessions;
    const update = (start: number, end: number, D: Float32Array, A: Float32Array | undefined): void => {
      for (let i = start; i < end; i++) {
        const value = D[i - start]!;
        if (minDist[i]! >= 0 && value < minDist[i]!) {
          minDist[i] = value;
          if (nearest !== undefined) nearest[i] = A![i - start]!;
        }
      }
    };
    const outputs = nearest === undefined ? ['D'] : ['D', 'A'];
    const whole = this.rows.whole;
    if (this.index !== null && whole !== undefined) {
      const half = whole.precision === 'fp16';
      const key = `gathered${nearest === undefined ? '' : '-nearest'}${half ? '16' : ''}`;
      const session = await this.lazySessions.get(key, () => minDistanceModel(d, half, nearest !== undefined, true));
      for (let start = 0; start < this.index.length; start += this.blockRows) {
        const end = Math.min(start + this.blockRows, this.index.length);
        const { D, A } = await session.run({
          [half ? 'X16all' : 'Xall']: { data: whole.values, dims: [this.rows.n, d] },
          I: { data: this.index.subarray(start, end), dims: [end - start] },
          Ic: { data: centers, dims: [centers.length] },
          Xnall: { data: this.norms, dims: [this.rows.n] },
        }, outputs);
        update(start, end, D!, A);
      }
      return;
    }
    const C = this.centerRows.gather(centers);
    const Cn = valuesAt(this.centerNorms, centers);
    await this.rows.forEachBlock(this.blockRows, async (start, block) => {
      const rows = block.values.length / d;
      const end = start + rows;
      const half = block.precision === 'fp16';
      const session = nearestSessions === undefined
        ? half ? this.halfSession : this.session
        : await nearestSessions.get(half ? 'nearest16' : 'nearest', () => minDistanceModel(d, half, true));
      const { D, A } = await session.run({
        [half ? 'X16' : 'X']: { data: block.values, dims: [rows, d] },
        C: { data: C, dims: [centers.length, d] },
        Xn: { data: this.norms.subarray(start, end), dims: [rows] },
        Cn: { data: Cn, dims: [centers.length] },
      }, outputs);
      update(start, end, D!, A);
    });
  }

  private async centerDistances(a: Int32Array, b: Int32Array): Promise<Float32Array> {
    const session = await this.lazySessions.get('pairs', () => pairDistanceModel(this.d));
    const { D } = await session.run({
      X: { data: this.centerRows.gather(a), dims: [a.length, this.d] },
      C: { data: this.centerRows.gather(b), dims: [b.length, this.d] },
      Xn: { data: valuesAt(this.centerNorms, a), dims: [a.length, 1] },
      Cn: { data: valuesAt(this.centerNorms, b), dims: [b.length] },
    }, ['D']);
    return D!;
  }

  /**
   * Over a matrix in memory, a subset reads its rows in place (the graph gathers them: no copy here, and
   * the gather runs on onnxruntime's threads); over rows streamed from disk (and for a subset of such a
   * copy), it gathers a float32 copy of them into a buffer borrowed from the scratch until {@link dispose}.
   */
  subset(rows: Int32Array): OnnxKernel {
    // In place only where the centers index the same matrix: the graph gathers them from it too (a
    // subset of a copied subset has its rows in memory but its centers on disk).
    if (this.rows.whole !== undefined && this.centerRows === this.rows) {
      return new OnnxKernel(this.rows, this.d, this.norms, this.session, this.blockRows, this.centerRows, this.centerNorms, this.halfSession, this.lazySessions, this.maxSquaredNorm, this.scratch, null, this.index === null ? rows.slice() : this.matrixRows(rows));
    }
    const gathered = this.rows.gather(rows, this.scratch.take(rows.length * this.d));
    return new OnnxKernel(memoryRows(float32Copy(gathered), this.d), this.d, valuesAt(this.norms, rows), this.session, this.blockRows, this.centerRows, this.centerNorms, this.session, this.lazySessions, this.maxSquaredNorm, this.scratch, gathered);
  }

  dispose(): void {
    if (this.borrowed !== null) this.scratch.give(this.borrowed);
    this.borrowed = null;
  }

  /** The rows of `rows` (this kernel's points) in the matrix `rows` holds: themselves unless this is an in-place subset. */
  private matrixRows(rows: Int32Array): Int32Array {
    const { index } = this;
    return index === null ? rows : Int32Array.from(rows, (j) => index[j]!);
  }

  openPool(poolRows: Int32Array): PoolDistances {
    const rows = this.matrixRows(poolRows);
    const X = this.rows.gather(rows);
    const Xn = valuesAt(this.norms, rows);
    return {
      distancesTo: async (center, out) => {
        const { D } = await this.session.run({
          X: { data: X, dims: [rows.length, this.d] },
          C: { data: this.centerRows.gather([center]), dims: [1, this.d] },
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
