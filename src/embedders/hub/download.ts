/**
 * One file into the cache, as huggingface_hub does it: bytes to `blobs/<etag>.incomplete` (resumed with
 * a Range request when a cut-off download left one), checked against the ETag, renamed to
 * `blobs/<etag>`, then linked from the snapshot. A blob that is already there is not fetched again.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { TidepoolError } from '../../errors.js';
import { Progress, type ProgressSink } from '../../util/progress.js';
import { linkSnapshot, type RepoCache } from './cache-layout.js';
import { acquireBlobLock, type BlobLockOptions } from './blob-lock.js';
import { fetchBytes, fileMetadata, type FileMetadata, type HubClient } from './http.js';
import type { RepoRef } from './repo-id.js';

/** What a download reports to, and how long it waits for another writer. */
export interface DownloadHooks {
  /** A line per file (start or resume). @default nothing */
  log?: ((line: string) => void) | undefined;
  /** Where the progress line (bytes, rate, ETA) goes; none when undefined (-q). */
  progress?: ProgressSink | undefined;
  /** The blob lock's wait. */
  lock?: BlobLockOptions;
}

/** One downloaded (or already cached) file. */
export interface CachedFile {
  file: string;
  commit: string;
  etag: string;
  /** Bytes fetched now (0 when the blob was cached; less than the size when resumed). */
  fetched: number;
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}

/** The digest the ETag is: SHA-256 for LFS files (64 hex), git's blob SHA-1 for small files (40 hex). */
async function digestMatches(path: string, etag: string, size: number): Promise<boolean> {
  let hash;
  if (/^[0-9a-f]{64}$/.test(etag)) hash = createHash('sha256');
  else if (/^[0-9a-f]{40}$/.test(etag)) hash = createHash('sha1').update(`blob ${size}\0`);
  else return true; // An ETag that is no digest (some mirrors) cannot be checked; the size was.
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex') === etag;
}

/**
 * Downloads `file` of `ref` into `cache` (or finds its blob there) and links it into the snapshot.
 * The blob's lock (see blob-lock.ts) keeps a second process from writing the same `.incomplete` file:
 * it waits, then finds the blob the first one finished.
 */
export async function downloadFile(client: HubClient, cache: RepoCache, ref: RepoRef, file: string, hooks: DownloadHooks = {}): Promise<CachedFile> {
  const log = hooks.log ?? (() => undefined);
  const meta = await fileMetadata(client, ref, file);
  const blob = join(cache.blobs, meta.etag);
  const cached = async (): Promise<boolean> => (await sizeOf(blob)) !== undefined;
  let fetched = 0;
  if (!(await cached())) {
    const lock = await acquireBlobLock(join(cache.locks, `${meta.etag}.lock`), `${file} of ${ref.repo}@${ref.revision}`, { log, done: cached, ...hooks.lock });
    try {
      // Checked again under the lock: the writer we waited for may have finished it.
      if (lock !== undefined && !(await cached())) fetched = await fetchBlob(client, cache, ref, file, meta, log, hooks.progress);
    } finally {
      await lock?.release();
    }
  }
  await linkSnapshot(cache, meta.commit, file, meta.etag);
  return { file, commit: meta.commit, etag: meta.etag, fetched };
}

/** The bytes into `blobs/<etag>.incomplete` (resumed), checked, renamed to the blob; returns the bytes fetched now. Call under the blob's lock. */
async function fetchBlob(client: HubClient, cache: RepoCache, ref: RepoRef, file: string, meta: FileMetadata, log: (line: string) => void, sink: ProgressSink | undefined): Promise<number> {
  const blob = join(cache.blobs, meta.etag);
  const details = { repo: ref.repo, revision: ref.revision, file, blob };
  await mkdir(cache.blobs, { recursive: true });
  const incomplete = `${blob}.incomplete`;
  let from = (await sizeOf(incomplete)) ?? 0;
  if (meta.size !== undefined && from > meta.size) {
    await unlink(incomplete);
    from = 0;
  }
  const response = await fetchBytes(client, ref, file, meta.location, from);
  // A server that ignores Range answers 200 with the whole file: start over rather than append.
  if (from > 0 && response.status !== 206) from = 0;
  log(`hub: ${from > 0 ? `resuming ${file} at ${from} bytes` : `downloading ${file}`}${meta.size === undefined ? '' : ` (${meta.size} bytes)`} from ${ref.repo}@${ref.revision}`);
  if (response.body === null) throw new TidepoolError('E_HUB_DOWNLOAD', `the Hub sent no body for ${file} of ${ref.repo}@${ref.revision}; run again to retry.`, details);
  // Bytes, rate and ETA of this file on stderr; the ETA measures what is left to fetch now.
  const progress = sink === undefined ? undefined : new Progress({ label: `hub: ${file}`, unit: 'B', total: meta.size === undefined ? undefined : meta.size - from, sink });
  let received = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      received += chunk.length;
      progress?.update(received);
      done(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), counter, createWriteStream(incomplete, { flags: from > 0 ? 'a' : 'w' }));
    progress?.finish();
  } catch (error) {
    progress?.clear();
    throw new TidepoolError('E_HUB_DOWNLOAD', `the download of ${file} of ${ref.repo}@${ref.revision} was cut off (${(error as Error).message}). Run the same command again: it resumes from ${incomplete}.`, details, { cause: error });
  }
  const size = (await sizeOf(incomplete)) ?? 0;
  if (meta.size !== undefined && size < meta.size) {
    throw new TidepoolError('E_HUB_DOWNLOAD', `the download of ${file} of ${ref.repo}@${ref.revision} stopped at ${size} of ${meta.size} bytes. Run the same command again: it resumes from ${incomplete}.`, details);
  }
  if ((meta.size !== undefined && size !== meta.size) || !(await digestMatches(incomplete, meta.etag, size))) {
    await unlink(incomplete);
    throw new TidepoolError('E_HUB_DOWNLOAD', `${file} of ${ref.repo}@${ref.revision} arrived corrupted: its ${size} bytes do not match the Hub's ETag ${meta.etag}. The partial file was removed; run the same command again to download it afresh.`, details);
  }
  await rename(incomplete, blob);
  return size - from;
}
