import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SELECT_OPTIONS, resolveSelectOptions, type SelectOptions } from '../../../src/select/options.js';
import { runSelect } from '../../../src/select/run.js';
import { pipelineNaming } from '../../../src/util/options.js';
import { tempDir } from '../../helpers/files.js';

const BASE: SelectOptions = { embeddings: 'e.npy', k: 5, out: 'o' };

/** One bad value per option of the table, and how the message shows it. */
const BAD: Record<string, { given: unknown; shown: string }> = {
  k: { given: 0, shown: 'a positive integer, got 0 (a number)' },
  first: { given: -1, shown: 'a non-negative integer, got -1 (a number)' },
  seed: { given: 1.5, shown: 'a non-negative integer, got 1.5 (a number)' },
  alreadySelected: { given: '', shown: 'a path (a string), got "" (a string)' },
  precision: { given: 'fp64', shown: 'one of "fp32", "fp16", got "fp64" (a string)' },
  threads: { given: 0, shown: 'a positive integer, got 0 (a number)' },
  backend: { given: 'cuda', shown: 'one of "cpu", "webgpu", got "cuda" (a string)' },
  poolSize: { given: 0, shown: 'a positive integer, got 0 (a number)' },
  checkpointSeconds: { given: '60', shown: 'a non-negative integer, got "60" (a string)' },
  baseline: { given: 'no', shown: 'true or false, got "no" (a string)' },
  memoryBudget: { given: '4 lots', shown: 'a size in bytes (a number, or a string such as "4G", "512MiB" or "1.5GB"), got "4 lots" (a string)' },
  bounds: { given: 1, shown: 'true or false, got 1 (a number)' },
};

/** The `E_USAGE` message `resolveSelectOptions` throws for `options`. */
function problems(options: Record<string, unknown>, naming?: (name: string) => string): string {
  try {
    resolveSelectOptions(options as unknown as SelectOptions, naming);
  } catch (error) {
    expect((error as { code?: string }).code).toBe('E_USAGE');
    return (error as Error).message;
  }
  throw new Error('expected a usage error');
}

describe('resolveSelectOptions', () => {
  it('has one bad value for every option of SELECT_OPTIONS', () => {
    expect(Object.keys(BAD).sort()).toEqual(Object.keys(SELECT_OPTIONS).sort());
  });

  it.each(Object.entries(BAD))('%s: a bad value is E_USAGE naming the flag, or the pipeline key with pipelineNaming', (name, { given, shown }) => {
    const options = { ...BASE, [name]: given };
    expect(problems(options)).toContain(`${SELECT_OPTIONS[name]!.flag} must be ${shown}`);
    expect(problems(options, pipelineNaming('select'))).toContain(`select.${name} must be ${shown}`);
  });

  it('fills every default once', () => {
    const resolved = resolveSelectOptions(BASE);
    expect(resolved).toEqual({
      embeddings: 'e.npy', k: 5, out: 'o', first: undefined, seed: 0, alreadySelected: undefined, precision: 'fp32',
      threads: availableParallelism(), backend: 'cpu', poolSize: undefined, baseline: true, bounds: false, checkpointSeconds: 60, memoryBudget: resolved.memoryBudget,
    });
    // Three quarters of what the process can take (read again here: it moves a little between the two reads).
    expect(resolved.memoryBudget / (0.75 * process.availableMemory())).toBeCloseTo(1, 1);
  });

  it('reads a memory budget written as a size, and refuses 0', () => {
    expect(resolveSelectOptions({ ...BASE, memoryBudget: '1.5G' }).memoryBudget).toBe(1.5 * 2 ** 30);
    expect(resolveSelectOptions({ ...BASE, memoryBudget: 4096 }).memoryBudget).toBe(4096);
    expect(problems({ ...BASE, memoryBudget: 0 })).toContain('--memory-budget must be more than 0 bytes, got 0');
  });

  it('keeps the values given', () => {
    const given: SelectOptions = { embeddings: 'e.arrow', k: 9, out: 'x', first: 3, seed: 7, precision: 'fp16', threads: 2, backend: 'webgpu', poolSize: 12, baseline: false, bounds: true, checkpointSeconds: 0, memoryBudget: 2 ** 31 };
    expect(resolveSelectOptions(given)).toEqual({ ...given, alreadySelected: undefined });
  });

  it('reports every problem at once, the cross-field rule and missing required values included', () => {
    const message = problems({ k: 0, out: '', precision: 'fp64', poolSize: 0, first: 1, alreadySelected: 'c.arrow' });
    expect(message.split('\n')[0]).toBe('invalid select options:');
    for (const problem of [
      '--embeddings is required',
      '--k must be a positive integer, got 0 (a number)',
      '--out must be a path (a string), got "" (a string)',
      '--precision must be one of "fp32", "fp16", got "fp64" (a string)',
      '--pool-size must be a positive integer, got 0 (a number)',
      '--first and --already-selected exclude each other: a warm start continues from the rows already selected',
    ]) expect(message).toContain(`  - ${problem}`);
    expect(message.split('\n')).toHaveLength(7);
  });

  it('names the cross-field rule by pipeline keys with pipelineNaming', () => {
    expect(problems({ ...BASE, first: 0, alreadySelected: 'c.arrow' }, pipelineNaming('select'))).toContain('select.first and select.alreadySelected exclude each other');
  });
});

describe('runSelect', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(async () => cleanup());

  it.each([
    ['precision: "fp64"', { precision: 'fp64' }, '--precision must be one of "fp32", "fp16", got "fp64"'],
    ['poolSize: 0', { poolSize: 0 }, '--pool-size must be a positive integer, got 0'],
  ])('rejects %s before it reads the embeddings or creates the output folder', async (_name, bad, message) => {
    const out = join(dir, 'out');
    const run = runSelect({ ...BASE, embeddings: join(dir, 'missing.npy'), out, ...(bad as Partial<SelectOptions>) });
    await expect(run).rejects.toMatchObject({ code: 'E_USAGE' });
    await expect(run).rejects.toThrow(message);
    expect(existsSync(out)).toBe(false);
  });

  it('names the pipeline key when given pipelineNaming', async () => {
    const run = runSelect({ ...BASE, embeddings: join(dir, 'missing.npy'), out: join(dir, 'out'), poolSize: 0 }, pipelineNaming('select'));
    await expect(run).rejects.toThrow('select.poolSize must be a positive integer, got 0 (a number)');
  });
});
