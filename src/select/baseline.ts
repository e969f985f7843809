/** The random baseline: the covering radius of a seeded random subset of the same size. */
import type { MinDistanceKernel } from './kernel.js';

/** A seeded PRNG in [0, 1) (mulberry32). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` distinct rows of `n`, chosen with a seeded partial Fisher-Yates shuffle. */
export function randomSubset(n: number, count: number, seed: number): Int32Array {
  const random = seededRandom(seed ^ 0x5bd1e995);
  const picked = new Map<number, number>();
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (n - i));
    const atJ = picked.get(j) ?? j;
    picked.set(j, picked.get(i) ?? i);
    out[i] = atJ;
  }
  return out;
}

/** Euclidean covering radius of a seeded random subset of `count` rows (one full fold of `count` centers). */
export async function randomBaselineRadius(kernel: MinDistanceKernel, n: number, count: number, seed: number): Promise<number> {
  const centers = randomSubset(n, count, seed);
  const minDist = new Float32Array(n).fill(Infinity);
  const block = 4096;
  for (let start = 0; start < centers.length; start += block) await kernel.foldCenters(centers.subarray(start, start + block), minDist);
  let max = 0;
  for (const v of minDist) if (v > max) max = v;
  return Math.sqrt(max);
}
