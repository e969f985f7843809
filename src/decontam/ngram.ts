/**
 * The n-gram detector. Every benchmark code unit (a solution, a prompt plus its solution) becomes the
 * set of hashed n-grams of its canonical token stream (see canonical.ts); an inverted index maps each
 * n-gram to the units holding it, built once. A record's distinct n-grams are looked up in it and
 * counted per unit: a unit whose share of n-grams found in the record reaches the threshold (with at
 * least `minNgrams` of them) flags the record. Because identifiers, numbers and strings are
 * canonicalised, a renamed copy scores like a verbatim one. Work per record is linear in its tokens
 * plus the postings it touches: no record x item loop. Pure.
 *
 * N-grams shared by many items (`def ID ( ID ) :` and the like) say nothing about any one of them and
 * would let unrelated records pile up matches: those held by more than {@link commonItemLimit} items
 * are dropped from the index and from every unit's total.
 */
import { CanonicalScanner } from './canonical.js';
import { HashPostings } from './postings.js';
import { truncateEvidence } from './normalize.js';

/** A benchmark code unit to index. */
export interface NgramUnitInput {
  item: number;
  code: string;
}

/** The best-matching unit of one item for a record. */
export interface NgramMatch {
  item: number;
  /** Index of the unit (in the list given to {@link NgramIndex.build}). */
  unit: number;
  /** Distinct n-grams of the unit found in the record. */
  matched: number;
  /** Distinct n-grams of the unit (common ones excluded). */
  total: number;
  /** `matched / total`. */
  score: number;
  /** The record's text from the first to the last matching n-gram, truncated. */
  evidence: string;
}

/** What the index holds. */
export interface NgramIndexStats {
  units: number;
  /** Units with fewer than {@link MIN_WHOLE_UNIT_NGRAMS} n-grams (after dropping common ones): they can never match. */
  shortUnits: number;
  /** Distinct n-grams indexed. */
  ngrams: number;
  /** Distinct n-grams dropped as common to many items. */
  commonNgrams: number;
}

/** Thresholds of a match. */
export interface NgramThresholds {
  /** Least share of a unit's n-grams found in the record. */
  threshold: number;
  /**
   * Least number of a unit's n-grams found in the record. A unit with fewer (a short solution, most of
   * whose n-grams are common to many items) must be found whole: all of its n-grams, at least
   * {@link MIN_WHOLE_UNIT_NGRAMS}.
   */
  minNgrams: number;
}

/**
 * Fewest n-grams a unit found whole may have. Short units were never matched before (about 1 in 5 MBPP-like
 * solutions): found whole, 2 distinctive 10-grams flagged none of 24,000 clean real functions
 * (bench/results/decontam-recall.md) while catching the short solutions' copies.
 */
export const MIN_WHOLE_UNIT_NGRAMS = 2;

/** The n-grams a unit of `total` must have found in a record: `minNgrams`, or all of a shorter unit's. */
export function neededNgrams(total: number, minNgrams: number): number {
  return Math.min(minNgrams, Math.max(MIN_WHOLE_UNIT_NGRAMS, total));
}

/** Odd multiplier of the rolling n-gram hash. */
const BASE = 0x01000193;

/** Items an n-gram may be shared by before it counts as common: 5% of the items, at least 10. */
export function commonItemLimit(items: number): number {
  return Math.max(10, Math.ceil(items * 0.05));
}

/**
 * Writes the hash of every n-gram of `ids[0, count)` to `out` (polynomial rolling hash over the token
 * classes); returns how many there are (0 when `count < n`).
 */
export function ngramHashes(ids: Int32Array, count: number, n: number, out: Uint32Array): number {
  if (count < n) return 0;
  let power = 1;
  for (let k = 1; k < n; k++) power = Math.imul(power, BASE);
  let hash = 0;
  for (let k = 0; k < n; k++) hash = (Math.imul(hash, BASE) + ids[k]!) | 0;
  out[0] = hash;
  for (let at = 1; at + n <= count; at++) {
    hash = (Math.imul(hash - Math.imul(ids[at - 1]!, power), BASE) + ids[at + n - 1]!) | 0;
    out[at] = hash;
  }
  return count - n + 1;
}

/** The distinct n-gram hashes of a text, sorted (for tests and for building the index). */
export function distinctNgrams(text: string, n: number, scanner: CanonicalScanner = new CanonicalScanner()): Uint32Array {
  const count = scanner.scan(text);
  const hashes = new Uint32Array(Math.max(0, count - n + 1));
  ngramHashes(scanner.ids, count, n, hashes);
  return uniqueSorted(hashes.sort());
}

/** The distinct values of a sorted array (a prefix view of it, deduplicated in place). */
function uniqueSorted(sorted: Uint32Array): Uint32Array {
  if (sorted.length === 0) return sorted;
  let out = 1;
  for (let i = 1; i < sorted.length; i++) if (sorted[i] !== sorted[out - 1]) sorted[out++] = sorted[i]!;
  return sorted.subarray(0, out);
}

/** The inverted index from canonical n-grams to benchmark code units. */
export class NgramIndex {
  readonly n: number;
  readonly stats: NgramIndexStats;
  private readonly table: HashPostings;
  private readonly unitItems: Int32Array;
  private readonly totals: Int32Array;
  private readonly counts: Int32Array;
  private readonly scanner = new CanonicalScanner();
  private hashes = new Uint32Array(1024);
  /** Slots of the n-grams found in the index (then sorted, to count each distinct one once). */
  private sorted = new Uint32Array(1024);

