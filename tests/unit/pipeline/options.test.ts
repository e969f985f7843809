/**
 * The pipeline file takes every option of every stage's command, under the command's camelCase name,
 * and a value of the wrong type is a usage error naming the pipeline key and the value with its type.
 */
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { decontamCommand } from '../../../src/cli/commands/decontam.js';
import { embedCommand } from '../../../src/cli/commands/embed.js';
import { exportCommand } from '../../../src/cli/commands/export.js';
import { generateCommand } from '../../../src/cli/commands/generate.js';
import { ingestCommand } from '../../../src/cli/commands/ingest.js';
import { reportCommand } from '../../../src/cli/commands/report.js';
import { sampleCommand } from '../../../src/cli/commands/sample.js';
import { selectCommand } from '../../../src/cli/commands/select.js';
import { checkPipelineConfig } from '../../../src/pipeline/config.js';
import { STAGE_OPTIONS, WIRED_BY_PIPELINE, type OptionKind } from '../../../src/pipeline/options.js';
import { STAGES, type StageName } from '../../../src/pipeline/stage-names.js';

const COMMANDS: Record<StageName, () => Command> = {
  sample: sampleCommand, ingest: ingestCommand, embed: embedCommand, select: selectCommand,
  generate: generateCommand, decontam: decontamCommand, export: exportCommand, report: reportCommand,
};
/** Flags every command has that say how to print, not what to do. */
const OUTPUT_FLAGS = ['json', 'quiet'];
const FILE = '/pipelines/p.json';
const at = (path: string): string => resolve('/pipelines', path);

/** The stages a stage needs before it, so that a section can be checked alone. */
function withPrerequisites(stage: StageName, section: Record<string, unknown>): Record<string, unknown> {
  const base: Record<string, unknown> = { work: 'w', ingest: { inputs: ['data'] }, embed: { model: 'hashing' }, select: { k: 5 }, generate: { llm: 'scripted' } };
  return { ...base, [stage]: section };
}

/** A minimal valid section of a stage (its required options). */
const REQUIRED: Record<StageName, Record<string, unknown>> = {
  sample: { rows: 10 }, ingest: { inputs: ['data'] }, embed: { model: 'hashing' }, select: { k: 5 },
  generate: { llm: 'scripted' }, decontam: { bench: ['b.jsonl'] }, export: { format: 'alpaca' }, report: {},
};

/** A good value of each kind, and what the checked config holds for it. */
function goodValue(kind: OptionKind): { given: unknown; stored: unknown } {
  switch (kind.type) {
    case 'integer': return { given: kind.max ?? kind.min + 1, stored: kind.max ?? kind.min + 1 };
    case 'number': return { given: kind.max === undefined ? kind.min + 0.5 : (kind.min + kind.max) / 2, stored: kind.max === undefined ? kind.min + 0.5 : (kind.min + kind.max) / 2 };
    case 'boolean': return { given: false, stored: false };
    case 'string': return { given: 'text', stored: 'text' };
    case 'size': return { given: '1.5GiB', stored: 1.5 * 2 ** 30 };
    case 'choice': return { given: kind.values.at(-1), stored: kind.values.at(-1) };
    case 'list': return { given: ['python', 'java'], stored: ['python', 'java'] };
    case 'path': return { given: 'dir/file', stored: at('dir/file') };
    case 'paths': return { given: ['a.jsonl', 'b.jsonl'], stored: [at('a.jsonl'), at('b.jsonl')] };
    case 'path-or-false': return { given: false, stored: false };
    case 'path-or-boolean': return { given: 'figures', stored: at('figures') };
    case 'model': return { given: './models/m', stored: at('models/m') };
    case 'llm': return { given: { model: 'm', baseURL: 'http://127.0.0.1:9/v1' }, stored: { model: 'm', baseURL: 'http://127.0.0.1:9/v1' } };
  }
}

