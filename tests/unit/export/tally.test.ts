import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ExportRecord } from '../../../src/export/record.js';
import {
  NONE_KEY, countPair, countRecord, countReject, countSourceRow, countsObject, newRepoTally, newTally, recordsWithSourceRow, sortedCounts, type SourceRowCounts,
} from '../../../src/export/tally.js';

function record(task: string | null, language: string | null, sourceRowId: number | null = null): ExportRecord {
  return { id: null, task, language, targetLanguage: null, instruction: 'i', input: '', output: 'o', sourceRowId, generatorModel: 'm' };
}

describe('tally', () => {
  it('counts records per task and language, and rejects per reason', () => {
    const tally = newTally();
    for (const r of [record('generation', 'python'), record('generation', 'go'), record('repair', 'python'), record(null, null)]) countRecord(tally, r);
    countReject(tally, 'invalid_json');
    countReject(tally, 'invalid_json');
    countReject(tally, 'missing_field');
    expect(tally.records).toBe(4);
    expect(tally.rejected).toBe(3);
    expect(sortedCounts(tally.tasks)).toEqual([['generation', 2], [NONE_KEY, 1], ['repair', 1]]);
    expect(countsObject(tally.languages)).toEqual({ python: 2, [NONE_KEY]: 1, go: 1 });
    expect(countsObject(tally.rejectReasons)).toEqual({ invalid_json: 2, missing_field: 1 });
    expect(countsObject(tally.generators)).toEqual({ m: 4 });
  });

  it('countsObject keeps a "__proto__" task as an own key', () => {
    const tally = newTally();
    countRecord(tally, record('__proto__', 'x'));
    const tasks = countsObject(tally.tasks);
    expect(Object.keys(tasks)).toEqual(['__proto__']);
    expect(JSON.stringify(tasks)).toBe('{"__proto__":1}');
  });

  it('task counts always add up to the records (property)', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.option(fc.constantFrom('a', 'b', 'c')), fc.option(fc.string({ maxLength: 3 })))), (rows) => {
      const tally = newTally();
      for (const [task, language] of rows) countRecord(tally, record(task, language));
      const sum = (counts: Map<string, number>): number => [...counts.values()].reduce((a, b) => a + b, 0);
      expect(sum(tally.tasks)).toBe(rows.length);
      expect(sum(tally.languages)).toBe(rows.length);
      const sorted = sortedCounts(tally.tasks).map(([, n]) => n);
      expect(sorted).toEqual([...sorted].sort((a, b) => b - a));
    }));
  });

  it('counts records per source repo through their rows', () => {
    const rows: SourceRowCounts = new Map();
    for (const r of [record('a', 'x', 1), record('b', 'x', 1), record('a', 'x', 2), record('a', 'x', 9), record('a', 'x', null)]) countSourceRow(rows, r);
    expect(recordsWithSourceRow(rows)).toBe(4);
    const repos = newRepoTally();
    countPair(repos, rows, 0, 'org/none');
    countPair(repos, rows, 1, 'org/one');
    countPair(repos, rows, 2, null);
    expect(sortedCounts(repos.repos)).toEqual([['org/one', 2], [NONE_KEY, 1]]);
    expect(repos.matchedRecords).toBe(3);
    expect(repos.matchedRows).toBe(2);
  });
});
