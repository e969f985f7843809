/**
 * Every option of every stage, given one bad value, through the command line and through a pipeline
 * file: exit 1, the option named as the user wrote it (the flag, or the bad path; the pipeline key
 * `stage.key`), and nothing written (no output folder; for `tidepool run`, no work folder: no stage
 * started). The CLI runs in this process (`main` with its stderr captured), so the ~180 cases cost
 * milliseconds each instead of a node start each.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { runPipeline } from '../../src/cli/run-pipeline.js';
import { pipelineDevkit } from '../../src/devkit/pipeline.js';
import type { ScriptedLlm } from '../../src/pipeline/host.js';
import { STAGE_OPTIONS } from '../../src/pipeline/options.js';
import type { StageName } from '../../src/pipeline/stage-names.js';
import type { OptionKind } from '../../src/util/options.js';
import { tempDir } from '../helpers/files.js';

let dir: string;
let work: string;
let llm: ScriptedLlm;
let cleanup: () => Promise<void>;
const BENCH = resolve('examples/benchmarks/humaneval-style.jsonl');

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('tidepool-cli-bad-values-'));
  // Real upstream folders, so that each command gets past its inputs to the option under test.
  const file = join(dir, 'upstream.json');
  writeFileSync(file, JSON.stringify({ work: 'work', sample: { rows: 200 }, ingest: {}, embed: { model: 'hashing' }, select: { k: 4 }, generate: { llm: 'scripted', limit: 2 } }));
  await runPipeline({ file });
  work = join(dir, 'work');
  llm = await pipelineDevkit.startScriptedLlm();
});
afterAll(async () => {
  await llm.close();
  await cleanup();
});

/** The required arguments of each command (flag -> value; `''` for a positional), given its output path. */
function requiredArgs(stage: StageName, out: string): [string, string][] {
  switch (stage) {
    case 'sample': return [['--rows', '10'], ['--out', join(out, 'sample.jsonl')]];
    case 'ingest': return [['', join(work, 'sample', 'sample.jsonl.gz')], ['--out', out]];
    case 'embed': return [['--data', join(work, 'ingest')], ['--model', 'hashing'], ['--out', out]];
    case 'select': return [['--embeddings', join(work, 'embed')], ['--k', '3'], ['--out', out]];
    // --limit 1 keeps a case that wrongly runs short; the scripted server answers at once.
    case 'generate': return [['--data', join(work, 'ingest')], ['--coreset', join(work, 'select')], ['--out', out], ['--model', 'scripted'], ['--base-url', llm.baseURL], ['--limit', '1']];
    case 'decontam': return [['--input', join(work, 'generate')], ['--bench', BENCH], ['--out', out]];
    case 'export': return [['--input', join(work, 'generate')], ['--format', 'alpaca'], ['--out', join(out, 'train.jsonl')]];
    case 'report': return [['--work', work], ['--out', join(out, 'report.html')]];
  }
}

/** Options whose kind has no bad value on the command line, with the reason. */
const EXCLUDED_KINDS: Partial<Record<OptionKind['type'], string>> = {
  boolean: 'an on/off flag takes no value',
  string: 'any string is a valid value (names of models, a system message)',
  'path-or-false': 'an output path (the card), which tidepool creates',
  'path-or-boolean': 'an output folder (report --png), which tidepool creates',
  llm: 'a pipeline-file key only; the command line has --model and --base-url, both free strings',
};

/** Stands for a path that does not exist, under the test's temp folder (known only once it runs). */
const MISSING = 'MISSING/';

/** One bad value for a kind, or undefined when it has none (see {@link EXCLUDED_KINDS}). */
function badValue(name: string, kind: OptionKind): string | undefined {
  if (name === 'text') return '{nope}';
  switch (kind.type) {
    case 'integer': case 'number': return 'x';
    case 'choice': return 'nope';
    case 'list': return ',';
    case 'path': case 'paths': case 'model': return `${MISSING}${name}`;
    default: return undefined;
  }
}

interface Case {
  stage: StageName;
  option: string;
  flag: string;
  value: string;
}

