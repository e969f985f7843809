/** A folder read as one Hub repo at one commit: each file's bytes and the ETag the Hub would give it. */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

/** One file of the simulated repo. */
export interface RepoFile {
  path: string;
  bytes: Buffer;
  /** Git's blob SHA-1 (what the Hub's ETag is for a small file). */
  gitSha1: string;
  /** SHA-256 (the ETag of an LFS file). */
  sha256: string;
}

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(entries.map(async (entry) => (entry.isDirectory() ? walk(join(dir, entry.name)) : entry.isFile() ? [join(dir, entry.name)] : [])));
  return nested.flat();
}

/** Reads every file under `dir` (sorted by path) with its digests. */
export async function readRepoFiles(dir: string): Promise<RepoFile[]> {
  const paths = (await walk(dir)).sort();
  return Promise.all(paths.map(async (path) => {
    const bytes = await readFile(path);
    return {
      path: relative(dir, path).split(sep).join('/'),
      bytes,
      gitSha1: createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex'),
      sha256: createHash('sha256').update(bytes).digest('hex'),
    };
  }));
}

/** A commit hash that depends on every file's path and bytes, as a real commit does. */
export function commitOf(files: readonly RepoFile[]): string {
  const hash = createHash('sha1');
  for (const file of files) hash.update(`${file.path}\0${file.gitSha1}\n`);
  return hash.digest('hex');
}
