import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runDecontam, type DecontamRun, type DecontamSummary } from '../../../src/decontam/run.js';
import type { Contamination } from '../../../src/decontam/verdict.js';
import { writeCoreset } from '../../../src/store/coreset.js';
import { ingestInline, readJsonlObjects, readPairs, tempDir, writeJsonl } from '../../helpers/files.js';
import { BENCHMARKS, RUNNING_MAXIMUM, RUNNING_MAXIMUM_RENAMED, UNRELATED } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(async () => cleanup());

const bench = [join(BENCHMARKS, 'humaneval-mini.jsonl'), join(BENCHMARKS, 'mbpp-mini.jsonl')];

/**
 * A near-paraphrase of MBPP fixture 902: reworded (no shared run of 50 characters) and recoded (too few
 * shared n-grams), but mostly the same words: hashing cosine 0.74 (unrelated records score below 0.2).
 */
const PARAPHRASE = {
  instruction: 'Write a Python function that reverses the order of the words in a given sentence while keeping each word unchanged.',
  output: "def reverse_words(s):\n    words = s.split()\n    return ' '.join(words[::-1])",
};

/** Generated records: clean ones, an exact copy, a renamed copy and a paraphrase. */
const RECORDS = [
  { id: 'clean-1', task: 't', language: 'python', instruction: 'Write a function that reads key=value settings from a file.', input: '', output: UNRELATED, provenance: { rowId: 1 } },
  { id: 'exact', task: 't', language: 'python', instruction: 'Complete this function.', input: '', output: `\`\`\`python\n${RUNNING_MAXIMUM}\`\`\``, provenance: { rowId: 2 } },
  { id: 'renamed', task: 't', language: 'python', instruction: 'Compute the peak of each prefix of a sequence.', input: '', output: RUNNING_MAXIMUM_RENAMED, provenance: { rowId: 3 } },
  { id: 'paraphrase', task: 't', language: 'python', ...PARAPHRASE, input: '', provenance: { rowId: 4 } },
  { id: 'clean-2', task: 't', language: 'python', instruction: 'Explain what this does.', input: 'x = [i * i for i in range(10)]', output: 'It builds the squares of 0 to 9 in a list.', provenance: { rowId: 5 } },
];

async function run(options: Partial<DecontamRun> & { input: string }): Promise<DecontamSummary> {
  return runDecontam({ bench, out: join(dir, 'out'), threads: 0, embedThreshold: 0.7, ...options });
}

async function rejection(promise: Promise<unknown>): Promise<{ code?: string; message: string }> {
  return promise.then(() => ({ message: 'resolved' }), (error: unknown) => error as { code?: string; message: string });
}

type Removed = Record<string, unknown> & { contamination: Contamination[] };

/** Checks that the manifest's counts are those of the files, and returns both. */
async function outputs(out: string, summary: DecontamSummary): Promise<{ kept: Record<string, unknown>[]; removed: Removed[] }> {
  const kept = await readJsonlObjects(join(out, 'kept.jsonl'));
  const removed = await readJsonlObjects<Removed>(join(out, 'removed.jsonl'));
  const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as { stage: string; counts: Record<string, unknown>; outputs: { path: string; rows: number }[]; inputs: { path: string; sha256: string }[] };
  expect(manifest.stage).toBe('decontam');
  const byDetector = { exact: 0, ngram: 0, embedding: 0 };
  const byBenchmark: Record<string, number> = Object.fromEntries(Object.keys(summary.removedByBenchmark).map((stem) => [stem, 0]));
  for (const record of removed) {
    expect(record.contamination.length).toBeGreaterThan(0);
    for (const detector of new Set(record.contamination.map((c) => c.detector))) byDetector[detector]++;
    for (const stem of new Set(record.contamination.map((c) => c.benchmark.split('/')[0]!))) byBenchmark[stem]! += 1;
    for (const c of record.contamination) expect(c.evidence.length).toBeGreaterThan(0);
  }
  expect(manifest.counts).toMatchObject({ records: kept.length + removed.length, kept: kept.length, removed: removed.length, removedByDetector: byDetector, removedByBenchmark: byBenchmark });
  expect(summary).toMatchObject({ records: kept.length + removed.length, kept: kept.length, removed: removed.length, removedByDetector: byDetector, removedByBenchmark: byBenchmark });
  // candidates.jsonl: every removed record is among its lines, marked removed.
  const candidates = (await readFile(join(out, 'candidates.jsonl'), 'utf8')).split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as { removed: boolean });
  expect(candidates.filter((line) => line.removed)).toHaveLength(removed.length);
  expect(manifest.outputs.map((o) => o.rows)).toEqual([kept.length, removed.length, candidates.length]);
  for (const input of manifest.inputs) expect(input.sha256).toMatch(/^[0-9a-f]{64}$/);
  expect((await readdir(out)).sort()).toEqual(['candidates.jsonl', 'kept.jsonl', 'manifest.json', 'removed.jsonl']);
  return { kept, removed };
}

const detectorsOf = (record: Removed | undefined): string[] => [...new Set(record?.contamination.map((c) => c.detector))].sort();

