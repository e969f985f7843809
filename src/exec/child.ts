/**
 * Runs one child process for the sandbox: its own process group (so a timeout kills the whole tree with
 * one SIGKILL), stdout and stderr captured together up to a cap, extra pipes for bubblewrap's program
 * text and status, a wall-clock limit, and an abort signal. Only this folder spawns processes that run
 * generated code.
 */
import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { constants } from 'node:os';

/** What to run and how. */
export interface ChildSpec {
  /** Absolute path of the executable and its arguments. */
  argv: readonly string[];
  /** Its environment (nothing is inherited). */
  env: Readonly<Record<string, string>>;
  /** Its working folder. @default '/' */
  cwd?: string;
  /** Text written to file descriptor 4 (then closed): bubblewrap's program. */
  programData?: string;
  /** Keep what arrives on file descriptor 3 (bubblewrap's JSON status). */
  readStatus?: boolean;
  wallSeconds: number;
  outputBytes: number;
}

/** How the child ended. */
export interface ChildEnding {
  exitCode: number | null;
  signal: string | null;
  output: Buffer;
  status: string;
  timedOut: boolean;
  outputCapped: boolean;
  aborted: boolean;
  /** Set when the executable could not be started at all (ENOENT, EACCES). */
  spawnError: string | null;
  seconds: number;
}

/** SIGKILL to the process group `pgid`; a group already gone is fine. */
export function killGroup(pgid: number | undefined): void {
  if (pgid === undefined) return;
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // ESRCH: every member has exited.
  }
}

/** Name of signal number `number` (`SIGKILL` for 9), or `SIG<number>` when unknown. */
export function signalName(number: number): string {
  const found = Object.entries(constants.signals).find(([, value]) => value === number);
  return found?.[0] ?? `SIG${number}`;
}

/** Runs `spec` to its end; never rejects for anything the child does. */
export function runChild(spec: ChildSpec, abort?: AbortSignal): Promise<ChildEnding> {
  const started = performance.now();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    let status = '';
    let timedOut = false;
    let outputCapped = false;
    let aborted = false;
    let spawnError: string | null = null;
    let settled = false;
    const [command, ...args] = spec.argv;
    const child = spawn(command ?? '', args, {
      cwd: spec.cwd ?? '/',
      env: { ...spec.env },
      detached: true, // a process group of its own: one kill(-pid) ends the whole tree
      stdio: ['ignore', 'pipe', 'pipe', spec.readStatus === true ? 'pipe' : 'ignore', spec.programData === undefined ? 'ignore' : 'pipe'],
    });
    const pgid = child.pid;
    const stop = (): void => {
      killGroup(pgid);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, Math.ceil(spec.wallSeconds * 1000));
    const onAbort = (): void => {
      aborted = true;
      stop();
    };
    if (abort?.aborted === true) onAbort();
    abort?.addEventListener('abort', onAbort, { once: true });

    const capture = (stream: Readable | null): void => {
      stream?.on('data', (chunk: Buffer) => {
        if (outputCapped) return;
        const room = spec.outputBytes - kept;
        if (chunk.length > room) {
          // Past the cap: keep what fits, stop reading, and stop the program (it would block on a full pipe or fill memory).
          chunks.push(chunk.subarray(0, room));
          kept += room;
          outputCapped = true;
          stop();
          child.stdout?.destroy();
          child.stderr?.destroy();
          return;
        }
        chunks.push(chunk);
        kept += chunk.length;
      });
      stream?.on('error', () => undefined);
    };
    capture(child.stdout);
    capture(child.stderr);
    const statusStream = child.stdio[3] as Readable | null | undefined;
    statusStream?.on('data', (chunk: Buffer) => {
      if (status.length < 65_536) status += chunk.toString('utf8');
    });
    statusStream?.on('error', () => undefined);
    const programStream = child.stdio[4] as Writable | null | undefined;
    if (programStream !== null && programStream !== undefined) {
      programStream.on('error', () => undefined); // bubblewrap gone before reading it: its exit says why
      programStream.end(spec.programData);
    }

    const finish = (exitCode: number | null, signal: NodeJS.Signals | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      abort?.removeEventListener('abort', onAbort);
      // Whatever the program left behind in its group goes with it (the unsandboxed mode relies on this;
      // in bubblewrap the PID namespace is already gone with its first process).
      stop();
      resolve({
        exitCode,
        signal,
        output: Buffer.concat(chunks),
        status,
        timedOut,
        outputCapped,
        aborted,
        spawnError,
        seconds: (performance.now() - started) / 1000,
      });
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      spawnError = `${command ?? ''}: ${error.code ?? error.message}`;
      finish(null, null);
    });
    // A background process that keeps the output pipes open must not hold the run: after 'exit', output
    // still in flight is collected for a moment, then the run ends without waiting for 'close'.
    let exited: { exitCode: number | null; signal: NodeJS.Signals | null } | null = null;
    let closed = false;
    child.on('close', (exitCode: number | null, signal: NodeJS.Signals | null) => {
      closed = true;
      finish(exited?.exitCode ?? exitCode, exited?.signal ?? signal);
    });
    child.on('exit', (exitCode, signal) => {
      exited = { exitCode, signal };
      stop();
      if (closed) finish(exitCode, signal);
      else setTimeout(() => {
        finish(exitCode, signal);
      }, 500);
    });
  });
}
