/**
 * Which files a Hub download fetches: the ONNX variant `--variant` chooses (variants.ts's rule over the
 * repo's file list) and only it, a static (model2vec / StaticEmbedding) repo's files, and offline the
 * choice among the files the cached snapshot has. The stand-in (src/devkit/hub-sim) serves the project's
 * model with variant files holding the fp32 bytes, so the requests say which files were asked for.
 */
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CpuFeatures } from '../../../src/backends/cpu-features.js';
import { startHubSim, type HubSim } from '../../../src/devkit/hub-sim/index.js';
import { writeStaticModel } from '../../../src/devkit/static-model/index.js';
import { isStaticMetadata, planModelFiles, staticMetadataFiles } from '../../../src/embedders/hub/model-files.js';
import { resolveHubModel } from '../../../src/embedders/hub/resolve.js';
import { resolveEmbedModel } from '../../../src/embedders/model.js';
import { resolveModelOptions } from '../../../src/embedders/options.js';
import type { HubSettings } from '../../../src/embedders/hub/settings.js';
import type { VariantTarget } from '../../../src/embedders/onnx/variants.js';

const MODEL_DIR = join(import.meta.dirname, '..', '..', '..', 'native-models', 'tidepool-mini-bert');
const VARIANT_FILES = ['onnx/model_O2.onnx', 'onnx/model_qint8_avx512_vnni.onnx', 'onnx/model_qint8_avx512.onnx', 'onnx/model_quint8_avx2.onnx', 'onnx/model_qint8_arm64.onnx'];
const ST_REPO = ['README.md', 'config.json', 'modules.json', 'tokenizer.json', 'tokenizer_config.json', '1_Pooling/config.json', 'model.safetensors', 'onnx/model.onnx', ...VARIANT_FILES, 'openvino/openvino_model.xml'];
const XENOVA_REPO = ['config.json', 'tokenizer.json', 'onnx/model.onnx', 'onnx/model_fp16.onnx', 'onnx/model_quantized.onnx'];

function cpu(arch: string, ...flags: string[]): VariantTarget {
  return { device: 'cpu', cpu: { arch, flags } satisfies CpuFeatures };
}
const VNNI = cpu('x64', 'avx2', 'avx512f', 'avx512_vnni');

let scratch: string;
let sim: HubSim;

function settings(cacheDir: string, extra: Partial<HubSettings> = {}): HubSettings {
  return { cacheDir, endpoint: sim.url, token: undefined, offline: false, ...extra };
}

/** The repo files a run asked for (HEAD or GET of /resolve/), without the /api listing and the LFS hops. */
function requestedFiles(server: HubSim): string[] {
  const files = server.requests.map((request) => /^\/[^/]+\/[^/]+\/resolve\/[^/]+\/(.+)$/.exec(request.path)?.[1]).filter((file): file is string => file !== undefined);
  return [...new Set(files)].sort();
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'tidepool-hub-variants-'));
  sim = await startHubSim({ dir: MODEL_DIR, repo: 'tidepool/mini-bert', aliases: Object.fromEntries(VARIANT_FILES.map((file) => [file, 'onnx/model.onnx'])) });
});
afterEach(() => {
  sim.requests.length = 0;
});
afterAll(async () => {
  await sim.close();
  await rm(scratch, { recursive: true, force: true });
});

