import { describe, expect, it } from 'vitest';
import { BATCH_POOL_EPOCH, GENERATE_OPTIONS, resolveGenerateOptions, type GenerateOptions } from '../../../src/generate/options.js';
import { pipelineNaming } from '../../../src/util/options.js';
import { itChecksEveryOption, namedOptions, usageProblems } from '../../helpers/option-table.js';

const base: GenerateOptions = { data: 'd', coreset: 'c', out: 'o', model: 'm', baseURL: 'http://127.0.0.1:8000/v1', apiKey: 'k' };

/** One bad value for every option the resolver takes, under the table's name. */
const BAD: Record<string, unknown> = {
  mode: 'fast', tasks: ['poetry'], discriminatorModel: 5, discriminator: 'no', concurrency: 0, rpm: 0, tpm: 1.5,
  maxUsd: 0, maxTokens: 0, limit: 0, seed: -1, translateTo: [' '], temperature: 2.5, discriminatorTemperature: -1,
  replyTokens: 0, prompts: '', prices: '', poolCapacity: 0, poolEpoch: 0, examples: -1, badExamples: -1, maxRetries: 1.5,
  timeoutMs: 0, maxAnswerBytes: 0, unreachableSeconds: 0, checkpointSeconds: -1, shard: '4/4', merge: 'yes', batch: 'yes', pollInterval: 0,
  execute: 'on', execConcurrency: 0, requirePass: 'yes', unsafeNoSandbox: 1, execFreshSandbox: 'yes',
};
/** Where the API takes an option under another name than the flag's. */
const API_NAME: Record<string, string> = { discriminator: 'discriminate', examples: 'goodExamples' };
const options = { ...base, ...Object.fromEntries(Object.entries(BAD).map(([name, value]) => [API_NAME[name] ?? name, value])) };

/** Entries of the table the resolver does not take under that name. */
const SKIPPED = {
  llm: 'pipeline only: the pipeline turns it into model and baseURL (their checks are in options.test.ts)',
  discriminate: 'the pipeline\'s older name of --no-discriminator: the same API field, tested as discriminator',
  goodExamples: 'the pipeline\'s older name of --examples: the same API field, tested as examples',
  timeout: 'seconds, turned into timeoutMs by the CLI and the pipeline before the resolver; tested as timeoutMs',
};

describe('resolveGenerateOptions: every option of GENERATE_OPTIONS', () => {
  const tested = Object.keys(BAD);
  // maxUsd and maxTokens both set is a problem of its own.
  const notBoth = 'give';

  itChecksEveryOption({ stage: 'generate', table: GENERATE_OPTIONS, tested, skipped: SKIPPED, unnamed: [notBoth], example: '--temperature must be a number in [0, 2], got 2.5 (a number)', resolve: (naming) => resolveGenerateOptions(options, naming) });

  it('says the rule that names no single option', () => {
    expect(usageProblems('generate', () => resolveGenerateOptions(options))).toContain('give --max-usd or --max-tokens, not both');
  });

  it('names the model and endpoint by flag, or inside generate.llm', () => {
    const bad = { ...base, model: ' ', baseURL: 'localhost:8000' };
    expect(namedOptions(usageProblems('generate', () => resolveGenerateOptions(bad)))).toEqual(['--base-url', '--model']);
    expect(namedOptions(usageProblems('generate', () => resolveGenerateOptions(bad, pipelineNaming('generate'))))).toEqual(['generate.llm.baseURL', 'generate.llm.model']);
  });

  it('reads --shard I/N, and refuses it together with --merge', () => {
    expect(resolveGenerateOptions({ ...base, shard: '2/8' }).shard).toEqual({ index: 2, count: 8 });
    expect(resolveGenerateOptions(base)).toMatchObject({ shard: undefined, merge: false });
    expect(usageProblems('generate', () => resolveGenerateOptions({ ...base, shard: '0/2', merge: true }))).toEqual([expect.stringMatching(/^--shard and --merge exclude each other/)]);
  });

  it('--batch: the pool epoch defaults to BATCH_POOL_EPOCH (a given one is kept), polls every 30 s, and is refused with --shard or --merge', () => {
    expect(resolveGenerateOptions(base)).toMatchObject({ batch: false, pollInterval: 30 });
    expect(resolveGenerateOptions({ ...base, batch: true })).toMatchObject({ batch: true, poolEpoch: BATCH_POOL_EPOCH, pollInterval: 30 });
    expect(resolveGenerateOptions({ ...base, batch: true, poolEpoch: 64, pollInterval: 0.5 })).toMatchObject({ poolEpoch: 64, pollInterval: 0.5 });
    for (const sharded of [{ shard: '0/2' }, { merge: true }]) {
      expect(usageProblems('generate', () => resolveGenerateOptions({ ...base, batch: true, ...sharded }))).toEqual([expect.stringMatching(/^--batch does not run sharded yet: leave out --shard and --merge/)]);
    }
  });

  it('fills the defaults once', () => {
    expect(resolveGenerateOptions(base)).toMatchObject({ mode: 'codeocean', concurrency: 16, seed: 0, temperature: 0.7, discriminatorTemperature: 0, replyTokens: 2048, poolCapacity: 24, poolEpoch: 256, goodExamples: 2, badExamples: 1, maxRetries: 4, timeoutMs: 120_000, unreachableSeconds: 60, checkpointSeconds: 2 });
  });
});
