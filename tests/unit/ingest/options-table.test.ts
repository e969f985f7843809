import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { INGEST_OPTIONS, resolveIngestOptions, resolveIngestSharding, resolveIngestThreads, type IngestOptions } from '../../../src/ingest/options.js';
import { pipelineNaming } from '../../../src/util/options.js';
import { itChecksEveryOption, usageProblems } from '../../helpers/option-table.js';

/** One bad value for every option the resolver takes (casts: the pipeline and API callers may pass anything). */
const BAD = {
  languages: [' '],
  minCodeLines: -1,
  maxCodeLines: 0,
  minCodeChars: -3,
  maxCodeChars: 0,
  minDocstringWords: 1.5,
  maxLineBytes: 63,
  dedup: 'yes' as unknown as boolean,
} satisfies IngestOptions;

/** Options of the command that are not the resolver's. */
const SKIPPED = {
  inputs: 'the files to read: an argument of runIngest, which reports a missing one',
  threads: 'resolved apart (resolveIngestThreads): workers do not change the rows kept, so the manifest leaves them out',
  shard: 'resolved apart (resolveIngestSharding, tested below): how a run is split does not change its output',
  merge: 'resolved apart (resolveIngestSharding, tested below): how a run is split does not change its output',
};

describe('resolveIngestOptions: every option of INGEST_OPTIONS', () => {
  const tested = Object.keys(BAD);

  itChecksEveryOption({ stage: 'ingest', table: INGEST_OPTIONS, tested, skipped: SKIPPED, example: '--max-line-bytes must be an integer >= 64, got 63 (a number)', resolve: (naming) => resolveIngestOptions(BAD, naming) });

  it('resolves the worker threads apart, named the same way', () => {
    expect(usageProblems('ingest', () => resolveIngestThreads(-1))).toEqual(['--threads must be a non-negative integer, got -1 (a number)']);
    expect(usageProblems('ingest', () => resolveIngestThreads(1.5, pipelineNaming('ingest')))).toEqual(['ingest.threads must be a non-negative integer, got 1.5 (a number)']);
    expect(resolveIngestThreads(undefined)).toBe(Math.min(availableParallelism(), 4));
    expect(resolveIngestThreads(0)).toBe(0);
  });

  it('resolves --shard and --merge apart: I/N parsed, bad values and both at once refused', () => {
    expect(resolveIngestSharding('2/5', undefined)).toEqual({ shard: { index: 2, count: 5 }, merge: false });
    expect(resolveIngestSharding(undefined, true)).toEqual({ shard: undefined, merge: true });
    expect(usageProblems('ingest', () => resolveIngestSharding('5/5', undefined))).toEqual(['--shard 5/5: shards are numbered from 0, so I must be 0..4']);
    expect(usageProblems('ingest', () => resolveIngestSharding('0/2', true))[0]).toMatch(/^--shard and --merge exclude each other/);
    expect(usageProblems('ingest', () => resolveIngestSharding('x', undefined, pipelineNaming('ingest')))[0]).toMatch(/^ingest\.shard must be I\/N/);
  });

  it('keeps the cross-field rules, named the same way', () => {
    expect(usageProblems('ingest', () => resolveIngestOptions({ minCodeChars: 9, maxCodeChars: 3 }, pipelineNaming('ingest'))))
      .toEqual(['ingest.minCodeChars (9) exceeds ingest.maxCodeChars (3)']);
  });
});
