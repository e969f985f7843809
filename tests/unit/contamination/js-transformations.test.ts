/**
 * The JavaScript rewritten-copy transformations (src/devkit/contamination/js): each one on known code
 * with the output worked out by hand, determinism per seed, every planted copy run under node against
 * its benchmark's own tests, and the verdict of decontam's n-gram detector on every copy (its own
 * problem found; hand-written unrelated functions not flagged).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  addRedundantParentheses, isJsProblem, JS_SEEDED, JS_TRANSFORMATIONS, jsBoundNames, jsSolutionOf, plantJsCopies, renameJsIdentifiers, renameJsWithMapping, reprintWithPrettier, stripJsComments,
  type JsBenchmarkSolution, type PlantedJsCopy,
} from '../../../src/devkit/contamination/index.js';
import { readBenchmarkFile } from '../../../src/decontam/benchmark-files.js';
import { NgramIndex } from '../../../src/decontam/ngram.js';
import { DEFAULT_MIN_NGRAMS, DEFAULT_NGRAM_N, DEFAULT_NGRAM_THRESHOLD } from '../../../src/decontam/options.js';
import { seededRandom } from '../../../src/util/random.js';
import { checkInNode } from './js-check.js';

const FIXTURES = new URL('../../fixtures/benchmarks/', import.meta.url);
const JS_FILE = 'humaneval-x-js-mini';
const LINES = readFileSync(new URL(`${JS_FILE}.jsonl`, FIXTURES), 'utf8').trim().split('\n').map((text) => JSON.parse(text) as Record<string, unknown>);
const SOLUTIONS = LINES.map((line) => jsSolutionOf(JS_FILE, line)).filter((s): s is JsBenchmarkSolution => s !== undefined);
const LINE_OF = new Map(LINES.map((line) => [`${JS_FILE}/${String(line.task_id)}`, line]));
/** Function declarations (a file may repeat one; the bench draws its neighbours the same way). */
const NEIGHBOURS = ['function readSettings(path) {\n  // one key=value a line\n  return fs.readFileSync(path, "utf8").split("\\n");\n}\n', 'function scaled(x, y = 2) {\n  /* scaled sum */\n  return x * y + 1;\n}\n'];

const SAMPLE = "function pick(items, { limit = 3, size } = {}, ...rest) {\n  const [first, , third = 0] = items;\n  let total = 0;\n  outer: for (const item of items) {\n    try {\n      total += item.size + size;\n    } catch (error) {\n      break outer;\n    }\n  }\n  const make = function inner(value) { return { size, value, limit: limit }; };\n  return [first, third, total, rest, make(total).size, `${total}:${size}`];\n}\n";

describe('JS problems', () => {
  it('read the HumanEval-X layout: problem text, code and the declaration + body without the comment', () => {
    expect(SOLUTIONS).toHaveLength(LINES.length);
    expect(LINES.every(isJsProblem)).toBe(true);
    const first = SOLUTIONS[0];
    expect(first?.entryPoint).toBe('runningMaximum');
    expect(first?.text.startsWith('Return an array where each position holds the largest value seen so far.\n>>> runningMaximum')).toBe(true);
    expect(first?.bare.startsWith('const runningMaximum = (values) => {\n  const result = [];\n')).toBe(true);
    const python = JSON.parse(readFileSync(new URL('humaneval-mini.jsonl', FIXTURES), 'utf8').split('\n')[0] ?? '{}') as Record<string, unknown>;
    expect(isJsProblem(python)).toBe(false);
    expect(jsSolutionOf('x', python)).toBeUndefined();
  });

  it('every benchmark solution passes its own tests under node, and a wrong one fails them', () => {
    const jobs = SOLUTIONS.map((s) => ({ code: s.code, entryPoint: s.entryPoint, line: LINE_OF.get(s.id) ?? {} }));
    expect(checkInNode(jobs)).toEqual(jobs.map(() => 'ok'));
    const broken = jobs.map((job) => ({ ...job, code: `${job.code}\n${job.entryPoint} = () => undefined;\n` }));
    expect(checkInNode(broken).filter((result) => result === 'ok')).toEqual([]);
  });
});

describe('rename', () => {
  it('finds declarations, parameters, destructured and catch bindings, never properties or labels', () => {
    expect(new Set(jsBoundNames(SAMPLE))).toEqual(new Set(['pick', 'items', 'limit', 'size', 'rest', 'first', 'third', 'total', 'item', 'error', 'make', 'inner', 'value']));
  });

  it('renames every use consistently, expands shorthand properties and keeps property names', () => {
    const { code, mapping } = renameJsWithMapping(SAMPLE, seededRandom(5));
    const name = (original: string): string => mapping.get(original) ?? '?';
    const expected = SAMPLE.replace('...rest', `...${name('rest')}`).replace(/\{ limit = 3, size \}/, `{ limit: ${name('limit')} = 3, size: ${name('size')} }`)
      .replace('{ size, value, limit: limit }', `{ size: ${name('size')}, value: ${name('value')}, limit: ${name('limit')} }`)
      .replace(/(?<![.\w$])(pick|items|rest|first|third|total|item|error|make|inner|value|size|limit)\b(?!:)/g, (word: string) => name(word));
    expect(code).toBe(expected);
    expect(code).toContain(`${name('item')}.size`);
    expect(code).toContain('break outer;');
    expect(new Set(mapping.values()).size).toBe(mapping.size);
    expect(renameJsIdentifiers(SAMPLE, seededRandom(5))).toBe(code);
  });
});

