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
  /** @default 720 */
  width?: number;
  /** @default 520 */
  height?: number;
}

const NO_CATEGORY_COLOR = '#9a9a9a';

/**
 * A scatter plot as an SVG string: one `circle.pt` per background point, grouped by category (the
 * group carries the colour, so each circle is a few bytes), one `circle.hl` per highlighted point,
 * axes with ticks and a legend of categories plus the highlight.
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
  const legendBlock = legend(items, 70, 14, width - 90);
  const frame: Frame = { width, height, left: 64, right: 24, top: 24 + legendBlock.height, bottom: 48 };
  const all = [...points, ...highlighted];
  const xs = all.map((p) => p.x);
  const ys = all.map((p) => p.y);
  const x = linearScale(Math.min(...xs), Math.max(...xs), [frame.left, width - frame.right], 6);
  const y = linearScale(Math.min(...ys), Math.max(...ys), [height - frame.bottom, frame.top], 5);
  const parts: string[] = [leftAxis(frame, y, spec.yLabel), bottomAxis(frame, x, spec.xLabel)];
  const byCategory = new Map<number, ScatterPoint[]>();
  for (const point of points) {
    const key = point.category >= 0 && point.category < spec.categories.length ? point.category : -1;
    const list = byCategory.get(key) ?? [];
    list.push(point);
    byCategory.set(key, list);
  }
  for (const [category, list] of [...byCategory].sort((a, b) => a[0] - b[0])) {
    const circles = list.map((p) => `<circle class="pt" cx="${px(x(p.x))}" cy="${px(y(p.y))}" r="1.8"/>`).join('');
    parts.push(`<g class="points" data-category="${escapeXml(category < 0 ? '' : spec.categories[category]!)}" fill="${escapeXml(colorOf(category))}" fill-opacity="0.55">${circles}</g>`);
  }
  if (highlighted.length > 0) {
    const circles = highlighted.map((p) => `<circle class="hl" cx="${px(x(p.x))}" cy="${px(y(p.y))}" r="3.6" fill="${escapeXml(colorOf(p.category))}"/>`).join('');
    parts.push(`<g class="highlighted" stroke="#000" stroke-width="1.1">${circles}</g>`);
  }
  parts.push(legendBlock.svg);
  return svgRoot(width, height, spec.title, parts.join(''), 'scatter-plot');
}
