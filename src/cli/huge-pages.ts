/**
 * Large selections run under glibc's transparent huge pages. A select over millions of rows spends
 * much of its time mapping fresh memory page by page (the matrix, the gathers): on this project's
 * 2-core VM, L (2,000,000 x 768) took 111.6 s, 65.5 s with `GLIBC_TUNABLES=glibc.malloc.hugetlb=1`
 * (load 38.3 s -> 4.0 s; bench/results/select-L.md). glibc reads that tunable only when a process
 * starts, so the launcher starts `select` once more with it, as a child that it waits for:
 * the terminal's Ctrl-C reaches both (one process group; the parent ignores it and waits), SIGTERM
 * and SIGHUP are passed on, the child's exit status is the command's, and a child whose parent died
 * (kill -9) kills itself within a quarter second. `TIDEPOOL_HUGE_PAGES=never` turns this off,
 * `always` turns it on for any select; a GLIBC_TUNABLES of the user's own is left alone.
 * The `tidepool` command (bin/tidepool, a shell script) sets the tunable for every select before Node
 * starts, so this relaunch serves only `node bin/tidepool.js select ...` run directly.
 */
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { constants } from 'node:os';

/** The tunable: glibc backs its large allocations with transparent huge pages (glibc >= 2.35). */
export const HUGE_PAGES_TUNABLE = 'glibc.malloc.hugetlb=1';
/**
 * Inputs at least this large are selected under huge pages: the second start costs about 0.2 s, and
 * a 147 MB input already loads 0.6 s faster (96,000 x 384: 0.93 s -> 0.34 s).
 */
export const HUGE_PAGES_MIN_INPUT_BYTES = 128 * 1024 ** 2;
/** Set in the relaunched child: the parent's pid, watched so the child does not outlive it. */
const PARENT_VARIABLE = 'TIDEPOOL_PARENT_PID';

/** What the decision looks at. */
export interface HugePagesFacts {
  platform: string;
  /** glibc's version (`2.36`), or null when not glibc. */
  glibc: string | null;
  env: Readonly<Record<string, string | undefined>>;
  /** /sys/kernel/mm/transparent_hugepage/enabled, or null when absent. */
  transparentHugePages: string | null;
  /** Size of the file `--embeddings` names, or null when there is none. */
  inputBytes: number | null;
}

/**
 * Whether `args` (the CLI's arguments) should run again under huge pages. Pure; reads the facts
 * cheapest first (the CLI's facts look the costly ones up only when read: see {@link currentFacts}).
 */
export function wantsHugePages(args: readonly string[], facts: HugePagesFacts): boolean {
  const mode = facts.env['TIDEPOOL_HUGE_PAGES'] ?? 'auto';
  if (mode === 'never' || args[0] !== 'select' || facts.platform !== 'linux') return false;
  if (facts.env['GLIBC_TUNABLES'] !== undefined || facts.env[PARENT_VARIABLE] !== undefined) return false;
  if (mode !== 'always' && (facts.inputBytes ?? 0) < HUGE_PAGES_MIN_INPUT_BYTES) return false;
  // "always [madvise] never": glibc's madvise works in the first two modes.
  if (facts.transparentHugePages === null || !/\[(always|madvise)\]/.test(facts.transparentHugePages)) return false;
  if (facts.glibc === null) return false;
  const [major = 0, minor = 0] = facts.glibc.split('.').map(Number);
  return major > 2 || (major === 2 && minor >= 35);
}

/** The value of `--embeddings` in `args` (either `--embeddings X` or `--embeddings=X`), or null. */
export function embeddingsArgument(args: readonly string[]): string | null {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--embeddings') return args[i + 1] ?? null;
    if (arg.startsWith('--embeddings=')) return arg.slice('--embeddings='.length);
  }
  return null;
}

/**
 * The facts of this process and machine, each looked up when first read: every `select` starts by
 * asking, and glibc's version comes from a diagnostic report (several ms), needed only for a large input.
 */
function currentFacts(args: readonly string[]): HugePagesFacts {
  return {
    platform: process.platform,
    env: process.env,
    get inputBytes() {
      const input = embeddingsArgument(args);
      try {
        return input === null ? null : statSync(input).size;
      } catch {
        return null; // a missing input: the command reports it itself
      }
    },
    get transparentHugePages() {
      try {
        return readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8');
      } catch {
        return null;
      }
    },
    get glibc() {
      const header = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header;
      return header?.glibcVersionRuntime ?? null;
    },
  };
}

/**
 * Runs `args` again in a child under huge pages when {@link wantsHugePages} says so.
 * @param entry the launcher script to start the child with.
 * @returns the child's exit status, or null when this process should run the command itself.
 */
export async function relaunchWithHugePages(args: readonly string[], entry: string): Promise<number | null> {
  if (!wantsHugePages(args, currentFacts(args))) return null;
  const child = spawn(process.execPath, [...process.execArgv, entry, ...args], {
    stdio: 'inherit',
    env: { ...process.env, GLIBC_TUNABLES: HUGE_PAGES_TUNABLE, [PARENT_VARIABLE]: String(process.pid) },
  });
  const ignore = (): void => undefined;
  const passOn = (signal: NodeJS.Signals) => (): void => {
    child.kill(signal);
  };
  process.on('SIGINT', ignore); // the terminal sends it to the child too
  process.on('SIGTERM', passOn('SIGTERM'));
  process.on('SIGHUP', passOn('SIGHUP'));
  return new Promise((resolve) => {
    child.on('error', (error) => {
      process.stderr.write(`tidepool: could not start select under huge pages (${error.message}); rerun with TIDEPOOL_HUGE_PAGES=never\n`);
      resolve(1);
    });
    child.on('exit', (code, signal) => {
      resolve(code ?? 128 + (signal === null ? 0 : constants.signals[signal]));
    });
  });
}

/** In a relaunched child: ends this process (SIGKILL, as its parent went) once its parent is gone. */
export function watchParent(): void {
  const parent = process.env[PARENT_VARIABLE];
  if (parent === undefined) return;
  // Not passed on: a process this one starts has a parent of its own.
  delete process.env.TIDEPOOL_PARENT_PID;
  setInterval(() => {
    if (process.ppid !== Number(parent)) process.kill(process.pid, 'SIGKILL');
  }, 250).unref();
}
