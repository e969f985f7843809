import { describe, expect, it } from 'vitest';
import { EMBED_OPTIONS, resolveEmbedOptions, type EmbedOptions } from '../../../src/embed/options.js';
import { pipelineNaming } from '../../../src/util/options.js';
import { itChecksEveryOption, usageProblems } from '../../helpers/option-table.js';

/** One bad value for every option, under the table's name, and where the API takes it. */
const BAD: Record<string, unknown> = {
  model: '', text: 5, precision: 'fp64', device: 'tpu', variant: 5, maxLength: 1, batchTokens: 0, windowRows: 0, threads: 0,
  dim: 4097, buckets: 8, seed: -1, endpoint: 5, concurrency: 0, endpointBatch: 0, shard: '4/4', merge: 'yes',
};
const { dim, buckets, seed, endpoint, concurrency, endpointBatch, ...fields } = BAD;
const options = { ...fields, hashing: { dim, buckets, seed }, endpoint: { urls: endpoint, concurrency, batchSize: endpointBatch } } as unknown as EmbedOptions;

describe('resolveEmbedOptions: every option of EMBED_OPTIONS', () => {
  const tested = Object.keys(BAD);

  itChecksEveryOption({ stage: 'embed', table: EMBED_OPTIONS, tested, example: '--max-length must be an integer >= 2, got 1 (a number)', resolve: (naming) => resolveEmbedOptions(options, naming) });

  it('says a bucket count must be a power of two, and a bad text template, in the same error', () => {
    expect(usageProblems('embed', () => resolveEmbedOptions({ model: 'hashing', text: '{nope}', hashing: { buckets: 1000 } }))).toEqual([
      '--buckets must be a power of two from 16 to 67108864 (2^4 to 2^26), got 1000',
      expect.stringContaining('{nope}'),
    ]);
  });

  it('checks every endpoint URL (parses, http or https) by the name the user wrote, never showing a password', () => {
    const urls = ['http://127.0.0.1:8080', 'ftp://files.example/v1', 'http//user:sk-secret@nohost'];
    expect(usageProblems('embed', () => resolveEmbedOptions({ model: 'm', endpoint: { urls } }, pipelineNaming('embed')))).toEqual([
      'embed.endpoint: ftp://files.example is not an http or https URL; embedding servers answer over HTTP (e.g. http://127.0.0.1:8080)',
      'embed.endpoint: "nohost" is not a URL; expected e.g. http://127.0.0.1:8080 (TEI) or http://127.0.0.1:8000/v1 (vLLM, OpenAI-style)',
    ]);
  });

  it('fills the defaults once', () => {
    expect(resolveEmbedOptions({ model: 'hashing' })).toMatchObject({ precision: 'fp32', device: 'auto', variant: 'auto', windowRows: undefined, threads: undefined, shard: undefined, merge: false, hashing: { buckets: 2 ** 20, dim: 256, seed: 0 } });
  });

  it('reads --shard I/N, and refuses it together with --merge', () => {
    expect(resolveEmbedOptions({ model: 'hashing', shard: '2/8' }).shard).toEqual({ index: 2, count: 8 });
    expect(usageProblems('embed', () => resolveEmbedOptions({ model: 'hashing', shard: '0/2', merge: true }))).toEqual([
      expect.stringMatching(/^--shard and --merge exclude each other/),
    ]);
  });
});
