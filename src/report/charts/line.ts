/** Line charts: several (x, y) series on shared axes, with a legend; linear or logarithmic x. */
import { bottomAxis, emptyChart, escapeXml, formatNumber, leftAxis, legend, linearScale, logScale, paletteColor, px, svgRoot, type Frame, type Scale } from '../svg.js';

/** One series of a line chart. */
export interface LineSeries {
  name: string;
  /** (x, y) points; drawn in the order given. Points with a non-finite coordinate are left out. */
  points: readonly (readonly [number, number])[];
  /** @default a palette colour by position */
  color?: string;
  /** `line`: a polyline; `points`: circle markers only; `both`. @default 'line' */
  style?: 'line' | 'points' | 'both';
  /** Draw the line dashed. @default false */
  dashed?: boolean;
}

/** A labelled vertical bracket between two values at one x (e.g. greedy against random at the final k). */
export interface LineGap {
  x: number;
  from: number;
  to: number;
  /** Text beside the bracket, e.g. "random baseline radius is 4.1% higher". */
  label: string;
}

/** What {@link lineChart} draws. */
export interface LineChartSpec {
  title: string;
  series: readonly LineSeries[];
  xLabel: string;
  yLabel: string;
  /** `log` needs x > 0 (other points are left out). @default 'linear' */
  xScale?: 'linear' | 'log';
  /**
   * Start the y axis at zero; `false` fits it to the data (the [min, max] range padded by
   * {@link Y_PADDING} of its span on each side, not below 0 for data that is not, then widened to nice
   * ticks), so that close curves are told apart. @default true
   */
  yFromZero?: boolean;
  /** Brackets drawn with their label. @default none */
  gaps?: readonly LineGap[];
  /** @default 720 */
  width?: number;
  /** @default 380 */
  height?: number;
}

/** Share of the data's y span added below and above it when the axis is fitted to the data. */
export const Y_PADDING = 0.08;

/** The y range the axis must cover: from 0, or the data's padded range. */
function yRange(ys: readonly number[], fromZero: boolean): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (const y of ys) {
    if (y < min) min = y;
    if (y > max) max = y;
  }
  if (fromZero) return [Math.min(0, min), max];
  const pad = (max - min) * Y_PADDING;
  return [min >= 0 ? Math.max(0, min - pad) : min - pad, max + pad];
}

/** A bracket from y(from) to y(to) at x, with its label to the left (the gap is usually at the last x). */
function gapMark(gap: LineGap, x: Scale, y: Scale): string {
  const gx = x(gap.x);
  const [top, bottom] = [y(Math.max(gap.from, gap.to)), y(Math.min(gap.from, gap.to))];
  const d = `M${px(gx - 4)} ${px(top)}H${px(gx)}V${px(bottom)}H${px(gx - 4)}`;
  return `<g class="gap"><path class="gap-bracket" d="${d}" fill="none" stroke="#222" stroke-width="1.2"/>` +
    `<text class="gap-label" x="${px(gx - 8)}" y="${px((top + bottom) / 2)}" dy="0.32em" text-anchor="end" fill="#222" stroke="#fff" stroke-width="3" paint-order="stroke">${escapeXml(gap.label)}</text></g>`;
}

/**
 * A line chart as an SVG string: one `path.line` per series drawn as a line, one `circle.marker` per
 * point of series drawn with markers, x and y axes with ticks and labels, light grid lines and a
 * legend.
 */
export function lineChart(spec: LineChartSpec): string {
  const width = spec.width ?? 720;
  const height = spec.height ?? 380;
  const logX = spec.xScale === 'log';
  const usable = spec.series.map((series) => series.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!logX || x > 0)));
  const all = usable.flat();
  if (all.length === 0) return emptyChart(width, height, spec.title, 'line-chart', 'no data');
  const colors = spec.series.map((series, i) => series.color ?? paletteColor(i));
  const legendBlock = legend(
    spec.series.map((series, i) => ({ label: series.name, color: colors[i]!, shape: (series.style ?? 'line') === 'points' ? ('circle' as const) : series.dashed === true ? ('dashed' as const) : ('line' as const) })),
    70, 14, width - 90,
  );
  const frame: Frame = { width, height, left: 64, right: 24, top: 20 + legendBlock.height, bottom: 48 };
  const xs = all.map(([x]) => x);
  const ys = [...all.map(([, y]) => y), ...(spec.gaps ?? []).flatMap((gap) => [gap.from, gap.to].filter(Number.isFinite))];
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  const x: Scale = logX ? logScale(xMin, xMax, [frame.left, width - frame.right]) : linearScale(xMin, xMax, [frame.left, width - frame.right], 6);
  const [yMin, yMax] = yRange(ys, spec.yFromZero !== false);
  const y = linearScale(yMin, yMax, [height - frame.bottom, frame.top], 5);
  const parts: string[] = [leftAxis(frame, y, spec.yLabel), bottomAxis(frame, x, spec.xLabel)];
  spec.series.forEach((series, i) => {
    const points = usable[i]!;
    const color = escapeXml(colors[i]!);
    const style = series.style ?? 'line';
    if (style !== 'points' && points.length >= 2) {
      const d = points.map(([px0, py0], j) => `${j === 0 ? 'M' : 'L'}${px(x(px0))} ${px(y(py0))}`).join('');
      parts.push(`<path class="line" d="${d}" fill="none" stroke="${color}" stroke-width="2.2" stroke-linejoin="round"${series.dashed === true ? ' stroke-dasharray="6 4"' : ''}><title>${escapeXml(series.name)}</title></path>`);
    }
    if (style !== 'line' || points.length === 1) {
      for (const [px0, py0] of points) {
        parts.push(`<circle class="marker" cx="${px(x(px0))}" cy="${px(y(py0))}" r="${style === 'points' ? 5 : 3.5}" fill="${color}" stroke="#fff" stroke-width="1"><title>${escapeXml(`${series.name}: ${formatNumber(px0)}, ${formatNumber(py0)}`)}</title></circle>`);
      }
    }
  });
  for (const gap of spec.gaps ?? []) if ([gap.x, gap.from, gap.to].every(Number.isFinite) && (!logX || gap.x > 0)) parts.push(gapMark(gap, x, y));
  parts.push(legendBlock.svg);
  return svgRoot(width, height, spec.title, parts.join(''), 'line-chart');
}
