/**
 * Exact triangle-inequality pruning of a fold (pure planning; no kernel calls).
 *
 * A point x whose min-distance m comes from center a (its nearest so far) cannot be brought closer
 * by a new center c when d(c, a) >= 2 d(x, a): then d(x, c) >= d(c, a) - d(x, a) >= d(x, a). So
 * points are grouped by their nearest center a, and a group needs only the new centers c with
 * d(c, a) < 2 R_a, R_a being the group's largest min-distance (one test per group and center, on
 * center-to-center distances, which are cheap: there are k centers against n points). Groups with no
 * such center are skipped whole; the others are packed into row blocks that fold the union of their
 * groups' centers, so every fold stays one dense GEMM (vectorised) and no per-pair branching is needed.
 *
 * Exactness in floating point: every test is widened by the kernel's bound E on the error of a computed
 * squared distance (`TriangleSupport.distanceError`): with d(x,a)² <= m + E and d(c,a)² >= D(c,a) - E,
 * a skipped pair has d(x,c)² >= m + E, so its computed distance is >= m and could not have lowered m
 * (folds lower a min-distance only on a strictly smaller value). Skipping therefore changes no
 * min-distance and no pick: the picks are those of the unpruned fp32 greedy, bit for bit.
 */

/** What a separate block costs beyond its evaluations (a gather and a kernel call), in rows of the chunk. */
const BLOCK_OVERHEAD = 32;

/** One fold of a pruned plan: these rows against these centers (indices into the chunk). */
export interface FoldBlock {
  rows: Int32Array;
  centers: Int32Array;
}

/** What {@link planPrunedFold} decides for one chunk of new centers. */
export interface FoldPlan {
  /** Row blocks to fold, each with the chunk centers that could lower some of its min-distances. */
  blocks: FoldBlock[];
  /** Point-center evaluations the blocks cost. */
  evaluations: number;
}

/** What a plan starts from: the rows to fold and, per row, its min-distance and nearest center. */
export interface PlanInput {
  /** Rows to fold the chunk into (min-distance > 0; chosen points and exact duplicates left out). */
  rows: Int32Array;
  /** Per point (indexed by row): squared min-distance. */
  minDist: Float32Array;
  /** Per point (indexed by row): ordinal of its nearest center (index into `groups`), or -1 when unknown. */
  nearest: Int32Array;
  /** Per point (indexed by row): how many leading centers its min-distance includes. */
  lag: Int32Array;
  /** Ordinal of the chunk's first center (a row folds only the chunk centers from its lag on). */
  first: number;
  /** Chunk size: number of new centers. */
  chunk: number;
  /** The distinct nearest-center ordinals of the known rows, and their distances to the chunk (row-major, |groups| x chunk). */
  groups: Int32Array;
  centerDistances: Float32Array;
  /** `TriangleSupport.distanceError`. */
  distanceError: number;
  /** Most rows per block. */
  blockRows: number;
}

/** The distinct nearest-center ordinals among `rows` (those with a known one), ascending. */
export function nearestGroups(rows: Int32Array, nearest: Int32Array): Int32Array {
  const seen = new Set<number>();
  for (const row of rows) {
    const a = nearest[row]!;
    if (a >= 0) seen.add(a);
  }
  return Int32Array.from([...seen].sort((x, y) => x - y));
}

/**
 * Plans one chunk's fold over `rows` with triangle-inequality pruning. A row folds only the chunk
 * centers from its lag on; with an unknown nearest center all of those, otherwise only the ones its
 * group's test keeps.
 */
export function planPrunedFold(input: PlanInput): FoldPlan {
  const { rows, minDist, nearest, lag, first, chunk, groups, centerDistances, distanceError: error, blockRows } = input;
  const slot = new Map<number, number>();
  groups.forEach((a, g) => slot.set(a, g));
  // Rows grouped by (nearest center, first chunk center they lack); per group the largest min-distance.
  const byKey = new Map<number, { slot: number; skip: number; rows: number[]; radius: number }>();
  for (const row of rows) {
    const g = nearest[row]! < 0 ? -1 : slot.get(nearest[row]!) ?? -1;
    const skip = Math.max(0, lag[row]! - first);
    const key = (g + 1) * (chunk + 1) + skip;
    let group = byKey.get(key);
    if (group === undefined) {
      group = { slot: g, skip, rows: [], radius: 0 };
      byKey.set(key, group);
    }
    group.rows.push(row);
    if (minDist[row]! > group.radius) group.radius = minDist[row]!;
  }
  // Center c is kept for group a when sqrt(D(c,a) - E) < 2 sqrt(R_a² + E), i.e. D(c,a) < 4 (R_a² + E) + E.
  const members: number[][] = [];
  const kept: Int32Array[] = [];
  const order: number[] = [];
  for (const group of byKey.values()) {
    const threshold = 4 * (group.radius + error) + error;
    const list: number[] = [];
    const at = group.slot * chunk;
    for (let c = group.skip; c < chunk; c++) if (group.slot < 0 || centerDistances[at + c]! < threshold) list.push(c);
    if (list.length === 0) continue;
    order.push(members.length);
    members.push(group.rows);
    kept.push(Int32Array.from(list));
  }
  // Groups with similar kept centers next to each other, so a block's union stays small.
  order.sort((x, y) => kept[x]![0]! - kept[y]![0]! || kept[x]!.length - kept[y]!.length || x - y);
  const blocks: FoldBlock[] = [];
  let evaluations = 0;
  const inUnion = new Uint8Array(chunk);
  let blockMembers: number[] = [];
  let union: number[] = [];
  const flush = (): void => {
    if (blockMembers.length === 0) return;
    union.sort((x, y) => x - y);
    blocks.push({ rows: Int32Array.from(blockMembers), centers: Int32Array.from(union) });
    evaluations += blockMembers.length * union.length;
    for (const c of union) inUnion[c] = 0;
    blockMembers = [];
    union = [];
  };
  for (const g of order) {
    const groupRows = members[g]!;
    const groupKept = kept[g]!;
    // A group joins the open block unless the union it would bring costs more than a block of its own.
    if (blockMembers.length > 0) {
      let added = 0;
      for (const c of groupKept) if (inUnion[c] === 0) added++;
      const merged = (blockMembers.length + groupRows.length) * (union.length + added);
      const apart = blockMembers.length * union.length + groupRows.length * groupKept.length + BLOCK_OVERHEAD * chunk;
      if (merged > apart) flush();
    }
    for (let from = 0; from < groupRows.length;) {
      const take = Math.min(groupRows.length - from, blockRows - blockMembers.length);
      for (let j = from; j < from + take; j++) blockMembers.push(groupRows[j]!);
      for (const c of groupKept) {
        if (inUnion[c] === 0) {
          inUnion[c] = 1;
          union.push(c);
        }
      }
      from += take;
      if (blockMembers.length >= blockRows) flush();
    }
  }
  flush();
  return { blocks, evaluations };
}
