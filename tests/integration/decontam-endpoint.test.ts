/**
 * decontam with remote embedding servers (src/devkit/embed-sim): `decontam --model NAME --endpoint URL`
 * embeds records and benchmark items with the server's vectors; `--embeddings` made by `embed --endpoint`
 * needs the same model (servers given again; another name or dimension is refused, naming both); and a
 * pipeline file with `embed.endpoint` and `decontam.endpoint` runs end to end, the key coming from the
 * environment only. Expected verdicts are computed here from simVector, by brute force.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPipeline } from '../../src/cli/run-pipeline.js';
import { simVector, startEmbedServer, type EmbedServer } from '../../src/devkit/embed-sim/index.js';
import { readArrowBatches } from '../../src/store/arrow-file.js';
import { pairRowAt } from '../../src/store/pairs.js';
import { runCli } from '../helpers/cli.js';
import { readJsonlObjects, tempDir } from '../helpers/files.js';
import { BENCHMARKS } from '../unit/decontam/helpers.js';

const MBPP = join(BENCHMARKS, 'mbpp-mini.jsonl');
/** Few dimensions and a low threshold, so that some unrelated texts pass it too: the flagged set is not only the planted copy. */
const DIM = 8;
const THRESHOLD = 0.8;
const KEY = 'sk-tidepool-decontam-secret-42';
const env = { OPENAI_API_KEY: KEY };

let dir: string;
let cleanup: () => Promise<void>;
let data: string;
let sim: EmbedServer;
/** Pair texts as decontam embeds them (`docstring\ncode`), by row_id. */
const pairTexts = new Map<number, string>();
let leakRow = -1;
/** MBPP items as decontam embeds them (`text\ncode`), by benchmark id. */
let items: { id: string; text: string }[];

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  const mbpp = (await readFile(MBPP, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { task_id: number; text: string; code: string });
  items = mbpp.map((item) => ({ id: `mbpp-mini/${item.task_id}`, text: `${item.text}\n${item.code}` }));
  const copied = mbpp.find((item) => item.task_id === 903)!;
  const sample = await runCli(['sample', '--rows', '600', '--seed', '3', '--out', join(dir, 'sample.jsonl'), '-q']);
  expect(sample.code, sample.stderr).toBe(0);
  await writeFile(join(dir, 'leak.jsonl'), `${JSON.stringify({ language: 'python', func_name: 'leak_copy', docstring: copied.text, code: copied.code })}\n`);
  data = join(dir, 'ingested');
  const ingest = await runCli(['ingest', join(dir, 'sample.jsonl'), join(dir, 'leak.jsonl'), '--out', data, '-q']);
  expect(ingest.code, ingest.stderr).toBe(0);
  for await (const batch of readArrowBatches(join(data, 'pairs.arrow'))) {
    for (let i = 0; i < batch.numRows; i++) {
      const row = pairRowAt(batch, i);
      pairTexts.set(row.rowId, `${row.docstring}\n${row.code}`);
      if (row.funcName === 'leak_copy') leakRow = row.rowId;
    }
  }
  expect(leakRow).toBeGreaterThanOrEqual(0);
  sim = await startEmbedServer({ dim: DIM, model: 'sim-embed', requireApiKey: KEY });
}, 120_000);
afterAll(async () => {
  await sim.close();
  await cleanup();
});

/** Cosine in float64 of the server's (unit, fp32) vectors of two texts. */
function simCosine(a: string, b: string): number {
  const x = simVector(a, DIM);
  const y = simVector(b, DIM);
  let dot = 0;
  for (let i = 0; i < DIM; i++) dot += x[i]! * y[i]!;
  return dot;
}

/** Which texts some benchmark item reaches THRESHOLD with, by brute force over the server's vectors. */
function expectedFlagged<K>(texts: ReadonlyMap<K, string>): K[] {
  return [...texts].filter(([, text]) => items.some((item) => simCosine(text, item.text) >= THRESHOLD)).map(([key]) => key);
}

/** Every file under `root`, recursively. */
async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

async function expectNoKeyUnder(root: string): Promise<void> {
  for (const file of await filesUnder(root)) expect((await readFile(file)).includes(KEY), file).toBe(false);
}

type Removed = { row_id: number; contamination: { detector: string; benchmark: string; score: number }[] };

const EMBED_ONLY = ['--bench', MBPP, '--no-exact', '--no-ngram', '--embed-threshold', String(THRESHOLD), '--json', '-q'];

