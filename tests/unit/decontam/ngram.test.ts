import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CanonicalScanner, canonicalize } from '../../../src/decontam/canonical.js';
import { ExactIndex } from '../../../src/decontam/exact.js';
import { MIN_WHOLE_UNIT_NGRAMS, NgramIndex, commonItemLimit, distinctNgrams, ngramHashes } from '../../../src/decontam/ngram.js';
import { HashPostings } from '../../../src/decontam/postings.js';
import { RUNNING_MAXIMUM, RUNNING_MAXIMUM_RENAMED, UNRELATED } from './helpers.js';

/** Distinct n-grams of a text as joined token names: an independent reference for the hashed ones. */
function referenceNgrams(text: string, n: number): Set<string> {
  const tokens = canonicalize(text);
  const grams = new Set<string>();
  for (let i = 0; i + n <= tokens.length; i++) grams.add(tokens.slice(i, i + n).join('\u0000'));
  return grams;
}

describe('HashPostings', () => {
  it('returns every posting of a key, none for an absent or dropped one', () => {
    const keys = Uint32Array.from([5, 9, 5, 0, 0xffffffff, 9, 5]);
    const values = Int32Array.from([0, 1, 2, 3, 4, 5, 6]);
    const table = HashPostings.build(keys, values);
    const postings = (key: number): number[] => {
      const slot = table.find(key);
      return slot < 0 ? [] : Array.from(table.values.subarray(table.start(slot), table.end(slot)));
    };
    expect(postings(5)).toEqual([0, 2, 6]);
    expect(postings(9)).toEqual([1, 5]);
    expect(postings(0)).toEqual([3]);
    expect(postings(0xffffffff)).toEqual([4]);
    expect(postings(7)).toEqual([]);
    expect(table.distinctKeys).toBe(4);
    for (const key of keys) expect(table.mayContain(key)).toBe(true);
    const absent = Array.from({ length: 10_000 }, (_, i) => i + 100).filter((key) => table.mayContain(key)).length;
    expect(absent).toBeLessThan(1_000); // the filter answers most misses
    table.drop(table.find(9));
    expect(postings(9)).toEqual([]);
    expect(postings(5)).toEqual([0, 2, 6]);
  });
});

describe('n-gram hashes', () => {
  it('give equal hashes exactly to equal n-grams (no collisions on real code)', () => {
    for (const n of [1, 3, 10]) {
      for (const text of [RUNNING_MAXIMUM, UNRELATED]) {
        expect(distinctNgrams(text, n).length).toBe(referenceNgrams(text, n).size);
      }
    }
  });

  it('hash every window: rolling equals recomputing each window', () => {
    const scanner = new CanonicalScanner();
    const count = scanner.scan(RUNNING_MAXIMUM);
    const rolling = new Uint32Array(count);
    const grams = ngramHashes(scanner.ids, count, 4, rolling);
    expect(grams).toBe(count - 3);
    for (let i = 0; i < grams; i++) {
      const single = new Uint32Array(1);
      ngramHashes(scanner.ids.slice(i, i + 4), 4, 4, single);
      expect(rolling[i]).toBe(single[0]);
    }
    expect(ngramHashes(scanner.ids, 3, 4, rolling)).toBe(0);
  });
});

