/**
 * The rewritten-copy transformations (src/devkit/contamination): each one on known solutions with
 * the output worked out by hand, determinism per seed, and every planted copy run in python3 against
 * its benchmark's own tests (a consistent renaming and a faithful re-print still solve the problem).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  blackStyle, boundNames, embedAmong, plantCopies, renameIdentifiers, reprintWithPython, SEEDED, solutionOf, stripDocs, tokenize, TRANSFORMATIONS, untokenize,
  type BenchmarkSolution, type Transformation,
} from '../../../src/devkit/contamination/index.js';
import { seededRandom } from '../../../src/util/random.js';
import { checkInPython } from './python-check.js';

const LINES = ['humaneval-style', 'mbpp-style'].flatMap((benchmark) =>
  readFileSync(new URL(`../../../examples/benchmarks/${benchmark}.jsonl`, import.meta.url), 'utf8').trim().split('\n').map((text) => ({ benchmark, line: JSON.parse(text) as Record<string, unknown> })),
);
const SOLUTIONS = LINES.map(({ benchmark, line }) => solutionOf(benchmark, line)).filter((s): s is BenchmarkSolution => s !== undefined);
const LINE_OF = new Map(LINES.map(({ benchmark, line }) => [`${benchmark}/${String(line.task_id)}`, line]));
const NEIGHBOURS = ['def neighbour_a(path):\n    with open(path) as handle:\n        return handle.read()\n', 'def neighbour_b(x, y=2):\n    # scaled sum\n    return x * y + 1\n'];
const reprint = (sources: readonly string[]): string[] => reprintWithPython(sources);

/** The benchmark's name for the solution's function. */
function entryPoint(id: string): string {
  const line = LINE_OF.get(id) ?? {};
  return typeof line.entry_point === 'string' ? line.entry_point : (/def (\w+)/.exec(String(line.code))?.[1] ?? '');
}

const REVERSE_WORDS = "def reverse_words(sentence):\n    words = sentence.split()\n    words.reverse()\n    return ' '.join(words)";

describe('tokenize', () => {
  it('gives back the source byte for byte, strings and comments whole', () => {
    const source = "x = f'{a}' + r\"\\d\" # note\ns = '''a\n'b'\n''' \\\n  + 'c'\n";
    const tokens = tokenize(source);
    expect(untokenize(tokens)).toBe(source);
    expect(tokens.filter((t) => t.kind === 'string').map((t) => t.text)).toEqual(["f'{a}'", 'r"\\d"', "'''a\n'b'\n'''", "'c'"]);
    expect(tokens.filter((t) => t.kind === 'comment').map((t) => t.text)).toEqual(['# note']);
  });
});

