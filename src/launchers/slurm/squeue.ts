/**
 * Parsing `squeue -h -o '%i|%T|%r'`, as a pure function. squeue prints a running array task as
 * `123_4`, the pending rest of an array as one line `123_[5-7,9%2]`, and a single job as `124`.
 */
import { InternalError } from '../../errors.js';
import type { QueuedTask, TaskState } from '../launcher.js';

/** The output format {@link parseSqueue} reads: job id, state name, reason. */
export const SQUEUE_FORMAT = '%i|%T|%r';

/** Slurm's state names grouped as the launcher interface sees them. */
function taskState(schedulerState: string): TaskState {
  switch (schedulerState) {
    case 'PENDING':
    case 'REQUEUED':
    case 'REQUEUE_HOLD':
    case 'REQUEUE_FED':
      return 'pending';
    case 'RUNNING':
    case 'CONFIGURING':
      return 'running';
    case 'COMPLETING':
    case 'STAGE_OUT':
      return 'finishing';
    default:
      return 'other';
  }
}

/** `5-7,9%2` (the inside of `[...]`) as the task indices it names; the `%W` limit is not a task. */
function expandTaskList(list: string, line: string): number[] {
  const tasks: number[] = [];
  for (const part of list.replace(/%\d+$/, '').split(',')) {
    const range = /^(\d+)(?:-(\d+))?(?::(\d+))?$/.exec(part);
    if (range === null) throw new InternalError(`squeue printed an array task list this parser does not know: ${JSON.stringify(line)}`);
    const first = Number(range[1]);
    const last = range[2] === undefined ? first : Number(range[2]);
    const step = range[3] === undefined ? 1 : Number(range[3]);
    for (let task = first; task <= last; task += step) tasks.push(task);
  }
  return tasks;
}

/** The tasks in squeue's output (format {@link SQUEUE_FORMAT}, no header), pending array ranges expanded per task. */
export function parseSqueue(output: string): QueuedTask[] {
  const tasks: QueuedTask[] = [];
  for (const line of output.split('\n')) {
    if (line.trim() === '') continue;
    const [id, schedulerState, reasonText] = line.trim().split('|');
    const parsed = /^(\d+)(?:_(?:(\d+)|\[([^\]]+)\]))?$/.exec(id ?? '');
    if (parsed === null || schedulerState === undefined || reasonText === undefined) {
      throw new InternalError(`squeue printed a line this parser does not know (format ${SQUEUE_FORMAT}): ${JSON.stringify(line)}`);
    }
    const jobId = parsed[1]!;
    const indices = parsed[2] !== undefined ? [Number(parsed[2])] : parsed[3] !== undefined ? expandTaskList(parsed[3], line) : [undefined];
    const reason = reasonText === 'None' || reasonText === '' ? undefined : reasonText;
    for (const task of indices) tasks.push({ jobId, task, state: taskState(schedulerState), schedulerState, reason });
  }
  return tasks;
}
