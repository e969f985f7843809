/**
 * What the Hugging Face cache holds, read from Python's layout alone (no network): each
 * `models--org--name` folder's refs, snapshots and blob bytes. `tidepool doctor` lists it.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** One model repo in the cache. */
export interface CachedRepo {
  /** `org/name`. */
  repo: string;
  /** The repo's folder. */
  path: string;
  /** Revision name (refs/<name>, e.g. `main`, `pr/1`) -> commit. */
  refs: Record<string, string>;
  /** Commits with a snapshot folder. */
  snapshots: string[];
  /** Bytes of its finished blobs (not `.incomplete` downloads, which {@link CachedRepo.incompleteBytes} counts). */
  bytes: number;
  /** Bytes of unfinished downloads (`blobs/*.incomplete`), resumed by the next download. */
  incompleteBytes: number;
}

/** The cache as a whole. */
export interface HubCacheListing {
  cacheDir: string;
  /** False when the folder does not exist yet (nothing was downloaded). */
  exists: boolean;
  repos: CachedRepo[];
}

async function entries(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}

/** refs/ may nest (`refs/pr/1`): every file under it, named by its path. */
async function readRefs(dir: string, prefix = ''): Promise<Record<string, string>> {
  const refs: Record<string, string> = {};
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) Object.assign(refs, await readRefs(path, `${prefix}${entry.name}/`));
    else if (entry.isFile()) refs[`${prefix}${entry.name}`] = (await readFile(path, 'utf8')).trim();
  }
  return refs;
}

async function blobBytes(dir: string): Promise<{ bytes: number; incompleteBytes: number }> {
  let bytes = 0;
  let incompleteBytes = 0;
  for (const name of await entries(dir)) {
    const size = (await stat(join(dir, name)).catch(() => undefined))?.size ?? 0;
    if (name.endsWith('.incomplete')) incompleteBytes += size;
    else if (!name.endsWith('.lock')) bytes += size;
  }
  return { bytes, incompleteBytes };
}

/** Lists the model repos in `cacheDir` (datasets and spaces, which share the cache, are left out), sorted by repo. */
export async function scanHubCache(cacheDir: string): Promise<HubCacheListing> {
  const exists = (await stat(cacheDir).catch(() => undefined))?.isDirectory() ?? false;
  const repos: CachedRepo[] = [];
  for (const name of (await entries(cacheDir)).sort()) {
    if (!name.startsWith('models--')) continue;
    const path = join(cacheDir, name);
    // huggingface_hub's repo_folder_name joins org and name with `--`.
    const repo = name.slice('models--'.length).split('--').join('/');
    const sizes = await blobBytes(join(path, 'blobs'));
    repos.push({ repo, path, refs: await readRefs(join(path, 'refs')), snapshots: (await entries(join(path, 'snapshots'))).sort(), ...sizes });
  }
  return { cacheDir, exists, repos };
}
