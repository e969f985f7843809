/**
 * Two processes downloading the same repo into one HF cache at once (two `tidepool embed` runs started
 * together, say): each blob is written by one of them and fetched once, the other waits on the blob's
 * lock (src/embedders/hub/blob-lock.ts) and links the finished blob. The children are plain Node
 * processes calling the built resolveHubModel (dist/), against the stand-in with latency so that their
 * downloads overlap.
 */
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubSim, type HubSim } from '../../src/devkit/hub-sim/index.js';
import { tempDir } from '../helpers/files.js';

const ROOT = join(import.meta.dirname, '..', '..');
const MODEL_DIR = join(ROOT, 'native-models', 'tidepool-mini-bert');
const NEEDED = ['1_Pooling/config.json', 'config.json', 'modules.json', 'onnx/model.onnx', 'sentence_bert_config.json', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json'];
const RESOLVE = pathToFileURL(join(ROOT, 'dist', 'embedders', 'hub', 'resolve.js')).href;

/** A child that resolves the repo and prints its pid and downloaded files as JSON; log lines go to stderr. */
const CHILD = `
const { resolveHubModel } = await import(process.env.RESOLVE);
const settings = { cacheDir: process.env.CACHE, endpoint: process.env.ENDPOINT, token: undefined, offline: false };
const resolved = await resolveHubModel('tidepool/mini-bert', settings, { log: (line) => process.stderr.write(line + '\\n') });
process.stdout.write(JSON.stringify({ pid: process.pid, dir: resolved.dir, downloaded: resolved.downloaded }));
`;

interface ChildResult {
  code: number | null;
  stderr: string;
  result: { pid: number; dir: string; downloaded: string[] } | undefined;
}

function runChild(env: Record<string, string>): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => { resolve({ code, stderr, result: code === 0 ? (JSON.parse(stdout) as ChildResult['result']) : undefined }); });
  });
}

let dir: string;
let cleanup: () => Promise<void>;
let sim: HubSim;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  sim = await startHubSim({ dir: MODEL_DIR, repo: 'tidepool/mini-bert', latencyMs: 300 });
});
afterAll(async () => {
  await sim.close();
  await cleanup();
});

describe('two processes downloading one repo into one cache', () => {
  it('fetch each file once between them, one waits on the other\'s lock, both end with the right snapshot', async () => {
    const cache = join(dir, 'hf-cache');
    const env = { RESOLVE, CACHE: cache, ENDPOINT: sim.url };
    const [first, second] = await Promise.all([runChild(env), runChild(env)]);
    expect(first.code, first.stderr).toBe(0);
    expect(second.code, second.stderr).toBe(0);
    const a = first.result!;
    const b = second.result!;
    expect(b.dir).toBe(a.dir);
    const downloaded = [...a.downloaded, ...b.downloaded].sort();
    expect(downloaded).toEqual(NEEDED);
    // No body twice: small files from /resolve/, large ones through the redirect to /lfs/.
    const gets = sim.requests.filter((request) => request.method === 'GET' && !request.path.startsWith('/api/')).map((request) => request.path);
    expect(new Set(gets).size).toBe(gets.length);
    // The overlap happened: one child waited for the other's pid.
    const waits = [[first, b.pid], [second, a.pid]] as const;
    expect(waits.some(([child, otherPid]) => child.stderr.includes(`waiting for pid ${otherPid} `))).toBe(true);
    for (const file of NEEDED) expect((await readFile(join(a.dir, file))).equals(await readFile(join(MODEL_DIR, file)))).toBe(true);
    const blobs = await readdir(join(cache, 'models--tidepool--mini-bert', 'blobs'));
    expect(blobs.filter((name) => name.endsWith('.incomplete'))).toEqual([]);
    expect(await readdir(join(cache, '.locks', 'models--tidepool--mini-bert'))).toEqual([]);
  }, 120_000);
});
