/**
 * The exclusive claim a run holds on its output folder: `DIR/.tidepool.lock`, created atomically (a
 * hard link of a fully written file, so nobody ever reads a half-written claim) and holding the
 * holder's pid, host, process start time and command. A second run gets `E_OUTPUT_LOCKED` naming the
 * holder; a claim whose holder is provably dead (same host, and its pid gone or reused by another
 * process) is taken over. Released on exit, also when the process leaves through `process.exit`.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { TidepoolError, writeFailure } from '../errors.js';

/** File name of the claim inside an output folder. */
export const LOCK_FILE = '.tidepool.lock';

/** What a claim file holds. */
export interface LockHolder {
  pid: number;
  host: string;
  /** Start time of the holder process (Linux: clock ticks since boot, from /proc); null where unknown. */
  processStart: string | null;
  startedAt: string;
  /** What holds it: the stage (or `run`), and the command line. */
  stage: string;
  command: string;
  /** Random token: tells this claim from a later one by the same process. */
  token: string;
  /** The scheduler's task this process runs as (`slurm:JOBID`), when a cluster executor started it. */
  schedulerTask?: string | undefined;
}

/** The scheduler task of this process (see {@link setSchedulerTask}). */
let schedulerTask: string | undefined;

/**
 * Names the scheduler task this process runs as (the CLI reads it from Slurm's environment). A claim
 * held on another host by the same task is its own earlier run, requeued after a preemption or a node
 * failure (a scheduler runs one instance of a task at a time), so it is taken over.
 */
export function setSchedulerTask(task: string | undefined): void {
  schedulerTask = task;
}

/** The start time of process `pid` as the kernel records it, or null (not Linux, or no such process). */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime); the command name (field 2) may hold spaces and parentheses, so count from its end.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

/**
 * True when the holder is certainly not running any more: same host, and pid gone or reused; or, on
 * another host, the same scheduler task as this process (its earlier, requeued run).
 */
export function holderIsDead(holder: LockHolder, host: string = hostname()): boolean {
  if (holder.host !== host) return holder.schedulerTask !== undefined && holder.schedulerTask === schedulerTask;
  if (holder.pid === process.pid) return holder.processStart !== processStartTime(process.pid);
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    // EPERM: the process exists (another user's); ESRCH: it is gone.
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
  const start = processStartTime(holder.pid);
  return holder.processStart !== null && start !== null && start !== holder.processStart;
}

function describeHolder(holder: LockHolder): string {
  return `pid ${holder.pid} on ${holder.host}, ${holder.stage} started ${holder.startedAt} (${holder.command})`;
}

function readHolder(path: string): LockHolder | undefined {
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockHolder>;
    if (typeof value.pid !== 'number' || typeof value.host !== 'string' || typeof value.token !== 'string') return undefined;
    return value as LockHolder;
  } catch {
    return undefined;
  }
}

/** Held claims of this process, released by the exit hook if their run did not release them. */
const held = new Map<string, string>();
let exitHookInstalled = false;

function releaseAllOnExit(): void {
  for (const [path, token] of held) {
    try {
      if (readHolder(path)?.token === token) unlinkSync(path);
    } catch {
      // Leaving: a claim that cannot be removed is taken over later (its holder is dead by then).
    }
  }
  held.clear();
}

/** An exclusive claim on one folder. */
export class FolderLock {
  private constructor(readonly path: string, readonly holder: LockHolder) {}

  /**
   * Claims `dir` (which must exist) for `stage`; `name` is the claim file's name, for a command that
   * owns one file in a folder it shares (export, report: {@link fileLockName}).
   * @throws TidepoolError `E_OUTPUT_LOCKED` when a live run holds it.
   */
  static acquire(dir: string, stage: string, name: string = LOCK_FILE): FolderLock {
    const path = join(dir, name);
    const holder: LockHolder = {
      pid: process.pid, host: hostname(), processStart: processStartTime(process.pid), startedAt: new Date().toISOString(),
      stage, command: process.argv.slice(1).join(' ').slice(0, 500), token: randomBytes(8).toString('hex'),
      ...(schedulerTask === undefined ? {} : { schedulerTask }),
    };
    const staged = `${path}.${holder.token}`;
    try {
      const fd = openSync(staged, 'wx');
      try {
        writeSync(fd, `${JSON.stringify(holder, null, 2)}\n`);
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      throw writeFailure(error, staged, false);
    }
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          linkSync(staged, path);
          break;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw writeFailure(error, path, false);
        }
        const current = readHolder(path);
        if (attempt >= 5 || (current !== undefined && !holderIsDead(current))) {
          const who = current === undefined ? `a claim file that cannot be read (${path})` : describeHolder(current);
          throw new TidepoolError('E_OUTPUT_LOCKED', `${name === LOCK_FILE ? dir : join(dir, name.slice(1, -LOCK_FILE.length))} is in use by another tidepool run: ${who}. Wait for it to finish, or write to another --out. If no such run is alive (e.g. it ran on another machine that crashed), delete ${path}.`, { path, holder: current });
        }
        // The holder is dead (or the file is unreadable, mid-removal): move its claim aside, then check that
        // what moved is the claim judged dead, not one another run took in between; put that one back.
        const aside = `${path}.stale-${holder.token}`;
        try {
          renameSync(path, aside);
        } catch {
          continue;
        }
        const moved = readHolder(aside);
        if (current !== undefined && moved?.token !== current.token) {
          try {
            linkSync(aside, path);
          } catch {
            // Someone claimed the folder meanwhile: the next attempt reports them.
          }
        }
        unlinkSync(aside);
      }
    } finally {
      try {
        unlinkSync(staged);
      } catch {
        // Already gone.
      }
    }
    held.set(path, holder.token);
    if (!exitHookInstalled) {
      process.on('exit', releaseAllOnExit);
      exitHookInstalled = true;
    }
    return new FolderLock(path, holder);
  }

  /** Gives the claim up (only if it is still this run's). */
  release(): void {
    held.delete(this.path);
    try {
      if (readHolder(this.path)?.token === this.holder.token) unlinkSync(this.path);
    } catch {
      // Already gone: nothing to release.
    }
  }
}

/** The claim file's name for a command that writes one file (`train.jsonl` -> `.train.jsonl.tidepool.lock`). */
export function fileLockName(file: string): string {
  return `.${basename(file)}${LOCK_FILE}`;
}

/**
 * Throws `E_OUTPUT_LOCKED` when a live run holds `dir` (for a caller about to empty or replace it
 * without claiming it, e.g. the pipeline clearing a stage's folder).
 */
export function assertNotLocked(dir: string): void {
  const path = join(dir, LOCK_FILE);
  const current = readHolder(path);
  if (current === undefined || holderIsDead(current) || held.get(path) === current.token) return;
  throw new TidepoolError('E_OUTPUT_LOCKED', `${dir} is in use by another tidepool run: ${describeHolder(current)}. Wait for it to finish. If no such run is alive, delete ${path}.`, { path, holder: current });
}
