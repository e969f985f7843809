/** Figure 1: covering radius versus k, greedy coreset against random subsets. Pure. */
import { lineChart, type LineSeries } from '../charts/line.js';
import type { CoverageData, Section } from '../data.js';
import { drawn, skipped, type Figure } from '../figure.js';
import { formatCount } from '../svg.js';

const ID = 'coverage';
const TITLE = 'Coverage radius versus k';

/** Colours shared with the legend text of the caption. */
const GREEDY_COLOR = '#0072B2';
const RANDOM_COLOR = '#D55E00';

/** The coverage figure, or a note when select's output is missing. */
export function coverageFigure(section: Section<CoverageData>): Figure {
  if (section.status === 'missing') return skipped(ID, TITLE, section.note);
  const data = section.data;
  const greedy: [number, number][] = data.greedy.map((p) => [p.k, p.radius]);
  if (data.finalRadius !== null && data.coresetSize > 0 && (greedy.at(-1)?.[0] ?? 0) < data.coresetSize) greedy.push([data.coresetSize, data.finalRadius]);
  const series: LineSeries[] = [{ name: 'k-center greedy coreset', points: greedy, color: GREEDY_COLOR }];
  if (data.baseline !== null && data.baseline.points.length > 0) {
    series.push({ name: 'random subset (measured here)', points: data.baseline.points.map((p) => [p.k, p.radius]), color: RANDOM_COLOR, style: 'both', dashed: true });
  }
  if (data.selectBaseline !== null && data.coresetSize > 0) {
    series.push({ name: 'random subset (select, exact)', points: [[data.coresetSize, data.selectBaseline]], color: '#000000', style: 'points' });
  }
  const logX = data.coresetSize >= 20;
  const svg = lineChart({ title: TITLE, series, xLabel: `k (rows selected${logX ? ', log scale' : ''})`, yLabel: 'covering radius (Euclidean)', xScale: logX ? 'log' : 'linear' });
  return drawn(ID, TITLE, svg, coverageCaption(data));
}

function coverageCaption(data: CoverageData): string {
  const parts = [
    'Covering radius: the largest distance from any row to its nearest selected row (lower means the selection covers the data more evenly).',
    `The greedy curve comes from coreset.arrow (${formatCount(data.coresetSize)} picks; the radius each row had when it was picked).`,
  ];
  const baseline = data.baseline;
  if (baseline !== null && baseline.points.length > 0) {
    const sampled = baseline.pointsMeasured < baseline.totalRows;
    parts.push(sampled
      ? `Random subsets (seeded) are measured on a seeded sample of ${formatCount(baseline.pointsMeasured)} of ${formatCount(baseline.totalRows)} rows, so their radius is a lower bound of the exact one.`
      : `Random subsets (seeded) are measured exactly on all ${formatCount(baseline.totalRows)} rows.`);
    const last = baseline.points.at(-1)!;
    if (baseline.truncated) parts.push(`The random curve stops at k = ${formatCount(last.k)}: its time budget ran out.`);
  } else if (data.baselineNote !== null) {
    parts.push(data.baselineNote);
  }
  if (data.finalRadius !== null && data.selectBaseline !== null && data.finalRadius > 0) {
    parts.push(`At k = ${formatCount(data.coresetSize)}: greedy ${data.finalRadius.toPrecision(4)} against random ${data.selectBaseline.toPrecision(4)} (${(data.selectBaseline / data.finalRadius).toFixed(2)}x).`);
  }
  return parts.join(' ');
}
