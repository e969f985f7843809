import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CanonicalScanner, KEYWORDS, OPERATORS, canonicalize } from '../../../src/decontam/canonical.js';
import { distinctNgrams } from '../../../src/decontam/ngram.js';

describe('canonicalize', () => {
  it('turns identifiers into ID, numbers into NUM, strings into STR and keeps keywords and operators', () => {
    expect(canonicalize('def add_one(x):\n    return x + 1.5e-3')).toEqual(['def', 'ID', 'ID', ':', 'return', 'ID', '+', 'NUM']);
    expect(canonicalize('const total = items.length >>> 0x1F;')).toEqual(['const', 'ID', '=', 'ID', '.', 'ID', '>>>', 'NUM']);
    expect(canonicalize('if (a !== b && c <= 10) { x += "s"; }')).toEqual(['if', 'ID', '!==', 'ID', '&&', 'ID', '<=', 'NUM', '{', 'ID', '+=', 'STR', '}']);
  });

  it('reads docstrings, escaped quotes and template literals as one STR each', () => {
    expect(canonicalize('x = """Doc "with" quotes\n    on lines.""" + \'it\\\'s\'')).toEqual(['ID', '=', 'STR', '+', 'STR']);
    expect(canonicalize('log(`a\n${b}`)')).toEqual(['ID', 'STR']);
  });

  it('drops comments and Markdown fences, and does not let an apostrophe in prose swallow the line', () => {
    expect(canonicalize('x = 1  # set x\n// note\n/* block\ncomment */ y = 2')).toEqual(['ID', '=', 'NUM', 'ID', '=', 'NUM']);
    expect(canonicalize('Here is the fix:\n```python\nreturn x\n```')).toEqual(['ID', 'is', 'ID', 'ID', ':', 'return', 'ID']);
    expect(canonicalize("don't panic")).toEqual(['ID', "'", 'ID', 'ID']);
  });

  it('reports token spans into the text', () => {
    const scanner = new CanonicalScanner();
    const text = 'foo(bar, 42)';
    const count = scanner.scan(text);
    const spans = Array.from({ length: count }, (_, i) => text.slice(scanner.starts[i], scanner.ends[i]));
    expect(spans).toEqual(['foo', 'bar', ',', '42']);
  });

  it('leaves out what re-printers and formatters change: docstrings, parentheses, trailing commas, semicolons, continuations', () => {
    const original = 'def f(a, b):\n    """Sum.\n\n    >>> f(1, 2)\n    3\n    """\n    # add\n    return (a + b)\n';
    const reprinted = 'def f(a, b):\n    return a + b\n';
    expect(canonicalize(original)).toEqual(canonicalize(reprinted));
    expect(canonicalize(reprinted)).toEqual(['def', 'ID', 'ID', ',', 'ID', ':', 'return', 'ID', '+', 'ID']);
    // black-style: a call split over lines with a trailing comma, a backslash continuation, quotes swapped.
    expect(canonicalize('x = g(\n    a,\n    "b",\n)\ny = a + \\\n    c;')).toEqual(canonicalize("x = g(a, 'b')\ny = a + c"));
    // Adjacent strings (implicit concatenation, split by a formatter) are one string.
    expect(canonicalize('s = ("ab"\n     "cd")')).toEqual(canonicalize('s = "abcd"'));
    // A string inside an expression or a call stays.
    expect(canonicalize('print("hi")')).toEqual(['ID', 'STR']);
    expect(canonicalize('d = {"k": 1}')).toEqual(['ID', '=', '{', 'STR', ':', 'NUM', '}']);
  });

  it('reads words that are keywords elsewhere but names in Python or JavaScript as identifiers, so renaming them changes nothing', () => {
    // `char`, `end`, `string` are C/Ruby keywords but Python locals here; `from` is a JavaScript name.
    const python = 'def f(text, string):\n    end = 0\n    for char in text:\n        if char in string:\n            end += 1\n    return end\n';
    const renamed = 'def g(s, alphabet):\n    total = 0\n    for c in s:\n        if c in alphabet:\n            total += 1\n    return total\n';
    expect(canonicalize(python)).toEqual(canonicalize(renamed));
    expect(canonicalize('const from = a.map((x) => x + 1);')).toEqual(canonicalize('const src = b.map((y) => y + 1);'));
    // Reserved words of either language stay themselves.
    expect(canonicalize('for x in y: pass')).toEqual(['for', 'ID', 'in', 'ID', ':', 'pass']);
    expect(canonicalize('function f() { return typeof x; }')).toEqual(['function', 'ID', '{', 'return', 'typeof', 'ID', '}']);
  });

  it('grows its buffers for long texts', () => {
    const text = 'a + '.repeat(3000);
    expect(new CanonicalScanner().scan(text)).toBe(6000);
  });
});

// Property: a consistent renaming of identifiers never changes the canonical stream or its n-grams.
const keywordSet = new Set(KEYWORDS);
const identifier = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,8}$/).filter((name) => !keywordSet.has(name));
type Piece = { kind: 'name'; index: number } | { kind: 'fixed'; text: string };
const fixedPiece = fc.oneof(
  fc.constantFrom(...KEYWORDS),
  fc.constantFrom(...OPERATORS, '(', ')', '[', ']', '{', '}', ',', ';', ':', '.', '+', '-', '*', '<', '>', '='),
  fc.integer({ min: 0, max: 99999 }).map(String),
  fc.constantFrom('"text"', "'c'", '"""doc"""', '0x1f', '3.25'),
);
const piece: fc.Arbitrary<Piece> = fc.oneof(
  fc.integer({ min: 0, max: 5 }).map((index) => ({ kind: 'name' as const, index })),
  fixedPiece.map((text) => ({ kind: 'fixed' as const, text })),
);
const separator = fc.constantFrom(' ', '\n', '  ', '\t');

function render(pieces: readonly Piece[], separators: readonly string[], names: readonly string[]): string {
  return pieces.map((p, i) => (p.kind === 'name' ? names[p.index]! : p.text) + separators[i % separators.length]!).join('');
}

describe('canonicalize: renaming', () => {
  it('renaming identifiers consistently never changes the canonical tokens or n-grams', () => {
    fc.assert(fc.property(
      fc.array(piece, { minLength: 1, maxLength: 60 }),
      fc.array(separator, { minLength: 1, maxLength: 5 }),
      fc.uniqueArray(identifier, { minLength: 6, maxLength: 6 }),
      fc.uniqueArray(identifier, { minLength: 6, maxLength: 6 }),
      fc.integer({ min: 1, max: 12 }),
      (pieces, separators, before, after, n) => {
        const original = render(pieces, separators, before);
        const renamed = render(pieces, separators, after);
        expect(canonicalize(renamed)).toEqual(canonicalize(original));
        expect(Array.from(distinctNgrams(renamed, n))).toEqual(Array.from(distinctNgrams(original, n)));
      },
    ), { numRuns: 300 });
  });
});
