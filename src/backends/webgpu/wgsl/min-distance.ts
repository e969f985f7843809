/**
 * The catch-up kernel: folds a block of centers into the min-distances of a block of points,
 * `minDist[i] = min(minDist[i], sum_k (x_ik - c_k)²)` over every center c, without writing the
 * points x centers matrix. Entries below 0 (points already chosen) are left as they are.
 *
 * Why the difference-squared form and not ||x||² + ||c||² - 2 x·c: the CPU reference sums squared
 * differences in float64 and rounds once, and greedy's exactness contract only forgives picks whose
 * reference distances agree within 1e-6 relative. Squared differences are all non-negative, so a
 * float32 sum of them has a relative error below (32 + d/32) x 2^-24 with the blocked sum used here
 * (about 3e-6 worst case and ~1e-7 typical at d = 384), at every distance. The GEMM form cancels:
 * its absolute error is ~2^-24 ||x||², which near the end of a long run (small radii, norms ~1)
 * is far above 1e-6 of the distances being compared. It costs one subtraction more per term.
 *
 * Tiling: a workgroup owns `rowsPerThread x threadRows` rows and walks the centers in tiles of
 * `centersPerThread x threadCenters`; both tiles stream through workgroup memory `DIMS_PER_CHUNK`
 * dimensions at a time, each thread keeping a rowsPerThread x centersPerThread block of sums in
 * registers. The row minimum is reduced across the workgroup once, after the last center tile.
 */
import type { WgslProgram } from '../program.js';
import { workgroupGrid } from '../program.js';
import { DIMS_PER_CHUNK, pointAccess, positiveInteger, type PointFormat } from './common.js';

/** Parameters of {@link minDistanceProgram}. */
export interface MinDistanceParams {
  /** Dimensions per point. */
  d: number;
  /** Storage of the points (centers are always f32). @default 'f32' */
  format?: PointFormat;
  /** Threads along rows. @default 8 */
  threadRows?: number;
  /** Threads along centers. @default 8 */
  threadCenters?: number;
  /** Rows each thread sums. @default 4 */
  rowsPerThread?: number;
  /** Centers each thread sums. @default 4 */
  centersPerThread?: number;
}

/** The catch-up program, with the tile shape it was built for. */
export interface MinDistanceProgram extends WgslProgram {
  /** Rows one workgroup updates. */
  readonly rowsPerWorkgroup: number;
  /** Centers one tile holds. */
  readonly centersPerTile: number;
  /** Bytes of workgroup memory the program declares. */
  readonly workgroupBytes: number;
}

/**
 * Builds the catch-up kernel. Bindings (group 0): 0 `points` (rows x d, {@link PointFormat}),
 * 1 `centers` (B x d f32), 2 `minDist` (one f32 per row, read-write), 3 uniform
 * `{ firstRow, endRow, centerCount, _ }`: rows [firstRow, endRow) of the bound buffers are updated.
 */
