/**
 * The score distribution of recorded decontam candidates, per benchmark file and scored detector:
 * fixed bins from the floor up to 1, counted one candidates.jsonl line at a time (so a reader streams
 * the file in bounded memory). Shared by `decontam --rethreshold` (a text histogram) and the report
 * (an SVG one), so both cut the same bins. Pure.
 */
import type { CandidateLine, ScoredDetector, Thresholds } from './decontam-candidates.js';

/** Width of a histogram bin. @default 0.05 */
export const BIN_WIDTH = 0.05;

/** Candidates of one benchmark file and one detector, binned by score. */
export interface ScoreHistogram {
  /** Benchmark file stem. */
  benchmark: string;
  detector: ScoredDetector;
  floor: number;
  threshold: number;
  /** Bins from the floor's bin up to 1, ascending: `from <= score < to` (the last one includes 1). */
  bins: { from: number; to: number; count: number }[];
  /** Candidates (record x benchmark item) in all. */
  candidates: number;
  /** Those scoring at or above the threshold. */
  atOrAbove: number;
}

/** The stem of a `<file stem>/<task id>` benchmark name. */
export function stemOf(benchmark: string): string {
  const slash = benchmark.indexOf('/');
  return slash < 0 ? benchmark : benchmark.slice(0, slash);
}

const gridValue = (k: number): number => Math.round(k * BIN_WIDTH * 1000) / 1000;

/** Counts candidates into one histogram per benchmark stem and detector, a line at a time. */
export class ScoreHistogramCounter {
  private readonly histograms: ScoreHistogram[] = [];
  private readonly byKey = new Map<string, ScoreHistogram>();

  /** Empty histograms for these stems (in this order) and detectors, binned from each detector's floor. */
  constructor(stems: readonly string[], detectors: readonly ScoredDetector[], floors: Thresholds, thresholds: Thresholds) {
    for (const benchmark of stems) {
      for (const detector of detectors) {
        const first = Math.floor(floors[detector] / BIN_WIDTH + 1e-9);
        const last = Math.ceil(1 / BIN_WIDTH - 1e-9);
        const bins = [];
        for (let k = first; k < last; k++) bins.push({ from: gridValue(k), to: gridValue(k + 1), count: 0 });
        const histogram: ScoreHistogram = { benchmark, detector, floor: floors[detector], threshold: thresholds[detector], bins, candidates: 0, atOrAbove: 0 };
        this.histograms.push(histogram);
        this.byKey.set(`${benchmark}\u0000${detector}`, histogram);
      }
    }
  }

  /** Counts the scored candidates of one line (exact ones and those of other stems or detectors are left out). */
  add(line: CandidateLine): void {
    for (const candidate of line.candidates) {
      if (candidate.detector === 'exact') continue;
      const histogram = this.byKey.get(`${stemOf(candidate.benchmark)}\u0000${candidate.detector}`);
      if (histogram === undefined) continue;
      histogram.candidates++;
      if (candidate.score >= histogram.threshold) histogram.atOrAbove++;
      const at = Math.floor((candidate.score - histogram.bins[0]!.from) / BIN_WIDTH + 1e-9);
      histogram.bins[Math.max(0, Math.min(histogram.bins.length - 1, at))]!.count++;
    }
  }

  /** The histograms counted so far (stems in the order given, then detectors). */
  result(): ScoreHistogram[] {
    return this.histograms;
  }
}

/** One histogram per benchmark stem and detector (the stems in the order given), from lines in memory. */
export function scoreHistograms(lines: readonly CandidateLine[], stems: readonly string[], detectors: readonly ScoredDetector[], floors: Thresholds, thresholds: Thresholds): ScoreHistogram[] {
  const counter = new ScoreHistogramCounter(stems, detectors, floors, thresholds);
  for (const line of lines) counter.add(line);
  return counter.result();
}
