/**
 * Shared pieces of the chart builders: escaping, number formatting, scales, "nice" ticks, axes,
 * legends and the colour palette. Pure string building: no DOM, no I/O.
 */

/** Escapes text for XML/HTML text content and double- or single-quoted attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char]!);
}

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Colours for categories (Okabe-Ito, distinguishable with the common colour-vision deficiencies),
 * black excluded: it marks highlighted points.
 */
export const PALETTE: readonly string[] = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#8C8C8C'];

/** Colour of a category by its position, cycling through {@link PALETTE}. */
export function paletteColor(index: number): string {
  return PALETTE[((index % PALETTE.length) + PALETTE.length) % PALETTE.length]!;
}

/** A coordinate rounded to 0.1 px: enough for the eye, and it keeps large scatter plots small. */
export function px(value: number): string {
  return String(Math.round(value * 10) / 10);
}

/**
 * A number as people read it on an axis or label: thousands separated (`12,345`), large values
 * shortened (`1.5M`), small ones with at most 3 significant digits (`0.0123`).
 */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${trimZeros((value / 1e9).toFixed(1))}G`;
  if (abs >= 1e6) return `${trimZeros((value / 1e6).toFixed(1))}M`;
  if (abs >= 1e4) return `${trimZeros((value / 1e3).toFixed(1))}k`;
  if (abs >= 100 || Number.isInteger(value)) return Math.round(value).toLocaleString('en-US');
  if (abs === 0) return '0';
  return String(Number(value.toPrecision(3)));
}

/** A count written out in full with thousands separators (`200,000`), for captions and tables. */
export function formatCount(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** A fraction (0..1) as a percentage with one decimal (`12.5%`). */
export function formatPercent(fraction: number): string {
  return `${(100 * fraction).toFixed(1)}%`;
}

/** A fraction (0..1) as a percentage for an axis tick: no trailing zeros (`5%`, `2.5%`). */
export function formatPercentTick(fraction: number): string {
  return `${Number((100 * fraction).toPrecision(6))}%`;
}

function trimZeros(text: string): string {
  return text.replace(/\.0$/, '');
}

/**
 * About `count` round tick values covering [min, max] (steps of 1, 2 or 5 times a power of ten),
 * the first at or below `min` and the last at or above `max`. A zero-width range gets one step
 * around it. With `integer`, steps are whole numbers (for counts: no "0.5 rows").
 * @default count 5
 * @default integer false
 */
export function niceTicks(min: number, max: number, count = 5, integer = false): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (max < min) [min, max] = [max, min];
  if (max === min) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    min -= pad;
    max += pad;
  }
  const step = integer ? Math.max(1, niceStep((max - min) / Math.max(1, count))) : niceStep((max - min) / Math.max(1, count));
  const first = Math.floor(min / step + 1e-9);
  const last = Math.ceil(max / step - 1e-9);
  const ticks: number[] = [];
  // Multiplying the integer index by the step (instead of adding steps) keeps 0.1 * 3 from drifting.
  for (let i = first; i <= last; i++) ticks.push(Number((i * step).toPrecision(12)));
  return ticks;
}

/** The round step (1, 2 or 5 times a power of ten) nearest to `raw` on a log scale. */
function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  return (fraction >= Math.sqrt(50) ? 10 : fraction >= Math.sqrt(10) ? 5 : fraction >= Math.sqrt(2) ? 2 : 1) * power;
}

/**
 * Ticks of a logarithmic axis over [min, max] (both > 0): 1, 2 and 5 times each power of ten inside
 * the range, thinned to the powers of ten alone when that gives more than `maxTicks`.
 * @default maxTicks 10
 */
export function logTicks(min: number, max: number, maxTicks = 10): number[] {
  if (!(min > 0) || !(max >= min) || !Number.isFinite(max)) return [];
  const low = Math.floor(Math.log10(min));
  const high = Math.ceil(Math.log10(max));
  const inRange = (v: number) => v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9);
  const all: number[] = [];
  for (let power = low; power <= high; power++) for (const m of [1, 2, 5]) all.push(Number((m * 10 ** power).toPrecision(12)));
  const ticks = all.filter(inRange);
  if (ticks.length <= maxTicks) return ticks;
  const decades = ticks.filter((v) => Number.isInteger(Math.log10(v)) || Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9);
  return decades.length >= 2 ? decades : [ticks[0]!, ticks.at(-1)!];
}

/** Maps data values to pixels. */
export interface Scale {
  (value: number): number;
  /** The data range the scale covers. */
  readonly domain: readonly [number, number];
  /** Tick values inside the domain. */
  readonly ticks: readonly number[];
}

/**
 * A linear scale over nice ticks: the domain is widened to the outer ticks around [min, max].
 * @default tickCount 5
 * @default integer false: see {@link niceTicks}
 */
export function linearScale(min: number, max: number, range: readonly [number, number], tickCount = 5, integer = false): Scale {
  const ticks = niceTicks(min, max, tickCount, integer);
  const lo = ticks[0] ?? 0;
  const hi = ticks.at(-1) ?? 1;
  const span = hi - lo || 1;
  const scale = (value: number) => range[0] + ((value - lo) / span) * (range[1] - range[0]);
  return Object.assign(scale, { domain: [lo, hi] as const, ticks });
}

/** A base-10 logarithmic scale over [min, max] (both > 0). */
export function logScale(min: number, max: number, range: readonly [number, number]): Scale {
  const lo = Math.log10(min);
  const hi = Math.log10(max > min ? max : min * 10);
  const scale = (value: number) => range[0] + ((Math.log10(value) - lo) / (hi - lo)) * (range[1] - range[0]);
  return Object.assign(scale, { domain: [min, max > min ? max : min * 10] as const, ticks: logTicks(min, max > min ? max : min * 10) });
}

/** Plot area inside an SVG: the margins leave room for axes, labels and the legend. */
export interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** The root `<svg>` element with a `<title>` (read by screen readers) and the chart's body. */
export function svgRoot(width: number, height: number, title: string, body: string, kind: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart ${escapeXml(kind)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="12"><title>${escapeXml(title)}</title>${body}</svg>`;
}