describe('planModelFiles over a repo file list', () => {
  it('auto takes the int8 file for this CPU family, fp16 on a GPU, fp32 without flags; the configs always', () => {
    expect(planModelFiles(ST_REPO, { target: VNNI })).toMatchObject({ kind: 'onnx', onnx: 'onnx/model_qint8_avx512_vnni.onnx', files: ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'modules.json', '1_Pooling/config.json', 'onnx/model_qint8_avx512_vnni.onnx'] });
    expect(planModelFiles(ST_REPO, { target: cpu('x64', 'avx512f') })).toMatchObject({ onnx: 'onnx/model_qint8_avx512.onnx' });
    expect(planModelFiles(ST_REPO, { target: cpu('x64', 'avx2') })).toMatchObject({ onnx: 'onnx/model_quint8_avx2.onnx' });
    expect(planModelFiles(ST_REPO, { target: cpu('arm64') })).toMatchObject({ onnx: 'onnx/model_qint8_arm64.onnx' });
    expect(planModelFiles(ST_REPO, { target: cpu('x64') })).toMatchObject({ onnx: 'onnx/model.onnx' });
    expect(planModelFiles(ST_REPO)).toMatchObject({ onnx: 'onnx/model.onnx' });
    expect(planModelFiles(XENOVA_REPO, { target: { device: 'webgpu', cpu: { arch: 'x64', flags: [] } } })).toMatchObject({ onnx: 'onnx/model_fp16.onnx' });
    // A repo without the CPU's int8 file: the fp32 model, never Xenova's generic quantized export.
    expect(planModelFiles(XENOVA_REPO, { target: VNNI })).toMatchObject({ onnx: 'onnx/model.onnx' });
    expect(planModelFiles(XENOVA_REPO, { variant: 'quantized' })).toMatchObject({ onnx: 'onnx/model_quantized.onnx' });
    expect(planModelFiles(['config.json', 'tokenizer.json', 'onnx/model_O2.onnx', 'onnx/model_O2.onnx_data'], { variant: 'O2' })).toMatchObject({ files: ['config.json', 'tokenizer.json', 'onnx/model_O2.onnx', 'onnx/model_O2.onnx_data'] });
  });

  it('a named variant the repo lacks throws naming the place and the variants it has', () => {
    let failure: unknown;
    try {
      planModelFiles(XENOVA_REPO, { variant: 'qint8_arm64' }, 'org/x@main (commit abc)');
    } catch (error) {
      failure = error;
    }
    expect(failure).toMatchObject({ code: 'E_MODEL_MISSING', details: { variant: 'qint8_arm64', available: ['fp32', 'fp16', 'quantized'] } });
    expect((failure as Error).message).toContain('org/x@main (commit abc) has no ONNX variant "qint8_arm64"');
    expect((failure as Error).message).toContain('fp32 (onnx/model.onnx), fp16 (onnx/model_fp16.onnx), quantized (onnx/model_quantized.onnx)');
  });

  it('a repo with no ONNX file: static layouts by their files, anything else nothing', () => {
    expect(planModelFiles(['README.md', 'config.json', 'model.safetensors', 'modules.json', 'tokenizer.json'])).toEqual({ kind: 'static', layout: 'model2vec', files: ['model.safetensors', 'tokenizer.json', 'config.json', 'modules.json'], confirm: ['config.json', 'modules.json'] });
    expect(planModelFiles(['0_StaticEmbedding/model.safetensors', '0_StaticEmbedding/tokenizer.json', 'config_sentence_transformers.json', 'modules.json', 'README.md'])).toEqual({ kind: 'static', layout: 'sentence-transformers', files: ['0_StaticEmbedding/model.safetensors', '0_StaticEmbedding/tokenizer.json', 'modules.json', 'config_sentence_transformers.json'], confirm: [] });
    expect(planModelFiles(['model.safetensors', 'tokenizer.json'])).toEqual({ kind: 'none', files: [] });
    expect(planModelFiles(['config.json', 'tokenizer.json', 'pytorch_model.bin'])).toEqual({ kind: 'none', files: [] });
  });

  it('a model2vec repo with an ONNX export too: static once its metadata says so, the ONNX file otherwise', () => {
    const repo = ['config.json', 'model.safetensors', 'modules.json', 'tokenizer.json', 'onnx/model.onnx', 'onnx/model_quantized.onnx'];
    expect(staticMetadataFiles(repo)).toEqual(['config.json', 'modules.json']);
    expect(planModelFiles(repo, { target: VNNI }, 'org/potion', true)).toMatchObject({ kind: 'static', layout: 'model2vec', files: ['model.safetensors', 'tokenizer.json', 'config.json', 'modules.json'] });
    expect(planModelFiles(repo, { target: VNNI }, 'org/potion', false)).toMatchObject({ kind: 'onnx', onnx: 'onnx/model.onnx' });
    expect(planModelFiles(repo, { target: VNNI })).toMatchObject({ kind: 'onnx', onnx: 'onnx/model.onnx' });
    expect(staticMetadataFiles(XENOVA_REPO)).toEqual([]);
    expect(planModelFiles(['config.json', 'model.safetensors', 'tokenizer.json'], {}, 'org/bert', false)).toEqual({ kind: 'none', files: [] });
  });

  it('isStaticMetadata: model2vec config, StaticModel architecture or a StaticEmbedding module; a BERT config is not', () => {
    expect(isStaticMetadata({ model_type: 'model2vec' }, undefined)).toBe(true);
    expect(isStaticMetadata({ architectures: ['StaticModel'] }, undefined)).toBe(true);
    expect(isStaticMetadata(undefined, [{ type: 'sentence_transformers.models.StaticEmbedding' }])).toBe(true);
    expect(isStaticMetadata({ model_type: 'bert', architectures: ['BertModel'] }, [{ type: 'sentence_transformers.models.Transformer' }])).toBe(false);
  });
});

