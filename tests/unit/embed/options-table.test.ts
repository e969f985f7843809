import { describe, expect, it } from 'vitest';
import { EMBED_OPTIONS, resolveEmbedOptions, type EmbedOptions } from '../../../src/embed/options.js';
import { itChecksEveryOption, usageProblems } from '../../helpers/option-table.js';

/** One bad value for every option, under the table's name, and where the API takes it. */
const BAD: Record<string, unknown> = {
  model: '', text: 5, precision: 'fp64', device: 'tpu', variant: 5, maxLength: 1, batchTokens: 0, windowRows: 0, threads: 0,
  dim: 4097, buckets: 8, seed: -1, shard: '4/4', merge: 'yes',
};
const { dim, buckets, seed, ...fields } = BAD;
const options = { ...fields, hashing: { dim, buckets, seed } } as unknown as EmbedOptions;

describe('resolveEmbedOptions: every option of EMBED_OPTIONS', () => {
  const tested = Object.keys(BAD);

  itChecksEveryOption({ stage: 'embed', table: EMBED_OPTIONS, tested, example: '--max-length must be an integer >= 2, got 1 (a number)', resolve: (naming) => resolveEmbedOptions(options, naming) });

  it('says a bucket count must be a power of two, and a bad text template, in the same error', () => {
    expect(usageProblems('embed', () => resolveEmbedOptions({ model: 'hashing', text: '{nope}', hashing: { buckets: 1000 } }))).toEqual([
      '--buckets must be a power of two from 16 to 67108864 (2^4 to 2^26), got 1000',
      expect.stringContaining('{nope}'),
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
