/**
 * A static multimap from 32-bit hashes to integer postings, built once from the benchmark side and
 * probed for every window or n-gram of every record: open addressing (linear probing) over typed
 * arrays, with the postings laid out in slot order (CSR), so a probe allocates nothing and a miss
 * usually costs one load. Pure.
 *
 * Slots come from Fibonacci hashing (the top bits of `key * 2^32/phi`): one multiply, and keys from
 * polynomial hashes, whose low bits are weak, still spread well.
 *
 * The table of a large benchmark does not fit in the CPU caches, and almost every probe is a miss, so
 * a bit filter (16 bits per key, about 6% false positives, a few hundred KiB) answers most probes
 * first: {@link HashPostings.mayContain}.
 */

/** Smallest power of two >= `n`, and its base-2 logarithm. */
function tableSize(n: number): { size: number; bits: number } {
  let bits = 4;
  while (2 ** bits < n) bits++;
  return { size: 2 ** bits, bits };
}

const GOLDEN = 0x9e3779b9;
/** Multiplier of the filter's hash (another odd constant, so filter bits and slots are unrelated). */
const FILTER_MULTIPLIER = 0x85ebca6b;

/** Hash -> postings, built once. Slots are addresses into the table; `-1` means "not present". */
export class HashPostings {
  /** Every posting, grouped by slot: those of slot `s` are `values[starts[s] .. starts[s + 1])`. */
  readonly values: Int32Array;
  private readonly keys: Uint32Array;
  private readonly used: Uint8Array;
  private readonly starts: Int32Array;
  private readonly mask: number;
  private readonly shift: number;
  private readonly filter: Uint32Array;
  private readonly filterShift: number;
  /** Distinct keys in the table (dropped ones included). */
  readonly distinctKeys: number;

  private constructor(keys: Uint32Array, used: Uint8Array, starts: Int32Array, values: Int32Array, distinctKeys: number, bits: number) {
    this.shift = 32 - bits;
    const filterBits = Math.min(28, tableSize(16 * Math.max(1, distinctKeys)).bits);
    this.filter = new Uint32Array(Math.max(1, 2 ** filterBits / 32));
    this.filterShift = 32 - filterBits;
    for (let slot = 0; slot < keys.length; slot++) {
      if (used[slot] !== 1) continue;
      const bit = Math.imul(keys[slot]!, FILTER_MULTIPLIER) >>> this.filterShift;
      this.filter[bit >>> 5]! |= 1 << (bit & 31);
    }
    this.keys = keys;
    this.used = used;
    this.starts = starts;
    this.values = values;
    this.mask = keys.length - 1;
    this.distinctKeys = distinctKeys;
  }

  /** Builds the table from `count` (key, value) pairs; equal pairs are kept (each is a posting). */
  static build(keys: Uint32Array, values: Int32Array, count: number = keys.length): HashPostings {
    const { size, bits } = tableSize(2 * count);
    const mask = size - 1;
    const shift = 32 - bits;
    const tableKeys = new Uint32Array(size);
    const used = new Uint8Array(size);
    const starts = new Int32Array(size + 1);
    const slotOf = new Int32Array(count);
    let distinct = 0;
    for (let i = 0; i < count; i++) {
      const key = keys[i]!;
      let slot = Math.imul(key, GOLDEN) >>> shift;
      while (used[slot] === 1 && tableKeys[slot] !== key) slot = (slot + 1) & mask;
      if (used[slot] === 0) {
        used[slot] = 1;
        tableKeys[slot] = key;
        distinct++;
      }
      slotOf[i] = slot;
      starts[slot + 1]!++;
    }
    for (let s = 0; s < size; s++) starts[s + 1]! += starts[s]!;
    const cursor = starts.slice(0, size);
    const postings = new Int32Array(count);
    for (let i = 0; i < count; i++) postings[cursor[slotOf[i]!]!++] = values[i]!;
    return new HashPostings(tableKeys, used, starts, postings, distinct, bits);
  }

  /** False when `key` is surely absent; true when it may be present (then call {@link find}). */
  mayContain(key: number): boolean {
    const bit = Math.imul(key, FILTER_MULTIPLIER) >>> this.filterShift;
    return ((this.filter[bit >>> 5]! >>> (bit & 31)) & 1) === 1;
  }

  /** The slot of `key`, or -1 when it is absent (or dropped). */
  find(key: number): number {
    const { keys, used, mask } = this;
    let slot = Math.imul(key, GOLDEN) >>> this.shift;
    for (;;) {
      const state = used[slot]!;
      if (state === 0) return -1;
      if (keys[slot] === key) return state === 1 ? slot : -1;
      slot = (slot + 1) & mask;
    }
  }

  /** First posting of `slot` (an index into {@link values}). */
  start(slot: number): number {
    return this.starts[slot]!;
  }

  /** One past the last posting of `slot`. */
  end(slot: number): number {
    return this.starts[slot + 1]!;
  }

  /** Number of postings of `slot`. */
  count(slot: number): number {
    return this.starts[slot + 1]! - this.starts[slot]!;
  }

  /** Makes `slot`'s key absent from now on (its postings stay in place, unreachable). */
  drop(slot: number): void {
    this.used[slot] = 2;
  }

  /** Calls `visit(slot)` for every live slot. */
  forEachSlot(visit: (slot: number) => void): void {
    for (let s = 0; s < this.used.length; s++) if (this.used[s] === 1) visit(s);
  }
}
