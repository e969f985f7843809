import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExactIndex, MIN_DISTINCT_UNITS } from '../../../src/decontam/exact.js';
import { normalizeWhitespace, truncateEvidence } from '../../../src/decontam/normalize.js';

const solution = `    result = []
    current = None
    for value in values:
        if current is None or value > current:
            current = value
        result.append(current)
    return result
`;

describe('normalizeWhitespace', () => {
  it('equals collapsing \\s+ to one space and trimming', () => {
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom('a', 'b', ' ', '\n', '\t', '\u00a0', '\u2028', '\r', 'é', '\u3000') }), (text) => {
      expect(normalizeWhitespace(text)).toBe(text.replace(/\s+/g, ' ').trim());
    }));
  });

  it('truncates evidence with an ellipsis', () => {
    expect(truncateEvidence('abc', 5)).toBe('abc');
    expect(truncateEvidence('abcdefgh', 5)).toBe('abcde…');
  });
});

describe('ExactIndex', () => {
  it('finds a copy that was re-indented and re-wrapped, with the whole piece as evidence', () => {
    const index = ExactIndex.build([{ item: 0, text: solution }, { item: 1, text: 'def unrelated_function(a, b):\n    return sorted(a + b, key=len)[::-1]' }], 50);
    const record = `Here is my helper:\n\ndef helper(values):\n${solution.replaceAll('    ', '  ').replaceAll('\n', '\n\n')}\nThanks.`;
    const matches = index.scan(record);
    expect(matches).toHaveLength(1);
    expect(matches[0]).toMatchObject({ item: 0, piece: 0, score: 1 });
    expect(matches[0]!.evidence).toBe(normalizeWhitespace(solution));
  });

  it('skips pieces shorter than minChars, so short code matches nothing', () => {
    const index = ExactIndex.build([{ item: 0, text: 'return x' }, { item: 1, text: solution }], 50);
    expect(index.stats).toMatchObject({ pieces: 2, indexedPieces: 1, shortPieces: 1 });
    expect(index.scan('def f(x):\n    return x')).toEqual([]);
  });

  it('reports a shared run of exactly minChars and not one of minChars - 1', () => {
    const piece = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
    const index = ExactIndex.build([{ item: 3, text: piece }], 20);
    const hit = index.scan(`zz ${piece.slice(10, 30)} zz`);
    // The run starts after "zz " in the record, and at offset 10 of the piece.
    expect(hit).toEqual([{ item: 3, piece: 0, length: 20, start: 3, pieceStart: 10, score: 20 / piece.length, evidence: piece.slice(10, 30) }]);
    expect(index.scan(`zz ${piece.slice(10, 29)} zz`)).toEqual([]);
  });

  it('does not index low-information windows such as comment banners', () => {
    const banner = '='.repeat(30) + '-'.repeat(30);
    const index = ExactIndex.build([{ item: 0, text: `${banner}\nsolve the puzzle of the day` }], 20);
    expect(index.stats.lowInformationWindows).toBeGreaterThan(0);
    expect(index.scan(`# ${banner}\nprint(1)`)).toEqual([]);
  });

  it('keeps the longest run per item and reports items in order', () => {
    const a = 'the quick brown fox jumps over the lazy dog while singing';
    const b = 'pack my box with five dozen liquor jugs and then go home';
    const index = ExactIndex.build([{ item: 1, text: b }, { item: 0, text: `${a} ${b}` }], 20);
    const matches = index.scan(`prefix ${b} suffix ${a.slice(0, 30)}`);
    // Item 0's run extends over the space before b, which the record has too.
    expect(matches.map((m) => [m.item, m.length])).toEqual([[0, b.length + 1], [1, b.length]]);
  });

  // Reference: a record matches an item when they share a window of minChars characters (normalised)
  // that has at least MIN_DISTINCT_UNITS distinct characters.
  it('agrees with a brute-force check of shared windows', () => {
    const unit = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', ' ');
    const text = fc.string({ unit, minLength: 0, maxLength: 80 });
    fc.assert(fc.property(fc.array(text, { minLength: 1, maxLength: 4 }), text, fc.integer({ min: MIN_DISTINCT_UNITS, max: 14 }), fc.nat(), (pieces, noise, w, seed) => {
      // Plant a slice of one piece into the record about half the time.
      const source = normalizeWhitespace(pieces[seed % pieces.length]!);
      const planted = seed % 2 === 0 && source.length > 0 ? source.slice(seed % source.length, (seed % source.length) + w + (seed % 5)) : '';
      const record = `${noise.slice(0, 40)}${planted}${noise.slice(40)}`;
      const index = ExactIndex.build(pieces.map((p, item) => ({ item, text: p })), w);
      const normalizedRecord = normalizeWhitespace(record);
      const recordWindows = new Set<string>();
      for (let i = 0; i + w <= normalizedRecord.length; i++) recordWindows.add(normalizedRecord.slice(i, i + w));
      const expected = pieces.flatMap((p, item) => {
        const normalized = normalizeWhitespace(p);
        for (let i = 0; i + w <= normalized.length; i++) {
          const window = normalized.slice(i, i + w);
          if (new Set(window).size >= MIN_DISTINCT_UNITS && recordWindows.has(window)) return [item];
        }
        return [];
      });
      const matches = index.scan(record);
      expect(matches.map((m) => m.item)).toEqual(expected);
      for (const m of matches) {
        expect(m.length).toBeGreaterThanOrEqual(w);
        expect(normalizedRecord).toContain(m.evidence);
        expect(normalizeWhitespace(pieces[m.piece]!)).toContain(m.evidence);
      }
    }), { numRuns: 400 });
  });
});
