/**
 * The score distribution of recorded candidates, per benchmark file and scored detector, as data and
 * as a text histogram with the threshold marked, so that a person can see where a threshold cuts
 * before applying it. Pure.
 */
import type { CandidateLine, ScoredDetector, Thresholds } from './candidates.js';

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

/** One histogram per benchmark stem and detector (the stems in the order given). */
export function scoreHistograms(lines: readonly CandidateLine[], stems: readonly string[], detectors: readonly ScoredDetector[], floors: Thresholds, thresholds: Thresholds): ScoreHistogram[] {
  const histograms: ScoreHistogram[] = [];
  const byKey = new Map<string, ScoreHistogram>();
  for (const benchmark of stems) {
    for (const detector of detectors) {
      const first = Math.floor(floors[detector] / BIN_WIDTH + 1e-9);
      const last = Math.ceil(1 / BIN_WIDTH - 1e-9);
      const bins = [];
      for (let k = first; k < last; k++) bins.push({ from: gridValue(k), to: gridValue(k + 1), count: 0 });
      const histogram: ScoreHistogram = { benchmark, detector, floor: floors[detector], threshold: thresholds[detector], bins, candidates: 0, atOrAbove: 0 };
      histograms.push(histogram);
      byKey.set(`${benchmark}\u0000${detector}`, histogram);
    }
  }
  for (const line of lines) {
    for (const candidate of line.candidates) {
      if (candidate.detector === 'exact') continue;
      const histogram = byKey.get(`${stemOf(candidate.benchmark)}\u0000${candidate.detector}`);
      if (histogram === undefined) continue;
      histogram.candidates++;
      if (candidate.score >= histogram.threshold) histogram.atOrAbove++;
      const at = Math.floor((candidate.score - histogram.bins[0]!.from) / BIN_WIDTH + 1e-9);
      histogram.bins[Math.max(0, Math.min(histogram.bins.length - 1, at))]!.count++;
    }
  }
  return histograms;
}

/** Bar characters for the fullest bin. */
const BAR_WIDTH = 40;

/** The histograms as text: one block per benchmark and detector, bins high to low, the threshold's bin marked. */
export function formatHistograms(histograms: readonly ScoreHistogram[]): string {
  const blocks: string[] = [];
  for (const histogram of histograms) {
    const most = Math.max(1, ...histogram.bins.map((bin) => bin.count));
    const lines = [`${histogram.benchmark} / ${histogram.detector}: ${histogram.candidates} candidates at or above the floor ${histogram.floor}, ${histogram.atOrAbove} at or above the threshold ${histogram.threshold}`];
    // An empty histogram says nothing its heading does not.
    if (histogram.candidates === 0) {
      blocks.push(lines[0]!);
      continue;
    }
    for (const bin of [...histogram.bins].reverse()) {
      const holdsThreshold = histogram.threshold >= bin.from && (histogram.threshold < bin.to || bin.to >= 1);
      const bar = '#'.repeat(Math.ceil((bin.count / most) * BAR_WIDTH));
      lines.push(`  ${bin.from.toFixed(2)}-${bin.to.toFixed(2)} |${bar.padEnd(BAR_WIDTH)}| ${String(bin.count).padStart(6)}${holdsThreshold ? `  <- threshold ${histogram.threshold}` : ''}`);
    }
    blocks.push(lines.join('\n'));
  }
  return `${blocks.join('\n\n')}\n`;
}
