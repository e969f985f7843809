/**
 * The WebGPU kernel: {@link MinDistanceKernel} on the GPU runner, so `--backend webgpu` runs the same
 * exact greedy driver as the CPU. The full matrix is uploaded once (float32, or float16 bits read
 * as halves on the device); subsets and pools are gathered to float32 on the host and uploaded when
 * used, keeping at most a few such uploads on the device at a time.
 */
import { GpuRunner, type RunnerOptions } from '../backends/webgpu/runner.js';
import { DeviceMatrix } from '../backends/webgpu/selection.js';
import type { MinDistanceKernel, PoolDistances } from './kernel.js';
import { float32Copy, gatherRows, type WorkingCopy } from './working-copy.js';

/** Options of {@link WebGpuKernel.create}. */
export interface WebGpuKernelOptions extends RunnerOptions {
  /** A runner to use (the kernel then leaves it alive on release). @default a new one */
  runner?: GpuRunner;
  /** Subset and pool uploads kept on the device besides the full matrix. @default 2 */
  cachedUploads?: number;
}

/** What every kernel derived from one root shares: the runner, the uploads, and one queue of work. */
class SharedDevice {
  private readonly uploads = new Map<object, DeviceMatrix>();
  private tail: Promise<unknown> = Promise.resolve();

  constructor(readonly runner: GpuRunner, readonly ownsRunner: boolean, private readonly capacity: number, readonly root: object) {}

  /** The device copy of `owner`'s points, uploading it (and evicting the oldest other upload) if needed. */
  matrix(owner: object, points: WorkingCopy, d: number): DeviceMatrix {
    let matrix = this.uploads.get(owner);
    if (matrix !== undefined) {
      // Re-insert: Map order is the recency order.
      this.uploads.delete(owner);
      this.uploads.set(owner, matrix);
      return matrix;
    }
    matrix = DeviceMatrix.upload(this.runner, points.values, d);
    this.uploads.set(owner, matrix);
    const evictable = [...this.uploads.keys()].filter((key) => key !== this.root && key !== owner);
    for (const key of evictable.slice(0, Math.max(0, evictable.length - this.capacity))) {
      this.uploads.get(key)!.destroy();
      this.uploads.delete(key);
    }
    return matrix;
  }

  /** Runs `work` after every earlier call has settled: an upload is never evicted while in use. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work);
    this.tail = result.catch(() => undefined);
    return result;
  }

  async release(): Promise<void> {
    await this.tail;
    for (const matrix of this.uploads.values()) matrix.destroy();
    this.uploads.clear();
    if (this.ownsRunner) await this.runner.destroy();
  }
}

/** A {@link MinDistanceKernel} on WebGPU. */
export class WebGpuKernel implements MinDistanceKernel {
  readonly n: number;

  private constructor(
    private readonly shared: SharedDevice,
    private readonly points: WorkingCopy,
    readonly d: number,
    /** The matrix center rows index (this kernel's points unless it is a subset). */
    private readonly centerPoints: WorkingCopy,
    /** The key of this kernel's upload in the shared cache. */
    private readonly uploadKey: object,
  ) {
    this.n = points.values.length / d;
  }

  /** Acquires a device (unless given a runner) and uploads the n x d matrix (float32 or float16 bits). */
  static async create(points: WorkingCopy, d: number, options: WebGpuKernelOptions = {}): Promise<WebGpuKernel> {
    const runner = options.runner ?? await GpuRunner.create(options);
    const root = {};
    const shared = new SharedDevice(runner, options.runner === undefined, options.cachedUploads ?? 2, root);
    // Uploaded now, so that a matrix too large for the device fails here, before any pass.
    shared.matrix(root, points, d);
    return new WebGpuKernel(shared, points, d, points, root);
  }

  /** The adapter the kernel runs on. */
  get adapter(): GpuRunner['adapter'] {
    return this.shared.runner.adapter;
  }

  foldCenters(centers: Int32Array, minDist: Float32Array): Promise<void> {
    if (centers.length === 0 || this.n === 0) return Promise.resolve();
    const centerValues = gatherRows(this.centerPoints, this.d, centers);
    return this.shared.exclusive(() => this.shared.matrix(this.uploadKey, this.points, this.d).foldCenters(centerValues, minDist));
  }

  subset(rows: Int32Array): WebGpuKernel {
    return new WebGpuKernel(this.shared, float32Copy(gatherRows(this.points, this.d, rows)), this.d, this.centerPoints, {});
  }

  openPool(rows: Int32Array): PoolDistances {
    const pool = float32Copy(gatherRows(this.points, this.d, rows));
    const key = {};
    return {
      distancesTo: (center, out) => {
        const centerValues = gatherRows(this.centerPoints, this.d, [center]);
        if (rows.length === 0) return Promise.resolve();
        return this.shared.exclusive(() => this.shared.matrix(key, pool, this.d).distancesTo(centerValues, out));
      },
    };
  }

  /** Frees the device buffers, and the device when the kernel created it. Call it on the root kernel. */
  release(): Promise<void> {
    return this.shared.release();
  }
}