describe('resolveHubModel fetches the chosen variant only', () => {
  it('auto on an AVX-512 VNNI CPU requests the vnni file and no other ONNX file', async () => {
    const cacheDir = await mkdtemp(join(scratch, 'cache-'));
    const resolved = await resolveHubModel('tidepool/mini-bert', settings(cacheDir), { target: VNNI });
    expect(resolved).toMatchObject({ kind: 'onnx', commit: sim.commit, notes: [expect.stringContaining('ONNX variant qint8_avx512_vnni (onnx/model_qint8_avx512_vnni.onnx): auto') as unknown] });
    const onnxRequested = requestedFiles(sim).filter((file) => file.endsWith('.onnx'));
    expect(onnxRequested).toEqual(['onnx/model_qint8_avx512_vnni.onnx']);
    expect(await readdir(join(resolved.dir, 'onnx'))).toEqual(['model_qint8_avx512_vnni.onnx']);
    expect(resolved.downloaded).toContain('onnx/model_qint8_avx512_vnni.onnx');
    // A second run on the same CPU needs no network.
    sim.requests.length = 0;
    await expect(resolveHubModel('tidepool/mini-bert', settings(cacheDir, { endpoint: 'http://127.0.0.1:9' }), { target: VNNI })).resolves.toMatchObject({ downloaded: [], notes: [] });
  });

  it('a named variant missing from the repo: E_MODEL_MISSING naming repo, revision and the variants, before any file', async () => {
    const failure = await resolveHubModel('tidepool/mini-bert', settings(await mkdtemp(join(scratch, 'cache-'))), { variant: 'fp16' }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'E_MODEL_MISSING', details: { variant: 'fp16' } });
    expect((failure as Error).message).toContain(`tidepool/mini-bert@main (commit ${sim.commit}) has no ONNX variant "fp16"`);
    expect((failure as Error).message).toContain('fp32 (onnx/model.onnx), O2 (onnx/model_O2.onnx), qint8_arm64 (onnx/model_qint8_arm64.onnx)');
    expect(requestedFiles(sim)).toEqual([]);
  });

  it('offline, auto picks among the ONNX files the snapshot has and says so; a named one it lacks is missing', async () => {
    const cacheDir = await mkdtemp(join(scratch, 'cache-'));
    await resolveHubModel('tidepool/mini-bert', settings(cacheDir), { variant: 'quint8_avx2' });
    const offline = settings(cacheDir, { offline: true, endpoint: 'http://127.0.0.1:9' });
    const picked = await resolveHubModel('tidepool/mini-bert', offline, { target: VNNI });
    expect(picked.notes).toEqual([`--variant auto chose quint8_avx2 among the ONNX files cached for tidepool/mini-bert@main (quint8_avx2); if the repo has qint8_avx512_vnni, pass --variant qint8_avx512_vnni to fetch it`]);
    const missing = await resolveHubModel('tidepool/mini-bert', offline, { variant: 'qint8_arm64' }).catch((error: unknown) => error);
    expect(missing).toMatchObject({ code: 'E_MODEL_MISSING' });
    expect((missing as Error).message).toMatch(/offline .* without the ONNX variant qint8_arm64 \(model_qint8_arm64\.onnx\)/s);
    // With network, the named variant is fetched into the same snapshot.
    sim.requests.length = 0;
    const fetched = await resolveHubModel('tidepool/mini-bert', settings(cacheDir), { variant: 'qint8_arm64' });
    expect(requestedFiles(sim).filter((file) => file.endsWith('.onnx'))).toEqual(['onnx/model_qint8_arm64.onnx']);
    expect((await readdir(join(fetched.dir, 'onnx'))).sort()).toEqual(['model_qint8_arm64.onnx', 'model_quint8_avx2.onnx']);
  });
});