describe('NgramIndex', () => {
  const thresholds = { threshold: 0.5, minNgrams: 10 };

  it('catches a renamed copy that the exact detector misses', () => {
    const index = NgramIndex.build([{ item: 0, code: RUNNING_MAXIMUM }, { item: 1, code: UNRELATED }], 10, 10);
    const matches = index.match(`Solution:\n${RUNNING_MAXIMUM_RENAMED}`, thresholds);
    expect(matches).toHaveLength(1);
    expect(matches[0]!.item).toBe(0);
    expect(matches[0]!.score).toBeGreaterThanOrEqual(0.5);
    expect(matches[0]!.evidence).toContain('for item in seq:');
    expect(ExactIndex.build([{ item: 0, text: RUNNING_MAXIMUM }], 50).scan(RUNNING_MAXIMUM_RENAMED)).toEqual([]);
  });

  it('scores a verbatim copy 1 and unrelated code below the threshold', () => {
    const index = NgramIndex.build([{ item: 0, code: RUNNING_MAXIMUM }], 10, 10);
    expect(index.match(RUNNING_MAXIMUM, thresholds)).toMatchObject([{ item: 0, unit: 0, score: 1 }]);
    expect(index.match(UNRELATED, thresholds)).toEqual([]);
    expect(index.match('x = 1', thresholds)).toEqual([]);
  });

  it('agrees with a reference computed on n-gram strings', () => {
    const n = 6;
    const units = [RUNNING_MAXIMUM, UNRELATED, RUNNING_MAXIMUM_RENAMED.replace('best = item', 'best = item + 1')];
    const index = NgramIndex.build(units.map((code, item) => ({ item, code })), n, 1);
    const record = `${UNRELATED}\n${RUNNING_MAXIMUM_RENAMED}`;
    const recordGrams = referenceNgrams(record, n);
    const got = index.match(record, { threshold: 0.01, minNgrams: 1 });
    const expected = units.map((code, item) => {
      const grams = referenceNgrams(code, n);
      const matched = [...grams].filter((g) => recordGrams.has(g)).length;
      return { item, matched, total: grams.size };
    }).filter((e) => e.matched > 0);
    expect(got.map(({ item, matched, total }) => ({ item, matched, total }))).toEqual(expected);
  });

  it('requires both the share and the count of n-grams', () => {
    const index = NgramIndex.build([{ item: 0, code: RUNNING_MAXIMUM }], 10, 10);
    const [full] = index.match(RUNNING_MAXIMUM, { threshold: 0.1, minNgrams: 1 });
    expect(index.match(RUNNING_MAXIMUM, { threshold: 1, minNgrams: full!.total })).toHaveLength(1);
    // A unit with fewer n-grams than minNgrams must be found whole: the whole text matches, a part does not.
    expect(index.match(RUNNING_MAXIMUM, { threshold: 0.1, minNgrams: full!.total + 1 })).toHaveLength(1);
    const partial = RUNNING_MAXIMUM.split('\n').slice(0, -3).join('\n');
    const [part] = index.match(partial, { threshold: 0.1, minNgrams: 1 });
    expect(part!.matched).toBeGreaterThan(1);
    expect(part!.matched).toBeLessThan(full!.total);
    expect(index.match(partial, { threshold: 0.1, minNgrams: part!.matched })).toHaveLength(1);
    expect(index.match(partial, { threshold: 0.1, minNgrams: part!.matched + 1 })).toEqual([]);
    expect(index.match(partial, { threshold: 0.1, minNgrams: full!.total + 1 })).toEqual([]);
    expect(index.stats.shortUnits).toBe(0);
    // A unit with fewer than MIN_WHOLE_UNIT_NGRAMS n-grams can never match.
    expect(NgramIndex.build([{ item: 0, code: 'return x' }], 10, 10).stats).toMatchObject({ units: 1, shortUnits: 1 });
    const one = 'return values[index] + offset * -scale';
    expect(distinctNgrams(one, 10)).toHaveLength(1);
    expect(NgramIndex.build([{ item: 0, code: one }], 10, 10).match(one, { threshold: 0.1, minNgrams: 10 })).toEqual([]);
    const two = one.replace('return', 'return -');
    expect(distinctNgrams(two, 10)).toHaveLength(MIN_WHOLE_UNIT_NGRAMS);
    expect(NgramIndex.build([{ item: 0, code: two }], 10, 10).match(two, { threshold: 0.1, minNgrams: 10 })).toHaveLength(1);
  });

  it('drops n-grams shared by more than the common-item limit from the index and the totals', () => {
    const shared = 'for i in range(n):\n    total += values[i] * weights[i]\n';
    const items = commonItemLimit(12) + 1;
    const units = Array.from({ length: items }, (_, item) => ({ item, code: `${shared}${'x = y\n'.repeat(item + 1)}` }));
    const index = NgramIndex.build(units, 4, 1);
    expect(index.stats.commonNgrams).toBeGreaterThan(0);
    // The shared loop alone now matches nothing.
    expect(index.match(shared, { threshold: 0.01, minNgrams: 1 })).toEqual([]);
  });

  it('gives the same matches for a record and any consistent renaming of it', () => {
    const index = NgramIndex.build([{ item: 0, code: RUNNING_MAXIMUM }, { item: 1, code: UNRELATED }], 5, 3);
    const names = ['values', 'result', 'current', 'value', 'running_maximum', 'List'];
    fc.assert(fc.property(fc.uniqueArray(fc.stringMatching(/^z[a-z0-9]{1,6}$/), { minLength: names.length, maxLength: names.length }), (fresh) => {
      let renamed = RUNNING_MAXIMUM;
      names.forEach((name, i) => (renamed = renamed.replace(new RegExp(`\\b${name}\\b`, 'g'), fresh[i]!)));
      const strip = (m: { item: number; matched: number; total: number }[]) => m.map(({ item, matched, total }) => ({ item, matched, total }));
      expect(strip(index.match(renamed, { threshold: 0.2, minNgrams: 3 }))).toEqual(strip(index.match(RUNNING_MAXIMUM, { threshold: 0.2, minNgrams: 3 })));
    }), { numRuns: 50 });
  });
});
