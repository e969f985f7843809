/**
 * Pool distances: `out[j] = sum_k (x_jk - c_k)²` from each of M pool rows to one center, the query
 * greedy makes once per pick inside its candidate pool. Rows stream through workgroup memory
 * `DIMS_PER_CHUNK` dimensions at a time (coalesced loads), and each thread sums its row with the same
 * blocked float32 sum as the fold kernel, so a pool distance and a fold distance of the same pair are
 * the same float.
 */
import type { WgslProgram } from '../program.js';
import { workgroupGrid } from '../program.js';
import { DIMS_PER_CHUNK, pointAccess, positiveInteger, type PointFormat } from './common.js';

/** Parameters of {@link poolDistanceProgram}. */
export interface PoolDistanceParams {
  /** Dimensions per point. */
  d: number;
  /** Storage of the pool rows. @default 'f32' */
  format?: PointFormat;
  /** Rows per workgroup (one thread each). @default 64 */
  rowsPerWorkgroup?: number;
}

/** The pool-distance program, with its rows per workgroup. */
export interface PoolDistanceProgram extends WgslProgram {
  /** Rows one workgroup computes. */
  readonly rowsPerWorkgroup: number;
}

/**
 * Builds the pool-distance kernel. Bindings (group 0): 0 `points` (rows x d), 1 `center` (d f32),
 * 2 `out` (one f32 per row), 3 uniform `{ firstRow, endRow, _, _ }`: rows [firstRow, endRow) are computed.
 */
export function poolDistanceProgram(params: PoolDistanceParams): PoolDistanceProgram {
  const d = positiveInteger('d', params.d);
  const format = params.format ?? 'f32';
  const rows = positiveInteger('rowsPerWorkgroup', params.rowsPerWorkgroup ?? 64);
  const chunk = DIMS_PER_CHUNK;
  const code = `// tidepool pool distances: d=${d} format=${format} rows=${rows}
${pointAccess(format)}
@group(0) @binding(1) var<storage, read> center: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
struct Params { firstRow: u32, endRow: u32, unused0: u32, unused1: u32 }
@group(0) @binding(3) var<uniform> params: Params;

const D: u32 = ${d}u;
const CHUNK: u32 = ${chunk}u;
const ROWS: u32 = ${rows}u;

var<workgroup> rowTile: array<f32, ${rows * chunk}>;
var<workgroup> centerTile: array<f32, ${chunk}>;

@compute @workgroup_size(${rows}, 1, 1)
fn main(@builtin(workgroup_id) group: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lane: u32) {
  let tileStart = params.firstRow + (group.x + group.y * groups.x) * ROWS;
  if (tileStart >= params.endRow) { return; }
  var total = 0.0;
  for (var dimStart = 0u; dimStart < D; dimStart += CHUNK) {
    for (var e = lane; e < ROWS * CHUNK; e += ROWS) {
      let row = tileStart + e / CHUNK;
      let dim = dimStart + e % CHUNK;
      rowTile[e] = select(0.0, loadPoint(row * D + dim), row < params.endRow && dim < D);
    }
    for (var e = lane; e < CHUNK; e += ROWS) {
      centerTile[e] = select(0.0, center[min(dimStart + e, D - 1u)], dimStart + e < D);
    }
    workgroupBarrier();
    var part = 0.0;
    for (var k = 0u; k < CHUNK; k++) {
      let diff = rowTile[lane * CHUNK + k] - centerTile[k];
      part = fma(diff, diff, part);
    }
    total += part;
    workgroupBarrier();
  }
  if (tileStart + lane < params.endRow) { out[tileStart + lane] = total; }
}
`;
  return {
    code,
    workgroupSize: [rows, 1, 1],
    dispatch: (items, maxPerDimension) => workgroupGrid(Math.ceil(items / rows), maxPerDimension),
    bindings: ['read', 'read', 'storage', 'uniform'],
    cacheKey: `pool-distance:d=${d}:${format}:${rows}`,
    rowsPerWorkgroup: rows,
  };
}
