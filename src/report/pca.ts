/**
 * Principal components for the 2-D map: the covariance of a sample, then power iteration with
 * deflation for the leading eigenvectors. Pure TypeScript, float64 throughout.
 */
import { seededRandom } from '../util/random.js';

/** The fitted components. */
export interface Pca {
  dim: number;
  /** Mean of the fitted rows. */
  mean: Float64Array;
  /** Unit eigenvectors of the covariance, largest eigenvalue first. */
  components: Float64Array[];
  /** Eigenvalue (variance along it) of each component. */
  variances: number[];
  /** Trace of the covariance: the total variance. */
  totalVariance: number;
  /** Power iterations each component took. */
  iterations: number[];
}

/** Options of {@link fitPca}. */
export interface PcaOptions {
  /** @default 2 */
  components?: number;
  /** Per component. @default 500 */
  maxIterations?: number;
  /** Stop when the eigenvector moves less than this (Euclidean norm). @default 1e-9 */
  tolerance?: number;
  /** Seed of the starting vectors. @default 0 */
  seed?: number;
}

/**
 * Covariance (divided by rows - 1; by 1 for a single row) of `rows` row-major rows of width `dim`,
 * as a full symmetric `dim x dim` float64 matrix, and the mean.
 */
export function covariance(values: Float32Array, rows: number, dim: number): { mean: Float64Array; matrix: Float64Array } {
  const mean = new Float64Array(dim);
  for (let r = 0; r < rows; r++) for (let j = 0; j < dim; j++) mean[j]! += values[r * dim + j]!;
  for (let j = 0; j < dim; j++) mean[j]! /= Math.max(1, rows);
  const matrix = new Float64Array(dim * dim);
  // Four centred rows per sweep of the upper triangle: the matrix is read and written a quarter as often.
  const block = new Float64Array(4 * dim);
  for (let r = 0; r < rows; r += 4) {
    const count = Math.min(4, rows - r);
    block.fill(0);
    for (let q = 0; q < count; q++) for (let j = 0; j < dim; j++) block[q * dim + j] = values[(r + q) * dim + j]! - mean[j]!;
    for (let a = 0; a < dim; a++) {
      const a0 = block[a]!;
      const a1 = block[dim + a]!;
      const a2 = block[2 * dim + a]!;
      const a3 = block[3 * dim + a]!;
      const row = a * dim;
      for (let b = a; b < dim; b++) matrix[row + b]! += a0 * block[b]! + a1 * block[dim + b]! + a2 * block[2 * dim + b]! + a3 * block[3 * dim + b]!;
    }
  }
  const divisor = Math.max(1, rows - 1);
  for (let a = 0; a < dim; a++) {
    for (let b = a; b < dim; b++) {
      const value = matrix[a * dim + b]! / divisor;
      matrix[a * dim + b] = value;
      matrix[b * dim + a] = value;
    }
  }
  return { mean, matrix };
}

/**
 * Fits the leading principal components of `rows` rows (row-major, width `dim`): builds the
 * covariance, then finds each eigenvector by power iteration, keeping it orthogonal to those found
 * before (deflation). Each vector's largest-magnitude entry is made positive, so the result does not
 * flip sign between runs.
 */
export function fitPca(values: Float32Array, rows: number, dim: number, options: PcaOptions = {}): Pca {
  const count = Math.min(options.components ?? 2, dim);
  const maxIterations = options.maxIterations ?? 500;
  const tolerance = options.tolerance ?? 1e-9;
  const { mean, matrix } = covariance(values, rows, dim);
  let totalVariance = 0;
  for (let j = 0; j < dim; j++) totalVariance += matrix[j * dim + j]!;
  const random = seededRandom(options.seed ?? 0);
  const components: Float64Array[] = [];
  const variances: number[] = [];
  const iterations: number[] = [];
  const next = new Float64Array(dim);
  for (let c = 0; c < count; c++) {
    let vector = Float64Array.from({ length: dim }, () => random() - 0.5);
    orthogonalize(vector, components);
    normalize(vector);
    let used = 0;
    for (; used < maxIterations; used++) {
      multiply(matrix, dim, vector, next);
      orthogonalize(next, components);
      if (normalize(next) === 0) break; // the rest of the spectrum is zero: any orthogonal unit vector will do
      let moved = 0;
      for (let j = 0; j < dim; j++) moved += (next[j]! - vector[j]!) ** 2;
      vector = Float64Array.from(next);
      if (Math.sqrt(moved) < tolerance) {
        used++;
        break;
      }
    }
    fixSign(vector);
    multiply(matrix, dim, vector, next);
    let variance = 0;
    for (let j = 0; j < dim; j++) variance += vector[j]! * next[j]!;
    components.push(vector);
    variances.push(Math.max(0, variance));
    iterations.push(used);
  }
  return { dim, mean, components, variances, totalVariance, iterations };
}

/** Coordinates of `rows` rows on the components: `rows x components`, row-major. */
export function project(pca: Pca, values: Float32Array, rows: number): Float64Array {
  const { dim, mean, components } = pca;
  const out = new Float64Array(rows * components.length);
  for (let r = 0; r < rows; r++) {
    components.forEach((component, c) => {
      let sum = 0;
      for (let j = 0; j < dim; j++) sum += (values[r * dim + j]! - mean[j]!) * component[j]!;
      out[r * components.length + c] = sum;
    });
  }
  return out;
}

function multiply(matrix: Float64Array, dim: number, vector: Float64Array, out: Float64Array): void {
  for (let a = 0; a < dim; a++) {
    let sum = 0;
    const row = a * dim;
    for (let b = 0; b < dim; b++) sum += matrix[row + b]! * vector[b]!;
    out[a] = sum;
  }
}

function orthogonalize(vector: Float64Array, basis: readonly Float64Array[]): void {
  for (const unit of basis) {
    let dot = 0;
    for (let j = 0; j < vector.length; j++) dot += vector[j]! * unit[j]!;
    for (let j = 0; j < vector.length; j++) vector[j]! -= dot * unit[j]!;
  }
}

/** Scales to unit length; returns the length before (0 leaves the vector as it is). */
function normalize(vector: Float64Array): number {
  let sum = 0;
  for (const v of vector) sum += v * v;
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let j = 0; j < vector.length; j++) vector[j]! /= norm;
  return norm;
}

function fixSign(vector: Float64Array): void {
  let largest = 0;
  for (let j = 1; j < vector.length; j++) if (Math.abs(vector[j]!) > Math.abs(vector[largest]!)) largest = j;
  if (vector[largest]! < 0) for (let j = 0; j < vector.length; j++) vector[j] = -vector[j]!;
}
