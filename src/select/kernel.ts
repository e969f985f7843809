/**
 * The selection kernel interface: everything the greedy driver needs from a compute backend.
 * The CPU reference kernel below is the definition GPU and GEMM kernels are tested against.
 */

/** A compute backend for k-center greedy over an n x d matrix of stored points. */
export interface MinDistanceKernel {
  /** Number of points. */
  readonly n: number;
  /** Dimensions per point. */
  readonly d: number;
  /**
   * Folds new centers into the min-distance state of every point:
   * `minDist[i] = min(minDist[i], dist²(x_i, x_c))` for every center row `c` in `centers`.
   * Entries below 0 mark points already chosen as centers and must stay as they are.
   */
  foldCenters(centers: Int32Array, minDist: Float32Array): Promise<void>;
  /** Prepares distance queries from a fixed set of rows (a candidate pool) to one center at a time. */
  openPool(rows: Int32Array): PoolDistances;
  /**
   * A kernel over a copy of some rows only (its point j is row `rows[j]`), whose centers are still
   * row indices of this kernel's matrix; shares native resources.
   */
  subset(rows: Int32Array): MinDistanceKernel;
}

/** Distance queries from a candidate pool's rows. */
export interface PoolDistances {
  /** `out[j] = dist²(x_rows[j], x_center)` for every pool row j. */
  distancesTo(center: number, out: Float32Array): Promise<void>;
}

/**
 * Squared Euclidean distance between rows `a` and `b` of a row-major float32 matrix, accumulated in
 * float64 over the stored values and rounded to float32 once: the same value whichever path asks.
 */
export function squaredDistance(points: Float32Array, d: number, a: number, b: number): number {
  return squaredDistanceBetween(points, a, points, b, d);
}

/** {@link squaredDistance} between row `a` of one matrix and row `b` of another. */
export function squaredDistanceBetween(left: Float32Array, a: number, right: Float32Array, b: number, d: number): number {
  let sum = 0;
  const offsetA = a * d;
  const offsetB = b * d;
  for (let j = 0; j < d; j++) {
    const diff = left[offsetA + j]! - right[offsetB + j]!;
    sum += diff * diff;
  }
  return Math.fround(sum);
}

/**
 * The reference kernel: plain loops, one (point, center) pair at a time. Slow (use it for tests and
 * small inputs); its arithmetic is the definition of a distance for the exactness tests.
 */
export class ReferenceKernel implements MinDistanceKernel {
  readonly n: number;

  constructor(
    private readonly points: Float32Array,
    readonly d: number,
    /** The matrix center rows index (this kernel's points unless it is a subset). */
    private readonly centerPoints: Float32Array = points,
  ) {
    if (!Number.isInteger(d) || d <= 0 || points.length % d !== 0) {
      throw new RangeError(`points (${points.length} values) are not a whole number of rows of ${d}`);
    }
    this.n = points.length / d;
  }

  foldCenters(centers: Int32Array, minDist: Float32Array): Promise<void> {
    for (let i = 0; i < this.n; i++) {
      let best = minDist[i]!;
      if (best < 0) continue;
      for (const c of centers) {
        const dist = squaredDistanceBetween(this.points, i, this.centerPoints, c, this.d);
        if (dist < best) best = dist;
      }
      minDist[i] = best;
    }
    return Promise.resolve();
  }

  subset(rows: Int32Array): MinDistanceKernel {
    const points = new Float32Array(rows.length * this.d);
    rows.forEach((row, j) => { points.set(this.points.subarray(row * this.d, (row + 1) * this.d), j * this.d); });
    return new ReferenceKernel(points, this.d, this.centerPoints);
  }

  openPool(rows: Int32Array): PoolDistances {
    return {
      distancesTo: (center, out) => {
        for (let j = 0; j < rows.length; j++) out[j] = squaredDistanceBetween(this.points, rows[j]!, this.centerPoints, center, this.d);
        return Promise.resolve();
      },
    };
  }
}
