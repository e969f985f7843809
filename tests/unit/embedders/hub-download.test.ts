/**
 * Hub downloads against the local stand-in (src/devkit/hub-sim) serving the project's own model:
 * Python's cache layout, only the needed files, offline reuse, resume, corruption, auth and 404s.
 */
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHubSim, type HubSim } from '../../../src/devkit/hub-sim/index.js';
import { resolveHubModel } from '../../../src/embedders/hub/resolve.js';
import type { HubSettings } from '../../../src/embedders/hub/settings.js';

const MODEL_DIR = join(import.meta.dirname, '..', '..', '..', 'native-models', 'tidepool-mini-bert');
const NEEDED = ['1_Pooling/config.json', 'config.json', 'modules.json', 'onnx/model.onnx', 'sentence_bert_config.json', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json'];

let scratch: string;
let sim: HubSim;
const sims: HubSim[] = [];

async function freshCache(): Promise<string> {
  return mkdtemp(join(scratch, 'cache-'));
}

function settings(cacheDir: string, extra: Partial<HubSettings> = {}): HubSettings {
  return { cacheDir, endpoint: sim.url, token: undefined, offline: false, ...extra };
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'tidepool-hub-'));
  sim = await startHubSim({ dir: MODEL_DIR, repo: 'tidepool/mini-bert' });
});
afterEach(async () => {
  sim.corrupt(undefined);
  sim.requests.length = 0;
  for (const extra of sims.splice(0)) await extra.close();
});
afterAll(async () => {
  await sim.close();
  await rm(scratch, { recursive: true, force: true });
});

