/**
 * Near misses kept: every match of a record that reaches its detector's floor (well below the
 * threshold) is written to `candidates.jsonl` with its raw score, so that `decontam --rethreshold`
 * can apply other thresholds later from these lines alone, without the benchmarks, their indexes or
 * any embedding. The file's format (and its reader) is in `store/decontam-candidates.ts`, where the
 * report reads it too; the floors and the verdict from recorded scores are here. Pure.
 */
import type { Candidate, Detector, Thresholds } from '../store/decontam-candidates.js';

export { CANDIDATES_FILE, formatCandidateLine, parseCandidateLine, shiftCandidateLine } from '../store/decontam-candidates.js';
export type { Candidate, CandidateLine, ScoredDetector, Thresholds } from '../store/decontam-candidates.js';

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

/** The floors a run records at: each detector's floor constant, or its threshold when lower. */
export function floorsFor(thresholds: Thresholds): Thresholds {
  return { ngram: Math.min(NGRAM_FLOOR, thresholds.ngram), embedding: Math.min(EMBED_FLOOR, thresholds.embedding) };
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
