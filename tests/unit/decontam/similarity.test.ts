import { describe, expect, it } from 'vitest';
import { SimilarityKernel, cosineMatches, maxCosineReference, normalizeRows } from '../../../src/decontam/similarity.js';

function randomMatrix(rows: number, dim: number, seed: number): Float32Array {
  let state = seed >>> 0;
  const next = (): number => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32) - 0.5;
  return Float32Array.from({ length: rows * dim }, next);
}

describe('similarity', () => {
  it('normalizes rows to unit length and leaves zero rows at zero', () => {
    const values = Float32Array.from([3, 4, 0, 0]);
    expect(Array.from(normalizeRows(values, 2))).toEqual([0.6000000238418579, 0.800000011920929, 0, 0]);
  });

  it('the onnxruntime kernel gives the reference best cosine per row, blocks and zero rows included', async () => {
    const dim = 24;
    const bench = normalizeRows(randomMatrix(37, dim, 1), dim);
    const records = randomMatrix(300, dim, 2);
    records.fill(0, 5 * dim, 6 * dim); // a zero vector: cosine 0
    records.set(bench.subarray(3 * dim, 4 * dim).map((v) => v * 7), 9 * dim); // a scaled copy: cosine 1
    const kernel = await SimilarityKernel.create(bench, dim);
    try {
      const got = await kernel.maxCosine(records);
      const expected = maxCosineReference(records, bench, dim);
      for (let r = 0; r < 300; r++) expect(got[r]).toBeCloseTo(expected[r]!, 5);
      expect(got[5]).toBe(0);
      expect(got[9]).toBeCloseTo(1, 5);
    } finally {
      await kernel.release();
    }
  });

  it('lists every benchmark row above the threshold, best first', () => {
    const dim = 2;
    const bench = normalizeRows(Float32Array.from([1, 0, 0, 1, 1, 1, -1, 0]), dim);
    const record = Float32Array.from([2, 1]);
    const matches = cosineMatches(record, 0, bench, dim, 0.5);
    expect(matches.map((m) => m.item)).toEqual([2, 0]);
    expect(matches[0]!.score).toBeCloseTo(3 / Math.sqrt(10), 6);
    expect(cosineMatches(new Float32Array(2), 0, bench, dim, 0)).toEqual([0, 1, 2, 3].map((item) => ({ item, score: 0 })));
  });
});
