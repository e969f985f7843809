/**
 * `--model org/name` end to end: the built CLI downloads the project's model from a local Hub
 * stand-in into an HF cache, embeds with it exactly as with the local folder, then works offline from
 * that cache with the server gone; `tidepool run` takes the same id as `embed.model`.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubSim, type HubSim } from '../../src/devkit/hub-sim/index.js';
import { readArrowBatches } from '../../src/store/arrow-file.js';
import { embeddingMatrix } from '../../src/store/embeddings.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/files.js';
import { BENCHMARKS } from '../unit/decontam/helpers.js';

const MODEL_DIR = join(import.meta.dirname, '..', '..', 'native-models', 'tidepool-mini-bert');
const MBPP = join(BENCHMARKS, 'mbpp-mini.jsonl');

let dir: string;
let cleanup: () => Promise<void>;
let data: string;
let sim: HubSim;

async function vectors(out: string): Promise<Float32Array> {
  const parts: Float32Array[] = [];
  for await (const batch of readArrowBatches(join(out, 'embeddings.arrow'))) {
    const matrix = embeddingMatrix(batch.getChild('embedding')!);
    parts.push(matrix.values as Float32Array);
  }
  const all = new Float32Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    all.set(part, at);
    at += part.length;
  }
  return all;
}

/** Every regular file under the folders (snapshot links are skipped: their blobs are read where they are). */
async function readdirRecursive(folders: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const folder of folders) {
    for (const entry of await readdir(folder, { withFileTypes: true, recursive: true })) if (entry.isFile()) files.push(join(entry.parentPath, entry.name));
  }
  return files;
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  const sample = await runCli(['sample', '--rows', '120', '--seed', '3', '--out', join(dir, 'sample.jsonl'), '-q']);
  expect(sample.code, sample.stderr).toBe(0);
  data = join(dir, 'ingested');
  const ingest = await runCli(['ingest', join(dir, 'sample.jsonl'), '--out', data, '-q']);
  expect(ingest.code, ingest.stderr).toBe(0);
  sim = await startHubSim({ dir: MODEL_DIR, repo: 'tidepool/mini-bert' });
}, 120_000);
afterAll(async () => {
  await sim.close();
  await cleanup();
});

