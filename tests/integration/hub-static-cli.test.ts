/**
 * Static (model2vec) models by Hub id through the built CLI: the stand-in serves a static model the
 * devkit generates, `embed --model org/name` downloads its files into the HF cache and gives the local
 * folder's vectors (themselves held to an independent reference in embed-static-cli.test.ts), a second
 * run works offline with the server gone, and `tidepool run` takes a static model folder and the Hub id
 * as embed.model.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubSim, type HubSim } from '../../src/devkit/hub-sim/index.js';
import { writeStaticModel } from '../../src/devkit/static-model/index.js';
import { readArrowBatches } from '../../src/store/arrow-file.js';
import { embeddingMatrix } from '../../src/store/embeddings.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/files.js';

let dir: string;
let cleanup: () => Promise<void>;
let data: string;
let model: string;
let sim: HubSim;

async function vectors(out: string): Promise<Float32Array[]> {
  const rows: Float32Array[] = [];
  for await (const batch of readArrowBatches(join(out, 'embeddings.arrow'))) rows.push(embeddingMatrix(batch.getChild('embedding')!).values as Float32Array);
  return rows;
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  const sample = await runCli(['sample', '--rows', '200', '--seed', '5', '--out', join(dir, 'sample.jsonl'), '-q']);
  expect(sample.code, sample.stderr).toBe(0);
  data = join(dir, 'ingested');
  const ingest = await runCli(['ingest', join(dir, 'sample.jsonl'), '--out', data, '-q']);
  expect(ingest.code, ingest.stderr).toBe(0);
  model = join(dir, 'potion-mini');
  await writeStaticModel(model, { mappedRows: 500 });
  sim = await startHubSim({ dir: model, repo: 'org/potion-mini', lfsThreshold: 4096 });
}, 120_000);
afterAll(async () => {
  await sim.close();
  await cleanup();
});

describe('embed --model org/name with a static model on the Hub', () => {
  it('downloads it, embeds as the local folder does, then runs offline with the server gone; tidepool run takes both', async () => {
    const cache = join(dir, 'hf-cache');
    const env = { HF_HUB_CACHE: cache, HF_ENDPOINT: sim.url, HF_TOKEN: '', HF_HUB_OFFLINE: '' };
    const local = await runCli(['embed', '--data', data, '--model', model, '--out', join(dir, 'local'), '--threads', '1', '-q']);
    expect(local.code, local.stderr).toBe(0);
    const hub = await runCli(['embed', '--data', data, '--model', 'org/potion-mini', '--out', join(dir, 'hub'), '--threads', '1', '--json'], { env });
    expect(hub.code, hub.stderr).toBe(0);
    expect(hub.stderr).toContain('downloading model.safetensors');
    expect(hub.stderr).toContain('org/potion-mini@main: a static model (model2vec layout)');
    expect(hub.stderr).toMatch(/static model org\/potion-mini \(model2vec layout/);
    expect((hub.json as { model: string }).model).toMatch(/^static:org\/potion-mini:sha256=/);
    const localVectors = await vectors(join(dir, 'local'));
    expect(localVectors.length).toBeGreaterThan(0);
    expect(await vectors(join(dir, 'hub'))).toEqual(localVectors);
    const manifest = JSON.parse(await readFile(join(dir, 'hub', 'manifest.json'), 'utf8')) as { parameters: { model: Record<string, unknown> } };
    expect(manifest.parameters.model).toMatchObject({ name: 'org/potion-mini', kind: 'static', hub: { repo: 'org/potion-mini', revision: 'main', commit: sim.commit } });

    await sim.close();
    const offline = await runCli(['embed', '--data', data, '--model', 'org/potion-mini', '--out', join(dir, 'offline'), '--threads', '1', '--offline'], { env });
    expect(offline.code, offline.stderr).toBe(0);
    expect(offline.stderr).toContain('(cached)');
    expect(await vectors(join(dir, 'offline'))).toEqual(localVectors);

    for (const [name, embedModel] of [['folder', model], ['hub', 'org/potion-mini']] as const) {
      const pipeline = join(dir, `pipeline-${name}.json`);
      await writeFile(pipeline, JSON.stringify({ work: `work-${name}`, ingest: { inputs: [join(dir, 'sample.jsonl')] }, embed: { model: embedModel, threads: 1 }, select: { k: 10 } }));
      const run = await runCli(['run', pipeline, '-q'], { env: { ...env, HF_HUB_OFFLINE: '1' } });
      expect(run.code, run.stderr).toBe(0);
      expect(await vectors(join(dir, `work-${name}`, 'embed'))).toEqual(localVectors);
    }
  }, 180_000);
});
