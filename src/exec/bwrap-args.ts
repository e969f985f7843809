/** The bubblewrap command line for one run. Pure: the host's layout is passed in as data. */
import type { Interpreters } from './languages.js';

/** Where the program runs inside the sandbox: its only writable folder, a fresh tmpfs. */
export const SANDBOX_DIR = '/sandbox';

/** A top-level entry of the host's root that the sandbox mirrors (`/bin`, `/lib`, ...). */
export type RootEntry = { path: string; symlink: string } | { path: string; directory: true };

/** What the sandbox needs to know about the host, gathered once (see `hostLayout` in bubblewrap.ts). */
export interface HostLayout {
  /** `/bin`, `/lib`, `/lib64`, `/sbin` ...: symlinks into /usr on merged-/usr systems, else folders bound read-only. */
  rootEntries: readonly RootEntry[];
  /** Files and folders of /etc the dynamic loader and interpreters read (ld.so.cache, alternatives). */
  etcEntries: readonly string[];
  /**
   * Install folders of interpreters outside /usr (e.g. a Node under /opt), bound read-only: at the same
   * path, or under /.tidepool/interpreters/ when that path is one the sandbox makes its own (/tmp).
   */
  extraReadOnly: readonly { source: string; dest: string }[];
  /** The interpreters' executables as the sandbox sees them (moved with their folders). */
  inside: Interpreters;
}

/** One run's sandbox settings. */
export interface BwrapRun {
  /** File descriptor bubblewrap reads the program's text from. */
  programFd: number;
  /** The program's path inside the sandbox. */
  programPath: string;
  /** File descriptor bubblewrap writes its JSON status to (the child's pid, then its exit code); none when absent. */
  statusFd?: number;
  /** Size of the writable tmpfs, in bytes. */
  writableBytes: number;
  /** Size of /dev/shm (a tmpfs of its own: Python's multiprocessing needs one), in bytes. */
  sharedMemoryBytes: number;
  /** The command to run inside (already wrapped in prlimit). */
  command: readonly string[];
  /** Host files bound read-only at `dest` inside (the fork server's addon). */
  readOnlyFiles?: readonly { source: string; dest: string }[];
}

/** The environment inside: nothing from the host, only a PATH, a HOME and a temp folder in the sandbox's own folder. */
export const SANDBOX_ENV: Readonly<Record<string, string>> = {
  PATH: '/usr/local/bin:/usr/bin:/bin',
  HOME: SANDBOX_DIR,
  TMPDIR: SANDBOX_DIR,
  LANG: 'C.UTF-8',
  PYTHONIOENCODING: 'utf-8',
};

/**
 * bubblewrap's arguments: every namespace new (user, PID, IPC, UTS, cgroup, network: no network device
 * but a loopback of its own), /usr and the loader's files read-only, a fresh /proc and a minimal /dev,
 * the only writable places a size-limited tmpfs at {@link SANDBOX_DIR} (also /tmp) and a small
 * /dev/shm (the sandbox's own root and /dev are remounted read-only), no home, no work folder, an empty environment, all capabilities dropped, a new session (no terminal to inject input
 * into), and the sandbox killed when tidepool dies.
 */
export function bwrapArguments(layout: HostLayout, run: BwrapRun): string[] {
  const args = ['--unshare-all', '--die-with-parent', '--new-session', '--cap-drop', 'ALL', '--hostname', 'sandbox'];
  args.push('--ro-bind', '/usr', '/usr');
  for (const entry of layout.rootEntries) {
    if ('symlink' in entry) args.push('--symlink', entry.symlink, entry.path);
    else args.push('--ro-bind', entry.path, entry.path);
  }
  for (const path of layout.etcEntries) args.push('--ro-bind-try', path, path);
  for (const folder of layout.extraReadOnly) args.push('--ro-bind', folder.source, folder.dest);
  args.push('--proc', '/proc', '--dev', '/dev', '--size', String(run.sharedMemoryBytes), '--tmpfs', '/dev/shm');
  args.push('--size', String(run.writableBytes), '--tmpfs', SANDBOX_DIR, '--symlink', SANDBOX_DIR, '/tmp');
  args.push('--perms', '0444', '--ro-bind-data', String(run.programFd), run.programPath);
  for (const file of run.readOnlyFiles ?? []) args.push('--ro-bind', file.source, file.dest);
  // bubblewrap builds the sandbox's root on a tmpfs of its own, writable until remounted: / and /dev
  // read-only leave the two size-limited tmpfs above as the only places a program can write.
  args.push('--remount-ro', '/dev', '--remount-ro', '/');
  args.push('--chdir', SANDBOX_DIR, '--clearenv');
  for (const [name, value] of Object.entries(SANDBOX_ENV)) args.push('--setenv', name, value);
  if (run.statusFd !== undefined) args.push('--json-status-fd', String(run.statusFd));
  args.push('--', ...run.command);
  return args;
}

/** Reads bubblewrap's JSON status stream (one JSON document after another): whether the child started and its exit code. */
export function parseBwrapStatus(text: string): { childPid: number | null; exitCode: number | null } {
  let childPid: number | null = null;
  let exitCode: number | null = null;
  for (const match of text.matchAll(/\{[^{}]*\}/g)) {
    try {
      const document = JSON.parse(match[0]) as Record<string, unknown>;
      if (typeof document['child-pid'] === 'number') childPid = document['child-pid'];
      if (typeof document['exit-code'] === 'number') exitCode = document['exit-code'];
    } catch {
      // A partial document (bubblewrap killed mid-write) carries nothing we need.
    }
  }
  return { childPid, exitCode };
}
