/**
 * The sbatch script of a {@link JobSpec}, as pure functions: `#SBATCH` directives, the exported
 * environment, and the command with {@link TASK_INDEX} expanded to Slurm's array task id.
 */
import { TidepoolError } from '../../errors.js';
import { TASK_INDEX, type JobResources, type JobSpec } from '../launcher.js';

/**
 * Task indices as Slurm's `--array` list: sorted, duplicates dropped, runs compressed (`0-3,7,9-10`).
 * @throws TidepoolError `E_LAUNCHER` for an empty list or an index that is not a non-negative integer
 */
export function compressRanges(tasks: readonly number[]): string {
  const bad = tasks.filter((task) => !Number.isSafeInteger(task) || task < 0);
  if (bad.length > 0) throw new TidepoolError('E_LAUNCHER', `Task indices must be non-negative integers; got ${bad.join(', ')}.`, { tasks: bad });
  if (tasks.length === 0) throw new TidepoolError('E_LAUNCHER', 'An array job needs at least one task index; got none (submit only when shards are left to run).');
  const sorted = [...new Set(tasks)].sort((a, b) => a - b);
  const parts: string[] = [];
  let start = sorted[0]!;
  let end = start;
  for (const task of [...sorted.slice(1), Number.NaN]) {
    if (task === end + 1) {
      end = task;
      continue;
    }
    parts.push(start === end ? String(start) : `${start}-${end}`);
    start = end = task;
  }
  return parts.join(',');
}

/** `value` quoted for bash so it stays one word, whatever it holds. */
export function shellQuote(value: string): string {
  if (value !== '' && /^[A-Za-z0-9_./:=@%+,-]+$/.test(value)) return value;
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** One argument of the command: quoted, with each {@link TASK_INDEX} becoming `$SLURM_ARRAY_TASK_ID` (which expands). */
function commandWord(argument: string): string {
  if (!argument.includes(TASK_INDEX)) return shellQuote(argument);
  return argument.split(TASK_INDEX).map((piece) => (piece === '' ? '' : shellQuote(piece))).join('"$SLURM_ARRAY_TASK_ID"');
}

/** Log file pattern of a job's tasks (one file for stdout and stderr). */
export function logPattern(logDir: string, isArray: boolean): string {
  return `${logDir}/${isArray ? '%A_%a' : '%j'}.out`;
}

/** `#SBATCH` values may not hold a newline (it would end the directive and start a script line). */
function directive(option: string, value: string): string {
  if (/[\r\n]/.test(value)) throw new TidepoolError('E_LAUNCHER', `Slurm option ${option} must be one line; got ${JSON.stringify(value)}.`, { option, value });
  return `#SBATCH ${option}=${value}`;
}

/** The resource directives, in sbatch's own option names. */
function resourceLines(resources: JobResources): string[] {
  const lines: string[] = [];
  const add = (option: string, value: string | number | undefined): void => {
    if (value !== undefined) lines.push(directive(option, String(value)));
  };
  add('--partition', resources.partition);
  add('--time', resources.time);
  add('--cpus-per-task', resources.cpusPerTask);
  add('--mem', resources.mem);
  add('--gpus-per-task', resources.gpusPerTask);
  add('--account', resources.account);
  add('--qos', resources.qos);
  for (const extra of resources.extra ?? []) {
    if (!extra.startsWith('--') || /[\r\n]/.test(extra)) {
      throw new TidepoolError('E_LAUNCHER', `An extra Slurm directive must be one sbatch long option starting with "--" (e.g. --constraint=a100); got ${JSON.stringify(extra)}.`, { extra });
    }
    lines.push(`#SBATCH ${extra}`);
  }
  return lines;
}

/**
 * The batch script that runs `job`: directives (name, array with `%W`, one log per task, resources,
 * `--requeue`, `afterok` dependencies with `--kill-on-invalid-dep=yes` so a failed dependency cancels
 * this job instead of leaving it pending for ever), the environment, `cd` to the working folder, and
 * `exec` of the command.
 * @throws TidepoolError `E_LAUNCHER` for values sbatch could not take (empty name or command, bad extra lines)
 */
export function batchScript(job: JobSpec): string {
  if (job.name.trim() === '' || /[\r\n]/.test(job.name)) throw new TidepoolError('E_LAUNCHER', `A job name must be one non-empty line; got ${JSON.stringify(job.name)}.`);
  if (job.command.length === 0) throw new TidepoolError('E_LAUNCHER', `Job ${job.name} has an empty command.`);
  if (job.parallel !== undefined && (!Number.isSafeInteger(job.parallel) || job.parallel < 1)) {
    throw new TidepoolError('E_LAUNCHER', `Job ${job.name}: parallel must be a positive integer; got ${job.parallel}.`);
  }
  const isArray = job.tasks !== undefined;
  const lines = ['#!/bin/bash', directive('--job-name', job.name)];
  if (job.tasks !== undefined) lines.push(directive('--array', compressRanges(job.tasks) + (job.parallel === undefined ? '' : `%${job.parallel}`)));
  lines.push(directive('--output', logPattern(job.logDir, isArray)), directive('--error', logPattern(job.logDir, isArray)));
  lines.push(...resourceLines(job.resources ?? {}));
  if (job.requeue === true) lines.push('#SBATCH --requeue');
  if (job.after !== undefined && job.after.length > 0) {
    const bad = job.after.filter((id) => !/^\d+(_\d+)?$/.test(id));
    if (bad.length > 0) throw new TidepoolError('E_LAUNCHER', `Job ${job.name}: dependencies must be Slurm job ids; got ${bad.join(', ')}.`, { after: bad });
    lines.push(directive('--dependency', `afterok:${job.after.join(':')}`), '#SBATCH --kill-on-invalid-dep=yes');
  }
  lines.push('set -e');
  for (const [name, value] of Object.entries(job.env ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new TidepoolError('E_LAUNCHER', `Job ${job.name}: ${JSON.stringify(name)} is not an environment variable name.`);
    lines.push(`export ${name}=${shellQuote(value)}`);
  }
  lines.push(`cd ${shellQuote(job.cwd)}`, `exec ${job.command.map(commandWord).join(' ')}`);
  return `${lines.join('\n')}\n`;
}
