/**
 * Whether a `generate` job runs its samples' tests, and in which sandbox: `--execute` left unset turns
 * execution checks on where the sandbox check passes and off (one line says why) where it does not;
 * `--execute` insists; `--no-execute` turns them off. The sandbox module is injected (`src/exec/` in
 * the product), so the choice is testable without a machine that lacks bubblewrap.
 */
import { TidepoolError } from '../errors.js';
import type { SampleRunner } from './execution.js';

/** What the choice needs of the sandbox module. */
export interface SandboxAccess {
  /** Whether the sandbox can run here, and why not. */
  probe(): Promise<{ ok: true; version: string } | { ok: false; reason: string }>;
  /**
   * A sandbox; without `unsafeNoSandbox` it throws `E_SANDBOX_UNAVAILABLE` where bubblewrap cannot run.
   * With it, where bubblewrap cannot run, a runner of kind `none` that says so through `warn`.
   */
  open(options: { unsafeNoSandbox: boolean; freshSandboxes?: boolean; warn: (message: string) => void }): Promise<SampleRunner>;
}

/** The execution options of a job. */
export interface ExecutionChoice {
  execute: boolean | 'auto';
  requirePass: boolean;
  unsafeNoSandbox: boolean;
  /** One new sandbox per sample (`--exec-fresh-sandbox`) instead of warm ones. @default false */
  execFreshSandbox?: boolean;
}

/** The runner `choice` calls for (null: execution checks off), with notes for people through `log`. */
export async function chooseRunner(choice: ExecutionChoice, access: SandboxAccess, log: (line: string) => void): Promise<SampleRunner | null> {
  if (choice.execute === false) return null;
  if (choice.execute === 'auto' && !choice.unsafeNoSandbox) {
    const probe = await access.probe();
    if (!probe.ok) {
      if (choice.requirePass) {
        throw new TidepoolError('E_SANDBOX_UNAVAILABLE', `--require-pass needs execution checks, and the sandbox cannot run here: ${probe.reason}; install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap) and allow unprivileged user namespaces, or drop --require-pass (see README "Execution checks")`, { reason: probe.reason });
      }
      log(`generate: execution checks off: the sandbox cannot run here (${probe.reason}); install bubblewrap to turn them on, or pass --no-execute to silence this note`);
      return null;
    }
  }
  return access.open({ unsafeNoSandbox: choice.unsafeNoSandbox, freshSandboxes: choice.execFreshSandbox === true, warn: (message) => {
    log(`generate: ${message}`);
  } });
}
