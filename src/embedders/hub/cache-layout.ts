/**
 * Python huggingface_hub's cache layout for one model repo:
 * `models--org--name/blobs/<etag>`, `snapshots/<commit>/<path>` (a relative symlink to the blob) and
 * `refs/<revision>` (the commit, no newline). Keeping it exact lets Python and tidepool share downloads.
 */
import { lstat, mkdir, readFile, readlink, rename, symlink, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { COMMIT_PATTERN } from './repo-id.js';

/** The paths of one repo inside the cache. */
export interface RepoCache {
  root: string;
  blobs: string;
  snapshots: string;
  refs: string;
  /** huggingface_hub's lock folder for this repo: `<cache>/.locks/models--org--name`. */
  locks: string;
}

/** The folder of `org/name`: `models--org--name`, as huggingface_hub's repo_folder_name. */
export function repoCache(cacheDir: string, repo: string): RepoCache {
  const folder = `models--${repo.split('/').join('--')}`;
  const root = join(cacheDir, folder);
  return { root, blobs: join(root, 'blobs'), snapshots: join(root, 'snapshots'), refs: join(root, 'refs'), locks: join(cacheDir, '.locks', folder) };
}

/** The commit a revision names in the cache: itself when it is a commit hash, else refs/<revision>; undefined when not cached. */
export async function cachedCommit(cache: RepoCache, revision: string): Promise<string | undefined> {
  if (COMMIT_PATTERN.test(revision)) return revision;
  try {
    const commit = (await readFile(join(cache.refs, revision), 'utf8')).trim();
    return COMMIT_PATTERN.test(commit) ? commit : undefined;
  } catch {
    return undefined;
  }
}

/** Records that `revision` is at `commit` (skipped when the revision is the commit itself). */
export async function writeRef(cache: RepoCache, revision: string, commit: string): Promise<void> {
  if (revision === commit) return;
  const path = join(cache.refs, revision);
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, commit);
  await rename(temporary, path);
}

/** Points `snapshots/<commit>/<file>` at `blobs/<etag>` with a relative link, replacing a stale one. */
export async function linkSnapshot(cache: RepoCache, commit: string, file: string, etag: string): Promise<string> {
  const link = join(cache.snapshots, commit, file);
  const target = relative(dirname(link), join(cache.blobs, etag));
  await mkdir(dirname(link), { recursive: true });
  // Python copies instead of linking where symlinks are unavailable: a regular file there is a good copy.
  const stats = await lstat(link).catch(() => undefined);
  if (stats !== undefined && !stats.isSymbolicLink()) return link;
  const existing = await readlink(link).catch(() => undefined);
  if (existing === target) return link;
  if (existing !== undefined) await unlink(link);
  await symlink(target, link);
  return link;
}
