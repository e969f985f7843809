/** Horizontal stacked bars: each category's total split into segments (the generation funnel). */
import { bottomAxis, emptyChart, escapeXml, formatNumber, legend, linearScale, paletteColor, px, svgRoot, truncate, type Frame } from '../svg.js';

/** One segment kind, stacked left to right in the given order. */
export interface StackSegment {
  name: string;
  /** One value per category (>= 0). */
  values: readonly number[];
  /** @default a palette colour by position */
  color?: string;
}

/** What {@link stackedBarChart} draws. */
export interface StackedBarSpec {
  title: string;
  categories: readonly string[];
  segments: readonly StackSegment[];
  valueLabel: string;
  /** @default 720 */
  width?: number;
}

const LABEL_CHARS = 26;

/**
 * A horizontal stacked bar chart as an SVG string: one `rect.bar` per category and segment
 * (zero-width for zero), the total at the end of each bar, a value axis with ticks and a legend.
 */
export function stackedBarChart(spec: StackedBarSpec): string {
  const width = spec.width ?? 720;
  if (spec.categories.length === 0 || spec.segments.length === 0) return emptyChart(width, 120, spec.title, 'stacked-bar-chart', 'no data');
  const barHeight = 18;
  const rowHeight = barHeight + 8;
  const labelWidth = Math.min(LABEL_CHARS, Math.max(...spec.categories.map((c) => c.length))) * 6.8 + 14;
  const legendBlock = legend(spec.segments.map((s, i) => ({ label: s.name, color: s.color ?? paletteColor(i), shape: 'square' as const })), labelWidth, 14, width - labelWidth - 20);
  const top = 12 + legendBlock.height;
  const frame: Frame = { width, height: top + rowHeight * spec.categories.length + 52, left: labelWidth, right: 60, top, bottom: 48 };
  const totals = spec.categories.map((_, row) => spec.segments.reduce((sum, segment) => sum + Math.max(0, segment.values[row] ?? 0), 0));
  const x = linearScale(0, Math.max(1, ...totals), [frame.left, width - frame.right], 5, true);
  const parts: string[] = [legendBlock.svg];
  spec.categories.forEach((category, row) => {
    const y = top + row * rowHeight + 6;
    const shown = truncate(category, LABEL_CHARS);
    parts.push(`<text class="category" x="${px(frame.left - 8)}" y="${px(y + barHeight / 2)}" dy="0.32em" text-anchor="end" fill="#222">${shown !== category ? `<title>${escapeXml(category)}</title>` : ''}${escapeXml(shown)}</text>`);
    let sum = 0;
    spec.segments.forEach((segment, s) => {
      const value = Math.max(0, segment.values[row] ?? 0);
      const from = x(sum);
      sum += value;
      const total = totals[row]!;
      const share = total === 0 ? '' : ` (${((100 * value) / total).toFixed(1)}%)`;
      parts.push(`<rect class="bar" x="${px(from)}" y="${px(y)}" width="${px(Math.max(0, x(sum) - from))}" height="${barHeight}" fill="${escapeXml(segment.color ?? paletteColor(s))}"><title>${escapeXml(`${category}, ${segment.name}: ${formatNumber(value)}${share}`)}</title></rect>`);
    });
    parts.push(`<text class="value" x="${px(x(sum) + 4)}" y="${px(y + barHeight / 2)}" dy="0.32em" font-size="11" fill="#333">${escapeXml(formatNumber(sum))}</text>`);
  });
  parts.push(bottomAxis(frame, x, spec.valueLabel));
  return svgRoot(width, frame.height, spec.title, parts.join(''), 'stacked-bar-chart');
}
