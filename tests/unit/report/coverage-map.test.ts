/**
 * The coverage chart fits its y axis to the radii and labels the greedy/random gap; the PCA map says
 * how much variance it shows and fades overplotted points (issue 14, item 17: from 0, greedy 1.240 and
 * random 1.291 looked the same; a 5%-variance PCA was one solid blob).
 */
import { describe, expect, it } from 'vitest';
import { lineChart } from '../../../src/report/charts/line.js';
import { MAX_POINT_OPACITY, MIN_POINT_OPACITY, scatterPlot, type ScatterPoint } from '../../../src/report/charts/scatter.js';
import type { CoverageData, MapData } from '../../../src/report/data.js';
import { coverageFigure, gapText } from '../../../src/report/figures/coverage.js';
import { mapFigure } from '../../../src/report/figures/map.js';
import { findAll, parseXml, textOf, type XmlElement } from './xml.js';

function yTicks(svg: XmlElement): number[] {
  const axis = findAll(svg, 'g').find((g) => g.attributes.class === 'axis y')!;
  return findAll(axis, 'text', 'tick-label').map((text) => Number(textOf(text)));
}

/** Greedy ends at 1.240, random (select's exact baseline) at 1.291: 4.1% apart. */
function coverage(overrides: Partial<CoverageData> = {}): CoverageData {
  return {
    coresetSize: 100,
    greedy: [{ k: 1, radius: 1.31 }, { k: 10, radius: 1.28 }, { k: 50, radius: 1.25 }, { k: 99, radius: 1.24 }],
    finalRadius: 1.24,
    selectBaseline: 1.291,
    baseline: { points: [{ k: 1, radius: 1.31 }, { k: 10, radius: 1.3 }, { k: 100, radius: 1.288 }], pointsMeasured: 5000, totalRows: 5000, truncated: false },
    baselineNote: null,
    ...overrides,
  };
}

describe('coverage chart', () => {
  it('fits the y axis to the radii: the lowest tick is above 0 and the two final radii are far apart on screen', () => {
    const figure = coverageFigure({ status: 'ok', data: coverage() });
    const svg = parseXml(figure.body);
    const ticks = yTicks(svg);
    expect(ticks[0]).toBeGreaterThan(1);
    expect(ticks[0]).toBeLessThanOrEqual(1.24);
    expect(ticks.at(-1)).toBeGreaterThanOrEqual(1.31);
    const bracket = findAll(svg, 'path', 'gap-bracket')[0]!;
    const [, top, bottom] = /^M\S+ (\S+)H\S+V(\S+)H/.exec(bracket.attributes.d!)!;
    const height = Number(bottom) - Number(top);
    expect(height).toBeGreaterThan(40); // from 0, 0.051 of a 1.4 range in about 290 px was 10 px
  });

  it('labels the gap at the final k, in the chart and the caption', () => {
    const figure = coverageFigure({ status: 'ok', data: coverage() });
    const labels = findAll(parseXml(figure.body), 'text', 'gap-label').map(textOf);
    expect(labels).toEqual(['random baseline radius is 4.1% higher']);
    expect(figure.caption).toContain('At k = 100: greedy 1.240 against random 1.291 (random baseline radius is 4.1% higher).');
  });

  it('falls back to the random curve measured at the final k, as a lower bound when sampled; no label without a radius above 0', () => {
    const sampled = coverageFigure({ status: 'ok', data: coverage({ selectBaseline: null, baseline: { points: [{ k: 100, radius: 1.302 }], pointsMeasured: 500, totalRows: 5000, truncated: false } }) });
    expect(findAll(parseXml(sampled.body), 'text', 'gap-label').map(textOf)).toEqual(['random baseline radius is at least 5.0% higher']);
    const zero = coverageFigure({ status: 'ok', data: coverage({ finalRadius: 0, selectBaseline: 0 }) });
    expect(findAll(parseXml(zero.body), 'text', 'gap-label')).toHaveLength(0);
    expect(gapText(2, 1.9, false)).toBe('random baseline radius is 5.0% lower');
  });

  it('lineChart: a data-fitted axis never goes below 0 for data that does not, and still starts at 0 by default', () => {
    const near = parseXml(lineChart({ title: 't', series: [{ name: 's', points: [[1, 0.01], [2, 1]] }], xLabel: 'k', yLabel: 'r', yFromZero: false }));
    expect(yTicks(near)[0]).toBe(0);
    const fromZero = parseXml(lineChart({ title: 't', series: [{ name: 's', points: [[1, 1.24], [2, 1.291]] }], xLabel: 'k', yLabel: 'r' }));
    expect(yTicks(fromZero)[0]).toBe(0);
    const fitted = parseXml(lineChart({ title: 't', series: [{ name: 's', points: [[1, 1.24], [2, 1.291]] }], xLabel: 'k', yLabel: 'r', yFromZero: false }));
    expect(yTicks(fitted)).toEqual([1.23, 1.24, 1.25, 1.26, 1.27, 1.28, 1.29, 1.3]);
  });
});

