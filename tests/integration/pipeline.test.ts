/** `tidepool run`: stages skipped when up to date, resumed when interrupted, rerun when something upstream changed. */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPipeline, type PipelineSummary } from '../../src/cli/run-pipeline.js';
import { CLI, runCli } from '../helpers/cli.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tidepool-pipeline-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function pipeline(name: string, overrides: Record<string, unknown> = {}): string {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({
    work: `${name}-work`,
    sample: { rows: 3000, seed: 5 },
    ingest: {},
    embed: { model: 'hashing' },
    select: { k: 40 },
    generate: { llm: 'scripted', limit: 5, concurrency: 4 },
    export: { format: 'alpaca' },
    ...overrides,
  }, null, 2));
  return file;
}

const statuses = (summary: PipelineSummary): Record<string, string> => Object.fromEntries(summary.stages.map((stage) => [stage.stage, stage.status]));

describe('tidepool run', () => {
  it('runs every stage, skips them all when nothing changed, and reruns only what a change reaches', async () => {
    const file = pipeline('basic');
    const first = await runPipeline({ file });
    expect(statuses(first)).toEqual({ sample: 'ran', ingest: 'ran', embed: 'ran', select: 'ran', generate: 'ran', export: 'ran' });
    const exported = readFileSync(join(dir, 'basic-work', 'export', 'train.jsonl'), 'utf8');
    expect(exported.split('\n').filter(Boolean).length).toBeGreaterThan(5);

    const second = await runPipeline({ file });
    expect(statuses(second)).toEqual({ sample: 'skipped', ingest: 'skipped', embed: 'skipped', select: 'skipped', generate: 'skipped', export: 'skipped' });

    // Another first center changes select's output, so everything after it runs again; the stages before it do not.
    pipeline('basic', { select: { k: 40, seed: 9 } });
    const third = await runPipeline({ file });
    expect(statuses(third)).toEqual({ sample: 'skipped', ingest: 'skipped', embed: 'skipped', select: 'rerun', generate: 'rerun', export: 'rerun' });

    // A smaller k keeps the first picks (the greedy's order), so generate reruns (its input file changed)
    // but writes the same samples, and export, whose input did not change, is skipped.
    pipeline('basic', { select: { k: 30, seed: 9 } });
    expect(statuses(await runPipeline({ file }))).toEqual({ sample: 'skipped', ingest: 'skipped', embed: 'skipped', select: 'rerun', generate: 'rerun', export: 'skipped' });

    // Changing only the export format leaves generate alone.
    pipeline('basic', { select: { k: 30, seed: 9 }, export: { format: 'sharegpt' } });
    const fourth = await runPipeline({ file });
    expect(statuses(fourth)).toEqual({ sample: 'skipped', ingest: 'skipped', embed: 'skipped', select: 'skipped', generate: 'skipped', export: 'rerun' });
    expect(readFileSync(join(dir, 'basic-work', 'export', 'train.jsonl'), 'utf8')).toContain('"conversations"');
  });

  it('an export outside the work folder leaves a README.md beside it alone and reruns over its own files', async () => {
    const readme = join(dir, 'dataset', 'README.md');
    mkdirSync(join(dir, 'dataset'), { recursive: true });
    writeFileSync(readme, '# my dataset notes\n');
    const small = { sample: { rows: 500, seed: 5 }, select: { k: 10 }, generate: { llm: 'scripted', limit: 3, concurrency: 2 } };
    const file = pipeline('beside', { ...small, export: { format: 'alpaca', out: 'dataset/train.jsonl' } });
    expect(statuses(await runPipeline({ file }))).toMatchObject({ export: 'ran' });
    expect(readFileSync(readme, 'utf8')).toBe('# my dataset notes\n');
    expect(readFileSync(join(dir, 'dataset', 'train.jsonl.card.md'), 'utf8')).toContain('path: "train.jsonl"');
    pipeline('beside', { ...small, export: { format: 'sharegpt', out: 'dataset/train.jsonl' } });
    expect(statuses(await runPipeline({ file }))).toMatchObject({ generate: 'skipped', export: 'rerun' });
    expect(readFileSync(join(dir, 'dataset', 'train.jsonl'), 'utf8')).toContain('"conversations"');
    expect(readFileSync(readme, 'utf8')).toBe('# my dataset notes\n');
  });

  it('an outside input whose content changed reruns the stages that read it', async () => {
    const input = join(dir, 'pairs.jsonl');
    const row = (i: number): string => JSON.stringify({ language: 'python', docstring: `Return the value number ${i} doubled.`, code: `def double_${i}(x):\n    y = x * 2\n    return y + ${i}\n` });
    writeFileSync(input, `${Array.from({ length: 200 }, (_, i) => row(i)).join('\n')}\n`);
    const file = join(dir, 'outside.json');
    writeFileSync(file, JSON.stringify({ work: 'outside-work', ingest: { inputs: ['pairs.jsonl'] }, embed: { model: 'hashing' }, select: { k: 10 } }));
    expect(statuses(await runPipeline({ file }))).toEqual({ ingest: 'ran', embed: 'ran', select: 'ran' });
    expect(statuses(await runPipeline({ file }))).toEqual({ ingest: 'skipped', embed: 'skipped', select: 'skipped' });
    writeFileSync(input, `${Array.from({ length: 201 }, (_, i) => row(i)).join('\n')}\n`);
    expect(statuses(await runPipeline({ file }))).toEqual({ ingest: 'rerun', embed: 'rerun', select: 'rerun' });
    expect(statuses(await runPipeline({ file, force: ['select'] }))).toEqual({ ingest: 'skipped', embed: 'skipped', select: 'rerun' });
  });

  it('resumes a stage that was killed (kill -9 of the CLI) instead of starting it over', async () => {
    const file = pipeline('killed', { generate: { llm: 'scripted', limit: 40, concurrency: 2 } });
    const journal = join(dir, 'killed-work', 'generate', '.generate', 'journal.jsonl');
    const child = spawn(process.execPath, [CLI, 'run', file, '-q'], { stdio: 'ignore' });
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => {
      const poll = setInterval(() => {
        if (existsSync(journal) && readFileSync(journal, 'utf8').split('\n').length > 20) child.kill('SIGKILL');
      }, 10);
      child.on('exit', (_code, sig) => {
        clearInterval(poll);
        resolve(sig);
      });
    });
    expect(signal).toBe('SIGKILL');
    const resumed = await runCli(['run', file, '--json', '-q']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const summary = resumed.json as PipelineSummary;
    expect(statuses(summary)).toMatchObject({ sample: 'skipped', ingest: 'skipped', embed: 'skipped', select: 'skipped', generate: 'resumed', export: 'ran' });
    const manifest = JSON.parse(readFileSync(join(dir, 'killed-work', 'generate', 'manifest.json'), 'utf8')) as { counts: { complete: boolean; units: number; finished: number } };
    expect(manifest.counts).toMatchObject({ complete: true, units: 160, finished: 160 });
  });

  it('reads YAML pipeline files too', async () => {
    const file = join(dir, 'small.yaml');
    writeFileSync(file, ['# a pipeline in YAML', 'work: yaml-work', 'sample:', '  rows: 500', 'ingest: {}', 'embed:', '  model: hashing', 'select:', '  k: 5', ''].join('\n'));
    expect(statuses(await runPipeline({ file }))).toEqual({ sample: 'ran', ingest: 'ran', embed: 'ran', select: 'ran' });
    expect(existsSync(join(dir, 'yaml-work', 'select', 'coreset.arrow'))).toBe(true);
  });

  it('a bad pipeline file lists every problem', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ work: 'w', embed: { model: 'hashing', colour: 'blue' }, select: {}, frobnicate: {} }));
    await expect(runPipeline({ file })).rejects.toMatchObject({
      code: 'E_USAGE',
      message: expect.stringMatching(/frobnicate[\s\S]*embed\.colour[\s\S]*select\.k is required[\s\S]*"embed" needs a "ingest"/) as unknown,
    });
  });
});