describe('strip-comments', () => {
  it('removes line, block and JSDoc comments, keeps // inside strings and regular expressions', () => {
    const source = '/**\n * Doc.\n */\nfunction f(a) {\n  // note\n  const url = "http://x"; // trailing\n  return /\\/\\//.test(a) ? url : a; /* end */\n}\n';
    expect(stripJsComments(source)).toBe('function f(a) {\n  const url = "http://x";\n  return /\\/\\//.test(a) ? url : a;\n}\n');
  });
});

describe('prettier and style', () => {
  it('re-prints with prettier: double quotes, semicolons, spacing, redundant parentheses dropped', async () => {
    expect(await reprintWithPrettier("const f = x=>{ return ( x+'a' ) }")).toBe('const f = (x) => {\n  return x + "a";\n};\n');
  });

  it('adds redundant parentheses to return arguments, initialisers and tests', () => {
    expect(addRedundantParentheses('let a = b + 1;\nif (a) {\n  return a * 2;\n}\n', seededRandom(1), 1)).toBe('let a = (b + 1);\nif ((a)) {\n  return (a * 2);\n}\n');
    expect(addRedundantParentheses('let a = b + 1;\n', seededRandom(1), 0)).toBe('let a = b + 1;\n');
  });
});

describe('plantJsCopies', () => {
  const seeds = [1, 2, 3];
  const planting = Promise.all(JS_TRANSFORMATIONS.map(async (transformation) => ({ transformation, copies: await plantJsCopies(SOLUTIONS, transformation, seeds, NEIGHBOURS) })));

  it('is deterministic per seed, and seeded transformations differ between seeds', async () => {
    for (const { transformation, copies } of await planting) {
      expect(await plantJsCopies(SOLUTIONS, transformation, seeds, NEIGHBOURS)).toEqual(copies);
      expect(copies).toHaveLength(SOLUTIONS.length * (JS_SEEDED.has(transformation) ? seeds.length : 1));
      if (JS_SEEDED.has(transformation)) expect(new Set(copies.map((c) => c.code)).size, transformation).toBeGreaterThan(SOLUTIONS.length);
    }
  });

  it('changes what each transformation promises', async () => {
    const byName = new Map((await planting).map(({ transformation, copies }) => [transformation, copies]));
    const get = (name: string): PlantedJsCopy[] => byName.get(name as PlantedJsCopy['transformation']) ?? [];
    const withoutNeighbours = (code: string): string => NEIGHBOURS.reduce((rest, neighbour) => rest.replaceAll(neighbour.trimEnd(), ''), code);
    for (const copy of [...get('rename'), ...get('rename-strip-prettier'), ...get('all')]) {
      const original = SOLUTIONS.find((s) => s.id === copy.id)?.entryPoint ?? '';
      expect(copy.entryPoint).not.toBe(original);
      expect(withoutNeighbours(copy.code)).not.toMatch(new RegExp(`(function|const) ${original}\\b`));
    }
    for (const copy of [...get('strip-comments'), ...get('rename-strip-prettier'), ...get('all')]) expect(withoutNeighbours(copy.code)).not.toMatch(/\/\*|\/\/ /);
    for (const copy of [...get('no-prompt'), ...get('all')]) expect(copy.docstring).toBe('');
    for (const copy of get('prettier')) expect(await reprintWithPrettier(copy.code)).toBe(copy.code);
    expect(get('prettier').filter((copy, i) => copy.code !== get('verbatim')[i]?.code)).toHaveLength(SOLUTIONS.length);
    for (const copy of get('embedded')) expect(copy.code).toContain(SOLUTIONS.find((s) => s.id === copy.id)?.code.trimEnd());
    expect(get('verbatim').map((c) => c.code)).toEqual(SOLUTIONS.map((s) => s.code));
  });

  it('every copy passes its benchmark tests under node', async () => {
    const copies = (await planting).flatMap(({ copies: list }) => list);
    const results = checkInNode(copies.map((copy) => ({ code: copy.code, entryPoint: copy.entryPoint, line: LINE_OF.get(copy.id) ?? {} })));
    expect(copies.flatMap((copy, i) => (results[i] === 'ok' ? [] : [`${copy.transformation} ${copy.id}: ${results[i] ?? ''}\n${copy.code}`]))).toEqual([]);
  });

  it('decontam verdict: the n-gram detector names each copy\'s own problem, alone and combined; unrelated JS is kept', async () => {
    const files = await Promise.all([JS_FILE, 'humaneval-mini', 'mbpp-mini'].map((stem) => readBenchmarkFile(new URL(`${stem}.jsonl`, FIXTURES).pathname, 5)));
    const items = files.flatMap((file) => file.items);
    const index = NgramIndex.build(items.flatMap((item, i) => item.codeUnits.map((code) => ({ item: i, code }))), DEFAULT_NGRAM_N, DEFAULT_MIN_NGRAMS);
    const thresholds = { threshold: DEFAULT_NGRAM_THRESHOLD, minNgrams: DEFAULT_MIN_NGRAMS };
    const missed: string[] = [];
    for (const copy of (await planting).flatMap(({ copies }) => copies)) {
      const found = index.match(copy.code, thresholds).map((m) => items[m.item]?.id);
      if (!found.includes(copy.id)) missed.push(`${copy.transformation} ${copy.id} seed ${copy.seed}: ${found.join(', ')}`);
    }
    expect(missed).toEqual([]);
    for (const unrelated of [...NEIGHBOURS, SAMPLE]) expect(index.match(unrelated, thresholds)).toEqual([]);
  });
});
