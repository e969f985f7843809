/** Turns how a run ended into a verdict and a reason a person can read. Pure. */
import type { ExecLanguage, ExecLimits, ExecResult, ExecVerdict } from './types.js';

/** How a run ended, as the shell saw it. */
export interface RunEnding {
  /** The program's exit status, or null when killed by a signal. */
  exitCode: number | null;
  /** The signal that killed the program, or null. */
  signal: string | null;
  /** False when the sandbox could not start the program. */
  started: boolean;
  /** What went wrong starting it (the sandbox tool's own message), when `started` is false. */
  startFailure: string;
  /** Killed at the wall-clock limit. */
  timedOut: boolean;
  /** Killed because it printed more than the cap. */
  outputCapped: boolean;
  /** Killed because the caller aborted. */
  aborted: boolean;
  /** The captured output (already cut at the cap). */
  output: string;
}

const SIGNAL_MEANINGS: Readonly<Record<string, string>> = {
  SIGXCPU: 'used up its CPU seconds',
  SIGXFSZ: 'wrote a file larger than the file-size limit',
  SIGSEGV: 'crashed (segmentation fault)',
  SIGABRT: 'aborted',
  SIGKILL: 'was killed (SIGKILL: the CPU limit\'s hard end, or out of memory)',
  SIGBUS: 'crashed (bus error)',
  SIGFPE: 'crashed (arithmetic error)',
  SIGILL: 'crashed (illegal instruction)',
  SIGPIPE: 'wrote to a closed pipe',
};

/** Lines that mean a resource limit was hit rather than the program being wrong. */
const LIMIT_LINES: readonly { pattern: RegExp; reason: (limits: ExecLimits) => string }[] = [
  { pattern: /^MemoryError\b|heap out of memory|Array buffer allocation failed|Cannot allocate memory|std::bad_alloc|out of memory/m, reason: (limits) => `ran out of memory (address-space limit ${mib(limits.addressSpaceBytes)})` },
  { pattern: /Resource temporarily unavailable|EAGAIN|can't start new thread|uv_thread_create/m, reason: (limits) => `hit the process limit (${limits.processes} processes and threads)` },
  { pattern: /Too many open files|EMFILE/m, reason: (limits) => `hit the open-file limit (${limits.openFiles})` },
  { pattern: /File too large|EFBIG|No space left on device|ENOSPC/m, reason: (limits) => `hit the file-size limit (${mib(limits.fileSizeBytes)} a file, ${mib(writableBytes(limits))} in all)` },
];

/** Size of the run's writable folder: four times the file-size limit, at least 16 MiB (/dev/shm adds one file-size limit more). */
export function writableBytes(limits: ExecLimits): number {
  return Math.max(16 * 1024 ** 2, 4 * limits.fileSizeBytes);
}

function mib(bytes: number): string {
  return `${Math.round(bytes / 1024 ** 2)} MiB`;
}

/** The line that names the error: Python's traceback ends with it; Node prints it after the source excerpt. */
export function errorLine(language: ExecLanguage, output: string): string {
  const lines = output.split(/\r?\n/).map((line) => line.trimEnd()).filter((line) => line.trim() !== '');
  // A plain `Error: ...` (what `throw new Error(...)` prints) counts as well as `TypeError: ...`.
  const isError = (line: string): boolean => /^(?:[A-Za-z_][\w.]*)?(Error|Exception|Exit|Interrupt|Warning)\b(\s*\[[A-Z_]+\])?(:|$)/.test(line);
  const found = language === 'python' ? [...lines].reverse().find(isError) : lines.find(isError);
  return (found ?? lines.at(-1) ?? '').slice(0, 300);
}

/** The verdict and reason for a run that ended as `ending` under `limits`. */
export function judgeRun(language: ExecLanguage, ending: RunEnding, limits: ExecLimits): Pick<ExecResult, 'verdict' | 'reason'> {
  const verdict = (value: ExecVerdict, reason: string): Pick<ExecResult, 'verdict' | 'reason'> => ({ verdict: value, reason });
  if (ending.aborted) return verdict(ending.started ? 'crashed' : 'skipped', 'the run was aborted (the caller stopped it)');
  if (!ending.started) return verdict('crashed', `the sandbox could not start the program: ${ending.startFailure.trim() || 'no reason given'}`);
  if (ending.timedOut) return verdict('timeout', `ran past the ${limits.wallSeconds} s wall-clock limit and was killed`);
  if (ending.outputCapped) return verdict('crashed', `printed more than the ${limits.outputBytes}-byte output cap and was stopped`);
  if (ending.signal === 'SIGXCPU') return verdict('timeout', `used up its ${limits.cpuSeconds} CPU seconds (SIGXCPU)`);
  // Killed by a signal, the whole output may explain it (V8's "FATAL ERROR ... heap out of memory");
  // after a normal exit only the error line counts, so a test that merely prints such words is not misread.
  const line = errorLine(language, ending.output);
  const limitHit = LIMIT_LINES.find((entry) => entry.pattern.test(ending.signal === null ? line : ending.output));
  if (ending.signal !== null) {
    const meaning = SIGNAL_MEANINGS[ending.signal] ?? `was killed by ${ending.signal}`;
    return verdict('crashed', limitHit === undefined ? `${meaning} (${ending.signal})` : `${limitHit.reason(limits)} (${ending.signal})`);
  }
  if (ending.exitCode === 0) return verdict('passed', '');
  if (limitHit !== undefined) return verdict('crashed', `${limitHit.reason(limits)}: ${line} (exit status ${String(ending.exitCode)})`);
  return verdict('failed', line === '' ? `exit status ${String(ending.exitCode)}, no output` : `${line} (exit status ${String(ending.exitCode)})`);
}
