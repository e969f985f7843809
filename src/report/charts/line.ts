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

/** What {@link lineChart} draws. */
export interface LineChartSpec {
  title: string;
  series: readonly LineSeries[];
  xLabel: string;
  yLabel: string;
  /** `log` needs x > 0 (other points are left out). @default 'linear' */
  xScale?: 'linear' | 'log';
  /** Start the y axis at zero. @default true */
  yFromZero?: boolean;
  /** @default 720 */
  width?: number;
  /** @default 380 */
  height?: number;
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
  const ys = all.map(([, y]) => y);
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  const x: Scale = logX ? logScale(xMin, xMax, [frame.left, width - frame.right]) : linearScale(xMin, xMax, [frame.left, width - frame.right], 6);
  const y = linearScale(spec.yFromZero === false ? Math.min(...ys) : Math.min(0, ...ys), Math.max(...ys), [height - frame.bottom, frame.top], 5);
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
  parts.push(legendBlock.svg);
  return svgRoot(width, height, spec.title, parts.join(''), 'line-chart');
}
