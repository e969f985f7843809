/** Figure 2: the 2-D PCA map of the embeddings with the coreset highlighted. Pure. */
import { scatterPlot, type ScatterPoint } from '../charts/scatter.js';
import type { MapData, MapPoint, Section } from '../data.js';
import { drawn, skipped, type Figure } from '../figure.js';
import { formatCount, formatPercent } from '../svg.js';

const ID = 'map';
const TITLE = 'Map of the embeddings (PCA)';

/** Below this share of the variance the caption warns that the map shows little of the data's shape. */
const LOW_VARIANCE = 0.2;

/** "PC1+PC2 explain 5.2% of the variance". */
export function varianceShown(explained: readonly [number, number]): string {
  return `PC1+PC2 explain ${formatPercent(explained[0] + explained[1])} of the variance`;
}

/** The map figure, or a note when the embeddings are missing. */
export function mapFigure(section: Section<MapData>): Figure {
  if (section.status === 'missing') return skipped(ID, TITLE, section.note);
  const data = section.data;
  const counts = new Map<string, number>();
  for (const point of [...data.points, ...data.coreset]) if (point.language !== null) counts.set(point.language, (counts.get(point.language) ?? 0) + 1);
  const categories = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([language]) => language);
  const index = new Map(categories.map((language, i) => [language, i]));
  const toPoint = (point: MapPoint): ScatterPoint => ({ x: point.x, y: point.y, category: point.language === null ? -1 : (index.get(point.language) ?? -1) });
  const shown = varianceShown(data.explained);
  const svg = scatterPlot({
    note: shown,
    title: TITLE,
    points: data.points.map(toPoint),
    highlighted: data.coreset.map(toPoint),
    categories,
    highlightLabel: 'coreset',
    uncategorizedLabel: 'language unknown',
    xLabel: `PC1 (${formatPercent(data.explained[0])} of variance)`,
    yLabel: `PC2 (${formatPercent(data.explained[1])} of variance)`,
  });
  const parts = [
    `${shown}${data.explained[0] + data.explained[1] < LOW_VARIANCE ? ': rows far apart in the embedding space can be drawn on top of each other, so read the map as a rough picture only' : ''}.`,
    `${formatCount(data.points.length)} rows of ${formatCount(data.totalRows)} (a seeded sample) projected on the first two principal components of ${formatCount(data.fitRows)} sampled rows (${data.dim} dimensions).`,
  ];
  if (data.coreset.length > 0) {
    parts.push(data.coreset.length < data.coresetSize
      ? `Outlined: the first ${formatCount(data.coreset.length)} of ${formatCount(data.coresetSize)} coreset picks.`
      : `Outlined: all ${formatCount(data.coreset.length)} coreset rows.`);
  }
  parts.push('Background points are translucent, the more so the more they pile up, so darker areas hold more rows.', ...data.notes);
  return drawn(ID, TITLE, svg, parts.join(' '));
}