describe('rename', () => {
  it('finds the function, its arguments and its locals, never builtins, attributes, keyword arguments or imports', () => {
    expect(boundNames(REVERSE_WORDS)).toEqual(['reverse_words', 'words', 'sentence']);
    const tricky = [
      'import math',
      'def pick(items, limit=3, *rest, **extra):',
      '    total, count = 0, 0',
      '    best: int = -1',
      '    for index, item in enumerate(items):',
      '        if (size := len(item)) > limit:',
      '            total += math.floor(size)',
      '    ranked = sorted(items, key=lambda entry: -len(entry))',
      '    squares = [value * value for value in range(count)]',
      '    with open("x") as handle:',
      '        handle.close()',
      '    return f"{total}:{ranked[0].upper()}", best, squares, rest, extra, index',
    ].join('\n');
    expect(new Set(boundNames(tricky))).toEqual(new Set(['pick', 'items', 'limit', 'rest', 'extra', 'total', 'count', 'best', 'index', 'item', 'size', 'ranked', 'entry', 'value', 'squares', 'handle']));
  });

  it('renames every occurrence of each bound name to one fresh name (checked against the hand-made template)', () => {
    const renamed = renameIdentifiers(REVERSE_WORDS, seededRandom(7));
    const match = /^def (\w+)\((\w+)\):\n {4}(\w+) = \2\.split\(\)\n {4}\3\.reverse\(\)\n {4}return ' '\.join\(\3\)$/.exec(renamed);
    expect(match, renamed).not.toBeNull();
    const fresh = match?.slice(1, 4) ?? [];
    expect(new Set(fresh).size).toBe(3);
    expect(fresh).not.toContain('reverse_words');
    expect(fresh).not.toContain('sentence');
    expect(fresh).not.toContain('words');
  });

  it('keeps attributes, keyword arguments and f-string fields consistent', () => {
    const source = 'def f(key):\n    data = {"key": key}\n    return sorted([key], key=len), f"{key!r}", data.get("key")\n';
    const renamed = renameIdentifiers(source, seededRandom(1));
    expect(renamed).toContain('key=len');
    expect(renamed).toContain('.get("key")');
    expect(renamed).not.toMatch(/\bkey\b(?!=len)(?!")/);
  });
});

describe('strip-docs', () => {
  it('removes docstrings and comments, keeps code and strings that are values', () => {
    const source = 'def f(a):\n    """Doc.\n\n    More."""\n    # a comment\n    b = "kept"  # trailing\n    return a + b\n';
    expect(stripDocs(source)).toBe('def f(a):\n    b = "kept"\n    return a + b\n');
  });

  it('puts pass in a body left empty', () => {
    expect(stripDocs('def f():\n    """Only a docstring."""\n\ndef g():\n    return 1\n')).toBe('def f():\n    pass\n\ndef g():\n    return 1\n');
  });
});

describe('reprint (ast.unparse)', () => {
  it('normalises spacing, parentheses, quotes and comments as Python prints them', () => {
    expect(reprintWithPython(['x = ( 1+2 )  # c\ny = "a"\n', 'def f( a ,b ):\n  return(a)\n'])).toEqual(["x = 1 + 2\ny = 'a'\n", 'def f(a, b):\n    return a\n']);
  });

  it('names the source that does not parse', () => {
    expect(() => reprintWithPython(['def (:\n'])).toThrow(/source 0 does not parse as Python/);
  });
});

describe('black-style', () => {
  it('swaps plain quotes and adds redundant parentheses', () => {
    const source = "def f(a):\n    if a > 'x':\n        return a + \"y\"\n    while a:\n        a = a[1:]\n    return 'it\\'s'\n";
    expect(blackStyle(source, seededRandom(1), { parenthesesRate: 1 })).toBe("def f(a):\n    if (a > \"x\"):\n        return (a + 'y')\n    while (a):\n        a = a[1:]\n    return ('it\\'s')\n");
  });

  it('splits a long call at its last bracket, one argument a line with a trailing comma when still too long', () => {
    const source = '    result = compute_something(first_argument, second_argument, third)\n';
    expect(blackStyle(source, seededRandom(1), { parenthesesRate: 0, width: 40 })).toBe('    result = compute_something(\n        first_argument,\n        second_argument,\n        third,\n    )\n');
    expect(blackStyle(source, seededRandom(1), { parenthesesRate: 0, width: 66 })).toBe('    result = compute_something(\n        first_argument, second_argument, third\n    )\n');
  });
});

describe('no-prompt and embedded', () => {
  it('keeps the signature and the body only', () => {
    const running = SOLUTIONS.find((s) => s.id === 'humaneval-style/Mini/0');
    expect(running?.bare).toBe('def running_maximum(values: List[int]) -> List[int]:\n    result = []\n    current = None\n    for value in values:\n        if current is None or value > current:\n            current = value\n        result.append(current)\n    return result\n');
    expect(running?.text.startsWith('Return a list where each position holds the largest value seen so far.')).toBe(true);
  });

  it('places the copy among the neighbours, whole', () => {
    const file = embedAmong(REVERSE_WORDS, NEIGHBOURS, seededRandom(3), 3);
    expect(file).toContain(REVERSE_WORDS);
    expect(file.split('\n\n\n')).toHaveLength(4);
    expect(embedAmong(REVERSE_WORDS, NEIGHBOURS, seededRandom(3), 3)).toBe(file);
  });
});

describe('plantCopies', () => {
  const seeds = [1, 2, 3];
  const planted = TRANSFORMATIONS.map((transformation) => ({ transformation, copies: plantCopies(SOLUTIONS, transformation, seeds, { neighbours: NEIGHBOURS, reprint }) }));

  it('is deterministic per seed, and seeded transformations differ between seeds', () => {
    for (const { transformation, copies } of planted) {
      expect(plantCopies(SOLUTIONS, transformation, seeds, { neighbours: NEIGHBOURS, reprint })).toEqual(copies);
      expect(copies).toHaveLength(SOLUTIONS.length * (SEEDED.has(transformation) ? seeds.length : 1));
      if (SEEDED.has(transformation)) expect(new Set(copies.map((c) => c.code)).size, transformation).toBeGreaterThan(SOLUTIONS.length);
    }
  });

  it('changes what each transformation promises', () => {
    const byName = new Map(planted.map(({ transformation, copies }) => [transformation, copies]));
    for (const copy of [...(byName.get('rename') ?? []), ...(byName.get('rename-strip-reprint') ?? [])]) expect(copy.code).not.toContain(`def ${entryPoint(copy.id)}(`);
    // The neighbours of an embedded copy are real code and keep their comments: only the copy is checked.
    const withoutNeighbours = (code: string): string => NEIGHBOURS.reduce((rest, neighbour) => rest.replaceAll(neighbour.trimEnd(), ''), code);
    for (const copy of ['strip-docs', 'rename-strip-reprint', 'all'].flatMap((name) => byName.get(name as Transformation) ?? [])) expect(withoutNeighbours(copy.code)).not.toMatch(/"""|#/);
    for (const copy of byName.get('all') ?? []) expect(copy.docstring).toBe('');
    expect(byName.get('verbatim')?.map((c) => c.code)).toEqual(SOLUTIONS.map((s) => s.code));
  });

  it('every copy passes exactly the benchmark tests its original passes, in python3', () => {
    const jobs = planted.flatMap(({ copies }) => copies.map((copy) => ({ id: copy.id, code: copy.code, line: LINE_OF.get(copy.id) ?? {}, neighbourNames: ['neighbour_a', 'neighbour_b'] })));
    const results = checkInPython(jobs);
    const original = new Map(SOLUTIONS.map((s, i) => [s.id, results[i]]));
    expect([...original].filter(([, result]) => result !== 'ok').map(([id]) => id)).toEqual([]);
    const differing = results.flatMap((result, i) => (result === original.get(jobs[i]?.id ?? '') ? [] : [`${result}\n${jobs[i]?.code ?? ''}`]));
    expect(differing).toEqual([]);
  });
});
