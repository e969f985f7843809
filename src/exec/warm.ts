/**
 * The bubblewrap sandbox with warm sandboxes: instead of a new sandbox and interpreter per run (about
 * 24 ms of bubblewrap and 25 ms of Python start each, measured in bench/results/exec.md), each
 * concurrent run slot keeps a sandbox whose server (warm-server.ts) forks a fresh process per program
 * and, between programs, kills every process left and empties the writable folders. Isolation from
 * the host is the one of {@link BubblewrapSandbox} (the same bwrap arguments); what programs of one
 * job share is described in the README's "Execution checks" (a sandbox serves at most
 * {@link WarmOptions.runsPerSandbox} programs, then a fresh one starts).
 */
import { randomInt } from 'node:crypto';
import { hostLayout, type SandboxTools } from './bubblewrap.js';
import { bwrapArguments, SANDBOX_DIR, SANDBOX_ENV, type HostLayout } from './bwrap-args.js';
import { findForkAddon } from './fork-addon.js';
import { closingDescriptors } from './inherited-fds.js';
import { interpreterCommand, nodeFlags, programFileName, programText, type Interpreters } from './languages.js';
import { admitRequest } from './skipped.js';
import type { ExecLanguage, ExecLimits, ExecRequest, ExecResult, Sandbox } from './types.js';
import { judgeRun, writableBytes } from './verdict.js';
import { WarmProcess, type WarmEnding, type WarmJob } from './warm-process.js';
import { WARM_NODE_SOURCE } from './warm-node-server.js';
import { WARM_SERVER_SOURCE } from './warm-server.js';

/** Where the server's text is bound (read-only) inside the sandbox. */
const SERVER_PATH = '/.tidepool/warm-server.py';
/** Where the JavaScript server's text and its addon are bound (read-only) inside the sandbox. */
const NODE_SERVER_PATH = '/.tidepool/warm-server.cjs';
const NODE_ADDON_PATH = '/.tidepool/tidepool_fork.node';

/** How warm sandboxes run JavaScript programs: forked from a started Node, or a new Node per program (and why). */
export type JavascriptMode = { mode: 'forked' } | { mode: 'exec'; reason: string };

/** Which server a sandbox runs: Python's (Python programs, and JavaScript by exec), or Node's fork server. */
export type WarmServer = 'python' | 'node';

/** Options of {@link WarmSandbox}. */
export interface WarmOptions {
  /** Programs one sandbox runs before it is replaced by a fresh one. @default 500 */
  runsPerSandbox?: number;
  /** Seconds a new sandbox's server may take to say it is ready. @default 30 */
  startSeconds?: number;
  /** Whether tidepool runs as root (then each sandbox drops to a user id of its own). @default process.getuid() === 0 */
  runAsRoot?: boolean;
  /**
   * The fork server's addon (native/fork) for JavaScript programs, or null to exec a new Node per
   * program. @default the built addon when there is one ({@link findForkAddon})
   */
  forkAddon?: string | null;
}

/** A {@link Sandbox} backed by warm bubblewrap sandboxes. */
export class WarmSandbox implements Sandbox {
  readonly kind = 'bubblewrap' as const;
  private readonly layout: HostLayout;
  /** Idle sandboxes by the sizes of their writable folders (fixed when a sandbox starts). */
  private readonly idle = new Map<string, WarmProcess[]>();
  private readonly runsPerSandbox: number;
  private readonly startSeconds: number;
  private readonly runAsRoot: boolean;
  private readonly forkAddon: string | null;
  /** Whether the caller turned the fork server off (`forkAddon: null`), rather than no addon being built. */
  readonly forkTurnedOff: boolean;
  /** Why the Node fork server could not start here (JavaScript then runs by exec), once it failed. */
  private forkFailure: string | null = null;

  constructor(
    private readonly tools: SandboxTools,
    interpreters: Interpreters,
    private readonly defaults: Readonly<ExecLimits>,
    options: WarmOptions = {},
  ) {
    this.layout = hostLayout(interpreters);
    this.runsPerSandbox = options.runsPerSandbox ?? 500;
    this.startSeconds = options.startSeconds ?? 30;
    this.runAsRoot = options.runAsRoot ?? process.getuid?.() === 0;
    this.forkAddon = options.forkAddon === undefined ? findForkAddon() : options.forkAddon;
    this.forkTurnedOff = options.forkAddon === null;
  }

  /**
   * How JavaScript programs run: `forked` from a started Node (the fork server), or `exec` (a new Node
   * per program), with the reason when the fork server is not used.
   */
  javascriptMode(): JavascriptMode {
    if (this.forkAddon === null) return { mode: 'exec', reason: this.forkTurnedOff ? 'the fork server is turned off (forkAddon: null)' : 'the fork addon (native/fork) is not built: run `npm run build` where a C++ compiler and Node\'s headers are installed' };
    if (this.forkFailure !== null) return { mode: 'exec', reason: `the Node fork server did not start: ${this.forkFailure}` };
    return { mode: 'forked' };
  }

