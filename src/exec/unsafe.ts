/**
 * Running without isolation (`--unsafe-no-sandbox`), for machines where bubblewrap cannot run. The
 * program still gets the kernel limits (prlimit), the wall-clock limit (its process group killed), the
 * output cap, an empty environment and a fresh temporary folder as its working folder, removed
 * afterwards. It can read and write everything the user can, and reach the network.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runChild } from './child.js';
import { interpreterCommand, programFileName, programText, prlimitCommand, type Interpreters } from './languages.js';
import { runWithSiteRetry } from './site-retry.js';
import type { ExecLanguage, ExecLimits, ExecRequest, ExecResult, Sandbox } from './types.js';
import { judgeRun } from './verdict.js';

/** What tidepool prints when it runs generated code without a sandbox. */
export const UNSAFE_WARNING =
  'WARNING: --unsafe-no-sandbox: generated code runs WITHOUT isolation. It can read your files (~/.ssh, your work folder), ' +
  'write anywhere you can, and use the network. Only resource limits and a timeout apply. Run this only in a throwaway container or VM.';

/** A {@link Sandbox} that isolates nothing (kind `none`). */
export class UnsafeSandbox implements Sandbox {
  readonly kind = 'none' as const;

  /**
   * @param prlimit util-linux's prlimit.
   * @param interpreters the Python and Node executables.
   * @param defaults limits for requests that do not set their own.
   * @param tempRoot where each run's temporary folder is made. @default os.tmpdir()
   */
  constructor(
    private readonly prlimit: string,
    private readonly interpreters: Interpreters,
    private readonly defaults: Readonly<ExecLimits>,
    private readonly tempRoot = tmpdir(),
  ) {}

  run(request: ExecRequest, signal?: AbortSignal): Promise<ExecResult> {
    return runWithSiteRetry(request, this.defaults, (name) => `no interpreter for language "${name}" (tidepool runs python and javascript)`, (...args) => this.runOnce(...args), signal);
  }

  private async runOnce(language: ExecLanguage, limits: ExecLimits, request: ExecRequest, pythonSite: boolean, signal: AbortSignal | undefined): Promise<ExecResult> {
    const folder = await mkdtemp(join(this.tempRoot, 'tidepool-exec-'));
    try {
      const programPath = join(folder, programFileName(language));
      await writeFile(programPath, programText(request.solution, request.tests), { mode: 0o600 });
      const ending = await runChild({
        argv: prlimitCommand(this.prlimit, limits, interpreterCommand(language, this.interpreters, programPath, limits, pythonSite)),
        env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: folder, TMPDIR: folder, LANG: 'C.UTF-8', PYTHONIOENCODING: 'utf-8' },
        cwd: folder,
        wallSeconds: limits.wallSeconds,
        outputBytes: limits.outputBytes,
      }, signal);
      const output = ending.output.toString('utf8');
      const killed = ending.timedOut || ending.outputCapped || ending.aborted;
      const judged = judgeRun(language, {
        exitCode: ending.exitCode,
        signal: ending.signal,
        started: ending.spawnError === null,
        startFailure: ending.spawnError ?? '',
        timedOut: ending.timedOut,
        outputCapped: ending.outputCapped,
        aborted: ending.aborted,
        output,
      }, limits);
      return { ...judged, exitCode: killed ? null : ending.exitCode, signal: ending.signal, output, outputTruncated: ending.outputCapped, seconds: ending.seconds };
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  }
}
