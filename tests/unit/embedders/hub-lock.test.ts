/**
 * One writer per blob: two downloads of the same repo into one cache at once, a dead holder's lock
 * taken over, a live holder waited for (bounded) and a finished blob seen while waiting.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubSim, type HubSim } from '../../../src/devkit/hub-sim/index.js';
import { acquireBlobLock } from '../../../src/embedders/hub/blob-lock.js';
import { resolveHubModel } from '../../../src/embedders/hub/resolve.js';
import type { HubSettings } from '../../../src/embedders/hub/settings.js';

const MODEL_DIR = join(import.meta.dirname, '..', '..', '..', 'native-models', 'tidepool-mini-bert');
const NEEDED = ['1_Pooling/config.json', 'config.json', 'modules.json', 'onnx/model.onnx', 'sentence_bert_config.json', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json'];

let scratch: string;
let sim: HubSim;

function settings(cacheDir: string): HubSettings {
  return { cacheDir, endpoint: sim.url, token: undefined, offline: false };
}

/** The bytes' name as the Hub gives it: SHA-256 for large (LFS) files, git's blob SHA-1 for small ones. */
function blobName(bytes: Buffer): string {
  return bytes.length >= 65536 ? createHash('sha256').update(bytes).digest('hex') : createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'tidepool-hub-lock-'));
  sim = await startHubSim({ dir: MODEL_DIR, repo: 'tidepool/mini-bert' });
});
afterAll(async () => {
  await sim.close();
  await rm(scratch, { recursive: true, force: true });
});

describe('blob locks', () => {
  it('two concurrent downloads of one repo into one cache: every file fetched once, correct blobs, no error, no lock left', async () => {
    const cacheDir = await mkdtemp(join(scratch, 'cache-'));
    sim.requests.length = 0;
    const lines: string[] = [];
    const [first, second] = await Promise.all([
      resolveHubModel('tidepool/mini-bert', settings(cacheDir), { log: (line) => lines.push(line) }),
      resolveHubModel('tidepool/mini-bert', settings(cacheDir), { log: (line) => lines.push(line) }),
    ]);
    expect(second.dir).toBe(first.dir);
    const downloaded = [...first.downloaded, ...second.downloaded].sort();
    expect(new Set(downloaded).size).toBe(downloaded.length);
    expect(downloaded).toEqual(NEEDED);
    // Small files come from /resolve/, large ones through a redirect to /lfs/: no path twice.
    const gets = sim.requests.filter((request) => request.method === 'GET' && !request.path.startsWith('/api/')).map((request) => request.path);
    expect(gets.length).toBeGreaterThanOrEqual(NEEDED.length);
    expect(new Set(gets).size).toBe(gets.length);
    for (const file of downloaded) {
      const served = sim.files.find((entry) => entry.path === file);
      if (served === undefined) throw new Error(`the stand-in lacks ${file}`);
      const onDisk = await readFile(join(first.dir, file));
      expect(onDisk.equals(served.bytes)).toBe(true);
      expect(blobName(onDisk)).toBe(served.bytes.length >= 65536 ? served.sha256 : served.gitSha1);
    }
    const blobs = await readdir(join(cacheDir, 'models--tidepool--mini-bert', 'blobs'));
    expect(blobs.filter((name) => name.endsWith('.incomplete'))).toEqual([]);
    expect(await readdir(join(cacheDir, '.locks', 'models--tidepool--mini-bert'))).toEqual([]);
    expect(lines.some((line) => line.startsWith('waiting for pid '))).toBe(true);
  });

  it("takes over a lock whose holder is a dead process on this host, and Python's empty leftover lock", async () => {
    const cacheDir = await mkdtemp(join(scratch, 'cache-'));
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    const onnx = sim.files.find((entry) => entry.path === 'onnx/model.onnx');
    const config = sim.files.find((entry) => entry.path === 'config.json');
    if (onnx === undefined || config === undefined) throw new Error('the stand-in lacks its model files');
    const locks = join(cacheDir, '.locks', 'models--tidepool--mini-bert');
    await mkdir(locks, { recursive: true });
    await writeFile(join(locks, `${onnx.sha256}.lock`), JSON.stringify({ pid: dead, host: hostname() }));
    await writeFile(join(locks, `${config.gitSha1}.lock`), '');
    const resolved = await resolveHubModel('tidepool/mini-bert', settings(cacheDir));
    expect(resolved.downloaded).toContain('onnx/model.onnx');
    expect(resolved.downloaded).toContain('config.json');
    expect(await readdir(locks)).toEqual([]);
  });

  it('a live holder is waited for, bounded: E_HUB_LOCKED names the holder and the lock; a blob finished meanwhile ends the wait', async () => {
    const lockPath = join(await mkdtemp(join(scratch, 'lock-')), 'blob.lock');
    await writeFile(lockPath, JSON.stringify({ pid: process.pid, host: 'another-host' }));
    const lines: string[] = [];
    const error = await acquireBlobLock(lockPath, 'model.onnx of org/name@main', { waitMs: 300, pollMs: 50, log: (line) => lines.push(line) }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'E_HUB_LOCKED', details: { lock: lockPath, holder: { pid: process.pid, host: 'another-host' } } });
    expect((error as Error).message).toContain(`model.onnx of org/name@main is still being downloaded by pid ${process.pid} on another-host`);
    expect(lines).toEqual([`waiting for pid ${process.pid} on another-host, which is downloading model.onnx of org/name@main (lock ${lockPath})`]);
    let checks = 0;
    const none = await acquireBlobLock(lockPath, 'model.onnx', { pollMs: 20, done: () => Promise.resolve((checks += 1) >= 3) });
    expect(none).toBeUndefined();
    expect(await readFile(lockPath, 'utf8')).toContain('another-host');
  });
});
