/** Finding the tools, checking that bubblewrap really works here, and opening a {@link Sandbox}. */
import { TidepoolError } from '../errors.js';
import { BubblewrapSandbox, firstExisting, type SandboxTools } from './bubblewrap.js';
import { runChild } from './child.js';
import type { Interpreters } from './languages.js';
import { resolveExecLimits } from './limits.js';
import { DEFAULT_EXEC_LIMITS, type ExecLimits, type Sandbox } from './types.js';
import { UNSAFE_WARNING, UnsafeSandbox } from './unsafe.js';
import { WarmSandbox, type JavascriptMode, type WarmOptions } from './warm.js';

/** Where the tools are looked for (absolute paths only: the PATH is the CLI's business). */
const TOOL_PLACES = {
  bwrap: ['/usr/bin/bwrap', '/usr/local/bin/bwrap', '/bin/bwrap'],
  prlimit: ['/usr/bin/prlimit', '/bin/prlimit', '/usr/local/bin/prlimit'],
  setpriv: ['/usr/bin/setpriv', '/bin/setpriv', '/usr/local/bin/setpriv'],
  python: ['/usr/bin/python3', '/usr/local/bin/python3', '/bin/python3'],
} as const;

/** What the probes run: a program that prints its process id (small in a PID namespace of its own). */
const PROBE_PROGRAM = 'import os\nprint("tidepool-probe", os.getpid())';
const JS_PROBE_PROGRAM = 'console.log("tidepool-probe", process.pid);';

/** How to fix a sandbox that does not work, in the order people usually need it. */
export const SANDBOX_FIX =
  'Install bubblewrap (Debian/Ubuntu: `apt-get install bubblewrap`; Fedora: `dnf install bubblewrap`) and util-linux (prlimit, setpriv). ' +
  'bubblewrap needs unprivileged user namespaces: on Ubuntu 23.10+ allow them for bwrap (`sysctl kernel.apparmor_restrict_unprivileged_userns=0`, or an AppArmor profile for /usr/bin/bwrap); ' +
  'on Debian before 11 `sysctl kernel.unprivileged_userns_clone=1`; inside Docker, run the container with `--security-opt seccomp=unconfined --security-opt apparmor=unconfined` ' +
  '(or use the container/gVisor setup in the README\'s "Execution checks"). Or pass --unsafe-no-sandbox to run generated code WITHOUT isolation (limits and timeout only).';

/** Options of {@link openSandbox} and {@link probeSandbox}. */
export interface SandboxOptions {
  /** Run without isolation when bubblewrap cannot run here (never when it can). @default false */
  unsafeNoSandbox?: boolean;
  /** Default limits of every run (a request's own limits override them). @default DEFAULT_EXEC_LIMITS */
  limits?: Partial<ExecLimits>;
  /** Interpreters. @default python: the first of /usr/bin/python3, /usr/local/bin/python3; node: the Node running tidepool */
  interpreters?: Partial<Interpreters>;
  /** Tools. @default the first existing of /usr/bin, /bin, /usr/local/bin */
  tools?: Partial<SandboxTools>;
  /** Where the unsafe mode's warning goes. @default writes it to stderr */
  warn?: (message: string) => void;
  /**
   * A new sandbox per run ({@link BubblewrapSandbox}) instead of warm sandboxes ({@link WarmSandbox}),
   * which run one program after another, each in a fresh process, with everything the last one left
   * killed and wiped. @default false
   */
  freshSandboxes?: boolean;
  /** Settings of the warm sandboxes. */
  warm?: WarmOptions;
}

type Found = { ok: true; tools: SandboxTools; interpreters: Interpreters } | { ok: false; reason: string };

function findTools(options: SandboxOptions): Found {
  const given = (path: string | undefined, places: readonly string[]): string | null => (path === undefined ? firstExisting(places) : firstExisting([path]));
  const bwrap = given(options.tools?.bwrap, TOOL_PLACES.bwrap);
  const prlimit = given(options.tools?.prlimit, TOOL_PLACES.prlimit);
  const setpriv = given(options.tools?.setpriv, TOOL_PLACES.setpriv);
  const python = options.interpreters?.python ?? firstExisting(TOOL_PLACES.python);
  const missing: string[] = [];
  if (bwrap === null) missing.push(`bubblewrap (bwrap, looked for at ${(options.tools?.bwrap === undefined ? TOOL_PLACES.bwrap : [options.tools.bwrap]).join(', ')})`);
  if (prlimit === null) missing.push(`prlimit (util-linux, looked for at ${TOOL_PLACES.prlimit.join(', ')})`);
  if (setpriv === null && process.getuid?.() === 0) missing.push(`setpriv (util-linux, needed when running as root, looked for at ${TOOL_PLACES.setpriv.join(', ')})`);
  if (missing.length > 0 || bwrap === null || prlimit === null) return { ok: false, reason: `not found: ${missing.join('; ')}` };
  return {
    ok: true,
    tools: { bwrap, prlimit, setpriv: setpriv ?? '/usr/bin/setpriv' },
    // A Python that is missing is found out when a Python program runs (crashed, with the reason).
    interpreters: { python: python ?? TOOL_PLACES.python[0], node: options.interpreters?.node ?? process.execPath },
  };
}

/** `bwrap --version`'s answer, or why it gave none. */
async function bwrapVersion(bwrap: string): Promise<string> {
  const ending = await runChild({ argv: [bwrap, '--version'], env: {}, wallSeconds: 10, outputBytes: 4096 });
  const text = ending.output.toString('utf8').trim();
  if (ending.exitCode !== 0) throw new Error(ending.spawnError ?? (text || `exit status ${String(ending.exitCode)}`));
  return text.replace(/^bubblewrap\s*/i, '');
}

