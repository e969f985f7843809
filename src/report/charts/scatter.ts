/** Scatter plots of 2-D points coloured by category, with a highlighted subset drawn on top. */
import { bottomAxis, emptyChart, escapeXml, leftAxis, legend, linearScale, paletteColor, px, svgRoot, type Frame, type LegendItem } from '../svg.js';

/** One point: coordinates and its category (the index into `categories`, or -1 for none). */
export interface ScatterPoint {
  x: number;
  y: number;
  category: number;
}

/** What {@link scatterPlot} draws. */
export interface ScatterSpec {
  title: string;
  /** Background points (drawn small and translucent). */
  points: readonly ScatterPoint[];
  /** Highlighted points (drawn larger, outlined, above the others). */
  highlighted: readonly ScatterPoint[];
  /** Category names, in legend order; a point's `category` indexes into it. */
  categories: readonly string[];
  /** Legend label of the highlighted points. */
  highlightLabel: string;
  /** Legend label of points without a category. @default 'unknown' */
  uncategorizedLabel?: string;
  xLabel: string;
  yLabel: string;
  /** A line of text above the legend (e.g. how much variance a projection shows). @default none */
  note?: string;
  /** @default 720 */
  width?: number;
  /** @default 520 */
  height?: number;
}

const NO_CATEGORY_COLOR = '#9a9a9a';

/** Opacity of background points where they barely overlap. */
export const MAX_POINT_OPACITY = 0.55;
/** Lowest opacity of background points: a lone point stays visible. */
export const MIN_POINT_OPACITY = 0.12;
/** Background points above which they are drawn smaller. */
const MANY_POINTS = 2000;
/** Highlighted points above which they are drawn smaller. */
const MANY_HIGHLIGHTED = 300;

/** Radius in px of a background point: smaller when there are many. */
export function pointRadius(count: number): number {
  return count > MANY_POINTS ? 1.4 : 1.8;
}

/**
 * Opacity of the background points, from how much they pile up: points are counted in square cells one
 * point wide, and the opacity is the one at which `q` points drawn over each other cover 90% of the
 * background, `q` being the 95th percentile of the counts of occupied cells; clamped to
 * [{@link MIN_POINT_OPACITY}, {@link MAX_POINT_OPACITY}]. A blob of thousands of overplotted points
 * then shows where it is densest instead of one solid colour.
 * @param pixels the points' positions in px, as [x, y] pairs
 */
export function pointOpacity(pixels: readonly (readonly [number, number])[], radius: number): number {
  if (pixels.length === 0) return MAX_POINT_OPACITY;
  const cell = 2 * radius;
  const counts = new Map<string, number>();
  for (const [x, y] of pixels) {
    const key = `${Math.floor(x / cell)},${Math.floor(y / cell)}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const sorted = [...counts.values()].sort((a, b) => a - b);
  const piled = sorted[Math.floor(0.95 * (sorted.length - 1))]!;
  const opacity = 1 - 0.1 ** (1 / piled);
  return Number(Math.min(MAX_POINT_OPACITY, Math.max(MIN_POINT_OPACITY, opacity)).toFixed(3));
}

/**
 * A scatter plot as an SVG string: one `circle.pt` per background point, grouped by category (the
 * group carries the colour and an opacity fitted to how much the points pile up, see
 * {@link pointOpacity}), one `circle.hl` per highlighted point, axes with ticks, an optional note and a
 * legend of categories plus the highlight.
 */
export function scatterPlot(spec: ScatterSpec): string {
  const width = spec.width ?? 720;
  const height = spec.height ?? 520;
  const finite = (p: ScatterPoint) => Number.isFinite(p.x) && Number.isFinite(p.y);
  const points = spec.points.filter(finite);
  const highlighted = spec.highlighted.filter(finite);
  if (points.length + highlighted.length === 0) return emptyChart(width, height, spec.title, 'scatter-plot', 'no data');
  const colorOf = (category: number) => (category >= 0 && category < spec.categories.length ? paletteColor(category) : NO_CATEGORY_COLOR);
  const used = new Set([...points, ...highlighted].map((p) => (p.category >= 0 && p.category < spec.categories.length ? p.category : -1)));
  const items: LegendItem[] = spec.categories.flatMap((name, i) => (used.has(i) ? [{ label: name, color: colorOf(i), shape: 'circle' as const }] : []));
  if (used.has(-1)) items.push({ label: spec.uncategorizedLabel ?? 'unknown', color: NO_CATEGORY_COLOR, shape: 'circle' });
  if (highlighted.length > 0) items.push({ label: spec.highlightLabel, color: '#ffffff', shape: 'ring' });
  const noteHeight = spec.note === undefined ? 0 : 20;
  const legendBlock = legend(items, 70, 14 + noteHeight, width - 90);
  const frame: Frame = { width, height, left: 64, right: 24, top: 24 + noteHeight + legendBlock.height, bottom: 48 };
  const all = [...points, ...highlighted];
  const xs = all.map((p) => p.x);
  const ys = all.map((p) => p.y);
  const x = linearScale(Math.min(...xs), Math.max(...xs), [frame.left, width - frame.right], 6);
  const y = linearScale(Math.min(...ys), Math.max(...ys), [height - frame.bottom, frame.top], 5);
  const parts: string[] = [leftAxis(frame, y, spec.yLabel), bottomAxis(frame, x, spec.xLabel)];
  if (spec.note !== undefined) parts.push(`<text class="note" x="70" y="14" dy="0.32em" fill="#222" font-weight="600">${escapeXml(spec.note)}</text>`);
  const radius = pointRadius(points.length);
  const opacity = pointOpacity(points.map((p): [number, number] => [x(p.x), y(p.y)]), radius);
  const byCategory = new Map<number, ScatterPoint[]>();
  for (const point of points) {
    const key = point.category >= 0 && point.category < spec.categories.length ? point.category : -1;
    const list = byCategory.get(key) ?? [];
    list.push(point);
    byCategory.set(key, list);
  }
  for (const [category, list] of [...byCategory].sort((a, b) => a[0] - b[0])) {
    const circles = list.map((p) => `<circle class="pt" cx="${px(x(p.x))}" cy="${px(y(p.y))}" r="${radius}"/>`).join('');
    parts.push(`<g class="points" data-category="${escapeXml(category < 0 ? '' : spec.categories[category]!)}" fill="${escapeXml(colorOf(category))}" fill-opacity="${opacity}">${circles}</g>`);
  }
  if (highlighted.length > 0) {
    // Hundreds of outlined markers would hide the background's density: draw them smaller.
    const many = highlighted.length > MANY_HIGHLIGHTED;
    const circles = highlighted.map((p) => `<circle class="hl" cx="${px(x(p.x))}" cy="${px(y(p.y))}" r="${many ? 2.6 : 3.6}" fill="${escapeXml(colorOf(p.category))}"/>`).join('');
    parts.push(`<g class="highlighted" stroke="#000" stroke-width="${many ? 0.7 : 1.1}">${circles}</g>`);
  }
  parts.push(legendBlock.svg);
  return svgRoot(width, height, spec.title, parts.join(''), 'scatter-plot');
}
