import { describe, expect, it } from 'vitest';
import { DECONTAM_OPTIONS, resolveDecontamOptions, type DecontamOptions } from '../../../src/decontam/options.js';
import { pipelineNaming } from '../../../src/util/options.js';
import { itChecksEveryOption, usageProblems } from '../../helpers/option-table.js';

/** One bad value for every option, under the table's name (booleans given as strings: a pipeline file may). */
const BAD: Record<string, unknown> = {
  bench: [''], exact: 'no', minExactChars: 7, ngram: 1, ngramN: 65, ngramThreshold: 0, minNgrams: 0, embed: 'x',
  embedThreshold: 1.5, model: '', device: 'gpu', variant: 5, maxLength: 1, batchTokens: 0, dim: 0, buckets: 2 ** 27, seed: 2 ** 32,
  maxSolutions: -1, threads: 257, windowRows: 0, endpoint: 5, concurrency: 0, endpointBatch: 0, shard: '4/4', merge: 'yes',
};
const { dim, buckets, seed, endpoint, concurrency, endpointBatch, ...fields } = BAD;
const options = { ...fields, input: 'in.jsonl', out: 'out', hashing: { dim, buckets, seed }, endpoint: { urls: endpoint, concurrency, batchSize: endpointBatch } } as unknown as DecontamOptions;

describe('resolveDecontamOptions: every option of DECONTAM_OPTIONS', () => {
  const tested = Object.keys(BAD);

  itChecksEveryOption({ stage: 'decontam', table: DECONTAM_OPTIONS, tested, example: '--threads must be an integer from 0 to 256, got 257 (a number)', resolve: (naming) => resolveDecontamOptions(options, naming) });

  it('servers without --model (and without --embeddings, whose manifest names it) is a problem', () => {
    expect(usageProblems('decontam', () => resolveDecontamOptions({ input: 'i', out: 'o', bench: ['b.jsonl'], endpoint: { urls: 'http://127.0.0.1:8080' } }))).toEqual([
      '--endpoint needs the model the servers serve: add --model NAME',
    ]);
    expect(resolveDecontamOptions({ input: 'i', out: 'o', bench: ['b.jsonl'], embeddings: 'e', endpoint: { urls: 'http://127.0.0.1:8080' } }).embedding.endpoint).toMatchObject({ urls: ['http://127.0.0.1:8080'], concurrency: 4, batchSize: 32 });
  });

  it('reads --shard I/N, and refuses it together with --merge', () => {
    expect(resolveDecontamOptions({ input: 'i', out: 'o', bench: ['b.jsonl'], shard: '2/8' }).shard).toEqual({ index: 2, count: 8 });
    expect(resolveDecontamOptions({ input: 'i', out: 'o', bench: ['b.jsonl'] })).toMatchObject({ shard: undefined, merge: false });
    expect(usageProblems('decontam', () => resolveDecontamOptions({ input: 'i', out: 'o', bench: ['b.jsonl'], shard: '0/2', merge: true }))).toEqual([
      expect.stringMatching(/^--shard and --merge exclude each other/),
    ]);
  });

  it('keeps the cross-field rules and the empty bench list message', () => {
    expect(usageProblems('decontam', () => resolveDecontamOptions({ input: 'i', out: 'o', bench: [], exact: false, ngram: false, embed: false, embeddings: 'e' }, pipelineNaming('decontam')))).toEqual([
      'decontam.bench must list at least one benchmark file (.jsonl or .jsonl.gz)',
      'every detector is turned off: keep at least one of exact, ngram and embedding',
      'options.embeddings gives vectors for the embedding detector, which is turned off (drop decontam.embed or --embeddings)',
    ]);
  });
});
