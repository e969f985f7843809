/** The doctor's view of the Hugging Face cache, on a cache laid out by hand in Python's layout. */
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { scanHubCache } from '../../../src/embedders/hub/cache-scan.js';
import { gatherDoctorFacts } from '../../../src/doctor/probe.js';
import { buildDoctorReport, formatDoctorReport } from '../../../src/doctor/report.js';
import { tempDir } from '../../helpers/files.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function scratch(): Promise<string> {
  const { dir, cleanup } = await tempDir();
  cleanups.push(cleanup);
  return dir;
}

const COMMIT_A = 'a'.repeat(40);
const COMMIT_B = 'b'.repeat(40);

/** Two repos as huggingface_hub writes them: blobs, snapshot links, refs (one nested), a partial download; plus a dataset. */
async function handMadeCache(root: string): Promise<string> {
  const cache = join(root, 'hub');
  const mini = join(cache, 'models--sentence-transformers--all-MiniLM-L6-v2');
  await mkdir(join(mini, 'blobs'), { recursive: true });
  await writeFile(join(mini, 'blobs', 'e'.repeat(64)), Buffer.alloc(3000));
  await writeFile(join(mini, 'blobs', 'f'.repeat(40)), Buffer.alloc(100));
  await writeFile(join(mini, 'blobs', `${'d'.repeat(64)}.incomplete`), Buffer.alloc(50));
  for (const commit of [COMMIT_A, COMMIT_B]) {
    await mkdir(join(mini, 'snapshots', commit), { recursive: true });
    await symlink(`../../blobs/${'f'.repeat(40)}`, join(mini, 'snapshots', commit, 'config.json'));
  }
  await mkdir(join(mini, 'refs', 'pr'), { recursive: true });
  await writeFile(join(mini, 'refs', 'main'), COMMIT_A);
  await writeFile(join(mini, 'refs', 'pr', '1'), COMMIT_B);
  const potion = join(cache, 'models--minishlab--potion-base-8M');
  await mkdir(join(potion, 'blobs'), { recursive: true });
  await mkdir(join(potion, 'snapshots', COMMIT_B), { recursive: true });
  await writeFile(join(potion, 'blobs', 'c'.repeat(64)), Buffer.alloc(2048));
  await mkdir(join(cache, 'datasets--org--data', 'blobs'), { recursive: true });
  return cache;
}

describe('scanHubCache', () => {
  it('lists each model repo with its refs (nested ones too), snapshots and blob bytes; datasets left out', async () => {
    const cache = await handMadeCache(await scratch());
    const listing = await scanHubCache(cache);
    expect(listing.exists).toBe(true);
    expect(listing.repos).toEqual([
      { repo: 'minishlab/potion-base-8M', path: join(cache, 'models--minishlab--potion-base-8M'), refs: {}, snapshots: [COMMIT_B], bytes: 2048, incompleteBytes: 0 },
      { repo: 'sentence-transformers/all-MiniLM-L6-v2', path: join(cache, 'models--sentence-transformers--all-MiniLM-L6-v2'), refs: { main: COMMIT_A, 'pr/1': COMMIT_B }, snapshots: [COMMIT_A, COMMIT_B], bytes: 3100, incompleteBytes: 50 },
    ]);
  });

  it('a cache folder that does not exist yet is empty, not an error', async () => {
    const listing = await scanHubCache(join(await scratch(), 'nowhere'));
    expect(listing).toMatchObject({ exists: false, repos: [] });
  });

  it('tidepool doctor prints the location, endpoint and each repo with revisions and size; never the token', async () => {
    const cache = await handMadeCache(await scratch());
    const facts = await gatherDoctorFacts({
      env: {}, platform: 'darwin',
      webgpu: () => Promise.resolve({ loaded: false, error: 'not probed' }),
      onnx: () => Promise.resolve({ loaded: false, error: 'not probed' }),
      hub: { cacheDir: cache, endpoint: 'http://127.0.0.1:9', token: 'hf_secret', offline: true },
    });
    const text = formatDoctorReport(buildDoctorReport(facts));
    expect(text).toContain(`location: ${cache} (HF_HUB_CACHE`);
    expect(text).toContain('endpoint: http://127.0.0.1:9 (offline');
    expect(text).toContain(`- sentence-transformers/all-MiniLM-L6-v2: 3.0 KiB, 50 B in unfinished downloads; revisions: main -> ${'a'.repeat(12)}, pr/1 -> ${'b'.repeat(12)}; snapshots: ${'a'.repeat(12)}, ${'b'.repeat(12)}`);
    expect(text).toContain(`- minishlab/potion-base-8M: 2.0 KiB; revisions: none (commits only); snapshots: ${'b'.repeat(12)}`);
    expect(JSON.stringify(facts)).not.toContain('hf_secret');
    expect(text).not.toContain('hf_secret');
  });
});