  private constructor(n: number, table: HashPostings, unitItems: Int32Array, totals: Int32Array, stats: NgramIndexStats) {
    this.n = n;
    this.table = table;
    this.unitItems = unitItems;
    this.totals = totals;
    this.counts = new Int32Array(unitItems.length);
    this.stats = stats;
  }

  /** Indexes the distinct n-grams of every unit; `minNgrams` only sets {@link NgramIndexStats.shortUnits}. */
  static build(units: readonly NgramUnitInput[], n: number, minNgrams: number): NgramIndex {
    const scanner = new CanonicalScanner();
    const perUnit = units.map((unit) => distinctNgrams(unit.code, n, scanner));
    const total = perUnit.reduce((sum, grams) => sum + grams.length, 0);
    const keys = new Uint32Array(total);
    const values = new Int32Array(total);
    let at = 0;
    for (const [unit, grams] of perUnit.entries()) {
      keys.set(grams, at);
      values.fill(unit, at, at + grams.length);
      at += grams.length;
    }
    const table = HashPostings.build(keys, values, total);
    const unitItems = Int32Array.from(units, (unit) => unit.item);
    const itemCount = new Set(unitItems).size;
    const limit = commonItemLimit(itemCount);
    const totals = new Int32Array(units.length);
    let common = 0;
    table.forEachSlot((slot) => {
      // Postings are in unit order, and an item's units are listed together: count item changes.
      let items = 0;
      let last = -1;
      for (let p = table.start(slot); p < table.end(slot); p++) {
        const item = unitItems[table.values[p]!]!;
        if (item !== last) items++;
        last = item;
      }
      if (items > limit) {
        table.drop(slot);
        common++;
        return;
      }
      for (let p = table.start(slot); p < table.end(slot); p++) totals[table.values[p]!]!++;
    });
    let short = 0;
    for (const count of totals) if (count < neededNgrams(count, minNgrams)) short++;
    return new NgramIndex(n, table, unitItems, totals, { units: units.length, shortUnits: short, ngrams: table.distinctKeys - common, commonNgrams: common });
  }

  /** Whether the n-gram with this hash counts towards scores (it is indexed and not common to many items). */
  countsNgram(hash: number): boolean {
    return this.table.find(hash) >= 0;
  }

  /** Items with a unit reaching the thresholds in `text`, each with its best unit; in item order. */
  match(text: string, thresholds: NgramThresholds): NgramMatch[] {
    const { scanner, table, counts, totals, n } = this;
    const tokens = scanner.scan(text);
    if (tokens < n) return [];
    if (this.hashes.length < tokens) {
      this.hashes = new Uint32Array(tokens * 2);
      this.sorted = new Uint32Array(tokens * 2);
    }
    const grams = ngramHashes(scanner.ids, tokens, n, this.hashes);
    // Most n-grams are in no benchmark: look them up first, then de-duplicate only the hits (by slot).
    const hits = this.sorted;
    let hitCount = 0;
    for (let i = 0; i < grams; i++) {
      const key = this.hashes[i]!;
      if (!table.mayContain(key)) continue;
      const slot = table.find(key);
      if (slot >= 0) hits[hitCount++] = slot;
    }
    if (hitCount === 0) return [];
    const slots = hits.subarray(0, hitCount).sort();
    const touched: number[] = [];
    for (let i = 0; i < hitCount; i++) {
      const slot = slots[i]!;
      if (i > 0 && slot === slots[i - 1]) continue;
      for (let p = table.start(slot); p < table.end(slot); p++) {
        const unit = table.values[p]!;
        if (counts[unit]!++ === 0) touched.push(unit);
      }
    }
    let best: Map<number, NgramMatch> | undefined;
    for (const unit of touched) {
      const matched = counts[unit]!;
      counts[unit] = 0;
      const total = totals[unit]!;
      if (matched < neededNgrams(total, thresholds.minNgrams) || total === 0 || matched / total < thresholds.threshold) continue;
      const item = this.unitItems[unit]!;
      const score = matched / total;
      best ??= new Map();
      const current = best.get(item);
      if (current === undefined || score > current.score) best.set(item, { item, unit, matched, total, score, evidence: '' });
    }
    if (best === undefined) return [];
    return [...best.values()].sort((a, b) => a.item - b.item).map((match) => ({ ...match, evidence: this.evidence(text, match.unit, grams) }));
  }

  /** The record's text from the first to the last of its n-grams that the unit holds. */
  private evidence(text: string, unit: number, grams: number): string {
    const { table, scanner, n } = this;
    let first = -1;
    let last = -1;
    for (let at = 0; at < grams; at++) {
      const slot = table.find(this.hashes[at]!);
      if (slot < 0) continue;
      for (let p = table.start(slot); p < table.end(slot); p++) {
        if (table.values[p] === unit) {
          if (first < 0) first = at;
          last = at;
          break;
        }
      }
    }
    if (first < 0) return '';
    const start = scanner.starts[first]!;
    const end = scanner.ends[last + n - 1]!;
    return truncateEvidence(text.slice(start, Math.min(end, start + 400)));
  }
}
