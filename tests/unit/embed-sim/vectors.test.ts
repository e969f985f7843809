/**
 * The embedding stand-in's vectors: the fast simVector gives, bit for bit, the vectors of its first
 * definition (sha256 of seed, dim and text seeding xorshift32, normalised in float64, then rounded to
 * float32), written here again as the reference; and its base64 answer carries exactly those vectors.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { simVector } from '../../../src/devkit/embed-sim/vectors.js';
import { startEmbedServer } from '../../../src/devkit/embed-sim/server.js';

/** The definition as first written (a Float64Array, then Float32Array.from with a scaling callback). */
function referenceVector(text: string, dim: number, seed: number): Float32Array {
  const digest = createHash('sha256').update(`${seed}\0${dim}\0`).update(text).digest();
  let state = digest.readUInt32LE(0) | 1;
  const values = new Float64Array(dim);
  let norm = 0;
  for (let i = 0; i < dim; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const value = (state >>> 0) / 2 ** 32 - 0.5;
    values[i] = value;
    norm += value * value;
  }
  const scale = 1 / Math.sqrt(norm);
  return Float32Array.from(values, (value) => value * scale);
}

const bytesOf = (vector: Float32Array): Buffer => Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);

describe('simVector', () => {
  it('equals the reference bit for bit for any text, dimension and seed (calls of other dimensions in between)', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.integer({ min: 1, max: 1100 }), fc.integer({ min: 0, max: 1000 }), (text, dim, seed) => {
      expect(bytesOf(simVector(text, dim, seed)).equals(bytesOf(referenceVector(text, dim, seed)))).toBe(true);
    }), { numRuns: 300 });
  });

  it('returns a vector of its own each call (a reused scratch never leaks into a returned vector)', () => {
    const first = simVector('a', 16);
    const copy = Float32Array.from(first);
    simVector('b', 16);
    simVector('c', 1024);
    expect(first).toEqual(copy);
  });

  it('is what the server answers in base64, in a body that is the JSON of its own parse', async () => {
    const server = await startEmbedServer({ dim: 24, model: 'sim "quoted" model', seed: 5 });
    try {
      const inputs = ['def f():\n    return "x"\n', 'é', ''];
      const response = await fetch(`${server.baseURL}/embeddings`, { method: 'POST', body: JSON.stringify({ input: inputs, encoding_format: 'base64' }) });
      const text = await response.text();
      const body = JSON.parse(text) as { data: { index: number; embedding: string; object: string }[]; model: string; usage: { prompt_tokens: number; total_tokens: number } };
      expect(JSON.stringify(body)).toBe(text);
      expect(body.model).toBe('sim "quoted" model');
      expect(body.data.map((item) => item.index)).toEqual([0, 1, 2]);
      for (const [index, item] of body.data.entries()) expect(Buffer.from(item.embedding, 'base64').equals(bytesOf(referenceVector(inputs[index]!, 24, 5)))).toBe(true);
    } finally {
      await server.close();
    }
  });
});