  /** The command line that starts one sandbox whose writable folders fit `limits` (for tests and the doctor). */
  commandLine(limits: ExecLimits, server: WarmServer = 'python'): string[] {
    const addon = server === 'node' ? this.forkAddon : null;
    // The Node server keeps every descriptor it starts with (its programs are forked, not exec'd), so it
    // starts behind the shim that closes what the sandbox inherited (all but its 0-3).
    const command =
      addon !== null
        ? closingDescriptors(this.layout.inside.python, 4, false, [this.layout.inside.node, '--single-threaded', ...nodeFlags(limits), NODE_SERVER_PATH])
        : [this.layout.inside.python, '-I', '-B', SERVER_PATH];
    const bwrap = [
      this.tools.bwrap,
      ...bwrapArguments(this.layout, {
        programFd: 4,
        programPath: addon !== null ? NODE_SERVER_PATH : SERVER_PATH,
        writableBytes: writableBytes(limits),
        sharedMemoryBytes: limits.fileSizeBytes,
        command,
        readOnlyFiles: addon !== null ? [{ source: addon, dest: NODE_ADDON_PATH }] : [],
      }),
    ];
    if (!this.runAsRoot) return bwrap;
    const uid = String(randomInt(1_000_000_000, 2_000_000_000));
    return [this.tools.setpriv, `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--', ...bwrap];
  }

  async run(request: ExecRequest, signal?: AbortSignal): Promise<ExecResult> {
    const admitted = admitRequest(request, this.defaults, (name) => `no sandboxed interpreter for language "${name}" (tidepool runs python and javascript)`, signal);
    if ('verdict' in admitted) return admitted;
    const { language, limits } = admitted;
    let server: WarmServer = language === 'javascript' && this.javascriptMode().mode === 'forked' ? 'node' : 'python';
    let sandbox = await this.sandboxFor(server, limits);
    if (!(sandbox instanceof WarmProcess) && server === 'node') {
      // A Node the addon was not built for (another version), or no fork here: exec from now on.
      this.forkFailure = sandbox.error;
      server = 'python';
      sandbox = await this.sandboxFor(server, limits);
    }
    if (!(sandbox instanceof WarmProcess)) {
      return { ...judgeRun(language, { ...NOT_STARTED, startFailure: sandbox.error }, limits), exitCode: null, signal: null, output: '', outputTruncated: false, seconds: 0 };
    }
    const key = sandboxKey(server, limits);
    const ending = await sandbox.run(this.job(language, limits, server), programText(request.solution, request.tests), limits.outputBytes, signal);
    if (sandbox.usable && sandbox.runs < this.runsPerSandbox) {
      const list = this.idle.get(key) ?? [];
      list.push(sandbox);
      this.idle.set(key, list);
    } else {
      sandbox.kill();
    }
    return judged(language, limits, ending);
  }

  /** An idle sandbox for `server` and `limits`, or a new one (or why it did not start). */
  private async sandboxFor(server: WarmServer, limits: ExecLimits): Promise<WarmProcess | { error: string }> {
    const idle = this.takeIdle(sandboxKey(server, limits));
    if (idle !== undefined) return idle;
    return WarmProcess.start(this.commandLine(limits, server), server === 'node' ? WARM_NODE_SOURCE : WARM_SERVER_SOURCE, this.startSeconds);
  }

  /** An idle sandbox of `key` still alive (one that died while idle, killed from outside, is dropped). */
  private takeIdle(key: string): WarmProcess | undefined {
    const list = this.idle.get(key) ?? [];
    for (let sandbox = list.pop(); sandbox !== undefined; sandbox = list.pop()) {
      if (sandbox.usable) return sandbox;
      sandbox.kill();
    }
    return undefined;
  }

  /** Stops every idle sandbox (they would also die with tidepool). */
  close(): Promise<void> {
    for (const list of this.idle.values()) for (const sandbox of list.splice(0)) sandbox.kill();
    return Promise.resolve();
  }

  private job(language: ExecLanguage, limits: ExecLimits, server: WarmServer): WarmJob {
    const file = programFileName(language);
    return {
      mode: language === 'python' ? 'python' : server === 'node' ? 'node' : 'exec',
      file,
      argv: language === 'python' || server === 'node' ? [] : interpreterCommand(language, this.layout.inside, `${SANDBOX_DIR}/${file}`, limits),
      env: SANDBOX_ENV,
      limits: { cpu: Math.max(1, Math.ceil(limits.cpuSeconds)), as: limits.addressSpaceBytes, nproc: limits.processes, fsize: limits.fileSizeBytes, nofile: limits.openFiles },
      wall: limits.wallSeconds,
    };
  }
}

/**
 * Which idle sandboxes can serve a run: the same server and the same sizes of writable folders (fixed
 * when a sandbox starts); for the Node server also the same address space (its heap cap is set at its start).
 */
function sandboxKey(server: WarmServer, limits: ExecLimits): string {
  const sizes = `${writableBytes(limits)}:${limits.fileSizeBytes}`;
  return server === 'node' ? `node:${sizes}:${limits.addressSpaceBytes}` : `python:${sizes}`;
}

const NOT_STARTED = { exitCode: null, signal: null, started: false, timedOut: false, outputCapped: false, aborted: false, output: '' };

/** The {@link ExecResult} of a warm run that ended as `ending`. */
function judged(language: ExecLanguage, limits: ExecLimits, ending: WarmEnding): ExecResult {
  const output = ending.output.toString('utf8');
  if (ending.lost !== null && !ending.aborted) {
    const said = ending.lost === '' ? '' : ` (it said: ${ending.lost.split('\n').slice(-2).join(' | ')})`;
    return { verdict: 'crashed', exitCode: null, signal: 'SIGKILL', output, outputTruncated: false, seconds: ending.seconds, reason: `the sandbox ended during the run: the program killed its server${said}` };
  }
  const verdict = judgeRun(language, {
    exitCode: ending.exitCode,
    signal: ending.signal,
    started: true,
    startFailure: '',
    timedOut: ending.timedOut,
    outputCapped: ending.outputCapped,
    aborted: ending.aborted,
    output,
  }, limits);
  return { ...verdict, exitCode: ending.exitCode, signal: ending.signal, output, outputTruncated: ending.outputCapped, seconds: ending.seconds };
}
