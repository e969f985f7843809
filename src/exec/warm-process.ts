/**
 * One warm sandbox: a bubblewrap sandbox started once, whose server (warm-server.ts) runs programs
 * one after another. This file speaks the server's protocol and watches the process: every way a
 * run can end (reply, timeout, output cap, abort, the sandbox dying) becomes a {@link WarmEnding},
 * and a sandbox that saw anything unexpected is marked unusable (the caller then discards it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { killGroup, signalName } from './child.js';

/** Bytes of the marker that ends a run's output (16 random bytes, hex). */
const MARKER_LENGTH = 32;
/** What the sandbox's own stderr keeps (the server's traceback when it fails), in bytes. */
const STDERR_KEPT = 8192;
/** Seconds past a run's wall-clock limit after which the host kills the sandbox itself. */
const BACKSTOP_SECONDS = 5;

/** One run as the server is asked it. */
export interface WarmJob {
  /** `python`: run in the Python server's forked process; `exec`: exec `argv` there; `node`: run in the Node fork server's forked process. */
  mode: 'python' | 'exec' | 'node';
  /** The program's file name in the sandbox's folder (main.py, main.js). */
  file: string;
  argv: readonly string[];
  env: Readonly<Record<string, string>>;
  /** Kernel limits: CPU seconds, address space, processes, file size, open files. */
  limits: { cpu: number; as: number; nproc: number; fsize: number; nofile: number };
  wall: number;
}

/** How a run in a warm sandbox ended. */
export interface WarmEnding {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  outputCapped: boolean;
  aborted: boolean;
  /** Set when the sandbox ended during the run (its server was killed), with what it said. */
  lost: string | null;
  output: Buffer;
  seconds: number;
}

interface Reply {
  timedOut: boolean;
  exit: number | null;
  signal: number | null;
  marker: string;
}

interface Pending {
  /** Ends the run; its output is what arrived, or `output` when given (the part before the marker). */
  finish: (ending: Omit<WarmEnding, 'output' | 'seconds'>, output?: Buffer) => void;
  reply: Reply | null;
  outputCap: number;
}

/** A started warm sandbox. */
export class WarmProcess {
  /** Runs it has served. */
  runs = 0;
  /** False once anything unexpected happened: it must not serve another run. */
  usable = true;
  private readonly output: Buffer[] = [];
  private outputBytes = 0;
  private control = '';
  private stderr = '';
  private pending: Pending | null = null;
  private ready: ((error: string | null) => void) | null = null;
  private exited = false;

  private constructor(private readonly child: ChildProcess) {}

