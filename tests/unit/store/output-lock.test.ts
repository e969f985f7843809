/** The exclusive claim on an output folder: one holder, a clear error naming it, dead holders taken over. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FolderLock, LOCK_FILE, assertNotLocked, holderIsDead, processStartTime, setSchedulerTask, type LockHolder } from '../../../src/store/output-lock.js';
import { OutputFolder, withOutputFolder } from '../../../src/store/output-folder.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tidepool-lock-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function holder(fields: Partial<LockHolder>): LockHolder {
  return { pid: 1, host: hostname(), processStart: null, startedAt: '2026-01-01T00:00:00.000Z', stage: 'embed', command: 'tidepool embed', token: 'aaaa', ...fields };
}

function plantClaim(claim: LockHolder): void {
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify(claim));
}

/** The pid of a process that has exited (so certainly dead). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '0']);
  return child.pid;
}

describe('FolderLock', () => {
  it('lets one holder in, names it to the next, and lets the next in after release', () => {
    const first = FolderLock.acquire(dir, 'ingest');
    let caught: unknown;
    try {
      FolderLock.acquire(dir, 'ingest');
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'E_OUTPUT_LOCKED' });
    expect((caught as Error).message).toContain(`pid ${process.pid} on ${hostname()}`);
    expect((caught as Error).message).toContain('ingest started');
    first.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    const second = FolderLock.acquire(dir, 'embed');
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid, stage: 'embed' });
    second.release();
    // Nothing but the claim was ever written to the folder (no staging files left behind).
    expect(readdirSync(dir)).toEqual([]);
  });

  it('takes over the claim of a process that is gone', () => {
    plantClaim(holder({ pid: deadPid() }));
    const lock = FolderLock.acquire(dir, 'select');
    expect(lock.holder.pid).toBe(process.pid);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid, stage: 'select' });
    lock.release();
  });

  it('takes over a claim whose pid now belongs to another process (pid reused)', () => {
    const start = processStartTime(process.pid);
    expect(start).not.toBeNull(); // Linux: /proc is there
    plantClaim(holder({ pid: process.pid, processStart: String(Number(start) - 1) }));
    expect(holderIsDead(holder({ pid: process.pid, processStart: String(Number(start) - 1) }))).toBe(true);
    FolderLock.acquire(dir, 'select').release();
  });

  it('on another host: a claim is live, unless it is this scheduler task\'s own earlier run (requeued)', () => {
    const elsewhere = holder({ pid: 1, host: 'node-17', schedulerTask: 'slurm:4242' });
    try {
      expect(holderIsDead(elsewhere)).toBe(false);
      setSchedulerTask('slurm:4243');
      expect(holderIsDead(elsewhere)).toBe(false);
      setSchedulerTask('slurm:4242');
      expect(holderIsDead(elsewhere)).toBe(true);
      expect(holderIsDead(holder({ pid: 1, host: 'node-17' }))).toBe(false);
      plantClaim(elsewhere);
      const lock = FolderLock.acquire(dir, 'embed');
      expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid, schedulerTask: 'slurm:4242' });
      lock.release();
    } finally {
      setSchedulerTask(undefined);
    }
  });

  it('refuses while a live process holds the claim, and after it exits takes over', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      await new Promise((resolve) => child.once('spawn', resolve));
      plantClaim(holder({ pid: child.pid!, processStart: processStartTime(child.pid!) }));
      expect(() => FolderLock.acquire(dir, 'embed')).toThrow(/in use by another tidepool run: pid \d+/);
      expect(() => { assertNotLocked(dir); }).toThrow(expect.objectContaining({ code: 'E_OUTPUT_LOCKED' }));
    } finally {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    FolderLock.acquire(dir, 'embed').release();
  });

  it('never takes over a claim from another host, and says how to clear it', () => {
    plantClaim(holder({ pid: deadPid(), host: 'some-other-host' }));
    expect(() => FolderLock.acquire(dir, 'embed')).toThrow(new RegExp(`delete ${join(dir, LOCK_FILE).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  });

  it('assertNotLocked passes for a free folder, a dead holder and this process\'s own claim', () => {
    expect(() => { assertNotLocked(dir); }).not.toThrow();
    plantClaim(holder({ pid: deadPid() }));
    expect(() => { assertNotLocked(dir); }).not.toThrow();
    const lock = FolderLock.acquire(dir, 'select');
    expect(() => { assertNotLocked(dir); }).not.toThrow();
    lock.release();
  });
});

describe('OutputFolder', () => {
  it('creates the folder, releases the claim however the work ends, and uncommits the old manifest', async () => {
    const out = join(dir, 'a', 'b');
    await expect(withOutputFolder(out, 'ingest', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(existsSync(join(out, LOCK_FILE))).toBe(false);
    writeFileSync(join(out, 'manifest.json'), '{}');
    const folder = await OutputFolder.claim(out, 'ingest');
    await folder.uncommit();
    expect(existsSync(join(out, 'manifest.json'))).toBe(false);
    folder.release();
  });
});
