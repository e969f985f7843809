// The reference forward pass's own building blocks against published values (Python's math.erf,
// which is the C library's erf), since the whole 1e-4 comparison rests on them.
import { describe, expect, it } from 'vitest';
import { MINI_BERT_CONFIG, erf, gelu, miniBertWeights, referenceSentenceEmbedding } from '../../../src/devkit/native-model/index.js';

const ERF_TABLE: [number, number][] = [
  [0.1, 0.1124629160182849],
  [0.5, 0.5204998778130465],
  [1, 0.8427007929497149],
  [1.5, 0.9661051464753108],
  [2, 0.9953222650189527],
  [2.4999, 0.9995928300996666],
  [2.5, 0.999593047982555],
  [3, 0.9999779095030014],
  [4, 0.9999999845827421],
  [6, 1],
];

describe('reference forward pass', () => {
  it('computes erf to about 1e-14 on both sides of the series / continued-fraction switch', () => {
    expect(erf(0)).toBe(0);
    for (const [x, expected] of ERF_TABLE) {
      expect(Math.abs(erf(x) - expected), `erf(${x})`).toBeLessThan(1e-14);
      expect(erf(-x)).toBe(-erf(x));
    }
  });

  it('computes the exact GELU x·Φ(x)', () => {
    expect(gelu(1)).toBeCloseTo(0.8413447460685429, 14);
    expect(gelu(-2)).toBeCloseTo(-0.04550026389635842, 14);
    expect(gelu(0)).toBe(0);
  });

  it('returns a unit vector that depends on the tokens', () => {
    const weights = new Map([...miniBertWeights(MINI_BERT_CONFIG)].map(([name, tensor]) => [name, tensor.values]));
    const a = referenceSentenceEmbedding(MINI_BERT_CONFIG, weights, [2, 100, 200, 3]);
    const b = referenceSentenceEmbedding(MINI_BERT_CONFIG, weights, [2, 100, 201, 3]);
    expect(Math.hypot(...a)).toBeCloseTo(1, 12);
    expect(a.some((value, i) => Math.abs(value - b[i]!) > 1e-3)).toBe(true);
  });

  it('throws E_INTERNAL naming a missing weight', () => {
    expect(() => referenceSentenceEmbedding(MINI_BERT_CONFIG, new Map(), [2, 3])).toThrow(
      expect.objectContaining({ code: 'E_INTERNAL', message: expect.stringContaining('embeddings.word_embeddings.weight') as string }) as Error,
    );
  });
});
