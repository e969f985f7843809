/**
 * The seeded pseudo-random source of the sample generator: mulberry32 (32-bit state, period 2^32),
 * which is plenty for a few hundred draws per row over millions of rows and costs a handful of
 * integer operations per draw. Everything the generator randomises goes through one {@link Random}.
 */

const TWO_TO_32 = 4294967296;

/** murmur3's 32-bit finaliser: a bijection on 32-bit integers, so distinct inputs give distinct outputs. */
export function mix32(value: number): number {
  let h = value >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const HEX_BYTES = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** `value` as 8 hex digits (a table lookup per byte: cheaper than `toString(16).padStart(8, '0')`). */
export function hex32(value: number): string {
  return HEX_BYTES[value >>> 24]! + HEX_BYTES[(value >>> 16) & 255]! + HEX_BYTES[(value >>> 8) & 255]! + HEX_BYTES[value & 255]!;
}

/** A deterministic random stream: the same seed always gives the same sequence. */
export class Random {
  private state: number;

  /** Any safe integer seed; its high and low 32 bits are both mixed in. */
  constructor(seed: number) {
    const low = seed >>> 0;
    const high = Math.floor(seed / TWO_TO_32) >>> 0;
    this.state = mix32(low ^ mix32(high + 0x9e3779b9));
  }

  /** Uniform 32-bit unsigned integer. */
  uint32(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform float in [0, 1). */
  float(): number {
    return this.uint32() / TWO_TO_32;
  }

  /** Uniform integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** Uniform integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.below(max - min + 1);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** A uniformly chosen element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }

  /** 40 hex digits, like a git commit sha. */
  sha(): string {
    let hex = '';
    for (let i = 0; i < 5; i++) hex += hex32(this.uint32());
    return hex;
  }
}