/** A value of the wrong type for each kind, and how the message must show it. */
function wrongValue(kind: OptionKind): { given: unknown; shown: string } {
  switch (kind.type) {
    case 'integer': return { given: '5', shown: '"5" (a string)' };
    case 'number': return { given: '0.5', shown: '"0.5" (a string)' };
    case 'boolean': return { given: 'no', shown: '"no" (a string)' };
    case 'string': return { given: 5, shown: '5 (a number)' };
    case 'size': return { given: '4 lots', shown: '"4 lots" (a string)' };
    case 'choice': return { given: 'nope', shown: '"nope" (a string)' };
    case 'list': return { given: 5, shown: '5 (a number)' };
    case 'path': return { given: 5, shown: '5 (a number)' };
    case 'paths': return { given: [1], shown: '[1] (a list)' };
    case 'path-or-false': return { given: true, shown: 'true (a boolean)' };
    case 'path-or-boolean': return { given: 5, shown: '5 (a number)' };
    case 'model': return { given: { path: 'm' }, shown: '{"path":"m"} (an object)' };
    case 'llm': return { given: 5, shown: '5 (a number)' };
  }
}

function usageProblems(raw: unknown): string {
  try {
    checkPipelineConfig(raw, FILE);
  } catch (error) {
    expect((error as { code?: string }).code).toBe('E_USAGE');
    return (error as Error).message;
  }
  throw new Error('expected a usage error');
}

describe('pipeline options against the commands', () => {
  it.each(STAGES)('%s: every option of the command is a pipeline key, or one the pipeline sets itself', (stage) => {
    const command = COMMANDS[stage]();
    const names = [...command.registeredArguments.map((argument) => argument.name()), ...command.options.map((option) => option.attributeName())];
    const missing = names.filter((name) => !OUTPUT_FLAGS.includes(name) && STAGE_OPTIONS[stage][name] === undefined && WIRED_BY_PIPELINE[stage][name] === undefined);
    expect(missing, `${stage} options the pipeline file does not take`).toEqual([]);
  });

  it.each(STAGES)('%s: choices and on/off flags have the same values and type as on the command line', (stage) => {
    for (const option of COMMANDS[stage]().options) {
      const spec = STAGE_OPTIONS[stage][option.attributeName()];
      if (spec === undefined || OUTPUT_FLAGS.includes(option.attributeName())) continue;
      if (option.argChoices !== undefined) expect(spec.kind, option.flags).toEqual({ type: 'choice', values: option.argChoices });
      if (!option.required && !option.optional && option.attributeName() !== 'card') expect(spec.kind.type, option.flags).toBe('boolean');
    }
  });

  it.each(STAGES)('%s: every pipeline key named after a flag names a flag the command has', (stage) => {
    const flags = COMMANDS[stage]().options.flatMap((option) => [option.long, option.short]).filter((flag) => flag !== undefined);
    for (const [key, spec] of Object.entries(STAGE_OPTIONS[stage])) {
      for (const flag of (spec.flag ?? '').split(', ').filter((name) => name.startsWith('-'))) expect(flags, `${stage}.${key} -> ${flag}`).toContain(flag);
    }
  });
});