  /**
   * Starts a sandbox: `argv` is the whole command line (bwrap ... -- python3 server.py), `source` the
   * server's text, given on descriptor 4 for bubblewrap to bind into the sandbox.
   * @returns the sandbox, or why it did not start (its stderr).
   */
  static start(argv: readonly string[], source: string, startSeconds: number): Promise<WarmProcess | { error: string }> {
    const [command, ...args] = argv;
    const child = spawn(command ?? '', args, { cwd: '/', env: {}, detached: true, stdio: ['pipe', 'pipe', 'pipe', 'pipe', 'pipe'] });
    const sandbox = new WarmProcess(child);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        sandbox.ready?.(`the sandbox's server did not answer within ${startSeconds} s`);
      }, startSeconds * 1000);
      sandbox.ready = (error) => {
        sandbox.ready = null;
        clearTimeout(timer);
        if (error === null) {
          sandbox.idle();
          resolve(sandbox);
        } else {
          sandbox.kill();
          resolve({ error: `${error}${sandbox.stderr.trim() === '' ? '' : `: ${sandbox.stderr.trim()}`}` });
        }
      };
      sandbox.listen();
      const program = child.stdio[4] as Writable | null;
      program?.on('error', () => undefined);
      program?.end(source);
    });
  }

  private listen(): void {
    const child = this.child;
    child.on('error', (error: NodeJS.ErrnoException) => {
      this.stderr += `${error.code ?? error.message}\n`;
      this.ended();
    });
    child.on('exit', () => {
      // Output still in the pipes is collected for a moment (all of it: the sandbox's processes are gone).
      setTimeout(() => {
        this.ended();
      }, 200);
    });
    child.on('close', () => {
      this.ended();
    });
    child.stdin?.on('error', () => undefined);
    child.stdout?.on('data', (chunk: Buffer) => {
      this.onOutput(chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      if (this.stderr.length < STDERR_KEPT) this.stderr += chunk.toString('utf8').slice(0, STDERR_KEPT - this.stderr.length);
    });
    const control = child.stdio[3] as Readable | null;
    control?.on('data', (chunk: Buffer) => {
      this.onControl(chunk.toString('utf8'));
    });
    for (const stream of [child.stdout, child.stderr, control]) stream?.on('error', () => undefined);
  }

  /** Runs `program` as `job` says, its output capped at `outputCap` bytes. */
  run(job: WarmJob, program: string, outputCap: number, signal?: AbortSignal): Promise<WarmEnding> {
    const started = performance.now();
    this.runs += 1;
    this.busy();
    const body = Buffer.from(program, 'utf8');
    return new Promise((resolve) => {
      // The server ends a run at its wall-clock limit; the host kills the sandbox should the server not.
      const backstop = setTimeout(() => {
        this.kill();
        this.pending?.finish({ ...NOTHING, timedOut: true });
      }, (job.wall + BACKSTOP_SECONDS) * 1000);
      const onAbort = (): void => {
        this.kill();
        this.pending?.finish({ ...NOTHING, aborted: true });
      };
      this.pending = {
        reply: null,
        outputCap,
        finish: (ending, given) => {
          clearTimeout(backstop);
          signal?.removeEventListener('abort', onAbort);
          const output = given ?? Buffer.concat(this.output);
          this.output.length = 0;
          this.outputBytes = 0;
          this.pending = null;
          if (this.usable) this.idle();
          resolve({ ...ending, output: ending.outputCapped ? output.subarray(0, outputCap) : output, seconds: (performance.now() - started) / 1000 });
        },
      };
      if (signal?.aborted === true) {
        onAbort();
        return;
      }
      if (this.exited) {
        this.pending.finish({ ...NOTHING, lost: this.stderr.trim() });
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.child.stdin?.write(Buffer.concat([Buffer.from(`${JSON.stringify({ ...job, bytes: body.length })}\n`), body]));
    });
  }

  /** Kills the sandbox (its whole process group); it serves nothing more. */
  kill(): void {
    this.usable = false;
    killGroup(this.child.pid);
  }

  private onOutput(chunk: Buffer): void {
    const pending = this.pending;
    if (pending === null) {
      // Nothing may write between runs: the server killed every process before its marker.
      this.kill();
      return;
    }
    this.output.push(chunk);
    this.outputBytes += chunk.length;
    if (this.outputBytes > pending.outputCap + MARKER_LENGTH && pending.reply === null) {
      this.kill();
      pending.finish({ ...NOTHING, outputCapped: true });
      return;
    }
    this.settle();
  }

  private onControl(text: string): void {
    this.control += text;
    for (let newline = this.control.indexOf('\n'); newline >= 0; newline = this.control.indexOf('\n')) {
      const line = this.control.slice(0, newline);
      this.control = this.control.slice(newline + 1);
      let message: Record<string, unknown>;
      try {
        message = JSON.parse(line) as Record<string, unknown>;
      } catch {
        this.kill();
        return;
      }
      if (this.ready !== null) {
        this.ready(message['ready'] === true ? null : `the sandbox's server said ${line.slice(0, 200)}`);
      } else if (this.pending !== null && this.pending.reply === null && typeof message['marker'] === 'string') {
        this.pending.reply = message as unknown as Reply;
        this.settle();
      } else {
        this.kill();
      }
    }
  }

  /** Ends the pending run once its reply is in and its output has reached the reply's marker. */
  private settle(): void {
    const pending = this.pending;
    if (pending?.reply == null) return;
    const all = Buffer.concat(this.output);
    const at = all.indexOf(pending.reply.marker, 0, 'latin1');
    if (at < 0) return;
    if (at + MARKER_LENGTH !== all.length) this.usable = false; // bytes after the marker: never expected
    const capped = at > pending.outputCap;
    const { reply } = pending;
    pending.finish({
      exitCode: capped || reply.timedOut ? null : reply.exit,
      signal: capped || reply.timedOut ? 'SIGKILL' : reply.signal === null ? null : signalName(reply.signal),
      timedOut: !capped && reply.timedOut,
      outputCapped: capped,
      aborted: false,
      lost: null,
    }, all.subarray(0, at));
  }

  private ended(): void {
    if (this.exited) return;
    this.exited = true;
    this.usable = false;
    this.ready?.(`the sandbox ended before its server was ready (exit status ${String(this.child.exitCode ?? this.child.signalCode)})`);
    this.pending?.finish({ ...NOTHING, lost: this.stderr.trim() });
  }

  /** Idle: tidepool may exit without closing it (it dies with tidepool: --die-with-parent). */
  private idle(): void {
    this.child.unref();
    for (const stream of [this.child.stdout, this.child.stderr, this.child.stdio[3]]) (stream as { unref?: () => void } | null)?.unref?.();
  }

  private busy(): void {
    this.child.ref();
    for (const stream of [this.child.stdout, this.child.stderr, this.child.stdio[3]]) (stream as { ref?: () => void } | null)?.ref?.();
  }
}

const NOTHING: Omit<WarmEnding, 'output' | 'seconds'> = { exitCode: null, signal: null, timedOut: false, outputCapped: false, aborted: false, lost: null };
