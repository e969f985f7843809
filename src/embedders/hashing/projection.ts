/**
 * The seeded random projection, defined without storing it: entry (bucket b, output j) of the
 * buckets x dim matrix is +1/sqrt(dim) or -1/sqrt(dim), bit (j mod 32) of word floor(j / 32) of row b
 * (1 means +). Row b's words come from splitmix32 (a Weyl sequence with step {@link GOLDEN_GAMMA},
 * each state put through Wellons' lowbias32) started at
 * `fmix32(fmix32(seed) ^ imul(b, GOLDEN_GAMMA))`: word k is `lowbias32(start + (k + 1) * GOLDEN_GAMMA)`.
 * Distinct buckets start distinct sequences (every step is a bijection), any row can be made on
 * demand in dim/32 steps, and Rademacher entries need one bit each instead of one draw.
 */
import { fmix32 } from './hash.js';

/** 2^32 / golden ratio: the Weyl step of splitmix. */
export const GOLDEN_GAMMA = 0x9e3779b9;

/** Chris Wellons' lowbias32 integer hash (hash-prospector), a bijection on 32-bit integers. */
export function lowbias32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

/** The seed as mixed into every row start (computed once per embedder). */
export function mixSeed(seed: number): number {
  return fmix32(seed);
}

/** The splitmix32 start state of `bucket`'s projection row, given {@link mixSeed}'s value. */
export function projectionRowStart(mixedSeed: number, bucket: number): number {
  return fmix32(mixedSeed ^ Math.imul(bucket, GOLDEN_GAMMA));
}

/** Word `k` (bits 32k .. 32k + 31) of the row that starts at `rowStart`. */
export function projectionWord(rowStart: number, k: number): number {
  return lowbias32((rowStart + Math.imul(k + 1, GOLDEN_GAMMA)) | 0);
}
