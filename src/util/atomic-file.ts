/** Small files written whole or not at all, with a full disk reported as something a user can act on. */
import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { link, rename, rm, writeFile } from 'node:fs/promises';
import { writeFailure } from '../errors.js';

/**
 * Writes `data` to `<path>.partial`, then renames it to `path`, so `path` always holds a complete
 * earlier or new version, whenever the process dies or the disk fills. On failure the partial file is
 * removed (on a full disk that gives its space back) and the error, naming the file that failed, is a `TidepoolError` from
 * {@link writeFailure}: `E_NO_SPACE` for a full disk, quota or read-only file system, else `E_OUTPUT`.
 */
export async function writeFileAtomically(path: string, data: string | Uint8Array): Promise<void> {
  const partial = `${path}.partial`;
  try {
    await writeFile(partial, data);
  } catch (error) {
    await rm(partial, { force: true }).catch(() => undefined);
    // The file that could not be written is the partial one: name it, so a user finds it.
    throw writeFailure(error, partial);
  }
  try {
    await rename(partial, path);
  } catch (error) {
    await rm(partial, { force: true }).catch(() => undefined);
    throw writeFailure(error, path);
  }
}

/**
 * {@link writeFileAtomically}, synchronously: for a checkpoint that must be on disk before the caller
 * goes on in the same turn of the event loop (generate's state, taken as a unit folds).
 */
export function writeFileAtomicallySync(path: string, data: string | Uint8Array): void {
  const partial = `${path}.partial`;
  try {
    writeFileSync(partial, data);
  } catch (error) {
    rmSync(partial, { force: true });
    throw writeFailure(error, partial);
  }
  try {
    renameSync(partial, path);
  } catch (error) {
    rmSync(partial, { force: true });
    throw writeFailure(error, path);
  }
}

/**
 * Creates `path` holding `data` unless it exists, atomically, also when several processes (the shards
 * of one run, on one machine or several sharing the folder) try at once: each writes a staging file of
 * its own, then hard-links it to `path`, which fails for all but the first.
 * @returns true when this call created `path`, false when it existed already (its content is left as it was).
 * @throws TidepoolError from {@link writeFailure} when the file cannot be written.
 */
export async function publishFileOnce(path: string, data: string | Uint8Array): Promise<boolean> {
  const staged = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.partial`;
  try {
    await writeFile(staged, data);
    await link(staged, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw writeFailure(error, staged);
  } finally {
    await rm(staged, { force: true }).catch(() => undefined);
  }
}
