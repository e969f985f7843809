/**
 * The Slurm launcher: the thin shell around {@link batchScript} and {@link parseSqueue} that runs
 * `sbatch --parsable`, `squeue` and `scancel`. Accounting (sacct) is never needed: finished tasks
 * leave squeue's list, and the stages' completion markers say which succeeded.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TidepoolError } from '../../errors.js';
import type { JobSpec, Launcher, QueuedTask } from '../launcher.js';
import { batchScript } from './script.js';
import { SQUEUE_FORMAT, parseSqueue } from './squeue.js';

/** How the launcher finds Slurm. */
export interface SlurmLauncherOptions {
  /** Folder holding sbatch, squeue and scancel. @default the folders on PATH */
  binDir?: string | undefined;
  /** Longest wait for one client command, in milliseconds. @default 60000 */
  commandTimeoutMs?: number | undefined;
}

/** What one client command printed. */
interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Submits, asks and cancels through Slurm's client commands. */
export class SlurmLauncher implements Launcher {
  readonly name = 'slurm';
  readonly #binDir: string | undefined;
  readonly #timeoutMs: number;

  constructor(options: SlurmLauncherOptions = {}) {
    this.#binDir = options.binDir;
    this.#timeoutMs = options.commandTimeoutMs ?? 60_000;
  }

  /** Writes the batch script beside the logs (a record of what ran) and submits it. */
  async submit(job: JobSpec): Promise<string> {
    const script = batchScript(job);
    await mkdir(job.logDir, { recursive: true });
    const scriptPath = join(job.logDir, `${job.name.replace(/[^A-Za-z0-9_.-]/g, '_')}-${Date.now()}-${randomBytes(3).toString('hex')}.sbatch`);
    await writeFile(scriptPath, script, { mode: 0o644 });
    const result = await this.#run('sbatch', ['--parsable', scriptPath]);
    const jobId = result.stdout.trim().split(';')[0] ?? '';
    if (result.code !== 0 || !/^\d+$/.test(jobId)) {
      throw new TidepoolError('E_LAUNCHER', `sbatch refused job ${job.name} (script ${scriptPath}): ${result.stderr.trim() || result.stdout.trim() || `exit status ${result.code}`}`, {
        job: job.name,
        script: scriptPath,
        stderr: result.stderr,
      });
    }
    return jobId;
  }

  /** Tasks still queued or running; each pending array task on its own line (`-r`: squeue would cut a long range string short). */
  async query(jobIds: readonly string[]): Promise<QueuedTask[]> {
    if (jobIds.length === 0) return [];
    const result = await this.#run('squeue', ['-h', '-r', '-j', jobIds.join(','), '-o', SQUEUE_FORMAT]);
    if (result.code === 0) return parseSqueue(result.stdout);
    // squeue refuses the whole list when no id in it is known any more (finished jobs are forgotten after MinJobAge).
    if (/Invalid job id/i.test(result.stderr)) {
      if (jobIds.length === 1) return [];
      const each = await Promise.all(jobIds.map((id) => this.query([id])));
      return each.flat();
    }
    throw new TidepoolError('E_LAUNCHER', `squeue failed for jobs ${jobIds.join(',')}: ${result.stderr.trim() || `exit status ${result.code}`}`, { jobIds, stderr: result.stderr });
  }

  /** `scancel` every task of these jobs; scancel itself ignores ids it no longer knows. */
  async cancel(jobIds: readonly string[]): Promise<void> {
    if (jobIds.length === 0) return;
    const result = await this.#run('scancel', [...jobIds]);
    if (result.code !== 0 && !/Invalid job id/i.test(result.stderr)) {
      throw new TidepoolError('E_LAUNCHER', `scancel failed for jobs ${jobIds.join(',')}: ${result.stderr.trim() || `exit status ${result.code}`}`, { jobIds, stderr: result.stderr });
    }
  }

  /** `LOGDIR/JOB_TASK.out` for an array task (`%A_%a`), `LOGDIR/JOB.out` for a single job (`%j`). */
  logFile(logDir: string, jobId: string, task: number | undefined): string {
    return join(logDir, task === undefined ? `${jobId}.out` : `${jobId}_${task}.out`);
  }

  /** Runs one client command; a missing binary is E_LAUNCHER saying where it was looked for. */
  #run(command: 'sbatch' | 'squeue' | 'scancel', args: readonly string[]): Promise<CommandResult> {
    const file = this.#binDir === undefined ? command : join(this.#binDir, command);
    return new Promise((resolvePromise, reject) => {
      execFile(file, args, { timeout: this.#timeoutMs, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
        if (error === null) {
          resolvePromise({ code: 0, stdout, stderr });
          return;
        }
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') {
          const where = this.#binDir === undefined ? 'on PATH' : `in ${this.#binDir}`;
          reject(new TidepoolError('E_LAUNCHER', `Slurm's client commands are not ${where} (${command} not found): run tidepool on a Slurm login node, or install slurm-client and put sbatch, squeue and scancel on PATH.`, { command: file }, { cause: error }));
        } else if (typeof code === 'number') {
          resolvePromise({ code, stdout, stderr });
        } else {
          reject(new TidepoolError('E_LAUNCHER', `${command} ${args.join(' ')} did not finish: ${error.message}`, { command: file }, { cause: error }));
        }
      });
    });
  }
}
