/**
 * Selection operations on the runner, over plain typed arrays: a point matrix uploaded once (split
 * across buffers when it exceeds one storage binding), then min-distance folds, pool distances and
 * arg-max. The greedy driver's state (min-distances) stays on the host; each fold sends it up, updates
 * it in place on the device and reads it back.
 */
import { InternalError } from '../../errors.js';
import { splitRows, type RowRange } from './program.js';
import type { DeviceBuffer, GpuRunner } from './runner.js';
import { argMaxProgram, NO_INDEX } from './wgsl/arg-max.js';
import { FLOAT32_MAX, type PointFormat } from './wgsl/common.js';
import { minDistanceProgram, type MinDistanceParams } from './wgsl/min-distance.js';
import { poolDistanceProgram } from './wgsl/pool-distance.js';

/** One buffer's worth of rows of a {@link DeviceMatrix}. */
interface MatrixShard {
  readonly range: RowRange;
  readonly points: DeviceBuffer;
}

/** A row-major n x d matrix on the device, in as many buffers as the binding limit needs. */
export class DeviceMatrix {
  private constructor(
    private readonly runner: GpuRunner,
    readonly n: number,
    readonly d: number,
    readonly format: PointFormat,
    private readonly shards: readonly MatrixShard[],
  ) {}

  /** Uploads `points` (float32, or float16 bits) as n x d. */
  static upload(runner: GpuRunner, points: Float32Array | Uint16Array, d: number): DeviceMatrix {
    if (points.length % d !== 0) throw new InternalError(`${points.length} values are not rows of ${d}`);
    const format: PointFormat = points instanceof Float32Array ? 'f32' : 'f16';
    const n = points.length / d;
    // Odd d in f16: an even row count per shard keeps each shard whole u32 words (no padding past the limit).
    const rowMultiple = format === 'f16' && d % 2 === 1 ? 2 : 1;
    const ranges = splitRows(n, format === 'f16' ? 2 * d : 4 * d, runner.limits, rowMultiple);
    const shards = ranges.map((range) => ({ range, points: runner.upload(points.subarray(range.start * d, (range.start + range.rows) * d), 'tidepool points') }));
    return new DeviceMatrix(runner, n, d, format, shards);
  }

  /** Buffers the matrix occupies. */
  get shardCount(): number {
    return this.shards.length;
  }

  /**
   * `minDist[i] = min(minDist[i], dist²(row i, c))` over the rows of `centers` (B x d float32);
   * entries below 0 are kept. `+Infinity` entries are fine (the device sees the largest float32).
   */
  async foldCenters(centers: Float32Array, minDist: Float32Array, tile: Omit<MinDistanceParams, 'd' | 'format'> = {}): Promise<void> {
    const { runner, d } = this;
    if (minDist.length !== this.n) throw new InternalError(`minDist has ${minDist.length} entries for ${this.n} rows`);
    const program = minDistanceProgram({ ...tile, d, format: this.format });
    const centerRows = centers.length / d;
    const perBlock = Math.max(1, Math.floor(Math.min(runner.limits.maxStorageBufferBindingSize, runner.limits.maxBufferSize) / (4 * d)));
    for (const shard of this.shards) {
      const { start, rows } = shard.range;
      const values = Float32Array.from(minDist.subarray(start, start + rows), (value) => Math.min(value, FLOAT32_MAX));
      const state = runner.upload(values, 'tidepool minDist');
      try {
        for (let block = 0; block < centerRows; block += perBlock) {
          const count = Math.min(perBlock, centerRows - block);
          const centerBuffer = runner.upload(centers.subarray(block * d, (block + count) * d), 'tidepool centers');
          try {
            await runner.run(program, [shard.points, centerBuffer, state], rows, program.rowsPerWorkgroup, count * d, (range) => Uint32Array.of(range.start, range.start + range.rows, count, 0));
          } finally {
            centerBuffer.destroy();
          }
        }
        const updated = new Float32Array(await runner.read(state, rows * 4));
        for (let i = 0; i < rows; i++) {
          const value = updated[i]!;
          if (minDist[start + i]! >= 0 && value < minDist[start + i]!) minDist[start + i] = value;
        }
      } finally {
        state.destroy();
      }
    }
  }

  /** `out[j] = dist²(row j, center)` for every row, `center` being d float32 values. */
  async distancesTo(center: Float32Array, out: Float32Array): Promise<void> {
    const { runner, d } = this;
    const program = poolDistanceProgram({ d, format: this.format });
    const centerBuffer = runner.upload(center, 'tidepool center');
    try {
      for (const shard of this.shards) {
        const { start, rows } = shard.range;
        const result = runner.storage(rows * 4, 'tidepool pool distances');
        try {
          await runner.run(program, [shard.points, centerBuffer, result], rows, program.rowsPerWorkgroup, d, (range) => Uint32Array.of(range.start, range.start + range.rows, 0, 0));
          out.set(new Float32Array(await runner.read(result, rows * 4)), start);
        } finally {
          result.destroy();
        }
      }
    } finally {
      centerBuffer.destroy();
    }
  }

  /** Frees the device buffers. */
  destroy(): void {
    for (const shard of this.shards) shard.points.destroy();
  }
}

/**
 * The first value in greedy order (largest; lowest index among equals; values below 0 never win),
 * reduced on the device. Null when no value is at least 0.
 */
export async function argMax(runner: GpuRunner, values: Float32Array): Promise<{ index: number; value: number } | null> {
  let count = values.length;
  if (count === 0) return null;
  let current = runner.upload(values, 'tidepool arg-max values');
  let indices = runner.storage(4, 'tidepool arg-max indices');
  let indexed = false;
  try {
    for (;;) {
      const program = argMaxProgram({ indexed });
      const groups = Math.ceil(count / program.itemsPerWorkgroup);
      const bestValue = runner.storage(groups * 4, 'tidepool arg-max best');
      const bestIndex = runner.storage(groups * 4, 'tidepool arg-max index');
      await runner.run(program, [current, indices, bestValue, bestIndex], count, program.itemsPerWorkgroup, 1, (range) => Uint32Array.of(range.start + range.rows, range.start / program.itemsPerWorkgroup, 0, 0));
      current.destroy();
      indices.destroy();
      current = bestValue;
      indices = bestIndex;
      indexed = true;
      count = groups;
      if (count === 1) break;
    }
    const value = new Float32Array(await runner.read(current, 4))[0]!;
    const index = new Uint32Array(await runner.read(indices, 4))[0]!;
    return index === NO_INDEX ? null : { index, value };
  } finally {
    current.destroy();
    indices.destroy();
  }
}