describe('embed --model org/name through the Hugging Face cache', () => {
  it('downloads into HF_HUB_CACHE, embeds as the local folder does, then runs offline with the server gone', async () => {
    const cache = join(dir, 'hf-cache');
    const env = { HF_HUB_CACHE: cache, HF_ENDPOINT: sim.url, HF_TOKEN: '', HF_HUB_OFFLINE: '' };
    const local = await runCli(['embed', '--data', data, '--model', MODEL_DIR, '--out', join(dir, 'local'), '--device', 'cpu', '--threads', '1', '-q']);
    expect(local.code, local.stderr).toBe(0);
    const hub = await runCli(['embed', '--data', data, '--model', 'tidepool/mini-bert', '--out', join(dir, 'hub'), '--device', 'cpu', '--threads', '1'], { env });
    expect(hub.code, hub.stderr).toBe(0);
    expect(hub.stderr).toContain('downloading onnx/model.onnx');
    expect(hub.stderr).toMatch(/100\.0% \| hub: onnx\/model\.onnx: \S+ B \| \S+ B\/s \| ETA 0s/);
    expect(await vectors(join(dir, 'hub'))).toEqual(await vectors(join(dir, 'local')));
    const manifest = JSON.parse(await readFile(join(dir, 'hub', 'manifest.json'), 'utf8')) as { parameters: { model: Record<string, unknown> } };
    expect(manifest.parameters.model).toMatchObject({ name: 'tidepool/mini-bert', hub: { repo: 'tidepool/mini-bert', revision: 'main', commit: sim.commit } });
    expect(await readFile(join(cache, 'models--tidepool--mini-bert', 'refs', 'main'), 'utf8')).toBe(sim.commit);

    const offline = await runCli(['embed', '--data', data, '--model', 'tidepool/mini-bert', '--out', join(dir, 'offline'), '--device', 'cpu', '--threads', '1', '--offline'], { env: { ...env, HF_ENDPOINT: 'http://127.0.0.1:9' } });
    expect(offline.code, offline.stderr).toBe(0);
    expect(offline.stderr).toContain('(cached)');
    expect(await vectors(join(dir, 'offline'))).toEqual(await vectors(join(dir, 'local')));

    // -q: the download happens, with no progress lines.
    const quiet = await runCli(['embed', '--data', data, '--model', 'tidepool/mini-bert', '--out', join(dir, 'quiet'), '--device', 'cpu', '--threads', '1', '-q'], { env: { ...env, HF_HUB_CACHE: join(dir, 'hf-cache-quiet') } });
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stderr).not.toContain('hub: ');
    expect(await readFile(join(dir, 'hf-cache-quiet', 'models--tidepool--mini-bert', 'refs', 'main'), 'utf8')).toBe(sim.commit);
  }, 120_000);

  it('offline with an empty cache: exit 1 naming the repo, revision and the cache', async () => {
    const result = await runCli(['embed', '--data', data, '--model', 'tidepool/mini-bert@v1', '--out', join(dir, 'none'), '-q'], { env: { HF_HUB_CACHE: join(dir, 'empty-cache'), HF_HUB_OFFLINE: '1', HF_ENDPOINT: sim.url } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/offline .*empty-cache has no snapshot of tidepool\/mini-bert@v1/s);
  });

  it('decontam --model org/name finds what the local folder finds (offline, from the cache)', async () => {
    // The model's weights are random, so unrelated code scores high: 0.5 flags some rows, and the comparison is not of two empty results.
    const args = (model: string, out: string): string[] => ['decontam', '--input', data, '--bench', MBPP, '--out', join(dir, out), '--model', model, '--device', 'cpu', '--no-exact', '--no-ngram', '--embed-threshold', '0.5', '--threads', '1', '--json', '-q'];
    const local = await runCli(args(MODEL_DIR, 'decontam-local'));
    expect(local.code, local.stderr).toBe(0);
    const hub = await runCli(args('tidepool/mini-bert', 'decontam-hub'), { env: { HF_HUB_CACHE: join(dir, 'hf-cache'), HF_HUB_OFFLINE: '1' } });
    expect(hub.code, hub.stderr).toBe(0);
    const pick = (json: unknown): unknown => {
      const { kept, removed, removedByDetector } = json as Record<string, unknown>;
      return { kept, removed, removedByDetector };
    };
    expect((local.json as { removed: number }).removed).toBeGreaterThan(0);
    expect(pick(hub.json)).toEqual(pick(local.json));
    expect((hub.json as { embeddingModel: string }).embeddingModel).toMatch(/^onnx:tidepool\/mini-bert:sha256=/);
  }, 120_000);

  it('a gated repo: 401 says to accept the licence and set HF_TOKEN; with the token it works and the token is in no file', async () => {
    const gated = await startHubSim({ dir: MODEL_DIR, repo: 'org/gated', token: 'hf_secret_token' });
    try {
      const cache = join(dir, 'gated-cache');
      const args = ['embed', '--data', data, '--model', 'org/gated', '--out', join(dir, 'gated'), '--device', 'cpu', '--threads', '1', '-q'];
      const refused = await runCli(args, { env: { HF_HUB_CACHE: cache, HF_ENDPOINT: gated.url, HF_TOKEN: '', HF_HUB_OFFLINE: '' } });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/org\/gated@main .*HTTP 401.*gated.*licence.*HF_TOKEN/s);
      const allowed = await runCli(args, { env: { HF_HUB_CACHE: cache, HF_ENDPOINT: gated.url, HF_TOKEN: 'hf_secret_token', HF_HUB_OFFLINE: '' } });
      expect(allowed.code, allowed.stderr).toBe(0);
      expect(allowed.stderr).not.toContain('hf_secret_token');
      const written = await readdirRecursive([join(dir, 'gated'), cache]);
      expect(written.length).toBeGreaterThan(8);
      for (const file of written) expect((await readFile(file)).includes('hf_secret_token'), file).toBe(false);
    } finally {
      await gated.close();
    }
  }, 120_000);

  it('--variant NAME downloads that ONNX file only, runs it, and names it in the manifest', async () => {
    // The variant files hold the fp32 bytes, so the right vectors are the local folder's.
    const variants = await startHubSim({ dir: MODEL_DIR, repo: 'org/variants', aliases: { 'onnx/model_qint8_avx512_vnni.onnx': 'onnx/model.onnx', 'onnx/model_quint8_avx2.onnx': 'onnx/model.onnx', 'onnx/model_O2.onnx': 'onnx/model.onnx' } });
    try {
      const env = { HF_HUB_CACHE: join(dir, 'variants-cache'), HF_ENDPOINT: variants.url, HF_TOKEN: '', HF_HUB_OFFLINE: '' };
      const result = await runCli(['embed', '--data', data, '--model', 'org/variants', '--variant', 'qint8_avx512_vnni', '--out', join(dir, 'variant'), '--device', 'cpu', '--threads', '1'], { env });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain('downloading onnx/model_qint8_avx512_vnni.onnx');
      expect(result.stderr).toContain('ONNX variant qint8_avx512_vnni (onnx/model_qint8_avx512_vnni.onnx): variant qint8_avx512_vnni was requested');
      const onnxRequested = new Set(variants.requests.map((request) => /\/resolve\/[^/]+\/(.+\.onnx)$/.exec(request.path)?.[1]).filter((file) => file !== undefined));
      expect([...onnxRequested]).toEqual(['onnx/model_qint8_avx512_vnni.onnx']);
      const manifest = JSON.parse(await readFile(join(dir, 'variant', 'manifest.json'), 'utf8')) as { parameters: { model: Record<string, unknown> } };
      expect(manifest.parameters.model).toMatchObject({ name: 'org/variants', variant: 'qint8_avx512_vnni', hub: { repo: 'org/variants', commit: variants.commit } });
      expect(await vectors(join(dir, 'variant'))).toEqual(await vectors(join(dir, 'local')));
      const missing = await runCli(['embed', '--data', data, '--model', 'org/variants', '--variant', 'fp16', '--out', join(dir, 'no-fp16'), '--device', 'cpu', '-q'], { env });
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain(`org/variants@main (commit ${variants.commit}) has no ONNX variant "fp16"`);
      expect(missing.stderr).toContain('fp32 (onnx/model.onnx), O2 (onnx/model_O2.onnx), qint8_avx512_vnni (onnx/model_qint8_avx512_vnni.onnx), quint8_avx2 (onnx/model_quint8_avx2.onnx)');
    } finally {
      await variants.close();
    }
  }, 120_000);

  it('tidepool run accepts a Hub id as embed.model', async () => {
    const pipeline = join(dir, 'pipeline.json');
    await writeFile(pipeline, JSON.stringify({ work: 'work', ingest: { inputs: [join(dir, 'sample.jsonl')] }, embed: { model: 'tidepool/mini-bert', device: 'cpu', threads: 1 } }));
    const result = await runCli(['run', pipeline, '-q'], { env: { HF_HUB_CACHE: join(dir, 'hf-cache'), HF_HUB_OFFLINE: '1' } });
    expect(result.code, result.stderr).toBe(0);
    expect(await vectors(join(dir, 'work', 'embed'))).toEqual(await vectors(join(dir, 'local')));
  }, 120_000);
});