/** A horizontal axis at the bottom of the frame, with tick marks, tick labels and an axis label. */
export function bottomAxis(frame: Frame, scale: Scale, label: string, format: (value: number) => string = formatNumber): string {
  const y = frame.height - frame.bottom;
  const parts = [`<line class="domain" x1="${px(frame.left)}" y1="${px(y)}" x2="${px(frame.width - frame.right)}" y2="${px(y)}" stroke="#444"/>`];
  for (const tick of scale.ticks) {
    const x = px(scale(tick));
    parts.push(`<line class="tick" x1="${x}" y1="${px(y)}" x2="${x}" y2="${px(y + 5)}" stroke="#444"/><text class="tick-label" x="${x}" y="${px(y + 18)}" text-anchor="middle" fill="#333">${escapeXml(format(tick))}</text>`);
  }
  const middle = (frame.left + frame.width - frame.right) / 2;
  parts.push(`<text class="axis-label" x="${px(middle)}" y="${px(frame.height - 6)}" text-anchor="middle" fill="#222">${escapeXml(label)}</text>`);
  return `<g class="axis x">${parts.join('')}</g>`;
}

/** A vertical axis on the left of the frame, with light grid lines across the plot area. */
export function leftAxis(frame: Frame, scale: Scale, label: string, format: (value: number) => string = formatNumber): string {
  const x = frame.left;
  const parts = [`<line class="domain" x1="${px(x)}" y1="${px(frame.top)}" x2="${px(x)}" y2="${px(frame.height - frame.bottom)}" stroke="#444"/>`];
  for (const tick of scale.ticks) {
    const y = px(scale(tick));
    parts.push(
      `<line class="grid" x1="${px(x)}" y1="${y}" x2="${px(frame.width - frame.right)}" y2="${y}" stroke="#e4e4e4"/>`,
      `<line class="tick" x1="${px(x - 5)}" y1="${y}" x2="${px(x)}" y2="${y}" stroke="#444"/><text class="tick-label" x="${px(x - 8)}" y="${y}" dy="0.32em" text-anchor="end" fill="#333">${escapeXml(format(tick))}</text>`,
    );
  }
  const middle = (frame.top + frame.height - frame.bottom) / 2;
  parts.push(`<text class="axis-label" transform="translate(14 ${px(middle)}) rotate(-90)" text-anchor="middle" fill="#222">${escapeXml(label)}</text>`);
  return `<g class="axis y">${parts.join('')}</g>`;
}

/** One legend entry: a line, a square swatch or a circle marker, and its label. */
export interface LegendItem {
  label: string;
  color: string;
  shape: 'line' | 'dashed' | 'square' | 'circle' | 'ring';
}

/** A legend laid out left to right (wrapping) from (x, y); returns its markup and height. */
export function legend(items: readonly LegendItem[], x: number, y: number, maxWidth: number): { svg: string; height: number } {
  const parts: string[] = [];
  let cx = x;
  let cy = y;
  for (const item of items) {
    const width = 22 + textWidth(item.label) + 18;
    if (cx > x && cx + width > x + maxWidth) {
      cx = x;
      cy += 18;
    }
    parts.push(`<g class="legend-item">${legendMark(item, cx, cy)}<text x="${px(cx + 22)}" y="${px(cy)}" dy="0.32em" fill="#222">${escapeXml(item.label)}</text></g>`);
    cx += width;
  }
  return { svg: `<g class="legend">${parts.join('')}</g>`, height: items.length === 0 ? 0 : cy - y + 18 };
}

function legendMark(item: LegendItem, x: number, y: number): string {
  const color = escapeXml(item.color);
  switch (item.shape) {
    case 'line':
    case 'dashed':
      return `<line class="swatch" x1="${px(x)}" y1="${px(y)}" x2="${px(x + 16)}" y2="${px(y)}" stroke="${color}" stroke-width="2.5"${item.shape === 'dashed' ? ' stroke-dasharray="5 3"' : ''}/>`;
    case 'square':
      return `<rect class="swatch" x="${px(x + 2)}" y="${px(y - 6)}" width="12" height="12" fill="${color}"/>`;
    case 'circle':
      return `<circle class="swatch" cx="${px(x + 8)}" cy="${px(y)}" r="4.5" fill="${color}"/>`;
    case 'ring':
      return `<circle class="swatch" cx="${px(x + 8)}" cy="${px(y)}" r="4.5" fill="${color}" stroke="#000" stroke-width="1.5"/>`;
  }
}

/** Rough width in px of `text` at 12 px in a sans-serif font (no DOM to measure with). */
export function textWidth(text: string): number {
  return Math.ceil(text.length * 6.8);
}

/** `text` cut to `max` characters with an ellipsis. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(1, max - 1))}…`;
}

/** A centred "nothing to draw" message in an otherwise empty chart. */
export function emptyChart(width: number, height: number, title: string, kind: string, message: string): string {
  return svgRoot(width, height, title, `<text class="empty" x="${px(width / 2)}" y="${px(height / 2)}" text-anchor="middle" fill="#666">${escapeXml(message)}</text>`, kind);
}
