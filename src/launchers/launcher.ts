/**
 * The launcher interface: what an executor needs from a cluster scheduler, and nothing more. One small
 * module per scheduler implements it (Slurm in slurm/; a Kubernetes Indexed Job launcher would map
 * `tasks` to completionMode Indexed with `JOB_COMPLETION_INDEX`, `parallel` to parallelism,
 * `after` to a controller that creates the Job when its dependencies succeeded, and `requeue` to
 * backoffLimitPerIndex). The scheduler does the scheduling: tidepool only submits, asks, cancels.
 */

/** Resources of every task of one job (Slurm names; another scheduler maps what it can and refuses the rest). */
export interface JobResources {
  partition?: string | undefined;
  /** Wall-clock limit in the scheduler's own syntax (Slurm: `HH:MM:SS`, `D-HH`, minutes). */
  time?: string | undefined;
  cpusPerTask?: number | undefined;
  /** Memory per node in the scheduler's syntax (Slurm: `16G`). */
  mem?: string | undefined;
  gpusPerTask?: number | undefined;
  account?: string | undefined;
  qos?: string | undefined;
  /** Further scheduler directives, written as given (Slurm: `--constraint=a100` becomes `#SBATCH --constraint=a100`). */
  extra?: readonly string[] | undefined;
}

/** Placeholder in {@link JobSpec.command} replaced by the task's index (Slurm: `$SLURM_ARRAY_TASK_ID`). */
export const TASK_INDEX = '{task}';

/** One job to submit: an array of tasks, or a single task. */
export interface JobSpec {
  /** Job name as the scheduler shows it (e.g. `tidepool-embed`). */
  name: string;
  /** argv of every task; an argument equal to or containing {@link TASK_INDEX} gets the task's index. */
  command: readonly string[];
  /** Working directory of the tasks. */
  cwd: string;
  /** Environment variables set for the tasks, on top of what the scheduler passes (Slurm: the submitter's). */
  env?: Readonly<Record<string, string>> | undefined;
  /**
   * Task indices to run, for an array job (any subset of 0..N-1, e.g. only the shards left to do);
   * undefined for a single job.
   */
  tasks?: readonly number[] | undefined;
  /** At most this many tasks of the array at once (Slurm `%W`). */
  parallel?: number | undefined;
  /** Job ids that must all finish successfully before this job starts (Slurm `afterok`); when one fails, this job is cancelled. */
  after?: readonly string[] | undefined;
  resources?: JobResources | undefined;
  /** Folder of the tasks' logs (created when missing). */
  logDir: string;
  /** Let the scheduler requeue a task on preemption or node failure. */
  requeue?: boolean | undefined;
}

/** What the scheduler says about one task. */
export type TaskState = 'pending' | 'running' | 'finishing' | 'other';

/** One task the scheduler still knows (finished ones leave its queue: markers say which succeeded). */
export interface QueuedTask {
  jobId: string;
  /** Index within its array; undefined for a single job. */
  task: number | undefined;
  state: TaskState;
  /** The scheduler's own state name (`PENDING`, `RUNNING`, ...). */
  schedulerState: string;
  /** Why it waits, as the scheduler says (`Dependency`, `Resources`, ...), when it does. */
  reason: string | undefined;
}

/** A cluster scheduler. */
export interface Launcher {
  /** `slurm`, ... */
  readonly name: string;
  /**
   * Submits `job`.
   * @returns the scheduler's job id (an array's tasks are `jobId` + task index)
   * @throws TidepoolError `E_LAUNCHER` with the scheduler's own message when it refuses
   */
  submit(job: JobSpec): Promise<string>;
  /** Tasks of these jobs that the scheduler still has queued or running (pending arrays expanded per task). */
  query(jobIds: readonly string[]): Promise<QueuedTask[]>;
  /** Cancels these jobs (all their tasks); ids the scheduler no longer knows are ignored. */
  cancel(jobIds: readonly string[]): Promise<void>;
  /** Path of the log of task `task` of job `jobId` (`task` undefined for a single job) in `logDir`. */
  logFile(logDir: string, jobId: string, task: number | undefined): string;
}
