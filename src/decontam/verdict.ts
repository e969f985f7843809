/**
 * From detector matches to a record's verdict: the `contamination` list written to `removed.jsonl`,
 * and the tallies the manifest and summary report. Pure.
 */
import type { Detector, Finding, MatchEvidence } from '../store/decontam-candidates.js';

export type { Detector, Finding } from '../store/decontam-candidates.js';

/** Every detector, in report order. */
export const DETECTORS: readonly Detector[] = ['exact', 'ngram', 'embedding'];

/** One reason a record was removed. */
export interface Contamination {
  /** `<file stem>/<task id>`. */
  benchmark: string;
  detector: Detector;
  /**
   * exact: shared run / piece length; ngram: share of the unit's n-grams found; embedding: cosine.
   * Rounded to 4 decimals.
   */
  score: number;
  /** exact: the shared run; ngram: the record's text from first to last matching n-gram; embedding: the record's text. Truncated to about 300 characters. */
  evidence: string;
  /**
   * Both texts with the matching parts marked (see store/decontam-candidates.ts), on the first
   * (best) entry of each detector; absent in files from before evidence was recorded.
   */
  match?: MatchEvidence;
}

/** Entries listed per detector and record: the best ones (counts still include every match). */
export const MAX_ENTRIES_PER_DETECTOR = 10;

const round = (score: number): number => Math.round(score * 10_000) / 10_000;

/** The `contamination` list of findings per detector best first, at most {@link MAX_ENTRIES_PER_DETECTOR}. */
export function contaminationList(found: Readonly<Record<Detector, readonly Finding[]>>, itemIds: readonly string[]): Contamination[] {
  const list: Contamination[] = [];
  for (const detector of DETECTORS) {
    const best = [...found[detector]].sort((a, b) => b.score - a.score || a.item - b.item).slice(0, MAX_ENTRIES_PER_DETECTOR);
    for (const match of best) list.push({ benchmark: itemIds[match.item]!, detector, score: round(match.score), evidence: match.evidence, ...(match.match === undefined ? {} : { match: match.match }) });
  }
  return list;
}

/** No finding of any detector: what {@link DecontamTally.add} counts for a record that is not a candidate. */
export const NO_FINDINGS: Readonly<Record<Detector, readonly never[]>> = { exact: [], ngram: [], embedding: [] };

/** Running counts of a decontam run. */
export class DecontamTally {
  records = 0;
  kept = 0;
  removed = 0;
  /** Removed records per benchmark file stem (a record flagged by two files counts in both). */
  readonly removedByBenchmark: Record<string, number>;
  /** Removed records per detector (a record flagged by two detectors counts in both). */
  readonly removedByDetector: Record<Detector, number> = { exact: 0, ngram: 0, embedding: 0 };
  /** Distinct benchmark items that flagged at least one record. */
  private readonly itemsHit = new Set<number>();

  /** `stems`: every benchmark file stem (listed with 0 when nothing matched it). */
  constructor(stems: readonly string[], private readonly itemStems: readonly string[]) {
    this.removedByBenchmark = Object.fromEntries(stems.map((stem) => [stem, 0]));
  }

  /** Counts one record; returns whether it is removed. */
  add(matches: Readonly<Record<Detector, readonly { item: number }[]>>): boolean {
    this.records++;
    const detectors: Detector[] = [];
    if (matches.exact.length > 0) detectors.push('exact');
    if (matches.ngram.length > 0) detectors.push('ngram');
    if (matches.embedding.length > 0) detectors.push('embedding');
    if (detectors.length === 0) {
      this.kept++;
      return false;
    }
    this.removed++;
    for (const detector of detectors) this.removedByDetector[detector]++;
    const stems = new Set<string>();
    for (const { item } of [...matches.exact, ...matches.ngram, ...matches.embedding]) {
      stems.add(this.itemStems[item]!);
      this.itemsHit.add(item);
    }
    for (const stem of stems) this.removedByBenchmark[stem] = (this.removedByBenchmark[stem] ?? 0) + 1;
    return true;
  }

  /** The distinct benchmark items (indexes) that flagged something, ascending. */
  hitItems(): number[] {
    return [...this.itemsHit].sort((a, b) => a - b);
  }

  /** Number of distinct benchmark items that flagged something. */
  get benchmarkItemsHit(): number {
    return this.itemsHit.size;
  }
}