describe('runDecontam on generated records', () => {
  it('each detector catches its planted leak, clean records are kept unchanged, evidence is given', async () => {
    const lines = RECORDS.map((r) => JSON.stringify(r));
    const input = await writeJsonl(join(dir, 'instructions.jsonl'), lines);
    const summary = await run({ input });
    const { kept, removed } = await outputs(join(dir, 'out'), summary);
    expect(summary.input).toBe('generated');
    expect(kept.map((r) => r.id)).toEqual(['clean-1', 'clean-2']);
    expect((await readFile(join(dir, 'out', 'kept.jsonl'), 'utf8')).split('\n')).toEqual([lines[0], lines[4], '']);
    const byId = new Map(removed.map((r) => [r.id, r]));
    expect([...byId.keys()]).toEqual(['exact', 'renamed', 'paraphrase']);
    // The exact copy: the whole HumanEval-style prompt is its evidence.
    const exact = byId.get('exact')!.contamination.find((c) => c.detector === 'exact')!;
    expect(exact).toMatchObject({ benchmark: 'humaneval-mini/Mini/0', score: 1 });
    expect(exact.evidence).toContain('def running_maximum(values: List[int]) -> List[int]:');
    // The renamed copy: n-grams only.
    expect(detectorsOf(byId.get('renamed'))).toEqual(['ngram']);
    expect(byId.get('renamed')!.contamination[0]).toMatchObject({ benchmark: 'humaneval-mini/Mini/0', detector: 'ngram' });
    expect(byId.get('renamed')!.contamination[0]!.evidence).toContain('for item in seq:');
    // The paraphrase: embeddings only.
    expect(detectorsOf(byId.get('paraphrase'))).toEqual(['embedding']);
    const embedding = byId.get('paraphrase')!.contamination[0]!;
    expect(embedding.benchmark).toBe('mbpp-mini/902');
    expect(embedding.score).toBeGreaterThanOrEqual(0.7);
    expect(embedding.evidence).toContain('reverses the order of the words');
    // The removed line is the record unchanged plus its contamination.
    const unchanged: Record<string, unknown> = { ...byId.get('renamed')! };
    delete unchanged.contamination;
    expect(unchanged).toEqual(RECORDS[2]);
    expect(summary).toMatchObject({ detectors: ['exact', 'ngram', 'embedding'], benchmarkItems: { 'humaneval-mini': 5, 'mbpp-mini': 4 } });
    expect(summary.embeddingModel).toMatch(/^hashing-v1:/);
  });

  it('at the default embedding threshold the paraphrase passes, and with --no-embed nothing is embedded', async () => {
    const input = await writeJsonl(join(dir, 'records.jsonl'), RECORDS.map((r) => JSON.stringify(r)));
    const strict = await run({ input, embedThreshold: undefined });
    expect(strict.removedByDetector.embedding).toBeLessThanOrEqual(1); // only the verbatim copy can be that close
    const { removed } = await outputs(join(dir, 'out'), strict);
    expect(removed.map((r) => r.id)).toEqual(['exact', 'renamed']);
    const noEmbed = await run({ input, embed: false });
    expect(noEmbed).toMatchObject({ removed: 2, detectors: ['exact', 'ngram'], embeddingModel: null, removedByDetector: { embedding: 0 } });
    const exactOnly = await run({ input, embed: false, ngram: false });
    expect(exactOnly).toMatchObject({ removed: 1, detectors: ['exact'] });
  });

  it('reads a generate output folder; a line that is not a record is counted and written to rejects.jsonl with file, line and reason', async () => {
    const folder = join(dir, 'generated');
    await mkdir(folder);
    await writeJsonl(join(folder, 'instructions.jsonl'), [JSON.stringify(RECORDS[0]), '', JSON.stringify({ id: 'x', output: 'y' }), '{not json', JSON.stringify(RECORDS[1])]);
    const summary = await run({ input: folder });
    expect(summary).toMatchObject({ records: 2, rejected: 2 });
    expect(summary.kept + summary.removed).toBe(2);
    const rejects = (await readFile(join(dir, 'out', 'rejects.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { file: string; line: number; reason: string; raw: string });
    expect(rejects.map((r) => r.line)).toEqual([3, 4]);
    expect(rejects[0]!.reason).toContain('instructions.jsonl:3: missing field "instruction"');
    expect(rejects[1]!.reason).toContain('not valid JSON');
    expect(rejects[1]!.raw).toBe('{not json');
    const manifest = JSON.parse(await readFile(join(dir, 'out', 'manifest.json'), 'utf8')) as { counts: { rejected: number } };
    expect(manifest.counts.rejected).toBe(2);
  });

  it('refuses options that do not fit the input, listing every problem', async () => {
    const input = await writeJsonl(join(dir, 'records.jsonl'), [JSON.stringify(RECORDS[0])]);
    expect((await rejection(run({ input, coreset: join(dir, 'coreset.arrow') }))).code).toBe('E_USAGE');
    expect((await rejection(run({ input, embeddings: join(dir, 'emb') }))).message).toContain('--embeddings');
    const invalid = await rejection(run({ input, exact: false, ngram: false, embed: false, minExactChars: 3, ngramThreshold: 2 }));
    expect(invalid.code).toBe('E_USAGE');
    expect(invalid.message).toContain('--min-exact-chars');
    expect(invalid.message).toContain('--ngram-threshold');
    expect(invalid.message).toContain('every detector is turned off');
    await writeFile(join(dir, 'manifest.json'), JSON.stringify({ stage: 'generate' }));
    expect((await rejection(run({ input, out: dir }))).message).toContain("is the input's own folder");
    expect((await rejection(run({ input: join(dir, 'nothing') }))).code).toBe('E_INPUT_MISSING');
    expect((await rejection(run({ input: dir }))).code).toBe('E_INPUT_MISSING');
  });
});

describe('runDecontam on pairs', () => {
  /** Ingests clean and leaked pairs; returns the ingest folder and the pairs by func_name. */
  async function ingestPairs(): Promise<{ data: string; ids: Map<string, number> }> {
    const rows = [
      { code: UNRELATED, docstring: 'Reads settings.', language: 'python', func_name: 'clean_a' },
      { code: RUNNING_MAXIMUM_RENAMED, docstring: 'Peaks of prefixes.', language: 'python', func_name: 'renamed' },
      { code: 'def second_smallest(numbers):\n    unique = sorted(set(numbers))\n    if len(unique) < 2:\n        return None\n    return unique[1]', docstring: 'Second smallest.', language: 'python', func_name: 'mbpp_copy' },
      { code: 'function add(a, b) {\n  return a + b;\n}', docstring: 'Adds two numbers.', language: 'javascript', func_name: 'clean_b' },
    ];
    await writeJsonl(join(dir, 'pairs.jsonl'), rows.map((r) => JSON.stringify(r)));
    const data = join(dir, 'ingested');
    await ingestInline({ inputs: [join(dir, 'pairs.jsonl')], out: data });
    const pairs = await readPairs(join(data, 'pairs.arrow'));
    return { data, ids: new Map(pairs.map((p) => [p.funcName!, p.rowId])) };
  }

  it('checks every pair and writes {row_id, language, docstring, code}', async () => {
    const { data, ids } = await ingestPairs();
    const summary = await run({ input: data, embed: false });
    const { kept, removed } = await outputs(join(dir, 'out'), summary);
    expect(summary.input).toBe('pairs');
    expect(kept).toEqual([
      { row_id: ids.get('clean_a'), language: 'python', docstring: 'Reads settings.', code: UNRELATED },
      { row_id: ids.get('clean_b'), language: 'javascript', docstring: 'Adds two numbers.', code: 'function add(a, b) {\n  return a + b;\n}' },
    ]);
    expect(removed.map((r) => [r.row_id, detectorsOf(r)])).toEqual([[ids.get('renamed'), ['ngram']], [ids.get('mbpp_copy'), ['exact', 'ngram']]]);
    expect(Object.keys(removed[0]!).sort()).toEqual(['code', 'contamination', 'docstring', 'language', 'row_id']);
    // The pairs.arrow file itself is an input too.
    expect((await run({ input: join(data, 'pairs.arrow'), embed: false })).removed).toBe(2);
  });

  it('with --coreset checks only the coreset rows, and a coreset row missing from the pairs is an error', async () => {
    const { data, ids } = await ingestPairs();
    const coreset = join(dir, 'coreset.arrow');
    await writeCoreset(coreset, [ids.get('clean_b')!, ids.get('renamed')!], [Infinity, 0.5]);
    const summary = await run({ input: data, coreset, embed: false });
    const { kept, removed } = await outputs(join(dir, 'out'), summary);
    expect(summary).toMatchObject({ input: 'coreset', records: 2, kept: 1, removed: 1 });
    expect(kept.map((r) => r.row_id)).toEqual([ids.get('clean_b')]);
    expect(removed.map((r) => r.row_id)).toEqual([ids.get('renamed')]);
    await writeCoreset(coreset, [ids.get('clean_b')!, 999], [Infinity, 0.5]);
    const error = await rejection(run({ input: data, coreset, embed: false }));
    expect(error.code).toBe('E_INPUT_MISSING');
    expect(error.message).toContain('999');
  });

  it('embeds pairs as docstring + code with the hashing model', async () => {
    const { data } = await ingestPairs();
    const row = { code: PARAPHRASE.output, docstring: PARAPHRASE.instruction, language: 'python' };
    await writeFile(join(dir, 'more.jsonl'), `${JSON.stringify(row)}\n`);
    await ingestInline({ inputs: [join(dir, 'pairs.jsonl'), join(dir, 'more.jsonl')], out: data });
    const summary = await run({ input: data, exact: false, ngram: false });
    const { removed } = await outputs(join(dir, 'out'), summary);
    // The verbatim MBPP code scores high too (under another docstring); the clean pairs do not.
    expect(removed.map((r) => [r.code, detectorsOf(r)])).toEqual([[expect.stringContaining('def second_smallest'), ['embedding']], [row.code, ['embedding']]]);
    expect(summary.kept).toBe(3);
  });
});
