/**
 * The coverage curves: the greedy coreset's covering radius by k (from coreset.arrow) and, for
 * comparison, the covering radius of random subsets of the same sizes, measured on a sample of
 * points. Pure.
 */

/** A point of a radius-versus-k curve. */
export interface RadiusPoint {
  k: number;
  radius: number;
}

/**
 * About `count` values of k from 1 to `maxK`, evenly spaced on a log scale (rounded, distinct, always
 * ending at `maxK`).
 * @default count 8
 */
export function baselineKs(maxK: number, count = 8): number[] {
  if (!(maxK >= 1)) return [];
  const ks = new Set<number>();
  for (let i = 0; i < count; i++) ks.add(Math.max(1, Math.round(maxK ** (count === 1 ? 1 : i / (count - 1)))));
  ks.add(Math.floor(maxK));
  return [...ks].sort((a, b) => a - b);
}

/** What {@link randomCoverageRadii} measured. */
export interface RandomCoverage {
  /** One point per k measured, in increasing k. */
  points: RadiusPoint[];
  /** Point-dimension products computed (the work done). */
  work: number;
  /** True when the work budget ran out before the last k. */
  truncated: boolean;
}

/**
 * Exact covering radius of the first k `centers` over the `points`, for each k in `ks`:
 * `max_i min_{c < k} ||p_i - c||`. The centers are in random order, so each prefix is a random
 * subset. Each k is found without measuring every point: points are visited in decreasing order of
 * their last known min-distance (an upper bound, since adding centers only lowers it) and brought
 * up to date in small groups; once the next bound is at most the best exact value, no remaining
 * point can beat it. Stops before a k once `budget` point-dimension products are spent.
 * @param points row-major, `pointCount x dim`
 * @param centers row-major, at least `max(ks) x dim`
 * @param budget work limit. @default Infinity
 */
export function randomCoverageRadii(points: Float32Array, pointCount: number, centers: Float32Array, dim: number, ks: readonly number[], budget = Infinity): RandomCoverage {
  const minDist = new Float64Array(pointCount).fill(Infinity);
  const folded = new Int32Array(pointCount);
  const order = Int32Array.from({ length: pointCount }, (_, i) => i);
  const available = Math.floor(centers.length / dim);
  const out: RadiusPoint[] = [];
  let work = 0;
  const sorted = [...ks].filter((k) => Number.isInteger(k) && k >= 1 && k <= available).sort((a, b) => a - b);
  for (const k of sorted) {
    if (work >= budget) return { points: out, work, truncated: true };
    order.sort((a, b) => minDist[b]! - minDist[a]! || a - b);
    let best = -1;
    for (let start = 0; start < pointCount; start += GROUP) {
      if (minDist[order[start]!]! <= best) break;
      const end = Math.min(pointCount, start + GROUP);
      for (let g = start; g < end; g++) {
        const point = order[g]!;
        if (folded[point]! < k) {
          work += (k - folded[point]!) * dim;
          minDist[point] = foldCenters(points, point, centers, folded[point]!, k, dim, minDist[point]!);
          folded[point] = k;
        }
        if (minDist[point]! > best) best = minDist[point]!;
      }
    }
    out.push({ k, radius: Math.sqrt(Math.max(0, best)) });
  }
  return { points: out, work, truncated: false };
}

/** Points brought up to date between checks of the stopping rule. */
const GROUP = 16;

/** min(current, min over centers [from, to) of the squared distance to point `point`). */
function foldCenters(points: Float32Array, point: number, centers: Float32Array, from: number, to: number, dim: number, current: number): number {
  let best = current;
  const p = point * dim;
  let c = from;
  // Four centers per sweep of the point's values: the point is read once for four distances.
  for (; c + 4 <= to; c += 4) {
    const c0 = c * dim;
    const c1 = c0 + dim;
    const c2 = c1 + dim;
    const c3 = c2 + dim;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let j = 0; j < dim; j++) {
      const v = points[p + j]!;
      const e0 = v - centers[c0 + j]!;
      const e1 = v - centers[c1 + j]!;
      const e2 = v - centers[c2 + j]!;
      const e3 = v - centers[c3 + j]!;
      s0 += e0 * e0;
      s1 += e1 * e1;
      s2 += e2 * e2;
      s3 += e3 * e3;
    }
    best = Math.min(best, s0, s1, s2, s3);
  }
  for (; c < to; c++) {
    const c0 = c * dim;
    let sum = 0;
    for (let j = 0; j < dim; j++) {
      const e = points[p + j]! - centers[c0 + j]!;
      sum += e * e;
    }
    if (sum < best) best = sum;
  }
  return best;
}

/**
 * The greedy curve from coreset.arrow's radii: the row of rank r was picked when the first r picks
 * covered everything within `radius[r]`, so that is the covering radius at k = r. Rank 0 (no centers
 * yet, radius null) is left out. Thinned to about `maxPoints` points spread evenly on a log scale
 * of k, always keeping the first and last.
 * @default maxPoints 300
 */
export function greedyCurve(radii: ArrayLike<number | null>, maxPoints = 300): RadiusPoint[] {
  const points: RadiusPoint[] = [];
  const n = radii.length;
  if (n < 2) return points;
  let lastLog = -Infinity;
  const step = Math.log10(n) / Math.max(1, maxPoints);
  for (let rank = 1; rank < n; rank++) {
    const radius = radii[rank];
    if (radius === null || radius === undefined || !Number.isFinite(radius)) continue;
    const logK = Math.log10(rank);
    if (logK - lastLog >= step || rank === n - 1) {
      points.push({ k: rank, radius });
      lastLog = logK;
    }
  }
  return points;
}
