import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runExport } from '../../../src/export/run.js';
import { newManifest, writeManifest, type ManifestFile } from '../../../src/store/manifest.js';
import { ingestInline, readPairs, record, tempDir, writeJsonl } from '../../helpers/files.js';
import { instructionRecord, writeRecords } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('tidepool-export-card-')));
afterEach(async () => cleanup());

function file(path: string): ManifestFile {
  return { path, bytes: 0, sha256: '' };
}

async function stageFolder(name: string, stage: string, inputs: string[], parameters: Record<string, unknown> = {}, counts: Record<string, unknown> = {}): Promise<string> {
  const folder = join(dir, name);
  await mkdir(folder, { recursive: true });
  await writeManifest(folder, newManifest({ stage, parameters, inputs: inputs.map(file), outputs: [], counts, timings: {} }));
  return folder;
}

/**
 * A pipeline on disk: a real ingest of 9 pairs (repos org/repo0..2), embed / select / generate folders
 * with hand-written manifests. Generate's manifest records pairs.arrow relative to `dir` (as a run from
 * `dir` would), so it is found through the folders above the manifest, not the test's cwd.
 */
async function pipeline(): Promise<{ gen: string; expectedRepos: Map<string, number> }> {
  const source = await writeJsonl(join(dir, 'csn.jsonl'), Array.from({ length: 9 }, (_, i) => JSON.stringify(record(i))));
  await ingestInline({ inputs: [source], out: join(dir, 'ingest') });
  const pairs = await readPairs(join(dir, 'ingest', 'pairs.arrow'));
  await stageFolder('embed', 'embed', [join(dir, 'ingest', 'pairs.arrow')], { model: { name: 'hashing', dim: 256 } });
  await writeFile(join(dir, 'embed', 'embeddings.arrow'), '');
  await stageFolder('select', 'select', [join(dir, 'embed', 'embeddings.arrow')], { k: 5, seed: 0 });
  await writeFile(join(dir, 'select', 'coreset.arrow'), '');
  // Records from rows 0..4, two tasks for rows 0 and 1, plus one record whose row is not in pairs.arrow.
  const used = [0, 0, 1, 1, 2, 3, 4];
  const records = used.map((rowId, i) => instructionRecord(i, { task: i % 2 === 0 ? 'generation' : 'repair' }, { rowId: pairs[rowId]!.rowId }));
  records.push(instructionRecord(99, {}, { rowId: 123_456 }));
  const gen = join(dir, 'gen');
  await writeRecords(gen, records);
  await stageFolder('gen', 'generate', ['ingest/pairs.arrow', join(dir, 'select', 'coreset.arrow')], {
    mode: 'codeocean', model: 'gen-model', discriminatorModel: 'judge-model', apiKey: 'sk-must-not-appear', baseURL: 'http://user:hunter2@127.0.0.1:8000/v1', seed: 0,
  }, { accepted: 8 });
  const expectedRepos = new Map<string, number>();
  for (const rowId of used) expectedRepos.set(pairs[rowId]!.repo!, (expectedRepos.get(pairs[rowId]!.repo!) ?? 0) + 1);
  return { gen, expectedRepos };
}

function repoRows(card: string): [string, number][] {
  const section = card.slice(card.indexOf('## Licence notes'), card.indexOf('## Export'));
  return [...section.matchAll(/^\| (org\/\S+) \| (\d+) \|$/gm)].map((m) => [m[1]!, Number(m[2])]);
}