describe('resolveHubModel with static models', () => {
  it('downloads a model2vec repo\'s files (not the README), as a static model; offline a second time', async () => {
    const folder = join(scratch, 'static-model2vec');
    await writeStaticModel(folder);
    await cp(join(MODEL_DIR, 'README.md'), join(folder, 'README.md'));
    const server = await startHubSim({ dir: folder, repo: 'org/potion-mini', lfsThreshold: 4096 });
    try {
      const cacheDir = await mkdtemp(join(scratch, 'cache-'));
      const resolved = await resolveHubModel('org/potion-mini', settings(cacheDir, { endpoint: server.url }));
      expect(resolved).toMatchObject({ kind: 'static', commit: server.commit, notes: ['org/potion-mini@main: a static model (model2vec layout)'] });
      expect(resolved.downloaded.sort()).toEqual(['config.json', 'model.safetensors', 'modules.json', 'tokenizer.json']);
      expect(requestedFiles(server)).toEqual(['config.json', 'model.safetensors', 'modules.json', 'tokenizer.json']);
      for (const file of resolved.downloaded) expect(sha(await readFile(join(resolved.dir, file)))).toBe(sha(await readFile(join(folder, file))));
      await server.close();
      const again = await resolveHubModel('org/potion-mini', settings(cacheDir, { endpoint: server.url, offline: true }));
      expect(again).toMatchObject({ kind: 'static', dir: resolved.dir, downloaded: [] });
    } finally {
      await server.close();
    }
  });

  it('a model2vec repo that also ships an ONNX export is downloaded as the static model, with no ONNX file', async () => {
    const folder = join(scratch, 'static-with-onnx');
    await writeStaticModel(folder);
    // The ONNX files are stand-ins (the safetensors bytes): they must never be requested.
    const server = await startHubSim({ dir: folder, repo: 'org/potion-onnx', aliases: { 'onnx/model.onnx': 'model.safetensors', 'onnx/model_qint8_avx512_vnni.onnx': 'model.safetensors' } });
    try {
      const cacheDir = await mkdtemp(join(scratch, 'cache-'));
      const resolved = await resolveHubModel('org/potion-onnx', settings(cacheDir, { endpoint: server.url }), { target: VNNI, variant: 'qint8_avx512_vnni' });
      expect(resolved).toMatchObject({ kind: 'static', notes: ['org/potion-onnx@main: a static model (model2vec layout)', 'org/potion-onnx@main is a static model, which has no ONNX variants: --variant qint8_avx512_vnni does not apply'] });
      expect(requestedFiles(server)).toEqual(['config.json', 'model.safetensors', 'modules.json', 'tokenizer.json']);
      await expect(resolveHubModel('org/potion-onnx', settings(cacheDir, { endpoint: server.url, offline: true }), { target: VNNI })).resolves.toMatchObject({ kind: 'static', downloaded: [], notes: [] });
    } finally {
      await server.close();
    }
  });

  it('downloads a sentence-transformers StaticEmbedding repo (0_StaticEmbedding/)', async () => {
    const folder = join(scratch, 'static-st');
    await writeStaticModel(folder, { layout: 'sentence-transformers' });
    const server = await startHubSim({ dir: folder, repo: 'org/static-st' });
    try {
      const resolved = await resolveHubModel('org/static-st', settings(await mkdtemp(join(scratch, 'cache-')), { endpoint: server.url }));
      expect(resolved).toMatchObject({ kind: 'static' });
      expect(resolved.downloaded.sort()).toEqual(['0_StaticEmbedding/model.safetensors', '0_StaticEmbedding/tokenizer.json', 'config_sentence_transformers.json', 'modules.json']);
    } finally {
      await server.close();
    }
  });

  it('a transformers repo with model.safetensors but no ONNX file: its config decides, the weights are never fetched', async () => {
    const folder = join(scratch, 'pytorch-only');
    await writeStaticModel(folder);
    // The project's BERT config and modules (a Transformer module), over the static files' names.
    for (const file of ['config.json', 'modules.json']) await cp(join(MODEL_DIR, file), join(folder, file));
    const server = await startHubSim({ dir: folder, repo: 'org/bert-safetensors' });
    try {
      const failure = await resolveHubModel('org/bert-safetensors', settings(await mkdtemp(join(scratch, 'cache-')), { endpoint: server.url })).catch((error: unknown) => error);
      expect(failure).toMatchObject({ code: 'E_MODEL_MISSING' });
      expect((failure as Error).message).toMatch(/no ONNX export .*not a static \(model2vec\) model.*optimum-cli export onnx --model org\/bert-safetensors/s);
      expect(requestedFiles(server)).toEqual(['config.json', 'modules.json']);
    } finally {
      await server.close();
    }
  });

  it('a relative path a/b that exists nowhere is tried as a Hub id, and the error also says no such folder exists', async () => {
    const hub = settings(await mkdtemp(join(scratch, 'cache-')));
    const missing = await resolveEmbedModel(resolveModelOptions({ model: 'no-such-org/no-such-model', device: 'cpu', hub }), undefined).catch((error: unknown) => error);
    expect(missing).toMatchObject({ code: 'E_MODEL_MISSING' });
    expect((missing as Error).message).toMatch(/Hub has no model repo no-such-org\/no-such-model.*taken for a Hub id because no folder \/.*no-such-org\/no-such-model exists/s);
    const offline = await resolveEmbedModel(resolveModelOptions({ model: 'no-such-org/no-such-model', device: 'cpu', hub: { ...hub, offline: true } }), undefined).catch((error: unknown) => error);
    expect((offline as Error).message).toMatch(/offline .*no folder .* exists/s);
  });
});

function sha(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
