import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { INGEST_OPTIONS, resolveIngestOptions, resolveIngestThreads, type IngestOptions } from '../../../src/ingest/options.js';
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

  it('keeps the cross-field rules, named the same way', () => {
    expect(usageProblems('ingest', () => resolveIngestOptions({ minCodeChars: 9, maxCodeChars: 3 }, pipelineNaming('ingest'))))
      .toEqual(['ingest.minCodeChars (9) exceeds ingest.maxCodeChars (3)']);
  });
});
