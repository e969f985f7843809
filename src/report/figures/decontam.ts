/** Figure 6: decontamination hits per benchmark and per detector. Pure. */
import { barChart } from '../charts/bar.js';
import type { DecontamData, Section } from '../data.js';
import { drawn, skipped, type Figure } from '../figure.js';
import { formatCount, formatPercent } from '../svg.js';

const ID = 'decontam';
const TITLE = 'Decontamination hits';

/** The decontamination figure, or "no decontamination run" when decontam's output is missing. */
export function decontamFigure(section: Section<DecontamData>): Figure {
  if (section.status === 'missing') return skipped(ID, TITLE, section.note);
  const data = section.data;
  const benchmarks = Object.entries(data.removedByBenchmark).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const detectors = Object.entries(data.removedByDetector);
  const byBenchmark = barChart({ title: 'Records removed per benchmark', categories: benchmarks.map(([name]) => name), series: [{ name: 'removed', values: benchmarks.map(([, n]) => n), color: '#D55E00' }], valueLabel: 'records removed (per benchmark)' });
  const byDetector = barChart({ title: 'Records removed per detector', categories: detectors.map(([name]) => name), series: [{ name: 'removed', values: detectors.map(([, n]) => n), color: '#CC79A7' }], valueLabel: 'records removed (per detector)' });
  const removed = data.removed === null ? 'Records removed' : `${formatCount(data.removed)} records removed${data.records === null || data.records === 0 ? '' : ` of ${formatCount(data.records)} (${formatPercent(data.removed / data.records)})`}`;
  const caption = `${removed}, by the benchmark they match and by the detector that flagged them (exact, n-gram, embedding). A record can match several benchmarks and detectors.`;
  return drawn(ID, TITLE, `${byBenchmark}${byDetector}`, caption);
}
