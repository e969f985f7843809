/** Horizontal bar charts, one bar per category and series (grouped when there are several series). */
import { bottomAxis, emptyChart, escapeXml, formatNumber, formatPercent, formatPercentTick, legend, linearScale, paletteColor, px, svgRoot, truncate, type Frame } from '../svg.js';

/** One series of a bar chart: a value per category. */
export interface BarSeries {
  name: string;
  /** One value per category (same order); must be >= 0. */
  values: readonly number[];
  /** @default a palette colour by position */
  color?: string;
}

/** What {@link barChart} draws. */
export interface BarChartSpec {
  /** Accessible title of the SVG. */
  title: string;
  categories: readonly string[];
  series: readonly BarSeries[];
  /** Label of the value axis. */
  valueLabel: string;
  /** How values read: plain counts, or fractions shown as percentages. @default 'count' */
  valueFormat?: 'count' | 'percent';
  /**
   * Extra text per category and series for the hover tooltip (`<title>`), e.g. the count behind a
   * percentage: `tooltips[series][category]`.
   */
  tooltips?: readonly (readonly string[])[];
  /** @default 720 */
  width?: number;
}

const LABEL_CHARS = 22;

/**
 * A horizontal bar chart as an SVG string: categories down the left, one `rect.bar` per category and
 * series (zero-width for zero), the value at the end of each bar, a value axis with ticks, and a
 * legend when there are several series.
 */
export function barChart(spec: BarChartSpec): string {
  const width = spec.width ?? 720;
  const format = spec.valueFormat === 'percent' ? formatPercent : formatNumber;
  if (spec.categories.length === 0 || spec.series.length === 0) return emptyChart(width, 120, spec.title, 'bar-chart', 'no data');
  const seriesCount = spec.series.length;
  const barHeight = seriesCount === 1 ? 18 : 12;
  const groupHeight = barHeight * seriesCount + 10;
  const labelWidth = Math.min(LABEL_CHARS, Math.max(...spec.categories.map((c) => c.length))) * 6.8 + 14;
  const legendBlock = seriesCount > 1 ? legend(spec.series.map((s, i) => ({ label: s.name, color: s.color ?? paletteColor(i), shape: 'square' as const })), labelWidth, 14, width - labelWidth - 20) : { svg: '', height: 0 };
  const top = 12 + legendBlock.height;
  const frame: Frame = { width, height: top + groupHeight * spec.categories.length + 48, left: labelWidth, right: 70, top, bottom: 48 };
  let max = 0;
  for (const series of spec.series) for (const value of series.values) if (Number.isFinite(value) && value > max) max = value;
  const x = linearScale(0, max > 0 ? max : 1, [frame.left, width - frame.right], 5, spec.valueFormat !== 'percent');
  const parts: string[] = [legendBlock.svg];
  spec.categories.forEach((category, row) => {
    const groupTop = top + row * groupHeight + 5;
    const shown = truncate(category, LABEL_CHARS);
    parts.push(`<text class="category" x="${px(frame.left - 8)}" y="${px(groupTop + (barHeight * seriesCount) / 2)}" dy="0.32em" text-anchor="end" fill="#222">${shown !== category ? `<title>${escapeXml(category)}</title>` : ''}${escapeXml(shown)}</text>`);
    spec.series.forEach((series, s) => {
      const value = Math.max(0, series.values[row] ?? 0);
      const y = groupTop + s * barHeight;
      const barWidth = Math.max(0, x(value) - frame.left);
      const tooltip = spec.tooltips?.[s]?.[row];
      const label = `${seriesCount > 1 ? `${series.name}, ` : ''}${category}: ${format(value)}${tooltip === undefined ? '' : ` (${tooltip})`}`;
      parts.push(
        `<rect class="bar" x="${px(frame.left)}" y="${px(y)}" width="${px(barWidth)}" height="${barHeight - 2}" fill="${escapeXml(series.color ?? paletteColor(s))}"><title>${escapeXml(label)}</title></rect>`,
        `<text class="value" x="${px(frame.left + barWidth + 4)}" y="${px(y + (barHeight - 2) / 2)}" dy="0.32em" font-size="${seriesCount === 1 ? 11 : 10}" fill="#333">${escapeXml(format(value))}</text>`,
      );
    });
  });
  parts.push(bottomAxis(frame, x, spec.valueLabel, spec.valueFormat === 'percent' ? formatPercentTick : formatNumber));
  return svgRoot(width, frame.height, spec.title, parts.join(''), 'bar-chart');
}