describe('checkPipelineConfig', () => {
  // Keys a stage's table holds but a pipeline refuses (--shard, --merge) are tested with the refusals.
  const table = STAGES.flatMap((stage) => Object.entries(STAGE_OPTIONS[stage]).filter(([key]) => WIRED_BY_PIPELINE[stage][key] === undefined).map(([key, spec]) => ({ stage, key, kind: spec.kind })));

  it.each(table)('$stage / $key: a good value is accepted', ({ stage, key, kind }) => {
    const { given, stored } = goodValue(kind);
    const config = checkPipelineConfig(withPrerequisites(stage, { ...REQUIRED[stage], [key]: given }), FILE);
    expect(config.stages[stage]?.[key]).toEqual(stored);
  });

  it.each(['embed', 'decontam'] as const)('%s.model: a Hub id that is no local path stays as written (not made a path)', (stage) => {
    for (const id of ['sentence-transformers/all-MiniLM-L6-v2', 'org/name@v1.0']) {
      const config = checkPipelineConfig(withPrerequisites(stage, { ...REQUIRED[stage], model: id }), FILE);
      expect(config.stages[stage]?.model).toBe(id);
    }
  });

  it.each(table)('$stage / $key: a value of the wrong type is a usage error naming the key and the value with its type', ({ stage, key, kind }) => {
    const { given, shown } = wrongValue(kind);
    const message = usageProblems(withPrerequisites(stage, { ...REQUIRED[stage], [key]: given }));
    expect(message).toContain(`${stage}.${key} must be `);
    expect(message).toContain(`got ${shown}`);
  });

  it('says "got "5" (a string)" for select.k, not "got 5"', () => {
    expect(usageProblems(withPrerequisites('select', { k: '5' }))).toContain('select.k must be a positive integer, got "5" (a string)');
    expect(usageProblems(withPrerequisites('select', { k: 0 }))).toContain('select.k must be a positive integer, got 0 (a number)');
    expect(usageProblems(withPrerequisites('select', { k: 2.5 }))).toContain('select.k must be a positive integer, got 2.5 (a number)');
  });

  it('a string where a list goes is read as the flag reads it; a string where paths go is one path', () => {
    const config = checkPipelineConfig({ work: 'w', ingest: { inputs: 'data.jsonl', languages: 'python' }, sample: undefined }, FILE);
    expect(config.stages.ingest).toEqual({ inputs: [at('data.jsonl')], languages: ['python'] });
    expect(checkPipelineConfig({ work: 'w', ingest: { inputs: ['d'], languages: 'python, java' } }, FILE).stages.ingest?.languages).toEqual(['python', 'java']);
    expect(usageProblems({ work: 'w', ingest: { inputs: ['d'], languages: '' } })).toContain('ingest.languages must be a list of strings');
    expect(usageProblems({ work: 'w', ingest: { inputs: ['d'], languages: ['python', 3] } })).toContain('got ["python",3] (a list)');
  });

  it('options the pipeline sets itself are refused with the reason, and an API key never goes in a file', () => {
    const message = usageProblems(withPrerequisites('generate', { llm: 'scripted', apiKey: 'sk-123', out: 'x' }));
    expect(message).toContain('generate.apiKey is not set in a pipeline file: an API key never goes in a file');
    expect(message).toContain('generate.out is not set in a pipeline file: generate writes into WORK/generate/');
    expect(usageProblems(withPrerequisites('decontam', { bench: ['b.jsonl'], shard: '0/2', merge: true }))).toContain('decontam.shard is not set in a pipeline file: the executor sets it: shards come from executor.tasks');
    expect(usageProblems(withPrerequisites('embed', { model: 'hashing', merge: true }))).toContain('embed.merge is not set in a pipeline file: the executor runs the merge after the shards');
    expect(usageProblems(withPrerequisites('generate', { llm: 'scripted', shard: '1/3' }))).toContain('generate.shard is not set in a pipeline file: the executor sets it: shards come from executor.tasks');
    expect(usageProblems(withPrerequisites('select', { k: 5, selct: 1 }))).toMatch(/select\.selct is not an option of select; it takes k, first, seed, alreadySelected, precision, threads, backend/);
  });

  it('a newer and an older name of one option may not both be set', () => {
    expect(usageProblems(withPrerequisites('generate', { llm: 'scripted', timeout: 5, timeoutMs: 5000 }))).toContain('generate.timeout and generate.timeoutMs set the same option');
  });

  it('collects every problem before failing', () => {
    const message = usageProblems({ work: 'w', ingest: { inputs: ['d'], minCodeLines: -1, dedup: 'no' }, embed: { model: 'hashing', device: 'tpu' } });
    expect(message.split('\n  - ')).toHaveLength(4);
    expect(message).toContain(join('p.json'));
  });
});