describe('resolveHubModel downloading from a Hub', () => {
  it("writes Python's layout: blobs named by ETag, relative snapshot links, refs/main; only the model's files", async () => {
    const cacheDir = await freshCache();
    const resolved = await resolveHubModel('tidepool/mini-bert', settings(cacheDir));
    const root = join(cacheDir, 'models--tidepool--mini-bert');
    expect(resolved).toMatchObject({ repo: 'tidepool/mini-bert', revision: 'main', commit: sim.commit, dir: join(root, 'snapshots', sim.commit) });
    expect(resolved.downloaded.sort()).toEqual(NEEDED);
    expect(await readFile(join(root, 'refs', 'main'), 'utf8')).toBe(sim.commit);
    for (const file of NEEDED) {
      const served = sim.files.find((entry) => entry.path === file);
      if (served === undefined) throw new Error(`the stand-in lacks ${file}`);
      const etag = served.bytes.length >= 65536 ? served.sha256 : served.gitSha1;
      const depth = file.split('/').length - 1;
      expect(await readlink(join(resolved.dir, file))).toBe(`${'../'.repeat(depth + 2)}blobs/${etag}`);
      expect(sha256(await readFile(join(resolved.dir, file)))).toBe(sha256(await readFile(join(MODEL_DIR, file))));
    }
    expect((await readdir(join(root, 'blobs'))).length).toBe(NEEDED.length);
    const fetchedPaths = sim.requests.filter((request) => request.method === 'GET').map((request) => request.path);
    for (const unneeded of ['README.md', 'vocab.txt', 'config_sentence_transformers.json']) expect(fetchedPaths.some((path) => path.endsWith(unneeded))).toBe(false);
    // The two large files came through the LFS redirect.
    expect(fetchedPaths.filter((path) => path.startsWith('/lfs/')).length).toBe(2);
  });

  it('a second resolution uses the cache and no network, even with the server gone', async () => {
    const cacheDir = await freshCache();
    const other = await startHubSim({ dir: MODEL_DIR, repo: 'tidepool/mini-bert' });
    await resolveHubModel('tidepool/mini-bert', { cacheDir, endpoint: other.url, token: undefined, offline: false });
    await other.close();
    const again = await resolveHubModel('tidepool/mini-bert', { cacheDir, endpoint: other.url, token: undefined, offline: false });
    expect(again).toMatchObject({ commit: other.commit, downloaded: [] });
    const offline = await resolveHubModel(`tidepool/mini-bert@${other.commit}`, { cacheDir, endpoint: 'http://127.0.0.1:9', token: undefined, offline: true });
    expect(offline.dir).toBe(again.dir);
  });

  it('resumes a cut-off download with a Range request and ends with the right bytes', async () => {
    const cacheDir = await freshCache();
    sim.cutNextBody('onnx/model.onnx', 1000);
    const failure = await resolveHubModel('tidepool/mini-bert', settings(cacheDir)).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'E_HUB_DOWNLOAD' });
    expect((failure as Error).message).toMatch(/run the same command again/i);
    const blobs = join(cacheDir, 'models--tidepool--mini-bert', 'blobs');
    const partial = (await readdir(blobs)).find((name) => name.endsWith('.incomplete'));
    expect(partial === undefined ? 0 : (await stat(join(blobs, partial))).size).toBe(1000);
    sim.requests.length = 0;
    const resolved = await resolveHubModel('tidepool/mini-bert', settings(cacheDir));
    const ranged = sim.requests.filter((request) => request.range !== undefined);
    expect(ranged.length).toBe(1);
    expect(ranged[0]?.range).toBe('bytes=1000-');
    for (const file of NEEDED) expect(sha256(await readFile(join(resolved.dir, file)))).toBe(sha256(await readFile(join(MODEL_DIR, file))));
  });

  it('detects a corrupted download by its ETag, removes it, and a rerun succeeds', async () => {
    const cacheDir = await freshCache();
    sim.corrupt('onnx/model.onnx');
    const failure = await resolveHubModel('tidepool/mini-bert', settings(cacheDir)).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'E_HUB_DOWNLOAD', details: { file: 'onnx/model.onnx', repo: 'tidepool/mini-bert' } });
    expect((failure as Error).message).toMatch(/corrupted/);
    const blobs = await readdir(join(cacheDir, 'models--tidepool--mini-bert', 'blobs'));
    expect(blobs.some((name) => name.endsWith('.incomplete'))).toBe(false);
    sim.corrupt(undefined);
    const resolved = await resolveHubModel('tidepool/mini-bert', settings(cacheDir));
    expect(sha256(await readFile(join(resolved.dir, 'onnx', 'model.onnx')))).toBe(sha256(await readFile(join(MODEL_DIR, 'onnx', 'model.onnx'))));
  });

  it('detects a corrupted partial file left by another run (resume cannot fix it)', async () => {
    const cacheDir = await freshCache();
    const onnx = sim.files.find((file) => file.path === 'onnx/model.onnx');
    if (onnx === undefined) throw new Error('no onnx');
    const blobs = join(cacheDir, 'models--tidepool--mini-bert', 'blobs');
    await mkdir(blobs, { recursive: true });
    await writeFile(join(blobs, `${onnx.sha256}.incomplete`), Buffer.alloc(5000, 7));
    await expect(resolveHubModel('tidepool/mini-bert', settings(cacheDir))).rejects.toMatchObject({ code: 'E_HUB_DOWNLOAD' });
    await expect(resolveHubModel('tidepool/mini-bert', settings(cacheDir))).resolves.toMatchObject({ commit: sim.commit });
  });
});

