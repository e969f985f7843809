/**
 * On-device arg-max in greedy order: the largest value, the lowest index among equal values; values
 * below 0 (chosen points) never win. One pass reduces each workgroup's slice to one (value, index)
 * pair; the runner repeats on the pairs (with `indexed`) until one is left.
 */
import type { WgslProgram } from '../program.js';
import { workgroupGrid } from '../program.js';
import { positiveInteger } from './common.js';

/** Parameters of {@link argMaxProgram}. */
export interface ArgMaxParams {
  /** Threads per workgroup (a power of two). @default 256 */
  threads?: number;
  /** Items each thread scans before the tree reduction. @default 4 */
  itemsPerThread?: number;
  /** Whether binding 1 holds the index of each value (a later pass) rather than the value's position. @default false */
  indexed?: boolean;
}

/** The arg-max program, with the items one workgroup reduces. */
export interface ArgMaxProgram extends WgslProgram {
  /** Items reduced to one pair per workgroup. */
  readonly itemsPerWorkgroup: number;
}

/** The index a pass reports when every value it saw was below 0. */
export const NO_INDEX = 0xffffffff;

/**
 * Builds one arg-max pass. Bindings (group 0): 0 `values` (f32), 1 `indices` (u32; bound but unread
 * unless `indexed`), 2 `bestValue` and 3 `bestIndex` (one per workgroup), 4 uniform `{ count, firstSlot, _, _ }`: this dispatch's workgroup w writes pair `firstSlot + w`.
 */
export function argMaxProgram(params: ArgMaxParams = {}): ArgMaxProgram {
  const threads = positiveInteger('threads', params.threads ?? 256);
  if ((threads & (threads - 1)) !== 0) throw new RangeError(`threads must be a power of two, got ${threads}`);
  const perThread = positiveInteger('itemsPerThread', params.itemsPerThread ?? 4);
  const indexed = params.indexed ?? false;
  const itemsPerWorkgroup = threads * perThread;
  const code = `// tidepool arg-max: threads=${threads} perThread=${perThread} indexed=${indexed}
@group(0) @binding(0) var<storage, read> values: array<f32>;
@group(0) @binding(1) var<storage, read> indices: array<u32>;
@group(0) @binding(2) var<storage, read_write> bestValue: array<f32>;
@group(0) @binding(3) var<storage, read_write> bestIndex: array<u32>;
struct Params { count: u32, firstSlot: u32, unused0: u32, unused1: u32 }
@group(0) @binding(4) var<uniform> params: Params;

const THREADS: u32 = ${threads}u;
const PER_WORKGROUP: u32 = ${itemsPerWorkgroup}u;
const NONE: u32 = ${NO_INDEX}u;

var<workgroup> sharedValue: array<f32, ${threads}>;
var<workgroup> sharedIndex: array<u32, ${threads}>;

fn precedes(aValue: f32, aIndex: u32, bValue: f32, bIndex: u32) -> bool {
  if (aIndex == NONE) { return false; }
  if (bIndex == NONE) { return true; }
  return aValue > bValue || (aValue == bValue && aIndex < bIndex);
}

@compute @workgroup_size(${threads}, 1, 1)
fn main(@builtin(workgroup_id) group: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lane: u32) {
  let slot = params.firstSlot + group.x + group.y * groups.x;
  let start = slot * PER_WORKGROUP;
  if (start >= params.count) { return; }
  var value = -1.0;
  var index = NONE;
  for (var at = start + lane; at < min(start + PER_WORKGROUP, params.count); at += THREADS) {
    let candidate = values[at];
    let candidateIndex = ${indexed ? 'indices[at]' : 'at'};
    if (candidate >= 0.0 && precedes(candidate, candidateIndex, value, index)) {
      value = candidate;
      index = candidateIndex;
    }
  }
  sharedValue[lane] = value;
  sharedIndex[lane] = index;
  workgroupBarrier();
  for (var stride = THREADS / 2u; stride > 0u; stride /= 2u) {
    if (lane < stride && precedes(sharedValue[lane + stride], sharedIndex[lane + stride], sharedValue[lane], sharedIndex[lane])) {
      sharedValue[lane] = sharedValue[lane + stride];
      sharedIndex[lane] = sharedIndex[lane + stride];
    }
    workgroupBarrier();
  }
  if (lane == 0u) {
    bestValue[slot] = sharedValue[0];
    bestIndex[slot] = sharedIndex[0];
  }
}
`;
  return {
    code,
    workgroupSize: [threads, 1, 1],
    dispatch: (items, maxPerDimension) => workgroupGrid(Math.ceil(items / itemsPerWorkgroup), maxPerDimension),
    bindings: ['read', 'read', 'storage', 'storage', 'uniform'],
    cacheKey: `arg-max:${threads}:${perThread}:${indexed ? 'indexed' : 'direct'}`,
    itemsPerWorkgroup,
  };
}
