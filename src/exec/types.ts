/**
 * The execution sandbox's interface: what a caller (generate's `--execute`) hands in and gets back.
 * Plain data; the implementations live in bubblewrap.ts (isolated) and unsafe.ts (no isolation).
 */

/** Languages the sandbox can run; any other language string gets the verdict `skipped`. */
export type ExecLanguage = 'python' | 'javascript';

/**
 * How a run ended.
 * - `passed`: the program (solution followed by its tests) exited with status 0.
 * - `failed`: it ran and exited non-zero: a failed assertion, an exception, a syntax error.
 * - `timeout`: it ran past the wall-clock limit or used up its CPU seconds (an endless loop).
 * - `crashed`: it was killed by a signal or a resource limit (memory, processes, file size, output),
 *   or the sandbox could not start it.
 * - `skipped`: not run (a language the sandbox does not know, or the run was aborted before it started).
 */
export type ExecVerdict = 'passed' | 'failed' | 'timeout' | 'crashed' | 'skipped';

/** Resource limits of one run. Every field has a default ({@link DEFAULT_EXEC_LIMITS}). */
export interface ExecLimits {
  /** Wall-clock seconds before the whole process tree is killed. @default 10 */
  wallSeconds: number;
  /** CPU seconds (RLIMIT_CPU) of each process. @default 5 */
  cpuSeconds: number;
  /**
   * Address space (RLIMIT_AS) of each process, in bytes. Node reserves much virtual memory at start
   * and needs about 768 MiB to start at all; its heap is also capped (`--max-old-space-size`, half of this).
   * @default 2 GiB
   */
  addressSpaceBytes: number;
  /**
   * Processes and threads (RLIMIT_NPROC) the sandboxed user may have, counted inside the sandbox's own
   * user namespace. Node starts about a dozen threads. @default 64
   */
  processes: number;
  /**
   * Largest file a process may write (RLIMIT_FSIZE), in bytes. The writable folder is a tmpfs of four
   * times this size (at least 16 MiB). @default 16 MiB
   */
  fileSizeBytes: number;
  /** Open file descriptors (RLIMIT_NOFILE). @default 64 */
  openFiles: number;
  /**
   * Captured output (stdout and stderr together, in arrival order), in bytes. A run that prints more is
   * stopped: its output ends at the cap, `outputTruncated` is set and its verdict is `crashed`. @default 64 KiB
   */
  outputBytes: number;
}

/** The default {@link ExecLimits}. */
export const DEFAULT_EXEC_LIMITS: Readonly<ExecLimits> = Object.freeze({
  wallSeconds: 10,
  cpuSeconds: 5,
  addressSpaceBytes: 2 * 1024 ** 3,
  processes: 64,
  fileSizeBytes: 16 * 1024 ** 2,
  openFiles: 64,
  outputBytes: 64 * 1024,
});

/** One program to run: the solution and its tests, concatenated into one file. */
export interface ExecRequest {
  /** `python` (also `py`, `python3`) or `javascript` (also `js`, `node`, `nodejs`), any case; others are skipped. */
  language: string;
  /** The solution's source. */
  solution: string;
  /** Assert-style tests, appended after the solution in the same file. */
  tests: string;
  /** Limits for this run; missing fields take the sandbox's defaults. */
  limits?: Partial<ExecLimits>;
}

/** What one run did. */
export interface ExecResult {
  verdict: ExecVerdict;
  /** The program's exit status, or null when it was killed by a signal or not run. */
  exitCode: number | null;
  /** The signal that killed it (`SIGKILL`, `SIGSEGV`, ...), or null. */
  signal: string | null;
  /** stdout and stderr together, at most `limits.outputBytes` bytes (UTF-8, a split character replaced). */
  output: string;
  /** True when the program printed more than the cap (and was stopped). */
  outputTruncated: boolean;
  /** Wall-clock seconds from start to end. */
  seconds: number;
  /** Why it failed, crashed, timed out or was skipped, in words (the last error line, the limit hit); '' when passed. */
  reason: string;
}

/** Runs programs. `kind` says whether runs are isolated (`bubblewrap`) or not (`none`, only with `unsafeNoSandbox`). */
export interface Sandbox {
  readonly kind: 'bubblewrap' | 'none';
  /**
   * Runs one program. Never throws for anything the program does: every outcome is an {@link ExecResult}.
   * Aborting `signal` kills the run's whole process tree (verdict `skipped` when it had not started, else `crashed`).
   */
  run(request: ExecRequest, signal?: AbortSignal): Promise<ExecResult>;
  /** Stops what the sandbox keeps between runs (warm sandboxes); runs after it start afresh. */
  close?(): Promise<void>;
}
