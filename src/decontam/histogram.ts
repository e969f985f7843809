/**
 * The score distribution of recorded candidates as a text histogram with the threshold marked, so
 * that a person can see where a threshold cuts before applying it. The binning is shared with the
 * report (store/score-histogram.ts). Pure.
 */
import type { ScoreHistogram } from '../store/score-histogram.js';

export { BIN_WIDTH, ScoreHistogramCounter, scoreHistograms, stemOf } from '../store/score-histogram.js';
export type { ScoreHistogram } from '../store/score-histogram.js';

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
