/** `tidepool run` checks everything before it runs anything: keys, files, upstream columns, each stage's resolver, the LLM key. */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pipelineEnvironment } from '../../../src/cli/run-pipeline.js';
import { inspectPipelineConfig } from '../../../src/pipeline/config.js';
import { withApiKey } from '../../../src/pipeline/endpoint-keys.js';
import { editDistance, nearestName } from '../../../src/pipeline/nearest-name.js';
import { preflightProblems, templateColumnProblems } from '../../../src/pipeline/preflight.js';
import { runPipeline } from '../../../src/pipeline/run.js';
import { STAGE_SPECS } from '../../../src/pipeline/stages.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tidepool-preflight-'));
  writeFileSync(join(dir, 'pairs.jsonl'), '{"language":"python","docstring":"d","code":"x = 1"}\n');
  writeFileSync(join(dir, 'bench.jsonl'), '{"prompt":"p"}\n');
  mkdirSync(join(dir, 'prompts'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const environment = pipelineEnvironment({});
const BASE = { ingest: { inputs: 'pairs.jsonl' }, embed: { model: 'hashing' }, select: { k: 2 } };

/** Every problem `tidepool run` would list for this pipeline (file problems and preflight's). */
function problemsOf(pipeline: Record<string, unknown>): string[] {
  const inspection = inspectPipelineConfig({ work: 'w', ...pipeline }, join(dir, 'p.json'));
  return [...inspection.problems, ...preflightProblems(inspection, environment)];
}

describe('nearest names', () => {
  it('edit distance and a typo\'s nearest name, none when nothing is near', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(nearestName('poolsize', ['k', 'poolSize', 'precision'])).toBe('poolSize');
    expect(nearestName('precison', ['k', 'poolSize', 'precision'])).toBe('precision');
    expect(nearestName('zzzzzz', ['k', 'poolSize'])).toBeUndefined();
  });
});

describe('preflight problems', () => {
  it('an unknown key gets the nearest valid name, in a stage and at top level', () => {
    const problems = problemsOf({ ...BASE, select: { k: 2, poolsize: 8 }, embd: {} });
    expect(problems).toContainEqual(expect.stringMatching(/select\.poolsize is not an option of select; .*\(did you mean "poolSize"\?\)/));
    expect(problems).toContainEqual(expect.stringMatching(/"embd" is not a stage; .*\(did you mean "embed"\?\)/));
  });

  it('files the pipeline names are there, each named by its key and path with what is nearby', () => {
    const problems = problemsOf({
      ingest: { inputs: ['pairs.jsonl', 'pairz.jsonl'] }, embed: { model: './models/none' }, select: { k: 2, alreadySelected: 'old/coreset.arrow' },
      generate: { llm: 'scripted', prompts: 'pairs.jsonl', prices: 'prices.json' }, decontam: { bench: ['bench.jsonl', 'humaneval.jsonl'], model: 'hashing' },
      report: { chromium: 'no-chromium' },
    });
    const at = (name: string): string => join(dir, name);
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(new RegExp(`^ingest\\.inputs: ${at('pairz.jsonl')} not found; ${dir}/ holds .*pairs\\.jsonl`)),
      `embed.model: ${at('models/none')} not found; ${dir}/ holds bench.jsonl, pairs.jsonl, prompts/`,
      expect.stringMatching(/^select\.alreadySelected: .*old\/coreset\.arrow not found/),
      `generate.prompts: ${at('pairs.jsonl')} is a file; it must be a folder`,
      expect.stringMatching(/^generate\.prices: .*prices\.json not found/),
      expect.stringMatching(/^decontam\.bench: .*humaneval\.jsonl not found/),
      expect.stringMatching(/^report\.chromium: .*no-chromium not found/),
    ]));
    expect(problems.join('\n')).not.toMatch(/bench\.jsonl not found|decontam\.model/);
  });

  it('a Hub id as embed.model or decontam.model is no missing path (it is resolved through the HF cache when the stage runs)', () => {
    const problems = problemsOf({ ...BASE, embed: { model: 'sentence-transformers/all-MiniLM-L6-v2' }, decontam: { bench: ['bench.jsonl'], model: 'org/name@v1' } });
    expect(problems.join('\n')).not.toMatch(/\.model/);
  });

  it('embed.text names columns pairs.arrow will have', () => {
    expect(templateColumnProblems('{docstring}\\n{code}')).toEqual([]);
    expect(templateColumnProblems('\\{literal\\} {code}')).toEqual([]);
    expect(templateColumnProblems('{docstrng} {row_id}')).toEqual([
      expect.stringMatching(/^embed\.text: \{docstrng\} is not a column of pairs\.arrow .*its text columns are \{language\}/),
      expect.stringMatching(/^embed\.text: \{row_id\} is not a text column of pairs\.arrow/),
    ]);
    const problems = problemsOf({ ...BASE, embed: { model: 'hashing', text: '{body}' } });
    // Reported once, by the column check, not again by embed's resolver.
    expect(problems).toEqual([expect.stringMatching(/^embed\.text: \{body\} is not a column of pairs\.arrow/)]);
  });

  it('each stage\'s options go through its own resolver: problems only the resolver sees are listed too', () => {
    const problems = problemsOf({
      ingest: { inputs: 'pairs.jsonl', minCodeLines: 9, maxCodeLines: 3 }, embed: { model: 'hashing' }, select: { k: 2 },
      generate: { llm: 'scripted', maxUsd: 1, maxTokens: 10 }, export: { format: 'alpaca', system: 'be brief' },
    });
    expect(problems).toEqual([
      // Named by their pipeline keys, as the file wrote them (not by the flags).
      expect.stringMatching(/^ingest\.minCodeLines \(9\) exceeds ingest\.maxCodeLines \(3\)/),
      expect.stringMatching(/^generate: give generate\.maxUsd or generate\.maxTokens, not both/),
      expect.stringMatching(/^export\.system applies only to export\.format messages, not alpaca; drop it or set export\.format to messages/),
    ]);
  });

  it('a valid pipeline has no problem; every stage builds a request and checks it', () => {
    const pipeline = { ...BASE, generate: { llm: 'scripted', prompts: 'prompts' }, decontam: { bench: 'bench.jsonl' }, export: { format: 'messages' }, report: {} };
    expect(problemsOf(pipeline)).toEqual([]);
    const { config } = inspectPipelineConfig({ work: 'w', ...pipeline }, join(dir, 'p.json'));
    expect(STAGE_SPECS.embed.request(config, config.stages.embed ?? {})).toMatchObject({ data: join(dir, 'w', 'ingest'), out: join(dir, 'w', 'embed') });
    expect(STAGE_SPECS.export.request(config, config.stages.export ?? {})).toMatchObject({ input: join(dir, 'w', 'decontam'), out: join(dir, 'w', 'export', 'train.jsonl') });
  });

  it('embed.endpoint and decontam.endpoint: every URL checked up front (parses, http/https); the model is a served name, no folder', () => {
    expect(problemsOf({ ...BASE, embed: { model: 'nomic-embed-text', endpoint: 'http://127.0.0.1:8080,ftp://files.example/v1', concurrency: 2, endpointBatch: 8 } })).toEqual([
      'embed.endpoint: ftp://files.example is not an http or https URL; embedding servers answer over HTTP (e.g. http://127.0.0.1:8080)',
    ]);
    expect(problemsOf({ ...BASE, generate: { llm: 'scripted' }, decontam: { bench: 'bench.jsonl', model: 'sim', endpoint: ['127.0.0.1:8080/v1'] } })).toEqual([
      expect.stringMatching(/^decontam\.endpoint: .*127\.0\.0\.1:8080\/v1.* (is not a URL|is not an http or https URL)/),
    ]);
    // A served name stays as written (not made a path beside the file), and needs no folder.
    const { config } = inspectPipelineConfig({ work: 'w', ...BASE, embed: { model: 'nomic-embed-text', endpoint: 'http://127.0.0.1:8080' } }, join(dir, 'p.json'));
    expect(STAGE_SPECS.embed.request(config, config.stages.embed ?? {})).toMatchObject({ model: 'nomic-embed-text', endpoint: { urls: ['http://127.0.0.1:8080'] } });
    expect(STAGE_SPECS.embed.externalInputs(config.stages.embed ?? {})).toEqual([]);
  });

  it('an apiKey in a pipeline file is refused (say: the environment); tuning without servers, and openai:NAME without a key, are problems', () => {
    const problems = problemsOf({ ...BASE, embed: { model: 'sim', endpoint: 'http://127.0.0.1:8080', apiKey: 'sk-in-a-file' }, generate: { llm: 'scripted' }, decontam: { bench: 'bench.jsonl', model: 'sim', endpoint: 'http://127.0.0.1:8080', apiKey: 'sk-in-a-file' } });
    expect(problems).toEqual([
      'embed.apiKey is not set in a pipeline file: an API key never goes in a file: set OPENAI_API_KEY in the environment of `tidepool run`',
      'decontam.apiKey is not set in a pipeline file: an API key never goes in a file: set OPENAI_API_KEY in the environment of `tidepool run`',
    ]);
    expect(problemsOf({ ...BASE, embed: { model: 'hashing', concurrency: 2 } })).toEqual([
      'embed.concurrency applies to remote embedding servers: add embed.endpoint (URL[,URL...]) with embed.model naming the model they serve, or drop embed.concurrency',
    ]);
    expect(problemsOf({ ...BASE, embed: { model: 'openai:text-embedding-3-small' } })).toEqual([
      expect.stringContaining('embed.model openai:text-embedding-3-small goes to OpenAI\'s API (https://api.openai.com/v1), which needs a key: set OPENAI_API_KEY'),
    ]);
    const inspection = inspectPipelineConfig({ work: 'w', ...BASE, embed: { model: 'openai:text-embedding-3-small' } }, join(dir, 'p.json'));
    expect(preflightProblems(inspection, pipelineEnvironment({ OPENAI_API_KEY: 'sk-env' }))).toEqual([]);
    // OPENAI_BASE_URL names another server (a local vLLM wants no key), as it does for `tidepool embed`.
    expect(preflightProblems(inspection, pipelineEnvironment({ OPENAI_BASE_URL: 'http://127.0.0.1:8000/v1' }))).toEqual([]);
  });

  it('openai:NAME with no endpoint goes to OPENAI_BASE_URL when set, else OpenAI\'s API; a section\'s own endpoint wins', () => {
    const request = { urls: ['https://api.openai.com/v1'] };
    expect(withApiKey(request, { model: 'openai:m' }, pipelineEnvironment({ OPENAI_BASE_URL: 'http://127.0.0.1:8000/v1', OPENAI_API_KEY: 'k' }))).toEqual({ urls: ['http://127.0.0.1:8000/v1'], apiKey: 'k' });
    expect(withApiKey(request, { model: 'openai:m' }, pipelineEnvironment({}))).toEqual({ urls: ['https://api.openai.com/v1'], apiKey: undefined });
    expect(withApiKey({ urls: ['http://a:1'] }, { model: 'm', endpoint: ['http://a:1'] }, pipelineEnvironment({ OPENAI_BASE_URL: 'http://b:2/v1' }))).toEqual({ urls: ['http://a:1'], apiKey: undefined });
    expect(withApiKey(undefined, { model: 'hashing' }, pipelineEnvironment({ OPENAI_BASE_URL: 'http://b:2/v1' }))).toBeUndefined();
  });

  it('a real generate.llm without a key for OpenAI\'s endpoint is a problem before anything runs', () => {
    expect(problemsOf({ ...BASE, generate: { llm: { model: 'gpt-4o-mini' } } })).toEqual([expect.stringMatching(/generate\.llm: no API key in \$OPENAI_API_KEY/)]);
  });
});

describe('runPipeline refuses a bad pipeline before any stage starts', () => {
  it('lists every problem at once (exit-1 usage error) and creates no work folder', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ work: 'bad-work', ingest: { inputs: 'missing.jsonl' }, embed: { model: 'hashing' }, select: { k: 50, poolSize: 0, precision: 'fp64' } }));
    const refused = runPipeline({ file, environment });
    await expect(refused).rejects.toMatchObject({ code: 'E_USAGE' });
    const message = await refused.catch((error: unknown) => (error as Error).message);
    expect(message).toContain('select.poolSize must be a positive integer, got 0');
    expect(message).toContain('select.precision must be one of "fp32", "fp16", got "fp64"');
    expect(message).toMatch(/ingest\.inputs: .*missing\.jsonl not found/);
    expect(existsSync(join(dir, 'bad-work'))).toBe(false);
  });
});
