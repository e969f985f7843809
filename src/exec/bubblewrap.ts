/**
 * The bubblewrap sandbox: each run in fresh namespaces (no network), the system read-only, a fresh
 * tmpfs as the only writable folder, kernel limits applied inside by util-linux's `prlimit`. When
 * tidepool runs as root, each run also drops to a user id of its own (util-linux's `setpriv`), so
 * the process limit counts that run's processes alone and root's files stay out of reach.
 */
import { existsSync, lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomInt } from 'node:crypto';
import { bwrapArguments, parseBwrapStatus, SANDBOX_DIR, type HostLayout, type RootEntry } from './bwrap-args.js';
import { runChild, signalName } from './child.js';
import { closingDescriptors, inheritableDescriptors } from './inherited-fds.js';
import { interpreterCommand, programFileName, programText, prlimitCommand, type Interpreters } from './languages.js';
import { runWithSiteRetry } from './site-retry.js';
import type { ExecLanguage, ExecLimits, ExecRequest, ExecResult, Sandbox } from './types.js';
import { judgeRun, writableBytes } from './verdict.js';

/** The host's tools the sandbox uses, as absolute paths. */
export interface SandboxTools {
  bwrap: string;
  prlimit: string;
  /** Used only when tidepool runs as root. */
  setpriv: string;
}

/** Top-level entries of `/` the sandbox mirrors when the host has them. */
const ROOT_ENTRIES = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];
/** What the dynamic loader and `/usr/bin/*` symlinks need from /etc. */
const ETC_ENTRIES = ['/etc/ld.so.cache', '/etc/ld.so.conf', '/etc/ld.so.conf.d', '/etc/alternatives'];

/** First existing path among `candidates`, or null. */
export function firstExisting(candidates: readonly string[]): string | null {
  return candidates.find((path) => existsSync(path)) ?? null;
}

/** Where the sandbox has folders of its own: an interpreter installed below one is bound elsewhere. */
const SANDBOX_OWNED = ['/tmp', SANDBOX_DIR, '/dev', '/proc', '/.tidepool'];

/**
 * The host's layout as the sandbox mirrors it. An interpreter installed outside /usr (a Node under /opt
 * or ~/.nvm) is bound read-only with its install folder (the folder above its `bin/`), and only that: at
 * the same path, or, for a folder below one the sandbox makes its own (a Node unpacked under /tmp), at
 * /.tidepool/interpreters/N, and then run by its path there.
 */
export function hostLayout(interpreters: Interpreters): HostLayout {
  const rootEntries: RootEntry[] = [];
  for (const path of ROOT_ENTRIES) {
    try {
      const stat = lstatSync(path);
      if (stat.isSymbolicLink()) rootEntries.push({ path, symlink: readlinkSync(path) });
      else if (stat.isDirectory()) rootEntries.push({ path, directory: true });
    } catch {
      // Not on this system.
    }
  }
  const extraReadOnly: { source: string; dest: string }[] = [];
  const inside = (executable: string): string => {
    let real: string;
    try {
      real = realpathSync(executable);
    } catch {
      return executable;
    }
    if (real.startsWith('/usr/')) return executable;
    const source = dirname(dirname(real));
    let folder = extraReadOnly.find((entry) => entry.source === source);
    if (folder === undefined) {
      const owned = SANDBOX_OWNED.some((place) => source === place || source.startsWith(`${place}/`));
      folder = { source, dest: owned ? `/.tidepool/interpreters/${extraReadOnly.length}` : source };
      extraReadOnly.push(folder);
    }
    return folder.dest + real.slice(source.length);
  };
  const python = inside(interpreters.python);
  const node = inside(interpreters.node);
  return { rootEntries, etcEntries: ETC_ENTRIES.filter((path) => existsSync(path)), extraReadOnly, inside: { python, node } };
}

/** A user id no other process uses, for one run started by root (high, unnamed, random). */
function oneRunUid(): number {
  return randomInt(1_000_000_000, 2_000_000_000);
}