describe('resolveHubModel offline', () => {
  it('finds a cache laid out by hand in Python\'s layout (refs/main -> snapshot -> ../../blobs)', async () => {
    const cacheDir = await freshCache();
    const commit = 'a'.repeat(40);
    const root = join(cacheDir, 'models--org--hand-made');
    await mkdir(join(root, 'refs'), { recursive: true });
    await writeFile(join(root, 'refs', 'main'), commit);
    await mkdir(join(root, 'blobs'), { recursive: true });
    for (const file of NEEDED) {
      const bytes = await readFile(join(MODEL_DIR, file));
      await writeFile(join(root, 'blobs', sha256(bytes)), bytes);
      const link = join(root, 'snapshots', commit, file);
      await mkdir(join(link, '..'), { recursive: true });
      await symlink(`${'../'.repeat(file.split('/').length + 1)}blobs/${sha256(bytes)}`, link);
    }
    const resolved = await resolveHubModel('org/hand-made', { cacheDir, endpoint: 'http://127.0.0.1:9', token: undefined, offline: true });
    expect(resolved).toMatchObject({ commit, dir: join(root, 'snapshots', commit), downloaded: [] });
    expect(sha256(await readFile(join(resolved.dir, 'onnx', 'model.onnx')))).toBe(sha256(await readFile(join(MODEL_DIR, 'onnx', 'model.onnx'))));
  });

  it('names the repo, revision and missing file, and never calls the network', async () => {
    const cacheDir = await freshCache();
    const commit = 'b'.repeat(40);
    const snapshot = join(cacheDir, 'models--org--partial', 'snapshots', commit);
    await mkdir(snapshot, { recursive: true });
    await cp(join(MODEL_DIR, 'config.json'), join(snapshot, 'config.json'));
    await mkdir(join(cacheDir, 'models--org--partial', 'refs'));
    await writeFile(join(cacheDir, 'models--org--partial', 'refs', 'main'), commit);
    const offline = { cacheDir, endpoint: sim.url, token: undefined, offline: true };
    const failure = await resolveHubModel('org/partial', offline).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'E_MODEL_MISSING' });
    expect((failure as Error).message).toMatch(/org\/partial@main .*tokenizer\.json, model\.onnx or onnx\/model\.onnx/);
    await expect(resolveHubModel('org/absent@v2', offline)).rejects.toThrow(/no snapshot of org\/absent@v2/);
    expect(sim.requests).toEqual([]);
  });
});

describe('resolveHubModel errors', () => {
  it('401 from a gated repo says to accept the licence and set HF_TOKEN; the token opens it', async () => {
    const gated = await startHubSim({ dir: MODEL_DIR, repo: 'org/gated', token: 'hf_secret' });
    sims.push(gated);
    const base = { cacheDir: await freshCache(), endpoint: gated.url, offline: false };
    const failure = await resolveHubModel('org/gated', { ...base, token: undefined }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'E_HUB_AUTH', details: { repo: 'org/gated', revision: 'main', status: 401 } });
    expect((failure as Error).message).toMatch(/gated.*licence.*HF_TOKEN/s);
    await expect(resolveHubModel('org/gated', { ...base, token: 'hf_secret' })).resolves.toMatchObject({ commit: gated.commit });
    // The token is sent, never stored.
    const cached = await readdir(join(base.cacheDir, 'models--org--gated', 'blobs'));
    for (const name of cached) expect((await readFile(join(base.cacheDir, 'models--org--gated', 'blobs', name))).includes('hf_secret')).toBe(false);
  });

  it('404 says whether the repo or the revision is missing', async () => {
    const cacheDir = await freshCache();
    const unknownRepo = await resolveHubModel('org/nope', settings(cacheDir)).catch((error: unknown) => error);
    expect(unknownRepo).toMatchObject({ code: 'E_MODEL_MISSING', details: { repo: 'org/nope' } });
    expect((unknownRepo as Error).message).toMatch(/has no model repo org\/nope/);
    await expect(resolveHubModel('tidepool/mini-bert@v9', settings(cacheDir))).rejects.toThrow(/tidepool\/mini-bert has no revision "v9"/);
  });

  it('a repo without an ONNX file gets the export recipe', async () => {
    const bare = join(scratch, 'no-onnx');
    await mkdir(bare, { recursive: true });
    for (const file of ['config.json', 'tokenizer.json']) await cp(join(MODEL_DIR, file), join(bare, file));
    const noOnnx = await startHubSim({ dir: bare, repo: 'org/pytorch-only' });
    sims.push(noOnnx);
    const failure = await resolveHubModel('org/pytorch-only', { cacheDir: await freshCache(), endpoint: noOnnx.url, token: undefined, offline: false }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'E_MODEL_MISSING' });
    expect((failure as Error).message).toMatch(/no ONNX export.*optimum-cli export onnx --model org\/pytorch-only/s);
  });

  it('an unreachable Hub names the endpoint and suggests --offline', async () => {
    await expect(resolveHubModel('org/name', { cacheDir: await freshCache(), endpoint: 'http://127.0.0.1:9', token: undefined, offline: false })).rejects.toMatchObject({ code: 'E_HUB_UNREACHABLE', message: expect.stringMatching(/127\.0\.0\.1:9.*--offline/s) as unknown });
  });
});
