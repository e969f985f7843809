/**
 * The verdict of the whole decontam stage (exact + n-gram, as `tidepool decontam --no-embed`) on
 * generated records holding the JavaScript copies: every copy, after each transformation alone and
 * all combined, is removed naming its own benchmark problem; records of unrelated JavaScript are kept.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { JS_TRANSFORMATIONS, jsSolutionOf, plantJsCopies, type JsBenchmarkSolution } from '../../../src/devkit/contamination/index.js';
import { runDecontam } from '../../../src/decontam/run.js';
import type { Contamination } from '../../../src/decontam/verdict.js';
import { readJsonlObjects, tempDir, writeJsonl } from '../../helpers/files.js';

const FIXTURES = new URL('../../fixtures/benchmarks/', import.meta.url).pathname;
const JS_FILE = 'humaneval-x-js-mini';
const SOLUTIONS = readFileSync(join(FIXTURES, `${JS_FILE}.jsonl`), 'utf8').trim().split('\n')
  .map((text) => jsSolutionOf(JS_FILE, JSON.parse(text) as Record<string, unknown>)).filter((s): s is JsBenchmarkSolution => s !== undefined);
const NEIGHBOURS = ['function byteLength(text) {\n  // UTF-8 length\n  return Buffer.byteLength(text, "utf8");\n}\n', 'function clamp(value, low, high) {\n  return Math.min(high, Math.max(low, value));\n}\n'];
const UNRELATED = [
  ...NEIGHBOURS,
  'async function readJson(path) {\n  const text = await fs.promises.readFile(path, "utf8");\n  try {\n    return JSON.parse(text);\n  } catch (error) {\n    throw new Error(`${path}: ${error.message}`);\n  }\n}\n',
  'const debounce = (fn, wait) => {\n  let timer = null;\n  return (...args) => {\n    clearTimeout(timer);\n    timer = setTimeout(() => fn(...args), wait);\n  };\n};\n',
];

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(async () => cleanup());

it('removes every JS copy for its own problem, alone and combined, and keeps unrelated JavaScript', async () => {
  const copies = (await Promise.all(JS_TRANSFORMATIONS.map((t) => plantJsCopies(SOLUTIONS, t, [1, 2], NEIGHBOURS)))).flat();
  const records = [
    ...copies.map((copy, i) => ({ id: `copy-${i}`, task: 't', language: 'javascript', instruction: copy.docstring === '' ? 'Implement this.' : copy.docstring, input: '', output: copy.code, provenance: { rowId: i } })),
    ...UNRELATED.map((code, i) => ({ id: `clean-${i}`, task: 't', language: 'javascript', instruction: 'Write a helper.', input: '', output: code, provenance: { rowId: copies.length + i } })),
  ];
  const input = await writeJsonl(join(dir, 'records.jsonl'), records.map((r) => JSON.stringify(r)));
  const bench = [JS_FILE, 'humaneval-mini', 'mbpp-mini'].map((stem) => join(FIXTURES, `${stem}.jsonl`));
  const summary = await runDecontam({ input, bench, out: join(dir, 'out'), threads: 0, embed: false });
  const removed = await readJsonlObjects<{ id: string; contamination: Contamination[] }>(join(dir, 'out', 'removed.jsonl'));
  const byId = new Map(removed.map((r) => [r.id, r.contamination.map((c) => c.benchmark)]));
  const missed = copies.flatMap((copy, i) => (byId.get(`copy-${i}`)?.includes(copy.id) === true ? [] : [`${copy.transformation} ${copy.id} seed ${copy.seed}: ${(byId.get(`copy-${i}`) ?? []).join(', ')}`]));
  expect(missed).toEqual([]);
  expect(summary).toMatchObject({ records: records.length, removed: copies.length, kept: UNRELATED.length });
});
