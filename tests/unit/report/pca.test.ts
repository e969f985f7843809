import { describe, expect, it } from 'vitest';
import { covariance, fitPca, project } from '../../../src/report/pca.js';

/** A seeded standard normal generator (Box-Muller over an LCG), independent of the code under test. */
function normals(seed: number): () => number {
  let state = seed >>> 0;
  const uniform = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** Rows = 5 * z1 * u + 2 * z2 * w + 0.3 * noise + offset, in `dim` dimensions (u, w orthonormal). */
function dataWithKnownDirections(rows: number, dim: number, seed: number): { values: Float32Array; u: number[]; w: number[] } {
  const random = normals(seed);
  const u = Array.from({ length: dim }, (_, j) => (j % 2 === 0 ? 1 : -1) / Math.sqrt(dim));
  const raw = Array.from({ length: dim }, (_, j) => (j < dim / 2 ? 1 : -1) * (j + 1));
  const along = raw.reduce((sum, v, j) => sum + v * u[j]!, 0);
  const orthogonal = raw.map((v, j) => v - along * u[j]!);
  const norm = Math.hypot(...orthogonal);
  const w = orthogonal.map((v) => v / norm);
  const values = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    const a = 5 * random();
    const b = 2 * random();
    for (let j = 0; j < dim; j++) values[r * dim + j] = 3 + a * u[j]! + b * w[j]! + 0.3 * random();
  }
  return { values, u, w };
}

/** Reference: the textbook covariance and a cyclic Jacobi eigen-decomposition (float64). */
function jacobiEigen(symmetric: number[][]): { values: number[]; vectors: number[][] } {
  const n = symmetric.length;
  const a = symmetric.map((row) => [...row]);
  const v: number[][] = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p]![q]! ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        if (Math.abs(a[p]![q]!) < 1e-300) continue;
        const theta = (a[q]![q]! - a[p]![p]!) / (2 * a[p]![q]!);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k]![p]!;
          const akq = a[k]![q]!;
          a[k]![p] = c * akp - s * akq;
          a[k]![q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p]![k]!;
          const aqk = a[q]![k]!;
          a[p]![k] = c * apk - s * aqk;
          a[q]![k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k]![p]!;
          const vkq = v[k]![q]!;
          v[k]![p] = c * vkp - s * vkq;
          v[k]![q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[j]![j]! - a[i]![i]!);
  return { values: order.map((i) => a[i]![i]!), vectors: order.map((i) => v.map((row) => row[i]!)) };
}

function textbookCovariance(values: Float32Array, rows: number, dim: number): number[][] {
  const mean = Array.from({ length: dim }, (_, j) => {
    let sum = 0;
    for (let r = 0; r < rows; r++) sum += values[r * dim + j]!;
    return sum / rows;
  });
  return Array.from({ length: dim }, (_, a) => Array.from({ length: dim }, (_, b) => {
    let sum = 0;
    for (let r = 0; r < rows; r++) sum += (values[r * dim + a]! - mean[a]!) * (values[r * dim + b]! - mean[b]!);
    return sum / (rows - 1);
  }));
}

const dot = (x: ArrayLike<number>, y: ArrayLike<number>) => Array.from(x).reduce((sum, v, j) => sum + v * y[j]!, 0);

describe('PCA', () => {
  it('builds the same covariance as the textbook formula (odd row counts included)', () => {
    const { values } = dataWithKnownDirections(103, 7, 5);
    const { matrix } = covariance(values, 103, 7);
    const reference = textbookCovariance(values, 103, 7);
    for (let a = 0; a < 7; a++) for (let b = 0; b < 7; b++) expect(matrix[a * 7 + b]).toBeCloseTo(reference[a]![b]!, 9);
  });

  it('finds the top two eigenvectors and eigenvalues of the covariance, as a Jacobi decomposition does', () => {
    for (const [rows, dim, seed] of [[2000, 6, 1], [500, 9, 2], [300, 4, 3]] as const) {
      const { values, u, w } = dataWithKnownDirections(rows, dim, seed);
      const pca = fitPca(values, rows, dim, { seed });
      const reference = jacobiEigen(textbookCovariance(values, rows, dim));
      for (let c = 0; c < 2; c++) {
        expect(pca.variances[c]).toBeCloseTo(reference.values[c]!, 6);
        expect(Math.abs(dot(pca.components[c]!, reference.vectors[c]!))).toBeGreaterThan(1 - 1e-8);
        expect(Math.hypot(...pca.components[c]!)).toBeCloseTo(1, 12);
      }
      expect(dot(pca.components[0]!, pca.components[1]!)).toBeCloseTo(0, 10);
      expect(pca.totalVariance).toBeCloseTo(reference.values.reduce((sum, v) => sum + v, 0), 6);
      // The planted directions are what the data varies along most.
      expect(Math.abs(dot(pca.components[0]!, u))).toBeGreaterThan(0.99);
      expect(Math.abs(dot(pca.components[1]!, w))).toBeGreaterThan(0.97);
      expect(pca.variances[0]! / pca.totalVariance).toBeGreaterThan(0.7);
    }
  });

  it('is deterministic, with the largest entry of each component positive', () => {
    const { values } = dataWithKnownDirections(400, 5, 9);
    const first = fitPca(values, 400, 5, { seed: 1 });
    const second = fitPca(values, 400, 5, { seed: 2 });
    for (let c = 0; c < 2; c++) {
      for (let j = 0; j < 5; j++) expect(first.components[c]![j]).toBeCloseTo(second.components[c]![j]!, 7);
      const largest = Array.from(first.components[c]!).reduce((best, v) => (Math.abs(v) > Math.abs(best) ? v : best), 0);
      expect(largest).toBeGreaterThan(0);
    }
  });

  it('projects rows onto the components around the mean', () => {
    const { values } = dataWithKnownDirections(300, 4, 4);
    const pca = fitPca(values, 300, 4);
    const coordinates = project(pca, values, 300);
    let sumX = 0;
    let sumXX = 0;
    for (let r = 0; r < 300; r++) {
      sumX += coordinates[2 * r]!;
      sumXX += coordinates[2 * r]! ** 2;
      const centred = Array.from(values.subarray(r * 4, r * 4 + 4), (v, j) => v - pca.mean[j]!);
      expect(coordinates[2 * r + 1]).toBeCloseTo(dot(centred, pca.components[1]!), 9);
    }
    expect(sumX / 300).toBeCloseTo(0, 9);
    expect(sumXX / 299).toBeCloseTo(pca.variances[0]!, 6);
  });

  it('copes with constant data and with a single row', () => {
    const constant = new Float32Array(30).fill(2);
    const flat = fitPca(constant, 10, 3);
    expect(flat.variances).toEqual([0, 0]);
    expect(flat.components.every((c) => c.every(Number.isFinite))).toBe(true);
    expect(fitPca(Float32Array.of(1, 2, 3), 1, 3).totalVariance).toBe(0);
  });
});
