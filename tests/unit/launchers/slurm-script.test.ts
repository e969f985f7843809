// The sbatch script of a job: directives checked line by line, the --array range list against an
// independent expansion (property test), and the script's own command run by bash, so the quoting
// and the task placeholder are judged by the shell itself rather than by string comparison.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TASK_INDEX, type JobSpec } from '../../../src/launchers/launcher.js';
import { batchScript, compressRanges, shellQuote } from '../../../src/launchers/slurm/index.js';

/** Expands a Slurm `--array` list (`0-3,7`) back into its indices, written independently of compressRanges. */
function expand(list: string): number[] {
  return list.split(',').flatMap((part) => {
    const [first, last = first] = part.split('-').map(Number) as [number, number?];
    return Array.from({ length: last - first + 1 }, (_, offset) => first + offset);
  });
}

/** The `#SBATCH` lines of a script, without the prefix. */
function directives(script: string): string[] {
  return script.split('\n').filter((line) => line.startsWith('#SBATCH ')).map((line) => line.slice('#SBATCH '.length));
}

const ARRAY_JOB: JobSpec = {
  name: 'tidepool-embed',
  command: ['/usr/bin/node', '/opt/tidepool/bin/tidepool.js', 'embed', '--shard', `${TASK_INDEX}/64`, '--out', '/shared/work dir/embed'],
  cwd: '/shared/work dir',
  env: { HF_HOME: '/shared/hf cache', TIDEPOOL_NOTE: "it's" },
  tasks: [0, 1, 2, 3, 7, 9, 10],
  parallel: 8,
  after: ['101', '102'],
  resources: { partition: 'gpu', time: '02:00:00', cpusPerTask: 8, mem: '32G', gpusPerTask: 1, account: 'lab', qos: 'normal', extra: ['--constraint=a100', '--exclusive'] },
  logDir: '/shared/work dir/logs',
  requeue: true,
};

describe('compressRanges', () => {
  it('writes runs as ranges, sorted, duplicates dropped', () => {
    expect(compressRanges([0, 1, 2, 3, 7, 9, 10])).toBe('0-3,7,9-10');
    expect(compressRanges([5])).toBe('5');
    expect(compressRanges([10, 9, 9, 0, 2, 1])).toBe('0-2,9-10');
  });

  it('names exactly the given indices, with no two ranges that could be joined (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(300), { minLength: 1, maxLength: 120 }), (tasks) => {
        const list = compressRanges(tasks);
        expect(expand(list)).toEqual([...new Set(tasks)].sort((a, b) => a - b));
        const bounds = list.split(',').map((part) => part.split('-').map(Number));
        for (let index = 1; index < bounds.length; index++) expect(bounds[index]![0]!).toBeGreaterThan(bounds[index - 1]!.at(-1)! + 1);
      }),
    );
  });

  it('refuses an empty list and negative or fractional indices with E_LAUNCHER', () => {
    expect(() => compressRanges([])).toThrow(expect.objectContaining({ code: 'E_LAUNCHER' }));
    expect(() => compressRanges([1, -1])).toThrow(expect.objectContaining({ code: 'E_LAUNCHER', message: expect.stringContaining('-1') as unknown }) as Error);
    expect(() => compressRanges([1.5])).toThrow(expect.objectContaining({ code: 'E_LAUNCHER' }));
  });
});

describe('batchScript', () => {
  it('writes the directives of an array job: name, array with %W, one log per task, resources, extras, requeue, afterok', () => {
    const script = batchScript(ARRAY_JOB);
    expect(script.startsWith('#!/bin/bash\n')).toBe(true);
    expect(directives(script)).toEqual([
      '--job-name=tidepool-embed',
      '--array=0-3,7,9-10%8',
      "--output=/shared/work dir/logs/%A_%a.out",
      "--error=/shared/work dir/logs/%A_%a.out",
      '--partition=gpu',
      '--time=02:00:00',
      '--cpus-per-task=8',
      '--mem=32G',
      '--gpus-per-task=1',
      '--account=lab',
      '--qos=normal',
      '--constraint=a100',
      '--exclusive',
      '--requeue',
      '--dependency=afterok:101:102',
      '--kill-on-invalid-dep=yes',
    ]);
  });

  it('writes a single job with %j logs and no array, requeue or dependency lines', () => {
    const script = batchScript({ name: 'tidepool-select', command: ['true'], cwd: '/w', logDir: '/w/logs' });
    expect(directives(script)).toEqual(['--job-name=tidepool-select', '--output=/w/logs/%j.out', '--error=/w/logs/%j.out']);
  });

  it('bash runs the command with every argument intact, the placeholder as the task id, the env exported, in cwd', () => {
    const folder = mkdtempSync(join(tmpdir(), 'tidepool-sbatch-'));
    const cwd = join(folder, "a dir with 'quotes'");
    execFileSync('mkdir', ['-p', cwd]);
    const tricky = ['plain', '', 'two words', "it's", '$HOME', '`id`', '"dq"', 'a\nb', '*', `x${TASK_INDEX}y${TASK_INDEX}`, TASK_INDEX, `${TASK_INDEX}/4`];
    const printer = 'console.log(JSON.stringify({ argv: process.argv.slice(1), cwd: process.cwd(), note: process.env.TIDEPOOL_NOTE, space: process.env.WITH_SPACE }))';
    const script = batchScript({
      name: 'probe',
      command: [process.execPath, '-e', printer, ...tricky],
      cwd,
      env: { TIDEPOOL_NOTE: "it's $HOME `id`", WITH_SPACE: 'a b' },
      tasks: [0, 1, 2, 3],
      logDir: join(folder, 'logs'),
    });
    const path = join(folder, 'job.sbatch');
    writeFileSync(path, script);
    const output = execFileSync('bash', [path], { env: { ...process.env, SLURM_ARRAY_TASK_ID: '3' }, encoding: 'utf8' });
    const expected = tricky.map((argument) => argument.replaceAll(TASK_INDEX, '3'));
    expect(JSON.parse(output)).toEqual({ argv: expected, cwd, note: "it's $HOME `id`", space: 'a b' });
  });

  it('refuses what sbatch could not take: extra lines that are not long options, multi-line values, bad env names, bad dependency ids', () => {
    const refuse = (patch: Partial<JobSpec>, text: string): void => {
      expect(() => batchScript({ ...ARRAY_JOB, ...patch })).toThrow(expect.objectContaining({ code: 'E_LAUNCHER', message: expect.stringContaining(text) as unknown }) as Error);
    };
    refuse({ resources: { extra: ['constraint=a100'] } }, '"constraint=a100"');
    refuse({ resources: { extra: ['--constraint=a\n#SBATCH --x'] } }, 'one sbatch long option');
    refuse({ resources: { partition: 'gpu\nrm -rf /' } }, '--partition must be one line');
    refuse({ env: { 'BAD-NAME': 'x' } }, 'BAD-NAME');
    refuse({ after: ['101', 'abc'] }, 'abc');
    refuse({ parallel: 0 }, 'parallel must be a positive integer');
    refuse({ command: [] }, 'empty command');
    refuse({ tasks: [] }, 'at least one task index');
  });
});

describe('shellQuote', () => {
  it('leaves safe words bare and single-quotes the rest', () => {
    expect(shellQuote('--shard=0/4')).toBe('--shard=0/4');
    expect(shellQuote('')).toBe("''");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
  });
});