export function minDistanceProgram(params: MinDistanceParams): MinDistanceProgram {
  const d = positiveInteger('d', params.d);
  const format = params.format ?? 'f32';
  const threadRows = positiveInteger('threadRows', params.threadRows ?? 8);
  const threadCenters = positiveInteger('threadCenters', params.threadCenters ?? 8);
  const rowsPerThread = positiveInteger('rowsPerThread', params.rowsPerThread ?? 4);
  const centersPerThread = positiveInteger('centersPerThread', params.centersPerThread ?? 4);
  const threads = threadRows * threadCenters;
  const tileRows = threadRows * rowsPerThread;
  const tileCenters = threadCenters * centersPerThread;
  const chunk = DIMS_PER_CHUNK;
  if (tileRows > threads) throw new RangeError(`rowsPerThread (${rowsPerThread}) must be at most threadCenters (${threadCenters}): one thread per row reduces the tile`);
  const workgroupBytes = 4 * (tileRows * chunk + tileCenters * chunk + tileRows * threadCenters);
  const code = `// tidepool min-distance fold: d=${d} format=${format} tile=${tileRows}x${tileCenters}x${chunk}
${pointAccess(format)}
@group(0) @binding(1) var<storage, read> centers: array<f32>;
@group(0) @binding(2) var<storage, read_write> minDist: array<f32>;
struct Params { firstRow: u32, endRow: u32, centerCount: u32, unused: u32 }
@group(0) @binding(3) var<uniform> params: Params;

const D: u32 = ${d}u;
const CHUNK: u32 = ${chunk}u;
const THREADS: u32 = ${threads}u;
const THREAD_CENTERS: u32 = ${threadCenters}u;
const TILE_ROWS: u32 = ${tileRows}u;
const TILE_CENTERS: u32 = ${tileCenters}u;
const RPT: u32 = ${rowsPerThread}u;
const CPT: u32 = ${centersPerThread}u;
const FAR: f32 = 3.4028234663852886e38;

var<workgroup> rowTile: array<f32, ${tileRows * chunk}>;
var<workgroup> centerTile: array<f32, ${tileCenters * chunk}>;
var<workgroup> rowBest: array<f32, ${tileRows * threadCenters}>;

@compute @workgroup_size(${threadCenters}, ${threadRows}, 1)
fn main(@builtin(workgroup_id) group: vec3u, @builtin(num_workgroups) groups: vec3u,
        @builtin(local_invocation_id) local: vec3u, @builtin(local_invocation_index) lane: u32) {
  let tileStart = params.firstRow + (group.x + group.y * groups.x) * TILE_ROWS;
  if (tileStart >= params.endRow) { return; }
  var best: array<f32, ${rowsPerThread}>;
  for (var r = 0u; r < RPT; r++) { best[r] = FAR; }
  for (var centerStart = 0u; centerStart < params.centerCount; centerStart += TILE_CENTERS) {
    var total: array<f32, ${rowsPerThread * centersPerThread}>;
    for (var i = 0u; i < RPT * CPT; i++) { total[i] = 0.0; }
    for (var dimStart = 0u; dimStart < D; dimStart += CHUNK) {
      for (var e = lane; e < TILE_ROWS * CHUNK; e += THREADS) {
        let row = tileStart + e / CHUNK;
        let dim = dimStart + e % CHUNK;
        rowTile[e] = select(0.0, loadPoint(row * D + dim), row < params.endRow && dim < D);
      }
      for (var e = lane; e < TILE_CENTERS * CHUNK; e += THREADS) {
        let center = centerStart + e / CHUNK;
        let dim = dimStart + e % CHUNK;
        centerTile[e] = select(0.0, centers[min(center * D + dim, arrayLength(&centers) - 1u)], center < params.centerCount && dim < D);
      }
      workgroupBarrier();
      var part: array<f32, ${rowsPerThread * centersPerThread}>;
      for (var i = 0u; i < RPT * CPT; i++) { part[i] = 0.0; }
      for (var k = 0u; k < CHUNK; k++) {
        var x: array<f32, ${rowsPerThread}>;
        for (var r = 0u; r < RPT; r++) { x[r] = rowTile[(local.y * RPT + r) * CHUNK + k]; }
        for (var c = 0u; c < CPT; c++) {
          let value = centerTile[(local.x * CPT + c) * CHUNK + k];
          for (var r = 0u; r < RPT; r++) {
            let diff = x[r] - value;
            part[r * CPT + c] = fma(diff, diff, part[r * CPT + c]);
          }
        }
      }
      for (var i = 0u; i < RPT * CPT; i++) { total[i] += part[i]; }
      workgroupBarrier();
    }
    for (var c = 0u; c < CPT; c++) {
      if (centerStart + local.x * CPT + c < params.centerCount) {
        for (var r = 0u; r < RPT; r++) { best[r] = min(best[r], total[r * CPT + c]); }
      }
    }
  }
  for (var r = 0u; r < RPT; r++) { rowBest[(local.y * RPT + r) * THREAD_CENTERS + local.x] = best[r]; }
  workgroupBarrier();
  if (lane < TILE_ROWS) {
    let row = tileStart + lane;
    if (row < params.endRow) {
      var nearest = FAR;
      for (var t = 0u; t < THREAD_CENTERS; t++) { nearest = min(nearest, rowBest[lane * THREAD_CENTERS + t]); }
      let current = minDist[row];
      if (current >= 0.0 && nearest < current) { minDist[row] = nearest; }
    }
  }
}
`;
  return {
    code,
    workgroupSize: [threadCenters, threadRows, 1],
    dispatch: (rows, maxPerDimension) => workgroupGrid(Math.ceil(rows / tileRows), maxPerDimension),
    bindings: ['read', 'read', 'storage', 'uniform'],
    cacheKey: `min-distance:d=${d}:${format}:${threadRows}x${threadCenters}:${rowsPerThread}x${centersPerThread}`,
    rowsPerWorkgroup: tileRows,
    centersPerTile: tileCenters,
    workgroupBytes,
  };
}