/** A {@link Sandbox} backed by bubblewrap. */
export class BubblewrapSandbox implements Sandbox {
  readonly kind = 'bubblewrap' as const;
  private readonly layout: HostLayout;

  /**
   * @param tools the host's bwrap, prlimit and setpriv.
   * @param interpreters the Python and Node executables to run programs with.
   * @param defaults limits for requests that do not set their own.
   * @param runAsRoot whether tidepool runs as root (then each run drops to a user id of its own). @default process.getuid() === 0
   */
  constructor(
    private readonly tools: SandboxTools,
    interpreters: Interpreters,
    private readonly defaults: Readonly<ExecLimits>,
    private readonly runAsRoot = process.getuid?.() === 0,
  ) {
    this.layout = hostLayout(interpreters);
  }

  /** The full command line of one run (for tests and for the doctor). */
  commandLine(language: ExecLanguage, limits: ExecLimits, pythonSite = false): string[] {
    const programPath = `${SANDBOX_DIR}/${programFileName(language)}`;
    // stderr joined to stdout inside the sandbox (`2>&1` on one pipe), so the captured output keeps the
    // order the program wrote it in; two pipes read side by side interleave by arrival instead.
    // Descriptors tidepool inherited without close-on-exec would reach the program: where there are any,
    // a shim closes them first (a Python start, about 25 ms; without them, the shell alone).
    const command = prlimitCommand(this.tools.prlimit, limits, interpreterCommand(language, this.layout.inside, programPath, limits, pythonSite));
    const inner = inheritableDescriptors().length > 0 ? closingDescriptors(this.layout.inside.python, 3, true, command) : ['/bin/sh', '-c', 'exec "$@" 2>&1', 'sh', ...command];
    const bwrap = [this.tools.bwrap, ...bwrapArguments(this.layout, { programFd: 4, programPath, statusFd: 3, writableBytes: writableBytes(limits), sharedMemoryBytes: limits.fileSizeBytes, command: inner })];
    if (!this.runAsRoot) return bwrap;
    const uid = String(oneRunUid());
    return [this.tools.setpriv, `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--', ...bwrap];
  }

  run(request: ExecRequest, signal?: AbortSignal): Promise<ExecResult> {
    return runWithSiteRetry(request, this.defaults, (name) => `no sandboxed interpreter for language "${name}" (tidepool runs python and javascript)`, (...args) => this.runOnce(...args), signal);
  }

  private async runOnce(language: ExecLanguage, limits: ExecLimits, request: ExecRequest, pythonSite: boolean, signal: AbortSignal | undefined): Promise<ExecResult> {
    const ending = await runChild({
      argv: this.commandLine(language, limits, pythonSite),
      env: {},
      programData: programText(request.solution, request.tests),
      readStatus: true,
      wallSeconds: limits.wallSeconds,
      outputBytes: limits.outputBytes,
    }, signal);
    const status = parseBwrapStatus(ending.status);
    const started = status.childPid !== null;
    // bubblewrap passes on the program's status; a program killed by signal N shows as 128 + N.
    const code = status.exitCode ?? ending.exitCode;
    const killedBy = code !== null && code > 128 && code < 128 + 65 ? signalName(code - 128) : null;
    const output = ending.output.toString('utf8');
    const judged = judgeRun(language, {
      exitCode: killedBy === null ? code : null,
      signal: killedBy ?? (ending.signal !== null && started ? ending.signal : null),
      started: started && ending.spawnError === null,
      startFailure: ending.spawnError ?? output,
      timedOut: ending.timedOut,
      outputCapped: ending.outputCapped,
      aborted: ending.aborted,
      output,
    }, limits);
    return {
      ...judged,
      exitCode: killedBy === null && !ending.timedOut && !ending.outputCapped && !ending.aborted ? code : null,
      signal: killedBy ?? (ending.timedOut || ending.outputCapped || ending.aborted ? 'SIGKILL' : ending.signal),
      output,
      outputTruncated: ending.outputCapped,
      seconds: ending.seconds,
    };
  }
}
