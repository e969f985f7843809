import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CanonicalScanner } from '../../../src/decontam/canonical.js';
import { excerpt, exactEvidence, ngramEvidence, normalizedToSource, sharedNgramSpans, sourceSpan, type EvidenceSources } from '../../../src/decontam/evidence.js';
import { ExactIndex } from '../../../src/decontam/exact.js';
import { NgramIndex } from '../../../src/decontam/ngram.js';
import { normalizeWhitespace } from '../../../src/decontam/normalize.js';
import type { Span } from '../../../src/store/decontam-candidates.js';

/** Brute force: every n-gram of `a` compared with every n-gram of `b`, token by token; runs of marked tokens as spans. */
function referenceSpans(a: string, b: string, n: number): { a: Span[]; b: Span[] } {
  const tokens = (text: string) => {
    const scanner = new CanonicalScanner();
    const count = scanner.scan(text);
    return Array.from({ length: count }, (_, t) => ({ id: scanner.ids[t]!, start: scanner.starts[t]!, end: scanner.ends[t]! }));
  };
  const left = tokens(a);
  const right = tokens(b);
  const markedLeft = new Set<number>();
  const markedRight = new Set<number>();
  for (let i = 0; i + n <= left.length; i++) {
    for (let j = 0; j + n <= right.length; j++) {
      let same = true;
      for (let k = 0; k < n; k++) if (left[i + k]!.id !== right[j + k]!.id) same = false;
      if (!same) continue;
      for (let k = 0; k < n; k++) {
        markedLeft.add(i + k);
        markedRight.add(j + k);
      }
    }
  }
  // A span runs from a marked token's start to the end of the last marked token after it with no unmarked one between.
  const spans = (list: { start: number; end: number }[], marked: Set<number>): Span[] => {
    const out: Span[] = [];
    list.forEach((token, t) => {
      if (!marked.has(t)) return;
      if (marked.has(t - 1)) out[out.length - 1]![1] = token.end;
      else out.push([token.start, token.end]);
    });
    return out;
  };
  return { a: spans(left, markedLeft), b: spans(right, markedRight) };
}

const WORDS = ['a', 'b', 'x', '1', '2', '+', '*', '=', 'if', 'return', 'def', ':', '[', ']', ' ', '\n', '  ', '"s"'];
const code = fc.array(fc.constantFrom(...WORDS), { maxLength: 40 }).map((parts) => parts.join(' '));

describe('evidence spans', () => {
  it('normalised offsets map back to the source unit each normalised unit comes from', () => {
    fc.assert(fc.property(fc.array(fc.constantFrom('a', 'b', ' ', '\n', '\t', '\u00a0', 'é'), { maxLength: 30 }).map((units) => units.join('')), (text) => {
      const map = normalizedToSource(text);
      const normalized = normalizeWhitespace(text);
      expect(map.length).toBe(normalized.length);
      for (let k = 0; k < map.length; k++) {
        const source = text[map[k]!]!;
        expect(/\s/.test(source) ? ' ' : source).toBe(normalized[k]);
        if (k > 0) expect(map[k]!).toBeGreaterThan(map[k - 1]!);
      }
    }));
  });

  it('shared canonical n-grams: the same spans as a brute-force comparison of every n-gram pair', () => {
    fc.assert(fc.property(code, code, fc.integer({ min: 1, max: 4 }), (a, b, n) => {
      expect(sharedNgramSpans(a, b, n)).toEqual(referenceSpans(a, b, n));
    }), { numRuns: 300 });
  });

  it('a renamed copy inside a larger file is marked from its first token to its last, in both texts', () => {
    const benchmark = 'def add(x, y):\n    """Add."""\n    return x + y * 3\n';
    const copy = 'def plus(a, b):\n    return a + b * 2';
    const record = `import os\nprint(os.sep)\n\n${copy}\n# end\n`;
    const shared = sharedNgramSpans(record, benchmark, 4);
    const at = record.indexOf(copy);
    expect(shared.a).toEqual([[at, at + copy.length]]);
    // The docstring stands alone on its line, so the canonical stream leaves it out; the rest is marked.
    expect(shared.b.map(([s, e]) => benchmark.slice(s, e))).toEqual(['def add(x, y):\n    """Add."""\n    return x + y * 3']);
    // An n-gram the detector does not count is not marked.
    expect(sharedNgramSpans(record, benchmark, 4, () => false)).toEqual({ a: [], b: [] });
  });

  it('an exact run found on normalised text maps back to the source spans of the record and the piece', () => {
    const piece = 'for value in values:\n    if current is None or value > current:\n        current = value';
    const record = 'x = 1\nfor value in values:   if current is None\tor value > current:\n\n current = value  # done';
    const index = ExactIndex.build([{ item: 0, text: piece }], 30);
    const [match] = index.scan(record);
    const sources: EvidenceSources = { pieces: [piece], units: [], items: [{ path: 'he.jsonl', line: 4, embedText: '' }], n: 10, counted: () => true };
    const evidence = exactEvidence(record, match!, sources);
    expect(evidence.item).toEqual({ path: 'he.jsonl', line: 4 });
    const [recordSpan] = evidence.record.spans;
    const [pieceSpan] = evidence.benchmark.spans;
    expect(record.slice(...recordSpan!)).toBe('for value in values:   if current is None\tor value > current:\n\n current = value');
    expect(pieceSpan).toEqual([0, piece.length]);
    expect(normalizeWhitespace(record.slice(...recordSpan!))).toBe(normalizeWhitespace(piece));
    // 'ab c' from '  ab  c ': units 1..3 are 'b c', at source offsets 3 to 6.
    expect(sourceSpan(normalizedToSource('  ab  c '), 1, 4)).toEqual([3, 7]);
  });

  it('n-gram evidence marks what the index counts', () => {
    const unit = 'def f(values):\n    total = 0\n    for v in values:\n        total += v * v\n    return total\n';
    const index = NgramIndex.build([{ item: 0, code: unit }], 5, 2);
    const record = 'def g(xs):\n    s = 0\n    for x in xs:\n        s += x * x\n    return s\n';
    const [match] = index.match(record, { threshold: 0.5, minNgrams: 2 });
    const sources: EvidenceSources = { pieces: [], units: [unit], items: [{ path: 'mb.jsonl', line: 1, embedText: unit }], n: 5, counted: (hash) => index.countsNgram(hash) };
    const evidence = ngramEvidence(record, match!, sources);
    expect(evidence.record.spans).toEqual([[0, record.trimEnd().length]]);
    expect(evidence.benchmark.spans).toEqual([[0, unit.trimEnd().length]]);
  });

  it('a long text becomes an excerpt around its first span, with spans clipped and moved', () => {
    const text = 'x'.repeat(1000) + 'MATCH' + 'y'.repeat(1000);
    expect(excerpt('short', [[1, 3]], 10)).toEqual({ text: 'short', from: 0, length: 5, spans: [[1, 3]] });
    const cut = excerpt(text, [[1000, 1005], [1900, 2005]], 300);
    expect(cut.from).toBe(800);
    expect(cut.text).toHaveLength(300);
    expect(cut.length).toBe(2005);
    expect(cut.spans).toEqual([[200, 205]]);
    expect(cut.text.slice(200, 205)).toBe('MATCH');
    // Near the end, the excerpt still holds `limit` characters.
    expect(excerpt(text, [[2000, 2005]], 300)).toMatchObject({ from: 1705, spans: [[295, 300]] });
  });
});
