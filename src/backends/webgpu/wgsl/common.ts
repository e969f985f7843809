/**
 * WGSL snippets shared by the selection kernels: how stored points are read, and how a squared
 * distance is accumulated (so the fold and the pool kernels round the same way).
 */

/**
 * How a point matrix is stored on the device: `f32`, or `f16` as IEEE half pairs packed in u32 words
 * (element e in word e >> 1, low half first) and widened exactly with `unpack2x16float`, core WGSL:
 * no `shader-f16` feature is needed, since arithmetic is float32 anyway.
 */
export type PointFormat = 'f32' | 'f16';

/** Dimensions summed per partial sum: the sum is blocked so float32 rounding grows with 32 + d/32, not d. */
export const DIMS_PER_CHUNK = 32;

/** The largest finite float32: stands in for +Infinity on the device (WGSL may assume values are finite). */
export const FLOAT32_MAX = 3.4028234663852886e38;

/** WGSL declaring `points` (binding 0, read-only) and `loadPoint(element) -> f32` for a storage format. */
export function pointAccess(format: PointFormat): string {
  if (format === 'f32') {
    return `@group(0) @binding(0) var<storage, read> points: array<f32>;
fn loadPoint(element: u32) -> f32 { return points[element]; }`;
  }
  return `@group(0) @binding(0) var<storage, read> points: array<u32>;
fn loadPoint(element: u32) -> f32 { return unpack2x16float(points[element >> 1u])[element & 1u]; }`;
}

/** Bytes a row-major block of `values` elements takes on the device in a format (whole u32 words). */
export function pointBytes(values: number, format: PointFormat): number {
  return format === 'f32' ? values * 4 : Math.ceil(values / 2) * 4;
}

/** Validates a builder's positive integer parameter, naming it. */
export function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}
