/**
 * Counts kept while an export streams: records per task and per language, rejects per reason, and
 * exported records per source row (for the card's source-repository table). Pure: the shell feeds
 * records in; nothing here reads or writes files.
 */
import type { ExportRecord, ExportRejectReason } from './record.js';

/** The key a record without a task or language is counted under. */
export const NONE_KEY = '(none)';

/** Running counts of one export. */
export interface ExportTally {
  records: number;
  rejected: number;
  tasks: Map<string, number>;
  languages: Map<string, number>;
  /** Records per generator model (`provenance.generator.model`). */
  generators: Map<string, number>;
  rejectReasons: Map<ExportRejectReason, number>;
}

/** An empty tally. */
export function newTally(): ExportTally {
  return { records: 0, rejected: 0, tasks: new Map(), languages: new Map(), generators: new Map(), rejectReasons: new Map() };
}

function bump<K>(counts: Map<K, number>, key: K, by = 1): void {
  counts.set(key, (counts.get(key) ?? 0) + by);
}

/** Counts one exported record. */
export function countRecord(tally: ExportTally, record: ExportRecord): void {
  tally.records++;
  bump(tally.tasks, record.task ?? NONE_KEY);
  bump(tally.languages, record.language ?? NONE_KEY);
  if (record.generatorModel !== null) bump(tally.generators, record.generatorModel);
}

/** Counts one rejected line. */
export function countReject(tally: ExportTally, reason: ExportRejectReason): void {
  tally.rejected++;
  bump(tally.rejectReasons, reason);
}

/** Entries by count, largest first; ties by key so the order never depends on input order. */
export function sortedCounts<K extends string>(counts: ReadonlyMap<K, number>): [K, number][] {
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** A count map as a plain object (largest first), safe for any key, `__proto__` included. */
export function countsObject(counts: ReadonlyMap<string, number>): Record<string, number> {
  return Object.fromEntries(sortedCounts(counts));
}

/** Exported records per source `row_id` (one source row gives one record per task). */
export type SourceRowCounts = Map<number, number>;

/** Counts a record's source row, when it has one. */
export function countSourceRow(rows: SourceRowCounts, record: ExportRecord): void {
  if (record.sourceRowId !== null) bump(rows, record.sourceRowId);
}

/** Exported records per source repository, found by looking the source rows up in `pairs.arrow`. */
export interface RepoTally {
  /** Records per repo (`(none)` for pairs without a repo). */
  repos: Map<string, number>;
  /** Records whose source row was found. */
  matchedRecords: number;
  /** Distinct source rows found so far (the shell stops reading pairs once all are found). */
  matchedRows: number;
}

/** An empty repo tally. */
export function newRepoTally(): RepoTally {
  return { repos: new Map(), matchedRecords: 0, matchedRows: 0 };
}

/** Counts one pair of `pairs.arrow` against the exported rows (a no-op when no record came from it). */
export function countPair(tally: RepoTally, rows: SourceRowCounts, rowId: number, repo: string | null): void {
  const records = rows.get(rowId);
  if (records === undefined) return;
  bump(tally.repos, repo ?? NONE_KEY, records);
  tally.matchedRecords += records;
  tally.matchedRows++;
}

/** Sum of a source-row count map: the records that name a source row. */
export function recordsWithSourceRow(rows: SourceRowCounts): number {
  let total = 0;
  for (const records of rows.values()) total += records;
  return total;
}
