/** The executor flags `tidepool run` and `tidepool status` share (see pipeline/executor-config.ts). */
import type { Command } from 'commander';
import type { ExecutorFlags } from '../pipeline/executor-config.js';
import { parseCount, parsePositive } from './parse.js';

/** The flags as commander parses them. */
export interface ExecutorCliFlags {
  executor?: string;
  tasks?: string;
  workers?: number;
  requeue?: boolean;
  partition?: string;
  time?: string;
  cpusPerTask?: number;
  mem?: string;
  gpusPerTask?: number;
  account?: string;
  qos?: string;
  sbatch?: string[];
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Adds the executor flags to `command`. */
export function addExecutorFlags(command: Command): Command {
  return command
    .option('--executor <name>', 'where the stages run: local (this process, the default) or slurm (a job array per stage; see "Run on a cluster" in the README); overrides the file\'s executor.type')
    .option('--tasks <stage=n,...>', 'shards per stage for a cluster executor, e.g. embed=64,decontam=8 (ingest, embed, decontam split; the others run as one job)')
    .option('--workers <n>', 'at most n tasks of a stage at once (Slurm --array=...%n)', parsePositive)
    .option('--no-requeue', 'do not let Slurm requeue a task after a preemption or node failure (default: requeue)')
    .option('--partition <name>', 'Slurm partition of every job (executor.stages.STAGE overrides per stage)')
    .option('--time <limit>', 'Slurm time limit of every job, e.g. 04:00:00')
    .option('--cpus-per-task <n>', 'Slurm --cpus-per-task', parsePositive)
    .option('--mem <size>', 'Slurm --mem per node, e.g. 32G')
    .option('--gpus-per-task <n>', 'Slurm --gpus-per-task (the merge jobs ask for none)', parseCount)
    .option('--account <name>', 'Slurm --account')
    .option('--qos <name>', 'Slurm --qos')
    .option('--sbatch <option>', 'one more #SBATCH line for every job, e.g. --sbatch=--constraint=a100 (repeatable)', collect);
}

/** The flags as the executor's settings take them. */
export function executorFlagsOf(flags: ExecutorCliFlags): ExecutorFlags {
  return {
    executor: flags.executor, tasks: flags.tasks, workers: flags.workers,
    // commander sets `requeue: true` when --no-requeue is absent: only its presence is a flag.
    requeue: flags.requeue === false ? false : undefined,
    resources: { partition: flags.partition, time: flags.time, cpusPerTask: flags.cpusPerTask, mem: flags.mem, gpusPerTask: flags.gpusPerTask, account: flags.account, qos: flags.qos, extra: flags.sbatch },
  };
}
