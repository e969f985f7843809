/** Histograms: counts over contiguous bins of a value, with a vertical marker line (a threshold) across them. */
import { bottomAxis, emptyChart, escapeXml, formatNumber, leftAxis, linearScale, px, svgRoot, type Frame } from '../svg.js';

/** One bin: `from <= value < to`, and how many values fell in it. */
export interface HistogramBin {
  from: number;
  to: number;
  count: number;
}

/** What {@link histogramChart} draws. */
export interface HistogramSpec {
  /** Accessible title of the SVG. */
  title: string;
  /** Contiguous bins, ascending. */
  bins: readonly HistogramBin[];
  /** Where the marker line is drawn (on the value axis), with its label. */
  marker: { value: number; label: string };
  xLabel: string;
  yLabel: string;
  /** Fill of bins at or above the marker, and below it. @default ['#D55E00', '#8C8C8C'] */
  colors?: readonly [string, string];
  /** @default 720 */
  width?: number;
  /** @default 240 */
  height?: number;
}

/**
 * A histogram as an SVG string: one `rect.bin` per bin (zero-height when empty; a bin at or above the
 * marker in the first colour), a value axis along the bins' range, a count axis, and the marker as a
 * dashed `line.marker` with its label.
 */
export function histogramChart(spec: HistogramSpec): string {
  const width = spec.width ?? 720;
  const height = spec.height ?? 240;
  const first = spec.bins[0];
  const last = spec.bins.at(-1);
  if (first === undefined || last === undefined) return emptyChart(width, height, spec.title, 'histogram', 'no data');
  const [above, below] = spec.colors ?? ['#D55E00', '#8C8C8C'];
  const frame: Frame = { width, height, left: 56, right: 16, top: 24, bottom: 44 };
  const lo = Math.min(first.from, spec.marker.value);
  const hi = Math.max(last.to, spec.marker.value);
  // The value axis is exactly the bins' range (not widened to nice ticks), so bars and marker line up with their values.
  const span = hi - lo || 1;
  const x = Object.assign((value: number) => frame.left + ((value - lo) / span) * (width - frame.left - frame.right), {
    domain: [lo, hi] as const,
    ticks: linearScale(lo, hi, [0, 1], 6).ticks.filter((tick) => tick >= lo - 1e-9 && tick <= hi + 1e-9),
  });
  const most = Math.max(1, ...spec.bins.map((bin) => bin.count));
  const y = linearScale(0, most, [height - frame.bottom, frame.top], 4, true);
  const parts: string[] = [leftAxis(frame, y, spec.yLabel)];
  for (const bin of spec.bins) {
    const left = x(bin.from);
    const barWidth = Math.max(0, x(bin.to) - left - 1);
    const top = y(bin.count);
    const fill = bin.from >= spec.marker.value - 1e-9 ? above : below;
    parts.push(`<rect class="bin" x="${px(left + 0.5)}" y="${px(top)}" width="${px(barWidth)}" height="${px(height - frame.bottom - top)}" fill="${escapeXml(fill)}"><title>${escapeXml(`${bin.from.toFixed(2)} to ${bin.to.toFixed(2)}: ${formatNumber(bin.count)}`)}</title></rect>`);
  }
  const markerX = px(x(spec.marker.value));
  parts.push(
    `<line class="marker" x1="${markerX}" y1="${px(frame.top - 6)}" x2="${markerX}" y2="${px(height - frame.bottom)}" stroke="#000" stroke-width="1.5" stroke-dasharray="5 3"/>`,
    // Right of the line, or left of it near the right edge.
    x(spec.marker.value) < width * 0.7
      ? `<text class="marker-label" x="${px(x(spec.marker.value) + 4)}" y="${px(frame.top - 10)}" fill="#000">${escapeXml(spec.marker.label)}</text>`
      : `<text class="marker-label" x="${px(x(spec.marker.value) - 4)}" y="${px(frame.top - 10)}" text-anchor="end" fill="#000">${escapeXml(spec.marker.label)}</text>`,
    bottomAxis(frame, x, spec.xLabel),
  );
  return svgRoot(width, height, spec.title, parts.join(''), 'histogram');
}
