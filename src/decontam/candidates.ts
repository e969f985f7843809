/**
 * Near misses kept: every match of a record that reaches its detector's floor (well below the
 * threshold) is written to `candidates.jsonl` with its raw score, so that `decontam --rethreshold`
 * can apply other thresholds later from these lines alone, without the benchmarks, their indexes or
 * any embedding. One line per record with at least one candidate, in the order records were checked:
 *
 * `{"record":N,"row_id":R,"removed":B,"candidates":[{"item","benchmark","detector","score","evidence"}],"kept":"..."}`
 *
 * `record` is the record's 0-based place among the checked records (non-candidate records are all in
 * kept.jsonl, in order, so kept.jsonl plus these lines rebuild the whole sequence); `row_id` only for
 * pairs; `kept` (the record's kept.jsonl line, verbatim) only on removed records, whose line is then
 * in no other file in a form that gives it back byte for byte. Scores are unrounded: a threshold
 * applied to them decides exactly as the detectors did. Pure.
 */
import { TidepoolError } from '../errors.js';
import type { Detector, Finding } from './verdict.js';

/** Output file name. */
export const CANDIDATES_FILE = 'candidates.jsonl';

/**
 * Lowest n-gram share recorded as a candidate (when the threshold is not lower still). Renamed,
 * re-printed copies land between 0.2 and the default threshold 0.5; unrelated code rarely shares a
 * fifth of a solution's canonical 10-grams, so the file stays small.
 * @default 0.2
 */
export const NGRAM_FLOOR = 0.2;

/**
 * Lowest cosine recorded as a candidate (when the threshold is not lower still): with the hashing
 * model, verbatim copies score 0.97 and more and unrelated code below 0.4 (bench/decontam.mjs).
 * @default 0.7
 */
export const EMBED_FLOOR = 0.7;

/** Detectors with a threshold to change (exact matches always remove). */
export type ScoredDetector = Exclude<Detector, 'exact'>;

/** A threshold per scored detector. */
export type Thresholds = Record<ScoredDetector, number>;

/** The floors a run records at: each detector's floor constant, or its threshold when lower. */
export function floorsFor(thresholds: Thresholds): Thresholds {
  return { ngram: Math.min(NGRAM_FLOOR, thresholds.ngram), embedding: Math.min(EMBED_FLOOR, thresholds.embedding) };
}

/** One recorded candidate. */
export interface Candidate extends Finding {
  /** `<file stem>/<task id>`, as removed.jsonl names it. */
  benchmark: string;
  detector: Detector;
}

/** One line of candidates.jsonl. */
export interface CandidateLine {
  record: number;
  row_id?: number;
  removed: boolean;
  candidates: Candidate[];
  kept?: string;
}

/** The line (key order fixed: `record` first, so that a merge can renumber it cheaply). */
export function formatCandidateLine(line: CandidateLine): string {
  return JSON.stringify({ record: line.record, ...(line.row_id === undefined ? {} : { row_id: line.row_id }), removed: line.removed, candidates: line.candidates, ...(line.kept === undefined ? {} : { kept: line.kept }) });
}

const RECORD_PREFIX = /^\{"record":(\d+)/;

/** A line with its `record` moved by `offset` (a shard's lines in the merged file). */
export function shiftCandidateLine(line: string, offset: number): string {
  return line.replace(RECORD_PREFIX, (_, record: string) => `{"record":${Number(record) + offset}`);
}

/**
 * Parses one line of candidates.jsonl.
 * @throws TidepoolError `E_BAD_RECORD` naming the file and line when it is not one.
 */
export function parseCandidateLine(text: string, path: string, lineNumber: number): CandidateLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const line = value as Partial<CandidateLine> | null | undefined;
  if (typeof line !== 'object' || line === null || typeof line.record !== 'number' || typeof line.removed !== 'boolean' || !Array.isArray(line.candidates) || (line.removed && typeof line.kept !== 'string')) {
    throw new TidepoolError('E_BAD_RECORD', `${path}:${lineNumber}: not a candidates line (expected {"record", "removed", "candidates", "kept" when removed}). The file is written by tidepool decontam; rerun it rather than edit the file.`, { path, line: lineNumber });
  }
  return line as CandidateLine;
}

/** Whether a candidate flags its record at these thresholds. */
export function passes(candidate: Candidate, thresholds: Thresholds): boolean {
  return candidate.detector === 'exact' || candidate.score >= thresholds[candidate.detector];
}

/** A line's candidates that flag the record at these thresholds, per detector. */
export function passingFindings(candidates: readonly Candidate[], thresholds: Thresholds): Record<Detector, Candidate[]> {
  const found: Record<Detector, Candidate[]> = { exact: [], ngram: [], embedding: [] };
  for (const candidate of candidates) if (passes(candidate, thresholds)) found[candidate.detector].push(candidate);
  return found;
}
