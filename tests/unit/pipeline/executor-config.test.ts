import { describe, expect, it } from 'vitest';
import { TidepoolError } from '../../../src/errors.js';
import { resolveExecutor, stageResources, tasksOf } from '../../../src/pipeline/executor-config.js';
import { formatJobRef, parseJobRef, parseNextStage } from '../../../src/pipeline/cluster/job-ref.js';
import type { StageName } from '../../../src/pipeline/stage-names.js';

const ALL: StageName[] = ['sample', 'ingest', 'embed', 'select', 'generate', 'decontam', 'export', 'report'];

function problems(section: unknown, flags = {}, present = ALL): string {
  try {
    resolveExecutor(section, flags, present, 'p.json');
  } catch (error) {
    expect(error).toBeInstanceOf(TidepoolError);
    expect((error as TidepoolError).code).toBe('E_USAGE');
    return (error as Error).message;
  }
  throw new Error('expected E_USAGE');
}

describe('executor settings', () => {
  it('defaults to the local executor, one task per stage, requeue on', () => {
    const settings = resolveExecutor(undefined, {}, ALL, 'p.json');
    expect(settings).toEqual({ type: 'local', tasks: {}, workers: undefined, requeue: true, resources: {}, stages: {} });
    expect(tasksOf(settings, 'embed')).toBe(1);
  });

  it('takes the file section, and flags win over it key by key', () => {
    const section = { type: 'slurm', tasks: { embed: 8, decontam: 2 }, workers: 4, requeue: false, resources: { partition: 'gpu', mem: '32G', gpusPerTask: 1, sbatch: ['--constraint=a100'] }, stages: { select: { partition: 'bigmem', mem: '400G' } } };
    const settings = resolveExecutor(section, { tasks: 'embed=16', workers: 2, resources: { mem: '64G', time: undefined } }, ALL, 'p.json');
    expect(settings.type).toBe('slurm');
    expect(settings.tasks).toEqual({ embed: 16, decontam: 2 });
    expect(settings.workers).toBe(2);
    expect(settings.requeue).toBe(false);
    expect(settings.resources).toEqual({ partition: 'gpu', mem: '64G', gpusPerTask: 1, extra: ['--constraint=a100'] });
    expect(stageResources(settings, 'select')).toEqual({ partition: 'bigmem', mem: '400G', gpusPerTask: 1, extra: ['--constraint=a100'] });
    expect(resolveExecutor(section, { executor: 'local' }, ALL, 'p.json').type).toBe('local');
  });

  it('lists every problem with its key or flag', () => {
    const message = problems({ type: 'k8s', tasks: { embedd: 2, select: 4, embed: 0 }, workers: 'x', resources: { partiton: 'a', sbatch: ['constraint=a100'] }, stages: { selct: {} }, extra: 1 }, { tasks: 'export=2,oops' });
    expect(message).toContain('executor.type must be one of local, slurm, got "k8s"');
    expect(message).toContain('executor.tasks.embedd: there is no stage "embedd"');
    expect(message).toMatch(/did you mean "embed"/);
    expect(message).toContain('executor.tasks.select = 4: select runs as one task (the exact greedy needs every point at once');
    expect(message).toMatch(/executor\.tasks\.embed must be a positive integer, got 0/);
    expect(message).toContain('--tasks export = 2: export runs as one task');
    expect(message).toContain('--tasks "oops": expected STAGE=N');
    expect(message).toMatch(/executor\.workers must be a positive integer/);
    expect(message).toContain('executor.resources.partiton is not a resource');
    expect(message).toContain('executor.resources.sbatch: "constraint=a100" must be an sbatch option starting with "--"');
    expect(message).toContain('executor.stages.selct: there is no stage "selct"');
    expect(message).toContain('executor.extra is not an executor setting');
  });

  it('refuses tasks for a stage the pipeline does not have', () => {
    expect(problems({ tasks: { decontam: 2 } }, {}, ['ingest', 'embed'])).toContain('executor.tasks.decontam: the pipeline p.json has no decontam stage; its stages are ingest, embed');
  });
});

describe('job references', () => {
  it('round-trips every role', () => {
    for (const ref of [{ stage: 'embed', role: 'shard', index: 3, shards: 4 }, { stage: 'embed', role: 'finish', shards: 4 }, { stage: 'select', role: 'whole' }] as const) {
      expect(parseJobRef(formatJobRef(ref))).toEqual(ref);
    }
    expect(formatJobRef({ stage: 'embed', role: 'shard', index: '{task}', shards: 4 })).toBe('embed/shard/{task}/4');
    expect(parseNextStage('decontam/2')).toEqual({ stage: 'decontam', shards: 2 });
  });

  it('refuses what the executor never writes', () => {
    expect(() => parseJobRef('embed/shard/4/4')).toThrow(/shard 4 of 4 does not exist/);
    expect(() => parseJobRef('embd/whole')).toThrow(/no stage "embd"/);
    expect(() => parseJobRef('embed/merge')).toThrow(/expected STAGE\/whole, STAGE\/finish\/N or STAGE\/shard\/I\/N/);
    expect(() => parseJobRef('embed/finish/x')).toThrow(/must be a whole number/);
    expect(() => parseNextStage('decontam')).toThrow(/expected STAGE\/N/);
  });
});