/** A seeded pseudo-random number in [0, 1). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function mapData(points: MapData['points'], explained: [number, number]): MapData {
  return { points, coreset: [], explained, fitRows: points.length, totalRows: points.length, dim: 64, coresetSize: 0, notes: [] };
}

function opacities(svg: XmlElement): number[] {
  return findAll(svg, 'g', 'points').map((g) => Number(g.attributes['fill-opacity']));
}

describe('PCA map', () => {
  it('says how much variance PC1 and PC2 explain, in the chart and the caption, with a warning when it is little', () => {
    const next = random(1);
    const points = Array.from({ length: 300 }, () => ({ x: next(), y: next(), language: 'python' }));
    const figure = mapFigure({ status: 'ok', data: mapData(points, [0.031, 0.021]) });
    expect(findAll(parseXml(figure.body), 'text', 'note').map(textOf)).toEqual(['PC1+PC2 explain 5.2% of the variance']);
    expect(figure.caption).toContain('PC1+PC2 explain 5.2% of the variance: rows far apart in the embedding space can be drawn on top of each other');
    const wide = mapFigure({ status: 'ok', data: mapData(points, [0.4, 0.25]) });
    expect(wide.caption).toContain('PC1+PC2 explain 65.0% of the variance.');
    expect(wide.caption).not.toContain('rough picture');
  });

  it('fades an overplotted blob to the lowest opacity and draws many points smaller', () => {
    // 4,000 points in a tiny blob plus two far outliers that stretch the axes (what a low-variance PCA looks like).
    const next = random(2);
    const blob: ScatterPoint[] = Array.from({ length: 4000 }, () => ({ x: next() * 0.01, y: next() * 0.01, category: 0 }));
    const svg = parseXml(scatterPlot({ title: 'm', points: [...blob, { x: -1, y: -1, category: 0 }, { x: 1, y: 1, category: 0 }], highlighted: [], categories: ['python'], highlightLabel: 'h', xLabel: 'x', yLabel: 'y' }));
    expect(opacities(svg)).toEqual([MIN_POINT_OPACITY]);
    expect(findAll(svg, 'circle', 'pt')[0]!.attributes.r).toBe('1.4');
    const few = parseXml(scatterPlot({ title: 'm', points: blob.slice(0, 100), highlighted: blob.slice(0, 300), categories: ['python'], highlightLabel: 'h', xLabel: 'x', yLabel: 'y' }));
    expect(findAll(few, 'circle', 'pt')[0]!.attributes.r).toBe('1.8');
    expect(findAll(few, 'circle', 'hl')[0]!.attributes.r).toBe('3.6');
    const many = parseXml(scatterPlot({ title: 'm', points: blob, highlighted: blob.slice(0, 1000), categories: ['python'], highlightLabel: 'h', xLabel: 'x', yLabel: 'y' }));
    expect(findAll(many, 'circle', 'hl')[0]!.attributes.r).toBe('2.6');
  });

  it('keeps points that do not overlap at full opacity, and fades piles of 10 to 1 - 0.1^(1/10)', () => {
    const grid: ScatterPoint[] = Array.from({ length: 100 }, (_, i) => ({ x: i % 10, y: Math.floor(i / 10), category: 0 }));
    const spread = parseXml(scatterPlot({ title: 'm', points: grid, highlighted: [], categories: ['a'], highlightLabel: 'h', xLabel: 'x', yLabel: 'y' }));
    expect(opacities(spread)).toEqual([MAX_POINT_OPACITY]);
    const piles = grid.flatMap((point) => Array.from({ length: 10 }, () => point));
    const piled = parseXml(scatterPlot({ title: 'm', points: piles, highlighted: [], categories: ['a'], highlightLabel: 'h', xLabel: 'x', yLabel: 'y' }));
    expect(opacities(piled)[0]).toBeCloseTo(1 - 0.1 ** (1 / 10), 3);
  });
});