/**
 * Whether bubblewrap works here: the tools exist, and a trivial Python program runs in the real sandbox
 * (every namespace, the read-only system, the limits) and prints what it should.
 */
export async function probeSandbox(options: SandboxOptions = {}): Promise<Probe> {
  return probeFound(findTools(options), options);
}

type Probe = { ok: true; version: string; warm: string | null; javascript?: JavascriptMode } | { ok: false; reason: string };

/** {@link probeSandbox} with the tools already looked for. */
async function probeFound(found: Found, options: SandboxOptions): Promise<Probe> {
  if (!found.ok) return found;
  let version: string;
  try {
    version = await bwrapVersion(found.tools.bwrap);
  } catch (error) {
    return { ok: false, reason: `${found.tools.bwrap} --version failed: ${(error as Error).message}` };
  }
  const sandbox = new BubblewrapSandbox(found.tools, found.interpreters, resolveExecLimits(options.limits));
  const result = await sandbox.run({ language: 'python', solution: PROBE_PROGRAM, tests: '' });
  if (result.verdict === 'passed' && /tidepool-probe 2\b/.test(result.output)) {
    const checked = await checkWarm(new WarmSandbox(found.tools, found.interpreters, resolveExecLimits(options.limits), options.warm));
    return { ok: true, version, ...checked };
  }
  const said = result.output.trim().split('\n').slice(-3).join(' | ');
  return { ok: false, reason: `bubblewrap ${version} is installed but a sandboxed run failed (${result.verdict}: ${result.reason}${said === '' ? '' : `; it printed: ${said}`})` };
}

/**
 * Whether `warm` runs a program as it should: in a PID namespace of its own, a warm sandbox's first
 * program is process 3 (after the sandbox's init and its server). Then how it runs JavaScript: a small
 * program through the fork server, which falls back to a new Node per program when the server does
 * not start (an addon built for another Node). The checked sandboxes are closed after, so every warm
 * sandbox's first program starts from the same point.
 * @returns `warm`: null when it works, else what went wrong; `javascript`: how JavaScript runs (when warm sandboxes work).
 */
async function checkWarm(warm: WarmSandbox): Promise<{ warm: string | null; javascript?: JavascriptMode }> {
  try {
    const check = await warm.run({ language: 'python', solution: PROBE_PROGRAM, tests: '' });
    if (check.verdict !== 'passed' || !/tidepool-probe 3\b/.test(check.output)) return { warm: `${check.verdict}: ${check.reason || check.output.trim().slice(0, 200) || 'no output'}` };
    const script = await warm.run({ language: 'javascript', solution: JS_PROBE_PROGRAM, tests: '' });
    const mode = warm.javascriptMode();
    if (script.verdict === 'passed' && script.output.includes('tidepool-probe')) return { warm: null, javascript: mode };
    return { warm: null, javascript: { mode: 'exec', reason: `a JavaScript program did not run (${script.verdict}: ${script.reason || script.output.trim().slice(0, 200) || 'no output'})` } };
  } finally {
    await warm.close();
  }
}

/**
 * A sandbox: bubblewrap when it works here; otherwise, only with `unsafeNoSandbox`, a runner without
 * isolation (limits and timeout only), announced through `warn`.
 * @throws TidepoolError `E_SANDBOX_UNAVAILABLE` when bubblewrap cannot run and `unsafeNoSandbox` is not set, with the fix.
 */
export async function openSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const limits = resolveExecLimits(options.limits, DEFAULT_EXEC_LIMITS, 'limits');
  const warn = options.warn ?? ((message: string) => process.stderr.write(`${message}\n`));
  const found = findTools(options);
  const probe = await probeFound(found, options);
  if (probe.ok && found.ok) {
    if (options.freshSandboxes === true) return new BubblewrapSandbox(found.tools, found.interpreters, limits);
    const warm = new WarmSandbox(found.tools, found.interpreters, limits, options.warm);
    // The probe has just checked warm sandboxes (null: they work).
    const failure = probe.warm;
    if (failure === null) {
      // Only a fallback is announced: a caller that turned the fork server off knows.
      if (probe.javascript?.mode === 'exec' && !warm.forkTurnedOff) warn(`JavaScript programs will each start a new Node (about 2x slower, as safe): ${probe.javascript.reason}`);
      return warm;
    }
    warn(`warm sandboxes do not work here (${failure}); each program gets a new sandbox instead (slower, as safe)`);
    return new BubblewrapSandbox(found.tools, found.interpreters, limits);
  }
  if (options.unsafeNoSandbox !== true) {
    throw new TidepoolError('E_SANDBOX_UNAVAILABLE', `cannot run generated code in a sandbox: ${probe.ok ? 'the tools were not found' : probe.reason}. ${SANDBOX_FIX}`, { reason: probe.ok ? 'tools' : probe.reason });
  }
  const prlimit = options.tools?.prlimit ?? firstExisting(TOOL_PLACES.prlimit);
  if (prlimit === null) {
    throw new TidepoolError('E_SANDBOX_UNAVAILABLE', `--unsafe-no-sandbox still applies resource limits with prlimit, and none was found at ${TOOL_PLACES.prlimit.join(', ')}. Install util-linux.`, {});
  }
  warn(`${UNSAFE_WARNING} (bubblewrap: ${probe.ok ? 'tools not found' : probe.reason})`);
  const python = options.interpreters?.python ?? firstExisting(TOOL_PLACES.python) ?? TOOL_PLACES.python[0];
  return new UnsafeSandbox(prlimit, { python, node: options.interpreters?.node ?? process.execPath }, limits);
}