describe('decontam with remote embedding servers', () => {
  it('--model NAME --endpoint URL: records and items get the server\'s vectors; the flagged set is the one computed from them', async () => {
    const out = join(dir, 'remote');
    const result = await runCli(['decontam', '--input', data, '--out', out, '--model', 'sim-embed', '--endpoint', sim.baseURL, '--endpoint-batch', '16', ...EMBED_ONLY], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout.trim().split('\n').at(-1)!)).toMatchObject({ embeddingModel: `endpoint:sim-embed:dim=${DIM}` });
    const removed = await readJsonlObjects<Removed>(join(out, 'removed.jsonl'));
    const flagged = expectedFlagged(pairTexts);
    expect(flagged.length).toBeGreaterThan(1);
    expect(removed.map((record) => record.row_id).sort((a, b) => a - b)).toEqual(flagged.sort((a, b) => a - b));
    const copy = removed.find((record) => record.row_id === leakRow)!;
    expect(copy.contamination[0]).toMatchObject({ detector: 'embedding', benchmark: 'mbpp-mini/903' });
    expect(copy.contamination[0]!.score).toBeGreaterThan(0.9999);
    // Every benchmark item went to the server as decontam embeds it.
    const sent = new Set(sim.requests.flatMap((request) => request.inputs));
    for (const item of items) expect(sent.has(item.text)).toBe(true);
    await expectNoKeyUnder(out);
  }, 120_000);

  it('--embeddings from `embed --endpoint`: the same model is asked for, a missing --endpoint says what to pass, another model or dimension is refused naming both', async () => {
    const embedded = join(dir, 'embedded');
    const embed = await runCli(['embed', '--data', data, '--model', 'sim-embed', '--endpoint', sim.baseURL, '--out', embedded, '-q'], { env });
    expect(embed.code, embed.stderr).toBe(0);

    const out = join(dir, 'stored');
    const stored = await runCli(['decontam', '--input', data, '--out', out, '--embeddings', embedded, '--endpoint', sim.baseURL, ...EMBED_ONLY], { env });
    expect(stored.code, stored.stderr).toBe(0);
    const removed = await readJsonlObjects<Removed>(join(out, 'removed.jsonl'));
    expect(removed.map((record) => record.row_id).sort((a, b) => a - b)).toEqual(expectedFlagged(pairTexts).sort((a, b) => a - b));

    const bare = await runCli(['decontam', '--input', data, '--out', join(dir, 'bare'), '--embeddings', embedded, ...EMBED_ONLY], { env });
    expect(bare.code).toBe(1);
    expect(bare.stderr).toContain(`was embedded on remote servers with model sim-embed (${DIM} dimensions; endpoint:sim-embed:dim=${DIM})`);
    expect(bare.stderr).toContain('pass --endpoint URL of a server that serves sim-embed');
    expect(bare.stderr).not.toContain('names no model');

    const otherName = await runCli(['decontam', '--input', data, '--out', join(dir, 'other-name'), '--embeddings', embedded, '--model', 'other-embed', '--endpoint', sim.baseURL, ...EMBED_ONLY], { env });
    expect(otherName.code).toBe(1);
    expect(otherName.stderr).toContain(`embedded with endpoint model sim-embed (endpoint:sim-embed:dim=${DIM}), but --model other-embed was given`);

    const wider = await startEmbedServer({ dim: 12, model: 'sim-embed', requireApiKey: KEY });
    try {
      const otherDim = await runCli(['decontam', '--input', data, '--out', join(dir, 'other-dim'), '--embeddings', embedded, '--endpoint', wider.baseURL, ...EMBED_ONLY], { env });
      expect(otherDim.code).toBe(1);
      expect(otherDim.stderr).toContain(`was embedded with endpoint:sim-embed:dim=${DIM}, but the servers given (${wider.baseURL}) answer endpoint:sim-embed:dim=12`);
    } finally {
      await wider.close();
    }
  }, 180_000);

  it('a pipeline file with embed.endpoint and decontam.endpoint runs end to end; the key comes from the environment and reaches no file', async () => {
    const file = join(dir, 'remote-pipeline.json');
    const server = { endpoint: sim.baseURL, concurrency: 2, endpointBatch: 16 };
    await writeFile(file, JSON.stringify({
      work: 'remote-work',
      sample: { rows: 400, seed: 8 },
      ingest: {},
      embed: { model: 'sim-embed', ...server },
      select: { k: 12 },
      generate: { llm: 'scripted', limit: 6, concurrency: 2 },
      decontam: { bench: [MBPP], model: 'sim-embed', ...server, exact: false, ngram: false, embedThreshold: THRESHOLD },
    }));
    const before = sim.requests.length;
    const summary = await runPipeline({ file }, { ...process.env, ...env });
    expect(summary.stages.map((stage) => stage.status)).toEqual(['ran', 'ran', 'ran', 'ran', 'ran', 'ran']);
    const work = join(dir, 'remote-work');
    const embedManifest = await readFile(join(work, 'embed', 'manifest.json'), 'utf8');
    expect(embedManifest).toContain(`"kind": "endpoint"`);
    // The generated records decontam checked, and the verdicts the server's vectors give them.
    const records = [...await readJsonlObjects<{ instruction: string; input?: string; output: string }>(join(work, 'generate', 'instructions.jsonl'))];
    const texts = new Map(records.map((record, i) => [i, [record.instruction, record.input ?? '', record.output].filter((part) => part !== '').join('\n')]));
    const removed = await readJsonlObjects<{ instruction: string }>(join(work, 'decontam', 'removed.jsonl'));
    expect(removed.map((record) => record.instruction).sort()).toEqual(expectedFlagged(texts).map((i) => records[i]!.instruction).sort());
    const sent = new Set(sim.requests.slice(before).flatMap((request) => request.inputs));
    for (const item of items) expect(sent.has(item.text)).toBe(true);
    for (const text of texts.values()) expect(sent.has(text)).toBe(true);
    await expectNoKeyUnder(work);
    expect((await readFile(file, 'utf8')).includes(KEY)).toBe(false);
  }, 240_000);
});
