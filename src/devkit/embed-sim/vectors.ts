/**
 * What the embedding stand-in answers for a text: a deterministic unit vector (sha256 of seed, dim and
 * text drives a xorshift generator), so a test computes independently, from the text alone, the vector
 * the server sent, and two texts almost surely get different vectors.
 */
import { createHash } from 'node:crypto';

/** The float64 values of the vector being made (one call at a time: JavaScript is single-threaded here). */
let scratch = new Float64Array(0);

/**
 * The unit vector of `dim` floats the stand-in answers for `text` (fp32 values, as the wire carries them).
 * Plain loops into a reused float64 scratch: `Float32Array.from(values, mapFn)` cost ~30 us a vector
 * (a callback per element), which at 2 servers x 16 requests in flight made the servers, sharing the
 * benchmark machine's cores with the tool, slower than the tool itself; the values are the same.
 */
export function simVector(text: string, dim: number, seed = 0): Float32Array {
  const digest = createHash('sha256').update(`${seed}\0${dim}\0`).update(text).digest();
  let state = digest.readUInt32LE(0) | 1;
  if (scratch.length < dim) scratch = new Float64Array(dim);
  const values = scratch;
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
  const vector = new Float32Array(dim);
  for (let i = 0; i < dim; i++) vector[i] = values[i]! * scale;
  return vector;
}

/** Tokens the stand-in reports for a text in `usage.prompt_tokens`: ceil(characters / 4), at least 1. */
export function simTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}