describe('dataset card from the pipeline', () => {
  it('lists every upstream stage once, upstream first, without secrets, and counts source repos', async () => {
    const { gen, expectedRepos } = await pipeline();
    const summary = await runExport({ input: gen, format: 'alpaca', out: join(dir, 'data', 'train.jsonl'), now: () => new Date('2025-05-06T07:08:09Z') });
    expect(summary.card).toBe(join(dir, 'data', 'train.jsonl.card.md'));
    const card = await readFile(summary.card!, 'utf8');
    expect(card).toContain('Made with tidepool (ingest -> embed -> select -> generate)');
    expect(card.match(/^### ingest$/gm)).toHaveLength(1);
    expect(card).toContain('- model: `gen-model`');
    expect(card).toContain('- discriminatorModel: `judge-model`');
    expect(card).toContain('- model: `hashing`');
    expect(card).toContain('- baseURL: `http://127.0.0.1:8000/v1`');
    expect(card).not.toContain('sk-must-not-appear');
    expect(card).not.toContain('hunter2');
    expect(card).toMatch(/Not decontaminated/);
    expect(card).toContain('    path: "train.jsonl"');
    expect(card).toContain('- exported: `2025-05-06T07:08:09.000Z`');
    expect(card).toContain(`${expectedRepos.size} distinct source repositories`);
    expect(card).toContain('found for 7 of 8 records; 1 record names a source row that file does not have');
    expect(new Map(repoRows(card))).toEqual(expectedRepos);
  });

  it('a decontam folder: kept.jsonl is read and its manifest counts shown', async () => {
    const { gen } = await pipeline();
    const kept = (await readFile(join(gen, 'instructions.jsonl'), 'utf8')).split('\n').slice(0, 5).join('\n') + '\n';
    const decontam = await stageFolder('decontam', 'decontam', [join(gen, 'instructions.jsonl')], { benchmarks: ['humaneval', 'mbpp'], ngram: 13 }, {
      kept: 5, removed: 3, removedByBenchmark: { mbpp: 1, humaneval: 2 }, removedByDetector: { 'ngram-13': 3 },
    });
    await writeFile(join(decontam, 'kept.jsonl'), kept);
    const summary = await runExport({ input: decontam, format: 'parquet', out: join(dir, 'data', 'train.parquet') });
    expect(summary.records).toBe(5);
    const card = await readFile(summary.card!, 'utf8');
    expect(card).toContain('Made with tidepool (ingest -> embed -> select -> generate -> decontam)');
    expect(card).not.toMatch(/not decontaminated/i);
    expect(card).toContain('| humaneval | 2 |');
    expect(card).toContain('| ngram-13 | 3 |');
    expect(card).toContain('- benchmarks: `humaneval, mbpp`');
    expect(card).toContain('kept.jsonl of tidepool decontam');
  });

  it('kept.jsonl without a manifest says the decontamination is unknown', async () => {
    await writeRecords(join(dir, 'dc'), [instructionRecord(1)], 'kept.jsonl');
    const summary = await runExport({ input: join(dir, 'dc'), format: 'alpaca', out: join(dir, 'o.jsonl') });
    const card = await readFile(summary.card!, 'utf8');
    expect(card).toContain('its `manifest.json` was not found');
    expect(card).toContain('No stage manifest');
  });

  it('missing upstream folders are simply not listed; unreadable manifests are logged', async () => {
    const { gen } = await pipeline();
    await rm(join(dir, 'select'), { recursive: true });
    const logs: string[] = [];
    const summary = await runExport({ input: gen, format: 'alpaca', out: join(dir, 'o.jsonl'), log: (line) => logs.push(line) });
    expect(await readFile(summary.card!, 'utf8')).toContain('Made with tidepool (ingest -> generate)');
    expect(logs).toHaveLength(1); // only "reading ..."

    const rebuilt = await pipeline();
    await writeFile(join(dir, 'embed', 'manifest.json'), '{ not json');
    const corrupt = await runExport({ input: rebuilt.gen, format: 'alpaca', out: join(dir, 'o.jsonl'), log: (line) => logs.push(line) });
    expect(await readFile(corrupt.card!, 'utf8')).toContain('Made with tidepool (ingest -> select -> generate)');
    expect(logs.some((line) => line.includes(join(dir, 'embed', 'manifest.json')) && line.includes('is not valid JSON'))).toBe(true);

    await writeFile(join(gen, 'manifest.json'), '[]');
    const again = await runExport({ input: gen, format: 'alpaca', out: join(dir, 'o.jsonl'), log: (line) => logs.push(line) });
    expect(logs.some((line) => line.includes('is not a tidepool manifest (not a JSON object)'))).toBe(true);
    expect(await readFile(again.card!, 'utf8')).toContain('No stage manifest');
  });

  it('--card puts the card elsewhere and points configs back at the data; --no-card writes none', async () => {
    await writeRecords(join(dir, 'gen'), [instructionRecord(1)]);
    const summary = await runExport({ input: join(dir, 'gen'), format: 'sharegpt', out: join(dir, 'data', 'train.json'), card: join(dir, 'hub', 'README.md') });
    expect(summary.card).toBe(join(dir, 'hub', 'README.md'));
    expect(await readFile(summary.card!, 'utf8')).toContain('    path: "../data/train.json"');
    const none = await runExport({ input: join(dir, 'gen'), format: 'sharegpt', out: join(dir, 'plain', 'train.jsonl'), card: false });
    expect(none.card).toBeNull();
    await expect(readFile(join(dir, 'plain', 'README.md'))).rejects.toThrow();
  });
});
