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
  /**
   * Gives back what a subset borrowed (its gathered rows, for the next subset to reuse); the subset
   * must not be used after. Optional: a kernel that borrows nothing leaves it out.
   */
  dispose?(): void;
  /**
   * What triangle-inequality pruning needs (see bounds.ts); a kernel without it runs every fold whole.
   * Subsets of a kernel that has it have it too.
   */
  readonly triangle?: TriangleSupport | undefined;
}

/** The extra kernel operations of exact triangle-inequality pruning. */
export interface TriangleSupport {
  /**
   * An upper bound of |computed - exact| for any squared distance this kernel (and its subsets)
   * returns, the exact one being the real-number distance between the stored values. Pruning widens
   * every test by it, so a skipped pair could never have lowered a min-distance as computed.
   */
  readonly distanceError: number;
  /**
   * {@link MinDistanceKernel.foldCenters} that also records, for every point whose min-distance it
   * strictly lowers, the index in `centers` of a center at the new min-distance (`nearest[i]`);
   * other entries are left as they are.
   */
  foldNearest(centers: Int32Array, minDist: Float32Array, nearest: Int32Array): Promise<void>;
  /**
   * Squared distances between two lists of center rows (rows of the matrix centers index):
   * `out[i * b.length + j] = dist²(x_a[i], x_b[j])`.
   */
  centerDistances(a: Int32Array, b: Int32Array): Promise<Float32Array>;
}

/**
 * The {@link TriangleSupport.distanceError} of an fp32 kernel computing ||x||² + ||c||² - 2 x·c (or
 * summing squared differences) over d dimensions: the dot product's rounding error is at most
 * d·u·|x||c| in any summation order (u = 2^-24), the norms' and the additions' a few u each, all
 * relative to ||x||² + ||c||² <= 2 max||x||². Doubled for margin.
 */
export function fp32DistanceError(d: number, maxSquaredNorm: number): number {
  return 2 * (d + 8) * 2 ** -24 * 2 * maxSquaredNorm;
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
  readonly triangle: TriangleSupport | undefined;
  private maxSquaredNorm = 0;

  constructor(
    private readonly points: Float32Array,
    readonly d: number,
    /** The matrix center rows index (this kernel's points unless it is a subset). */
    private readonly centerPoints: Float32Array = points,
    /**
     * Offer {@link TriangleSupport} (pruning), so tests can run the driver with and without it; a
     * number is the centers' largest squared norm, already known.
     */
    triangle: boolean | number = true,
  ) {
    if (!Number.isInteger(d) || d <= 0 || points.length % d !== 0) {
      throw new RangeError(`points (${points.length} values) are not a whole number of rows of ${d}`);
    }
    this.n = points.length / d;
    this.triangle = triangle === false ? undefined : this.triangleSupport(triangle === true ? maxSquaredNormOf(centerPoints, d) : triangle);
  }

  private triangleSupport(maxSquaredNorm: number): TriangleSupport {
    this.maxSquaredNorm = maxSquaredNorm;
    return {
      distanceError: fp32DistanceError(this.d, maxSquaredNorm),
      foldNearest: (centers, minDist, nearest) => this.fold(centers, minDist, nearest),
      centerDistances: (a, b) => {
        const out = new Float32Array(a.length * b.length);
        for (let i = 0; i < a.length; i++) {
          for (let j = 0; j < b.length; j++) out[i * b.length + j] = squaredDistanceBetween(this.centerPoints, a[i]!, this.centerPoints, b[j]!, this.d);
        }
        return Promise.resolve(out);
      },
    };
  }

  foldCenters(centers: Int32Array, minDist: Float32Array): Promise<void> {
    return this.fold(centers, minDist, undefined);
  }

  private fold(centers: Int32Array, minDist: Float32Array, nearest: Int32Array | undefined): Promise<void> {
    for (let i = 0; i < this.n; i++) {
      let best = minDist[i]!;
      if (best < 0) continue;
      let at = -1;
      for (let j = 0; j < centers.length; j++) {
        const dist = squaredDistanceBetween(this.points, i, this.centerPoints, centers[j]!, this.d);
        if (dist < best) {
          best = dist;
          at = j;
        }
      }
      minDist[i] = best;
      if (nearest !== undefined && at >= 0) nearest[i] = at;
    }
    return Promise.resolve();
  }

  subset(rows: Int32Array): MinDistanceKernel {
    const points = new Float32Array(rows.length * this.d);
    rows.forEach((row, j) => { points.set(this.points.subarray(row * this.d, (row + 1) * this.d), j * this.d); });
    return new ReferenceKernel(points, this.d, this.centerPoints, this.triangle === undefined ? false : this.maxSquaredNorm);
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

/** The largest squared row norm of a row-major matrix (float64 sums). */
export function maxSquaredNormOf(points: Float32Array, d: number): number {
  let largest = 0;
  for (let r = 0; r < points.length / d; r++) {
    let sum = 0;
    for (let j = r * d; j < (r + 1) * d; j++) sum += points[j]! * points[j]!;
    largest = Math.max(largest, sum);
  }
  return largest;
}
