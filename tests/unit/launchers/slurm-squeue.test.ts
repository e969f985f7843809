// squeue's output as squeue 22.05 prints it (format '%i|%T|%r'): running array tasks, the pending
// rest of an array as one bracketed range with its %W limit, single jobs, and finished states.
import { describe, expect, it } from 'vitest';
import { parseSqueue } from '../../../src/launchers/slurm/index.js';

describe('parseSqueue', () => {
  it('expands a pending array range with %W into one task each, and keeps running tasks and single jobs', () => {
    const output = ['3_[2-5%2]|PENDING|JobArrayTaskLimit', '4|PENDING|Dependency', '3_0|RUNNING|None', '3_1|COMPLETING|None', ''].join('\n');
    expect(parseSqueue(output)).toEqual([
      ...[2, 3, 4, 5].map((task) => ({ jobId: '3', task, state: 'pending', schedulerState: 'PENDING', reason: 'JobArrayTaskLimit' })),
      { jobId: '4', task: undefined, state: 'pending', schedulerState: 'PENDING', reason: 'Dependency' },
      { jobId: '3', task: 0, state: 'running', schedulerState: 'RUNNING', reason: undefined },
      { jobId: '3', task: 1, state: 'finishing', schedulerState: 'COMPLETING', reason: undefined },
    ]);
  });

  it('reads lists, steps and ranges without %W inside the brackets', () => {
    const tasks = parseSqueue('77_[0,4-6,10-14:2]|PENDING|Resources\n');
    expect(tasks.map((task) => task.task)).toEqual([0, 4, 5, 6, 10, 12, 14]);
    expect(new Set(tasks.map((task) => task.reason))).toEqual(new Set(['Resources']));
  });

  it('maps states it does not group to other, keeping the scheduler name', () => {
    expect(parseSqueue('9|SUSPENDED|None\n9_1|REQUEUED|BeginTime')).toEqual([
      { jobId: '9', task: undefined, state: 'other', schedulerState: 'SUSPENDED', reason: undefined },
      { jobId: '9', task: 1, state: 'pending', schedulerState: 'REQUEUED', reason: 'BeginTime' },
    ]);
  });

  it('gives nothing for empty output and an internal error for a line in another format', () => {
    expect(parseSqueue('')).toEqual([]);
    expect(() => parseSqueue('JOBID PARTITION NAME')).toThrow(expect.objectContaining({ code: 'E_INTERNAL' }));
  });
});
