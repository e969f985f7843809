/** Which interpreter runs which language, and how. Pure. */
import type { ExecLanguage, ExecLimits } from './types.js';

/** Spellings accepted for each language (compared lowercased, trimmed). */
const ALIASES: Readonly<Record<string, ExecLanguage>> = {
  python: 'python',
  python3: 'python',
  py: 'python',
  javascript: 'javascript',
  js: 'javascript',
  node: 'javascript',
  nodejs: 'javascript',
};

/** The language a request's `language` names, or null when the sandbox cannot run it. */
export function execLanguage(name: string): ExecLanguage | null {
  return ALIASES[name.trim().toLowerCase()] ?? null;
}

/** The interpreters' executables, as absolute paths. */
export interface Interpreters {
  python: string;
  node: string;
}

/** File name of the program inside its folder. */
export function programFileName(language: ExecLanguage): string {
  return language === 'python' ? 'main.py' : 'main.js';
}

/**
 * The program file's text: the solution, then the tests, each ending with a newline so that a last line
 * without one does not run into the next part.
 */
export function programText(solution: string, tests: string): string {
  const part = (text: string): string => (text.endsWith('\n') || text === '' ? text : `${text}\n`);
  return `${part(solution)}\n${part(tests)}`;
}

/**
 * The command line that runs `programPath`.
 * Python: `-I` (isolated: no environment variables, no user site folder, the script's folder not on the
 * path), `-B` (no .pyc files written), and `-S` (no `site` module: it halves Python's start, measured in
 * bench/exec.mjs) unless `pythonSite`; a program that needed `site` (a package from site-packages, the
 * `exit()` builtin) is run again with it ({@link needsPythonSite}). Node: its heap capped at half the address space (V8 aborts with a
 * clear "heap out of memory" instead of failing an mmap), module syntax detected (`import` works
 * as well as `require`), no warnings about experimental features.
 */
export function interpreterCommand(language: ExecLanguage, interpreters: Interpreters, programPath: string, limits: ExecLimits, pythonSite = false): string[] {
  if (language === 'python') return pythonSite ? [interpreters.python, '-I', '-B', programPath] : [interpreters.python, '-I', '-S', '-B', programPath];
  return [interpreters.node, ...nodeFlags(limits), programPath];
}

/** Node's flags for a program: its heap capped at half the address space, module syntax detected, no warnings about experimental features. */
export function nodeFlags(limits: ExecLimits): string[] {
  const heapMiB = Math.max(64, Math.floor(limits.addressSpaceBytes / 2 / 1024 ** 2));
  return [`--max-old-space-size=${heapMiB}`, '--experimental-detect-module', '--no-warnings'];
}

/**
 * `prlimit` in front of a command: the kernel's limits for CPU seconds (soft at the limit, so the
 * process gets SIGXCPU, hard one second later), address space, processes, file size, open files, and
 * no core dumps.
 */
export function prlimitCommand(prlimit: string, limits: ExecLimits, command: readonly string[]): string[] {
  const cpu = Math.max(1, Math.ceil(limits.cpuSeconds));
  return [
    prlimit,
    `--cpu=${cpu}:${cpu + 1}`,
    `--as=${limits.addressSpaceBytes}`,
    `--nproc=${limits.processes}`,
    `--fsize=${limits.fileSizeBytes}`,
    `--nofile=${limits.openFiles}`,
    '--core=0',
    '--',
    ...command,
  ];
}

/**
 * Whether a Python program that failed without the `site` module may pass with it: a module not found
 * (site-packages are on the path only through `site`) or one of the builtins `site` adds.
 */
export function needsPythonSite(output: string): boolean {
  return /^(ModuleNotFoundError: No module named|NameError: name '(exit|quit|help|copyright|credits|license)' is not defined)/m.test(output);
}
