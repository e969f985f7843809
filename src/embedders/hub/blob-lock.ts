/**
 * One writer per blob: a lock file at huggingface_hub's own place,
 * `<cache>/.locks/models--org--name/<etag>.lock`, created exclusively and holding the writer's pid
 * and host. A second process waits (bounded, saying so once) and then finds the finished blob; a lock
 * whose holder is a dead process on this host is taken over.
 *
 * Python's filelock uses flock(2) on that file and leaves it behind, empty, when done: an empty or
 * foreign lock file therefore says nothing about a live holder and is taken over. A Python download
 * running at the same moment is not excluded (Node has no flock); the ETag check still catches a blob
 * that two writers mixed.
 */
import { mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TidepoolError } from '../../errors.js';

/** Who holds a lock, as written in it. */
export interface LockHolder {
  pid: number;
  host: string;
}

/** How long and how often to wait for another writer. */
export interface BlobLockOptions {
  /** Give up after this long. @default 1_800_000 (30 minutes: a large model on a slow line) */
  waitMs?: number;
  /** Check again this often. @default 250 */
  pollMs?: number;
  /** Told once when the lock is held by another live process. */
  log?: (line: string) => void;
  /** Whether the file the lock guards is there now (the other writer finished): stop waiting. */
  done?: () => Promise<boolean>;
}

/** A held lock; `release` removes the file if it is still ours. */
export interface BlobLock {
  path: string;
  release(): Promise<void>;
}

/** Whether `pid` is a live process on this host (EPERM: alive, another user's). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readHolder(path: string): Promise<LockHolder | undefined | 'gone'> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return 'gone';
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockHolder>;
    return typeof parsed.pid === 'number' && typeof parsed.host === 'string' ? { pid: parsed.pid, host: parsed.host } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the lock at `path`, or returns undefined when `done` reports the guarded file finished by
 * another writer while waiting. `what` names the file in messages.
 */
export async function acquireBlobLock(path: string, what: string, options: BlobLockOptions = {}): Promise<BlobLock | undefined> {
  const waitMs = options.waitMs ?? 1_800_000;
  const pollMs = options.pollMs ?? 250;
  const me: LockHolder = { pid: process.pid, host: hostname() };
  const token = JSON.stringify(me);
  const deadline = Date.now() + waitMs;
  let told = false;
  await mkdir(dirname(path), { recursive: true });
  for (;;) {
    try {
      await writeFile(path, token, { flag: 'wx' });
      return {
        path,
        release: async () => {
          if ((await readFile(path, 'utf8').catch(() => '')) === token) await unlink(path).catch(() => undefined);
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readHolder(path);
    if (holder === 'gone') continue;
    if (holder === undefined || (holder.host === me.host && !processAlive(holder.pid))) {
      // A dead holder's lock, or Python's leftover: take it over.
      await unlink(path).catch(() => undefined);
      continue;
    }
    if (options.done !== undefined && (await options.done())) return undefined;
    if (Date.now() >= deadline) {
      throw new TidepoolError('E_HUB_LOCKED', `${what} is still being downloaded by pid ${holder.pid} on ${holder.host} after ${Math.round(waitMs / 1000)} s (lock ${path}). Wait for that process to finish, or stop it; if it is gone (another host sharing the cache), delete ${path} and run again.`, { lock: path, holder });
    }
    if (!told) {
      told = true;
      options.log?.(`waiting for pid ${holder.pid} on ${holder.host}, which is downloading ${what} (lock ${path})`);
    }
    await sleep(pollMs);
  }
}
