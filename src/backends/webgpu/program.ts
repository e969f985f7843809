/**
 * What every WGSL builder returns, and the pure arithmetic of dispatch grids and buffer splits.
 * Nothing here touches a device: the runner turns a {@link WgslProgram} into a pipeline and runs it.
 */

/**
 * How a shader declares one binding of group 0, in binding order: `read` is `var<storage, read>`,
 * `storage` is `var<storage, read_write>`, `uniform` is `var<uniform>`.
 */
export type BindingKind = 'read' | 'storage' | 'uniform';

/** A compute shader ready for the runner: built by a pure function of its parameters. */
export interface WgslProgram {
  /** WGSL source with one `@compute` entry point named `main`. */
  readonly code: string;
  /** `@workgroup_size` of `main` (x, y, z). */
  readonly workgroupSize: readonly [number, number, number];
  /** Workgroups to dispatch for `items` work items (rows, pool rows...), within `maxPerDimension`. */
  dispatch(items: number, maxPerDimension: number): readonly [number, number, number];
  /** Equal keys mean equal code: the runner compiles each key once. */
  readonly cacheKey: string;
  /** Group 0's bindings 0, 1, ...: the runner builds an explicit layout (unused bindings stay bindable). */
  readonly bindings: readonly BindingKind[];
}

/**
 * A 2-D grid of at least `count` workgroups with no dimension above `maxPerDimension`
 * (WebGPU's `maxComputeWorkgroupsPerDimension`, 65,535 by default). Shaders linearise it as
 * `id.x + id.y * num_workgroups.x` and skip ids at or past `count`.
 */
export function workgroupGrid(count: number, maxPerDimension: number): [number, number, number] {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`workgroup count must be a non-negative integer, got ${count}`);
  if (!Number.isInteger(maxPerDimension) || maxPerDimension < 1) throw new RangeError(`maxPerDimension must be a positive integer, got ${maxPerDimension}`);
  if (count === 0) return [0, 1, 1];
  const x = Math.min(count, maxPerDimension);
  const y = Math.ceil(count / x);
  if (y > maxPerDimension) throw new RangeError(`${count} workgroups do not fit a ${maxPerDimension} x ${maxPerDimension} grid; split the dispatch`);
  return [x, y, 1];
}

/** The limits of one device that decide how work is split (a subset of `GPUSupportedLimits`). */
export interface DispatchLimits {
  /** Largest workgroup count in one dimension of a dispatch. */
  maxComputeWorkgroupsPerDimension: number;
  /** Largest byte size of one storage buffer binding. */
  maxStorageBufferBindingSize: number;
  /** Largest byte size of one buffer. */
  maxBufferSize: number;
}

/** A contiguous range of rows. */
export interface RowRange {
  /** First row. */
  readonly start: number;
  /** Rows in the range. */
  readonly rows: number;
}

/**
 * Splits `n` rows of `rowBytes` bytes each into ranges whose bytes fit one storage binding and one
 * buffer, and whose row count is a multiple of `rowMultiple` (except the last): a row-major matrix
 * larger than one binding goes to the device as several buffers, one per range.
 */
export function splitRows(n: number, rowBytes: number, limits: DispatchLimits, rowMultiple = 1): RowRange[] {
  const bytes = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  let perRange = Math.floor(bytes / rowBytes);
  perRange -= perRange % rowMultiple;
  if (perRange < 1) throw new RangeError(`one row of ${rowBytes} bytes (x${rowMultiple}) does not fit a ${bytes}-byte storage binding`);
  const ranges: RowRange[] = [];
  for (let start = 0; start < n; start += perRange) ranges.push({ start, rows: Math.min(perRange, n - start) });
  return ranges;
}

/**
 * Splits `items` work items, `perWorkgroup` per workgroup, into dispatches of at most `maxItems` items
 * each (a multiple of `perWorkgroup`): bounded work per submit keeps each dispatch short (OS GPU
 * watchdogs, a software Vulkan's thread pool) and within the grid limit.
 */
export function splitDispatches(items: number, perWorkgroup: number, maxItems: number): RowRange[] {
  const step = Math.max(perWorkgroup, maxItems - (maxItems % perWorkgroup));
  const ranges: RowRange[] = [];
  for (let start = 0; start < items; start += step) ranges.push({ start, rows: Math.min(step, items - start) });
  return ranges;
}