const cases: Case[] = [];
const excluded: string[] = [];
for (const [stage, table] of Object.entries(STAGE_OPTIONS) as [StageName, (typeof STAGE_OPTIONS)[StageName]][]) {
  const flags = new Set<string>();
  for (const [option, spec] of Object.entries(table)) {
    const flag = spec.flag;
    if (flag === undefined || !flag.startsWith('--') || flag.includes(',')) {
      excluded.push(`${stage}.${option}: ${flag === undefined ? 'no flag' : `${flag} is not one flag`} (${EXCLUDED_KINDS[spec.kind.type] ?? 'a positional argument, or a pipeline-only key'})`);
      continue;
    }
    const value = badValue(option, spec.kind);
    if (value === undefined) {
      excluded.push(`${stage}.${option} (${flag}): ${EXCLUDED_KINDS[spec.kind.type] ?? spec.kind.type}`);
      continue;
    }
    // Older pipeline names share a flag with the newer one: one case per flag.
    if (flags.has(flag)) continue;
    flags.add(flag);
    cases.push({ stage, option, flag, value });
  }
}

describe('every option that takes a value, given a bad value on the command line', () => {
  it('covers every stage, and names what it leaves out', () => {
    expect(new Set(cases.map((c) => c.stage))).toEqual(new Set(Object.keys(STAGE_OPTIONS)));
    expect(excluded.length).toBeGreaterThan(0);
  });

  for (const { stage, option, flag, value } of cases) {
    const name = `${stage} ${flag} ${value}`;
    it(`${name}: exit 1, ${flag} named, nothing written`, async () => {
      const bad = value.replace(MISSING, `${join(dir, 'missing')}/`);
      const out = join(dir, 'out', `${stage}-${option}`);
      const args = requiredArgs(stage, out).filter(([given]) => given !== flag);
      const argv = [stage, ...args.flatMap(([given, arg]) => (given === '' ? [arg] : [given, arg])), `${flag}=${bad}`, '-q'];
      let stderr = '';
      const code = await main(argv, { stderr: (text) => (stderr += text) });
      expect(code, stderr).toBe(1);
      expect(stderr.includes(flag) || stderr.includes(bad), stderr).toBe(true);
      expect(existsSync(out) ? readdirSync(out) : [], `${out} should not exist`).toEqual([]);
    });
  }
});

/** A value of the wrong type for each kind, as a pipeline file may hold it (any JSON value). */
function wrongInFile(kind: OptionKind): unknown {
  switch (kind.type) {
    case 'integer': return '5';
    case 'number': return '0.5';
    case 'boolean': return 'no';
    case 'string': return 5;
    case 'size': return '4 lots';
    case 'choice': return 'nope';
    case 'list': return 5;
    case 'path': return 5;
    case 'paths': return [1];
    case 'path-or-false': return true;
    case 'path-or-boolean': return 5;
    case 'model': return { path: 'm' };
    case 'llm': return 5;
  }
}

/** The sections a stage needs before it, each valid, and its own required options. */
const UPSTREAM: Record<string, unknown> = { sample: { rows: 10 }, ingest: {}, embed: { model: 'hashing' }, select: { k: 2 }, generate: { llm: 'scripted' } };
const REQUIRED: Record<StageName, Record<string, unknown>> = {
  sample: { rows: 10 }, ingest: {}, embed: { model: 'hashing' }, select: { k: 2 }, generate: { llm: 'scripted' },
  decontam: { bench: [BENCH] }, export: { format: 'alpaca' }, report: {},
};

describe('every option of every stage, given a bad value in a pipeline file', () => {
  const table = Object.entries(STAGE_OPTIONS).flatMap(([stage, options]) => Object.entries(options).map(([key, spec]) => ({ stage: stage as StageName, key, kind: spec.kind })));

  it.each(table)('tidepool run with $stage.$key wrong: exit 1, $stage.$key named, no stage started', async ({ stage, key, kind }) => {
    const name = `run-${stage}-${key}`;
    const file = join(dir, `${name}.json`);
    writeFileSync(file, JSON.stringify({ work: name, ...UPSTREAM, [stage]: { ...REQUIRED[stage], [key]: wrongInFile(kind) } }));
    let stderr = '';
    const code = await main(['run', file, '-q'], { stderr: (text) => (stderr += text) });
    expect(code, stderr).toBe(1);
    expect(stderr).toContain(`${stage}.${key}`);
    expect(existsSync(join(dir, name)), 'the work folder').toBe(false);
  });
});
