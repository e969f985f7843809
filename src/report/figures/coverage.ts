/** Figure 1: covering radius versus k, greedy coreset against random subsets. Pure. */
import { lineChart, type LineGap, type LineSeries } from '../charts/line.js';
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
  const gap = finalGap(data);
  const gaps: LineGap[] = gap === null ? [] : [{ x: gap.k, from: gap.greedy, to: gap.random, label: gap.text }];
  // The axis is fitted to the data: from 0, curves 4% apart (greedy 1.240, random 1.291) look the same.
  const svg = lineChart({ title: TITLE, series, xLabel: `k (rows selected${logX ? ', log scale' : ''})`, yLabel: 'covering radius (Euclidean)', xScale: logX ? 'log' : 'linear', yFromZero: false, gaps });
  return drawn(ID, TITLE, svg, coverageCaption(data, gap));
}

/** Greedy against random at the final k, and how the gap reads. */
interface FinalGap {
  k: number;
  greedy: number;
  random: number;
  text: string;
}

/**
 * The gap at k = coreset size: against select's exact random-baseline radius, else against the random
 * curve measured here at that k (a lower bound when measured on a sample). Null without a greedy
 * radius above 0 to compare with.
 */
export function finalGap(data: CoverageData): FinalGap | null {
  const greedy = data.finalRadius;
  if (greedy === null || !(greedy > 0) || data.coresetSize <= 0) return null;
  if (data.selectBaseline !== null && Number.isFinite(data.selectBaseline)) {
    return { k: data.coresetSize, greedy, random: data.selectBaseline, text: gapText(greedy, data.selectBaseline, false) };
  }
  const measured = data.baseline?.points.find((point) => point.k === data.coresetSize);
  if (data.baseline === null || measured === undefined) return null;
  return { k: data.coresetSize, greedy, random: measured.radius, text: gapText(greedy, measured.radius, data.baseline.pointsMeasured < data.baseline.totalRows) };
}

/** "random baseline radius is 4.1% higher" (1 decimal; "at least" for a lower bound measured on a sample). */
export function gapText(greedy: number, random: number, sampled: boolean): string {
  const percent = (100 * (random - greedy)) / greedy;
  const amount = `${Math.abs(percent).toFixed(1)}%`;
  if (amount === '0.0%') return 'random baseline radius is the same';
  if (percent > 0) return `random baseline radius is ${sampled ? 'at least ' : ''}${amount} higher`;
  return `random baseline radius is ${amount} lower${sampled ? ' (measured on a sample)' : ''}`;
}

function coverageCaption(data: CoverageData, gap: FinalGap | null): string {
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
  if (gap !== null) {
    parts.push(`At k = ${formatCount(gap.k)}: greedy ${gap.greedy.toPrecision(4)} against random ${gap.random.toPrecision(4)} (${gap.text}).`);
  }
  parts.push('The y axis is fitted to the radii, not started at 0.');
  return parts.join(' ');
}
