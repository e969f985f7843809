import { describe, expect, it } from 'vitest';
import { barChart } from '../../../src/report/charts/bar.js';
import { lineChart } from '../../../src/report/charts/line.js';
import { scatterPlot } from '../../../src/report/charts/scatter.js';
import { stackedBarChart } from '../../../src/report/charts/stacked-bar.js';
import { htmlTable } from '../../../src/report/charts/table.js';
import { findAll, parseXml, textOf, type XmlElement } from './xml.js';

const NASTY = 'a<b & c>"d\'';

/** Tick labels of an axis (`x` or `y`). */
function tickLabels(svg: XmlElement, axis: 'x' | 'y'): string[] {
  const group = findAll(svg, 'g').find((g) => g.attributes.class === `axis ${axis}`);
  expect(group, `axis ${axis}`).toBeDefined();
  return findAll(group!, 'text', 'tick-label').map(textOf);
}

describe('the XML check itself', () => {
  it('rejects what is not well-formed', () => {
    expect(() => parseXml('<svg><g></svg>')).toThrow(/closes/);
    expect(() => parseXml('<svg>a & b</svg>')).toThrow(/bare &/);
    expect(() => parseXml('<svg x=1/>')).toThrow(/not quoted/);
    expect(() => parseXml('<svg x="<"/>')).toThrow(/< in attribute/);
    expect(() => parseXml('<a/><b/>')).toThrow(/one root/);
    expect(parseXml('<svg a="1"><g>x &amp; y</g></svg>').children[0]!.text).toBe('x &amp; y');
  });
});

describe('barChart', () => {
  it('draws one bar per category and series, value ticks from 0, and a legend for several series', () => {
    const svg = parseXml(barChart({ title: 'langs', categories: ['python', 'go', 'java'], series: [{ name: 'pairs', values: [120, 40, 0] }, { name: 'coreset', values: [10, 30, 5] }], valueLabel: 'rows' }));
    expect(svg.name).toBe('svg');
    expect(svg.attributes.xmlns).toBe('http://www.w3.org/2000/svg');
    expect(findAll(svg, 'rect', 'bar')).toHaveLength(6);
    expect(tickLabels(svg, 'x')).toEqual(['0', '20', '40', '60', '80', '100', '120']);
    expect(findAll(svg, 'g', 'legend-item').map(textOf)).toEqual(['pairs', 'coreset']);
    const widths = findAll(svg, 'rect', 'bar').map((rect) => Number(rect.attributes.width));
    expect(widths[0]).toBeGreaterThan(widths[1]!); // 120 against 10
    expect(widths[4]).toBe(0); // java's pairs: 0
  });

  it('shows percentages and tooltips', () => {
    const svg = parseXml(barChart({ title: 't', categories: ['a', 'b'], series: [{ name: 's', values: [0.25, 0.75] }], valueFormat: 'percent', valueLabel: 'share', tooltips: [['1 of 4', '3 of 4']] }));
    expect(findAll(svg, 'text', 'value').map(textOf)).toEqual(['25.0%', '75.0%']);
    expect(tickLabels(svg, 'x')).toContain('80%');
    expect(textOf(findAll(svg, 'rect', 'bar')[1]!)).toBe('b: 75.0% (3 of 4)');
    expect(findAll(svg, 'g', 'legend-item')).toHaveLength(0); // one series: no legend
  });

  it('escapes <, &, > and quotes in every label', () => {
    const text = barChart({ title: NASTY, categories: [NASTY], series: [{ name: NASTY, values: [3] }, { name: 'x', values: [1], color: '"><script>' }], valueLabel: NASTY });
    const svg = parseXml(text);
    expect(text).not.toContain('<b ');
    expect(text).not.toContain('<script');
    expect(textOf(findAll(svg, 'title')[0]!)).toBe(NASTY);
    expect(findAll(svg, 'text', 'category').map(textOf)).toEqual([NASTY]);
    expect(findAll(svg, 'text', 'axis-label').map(textOf)).toEqual([NASTY]);
  });

  it('says "no data" when there is nothing to draw', () => {
    for (const spec of [{ categories: [], series: [{ name: 's', values: [] }] }, { categories: ['a'], series: [] }]) {
      const svg = parseXml(barChart({ title: 'empty', valueLabel: 'v', ...spec }));
      expect(findAll(svg, 'rect', 'bar')).toHaveLength(0);
      expect(findAll(svg, 'text', 'empty').map(textOf)).toEqual(['no data']);
    }
  });

  it('starts the axis at 0 with whole-number ticks when every count is 0 (a clean decontamination run)', () => {
    const svg = parseXml(barChart({ title: 't', categories: ['humaneval', 'mbpp'], series: [{ name: 'removed', values: [0, 0] }], valueLabel: 'records' }));
    expect(tickLabels(svg, 'x')).toEqual(['0', '1']);
    expect(findAll(svg, 'rect', 'bar').map((rect) => rect.attributes.width)).toEqual(['0', '0']);
    expect(tickLabels(parseXml(barChart({ title: 't', categories: ['a'], series: [{ name: 's', values: [2] }], valueLabel: 'v' })), 'x')).toEqual(['0', '1', '2']);
  });

  it('cuts long category names and keeps the full name in a tooltip', () => {
    const long = 'a-very-long-language-name-that-goes-on';
    const svg = parseXml(barChart({ title: 't', categories: [long], series: [{ name: 's', values: [1] }], valueLabel: 'v' }));
    const label = findAll(svg, 'text', 'category')[0]!;
    expect(textOf(findAll(label, 'title')[0]!)).toBe(long);
    expect(label.text.length).toBeLessThan(long.length);
  });
});

describe('stackedBarChart', () => {
  it('stacks segments end to end, with the total after each bar', () => {
    const svg = parseXml(stackedBarChart({ title: 'funnel', categories: ['repair/python', 'explain/go'], segments: [{ name: 'accepted', values: [6, 2] }, { name: 'rejected', values: [3, 0] }, { name: 'pre-filtered', values: [1, 2] }], valueLabel: 'units' }));
    const bars = findAll(svg, 'rect', 'bar');
    expect(bars).toHaveLength(6);
    const [accepted, rejected, prefiltered] = bars.slice(0, 3).map((rect) => ({ x: Number(rect.attributes.x), width: Number(rect.attributes.width) }));
    expect(rejected!.x).toBeCloseTo(accepted!.x + accepted!.width, 0);
    expect(prefiltered!.x).toBeCloseTo(rejected!.x + rejected!.width, 0);
    expect(accepted!.width / prefiltered!.width).toBeCloseTo(6, 1);
    expect(findAll(svg, 'text', 'value').map(textOf)).toEqual(['10', '4']);
    expect(tickLabels(svg, 'x')).toEqual(['0', '2', '4', '6', '8', '10']);
    expect(textOf(bars[0]!)).toBe('repair/python, accepted: 6 (60.0%)');
  });

  it('handles no data and escapes labels', () => {
    expect(findAll(parseXml(stackedBarChart({ title: 't', categories: [], segments: [], valueLabel: 'v' })), 'text', 'empty')).toHaveLength(1);
    const svg = parseXml(stackedBarChart({ title: NASTY, categories: [NASTY], segments: [{ name: NASTY, values: [1] }], valueLabel: NASTY }));
    expect(findAll(svg, 'g', 'legend-item').map(textOf)).toEqual([NASTY]);
  });
});

describe('lineChart', () => {
  const series = [
    { name: 'greedy', points: [[1, 2], [10, 1], [100, 0.5]] as [number, number][] },
    { name: 'random', points: [[1, 2.2], [10, 1.6], [100, 1.2]] as [number, number][], style: 'both' as const, dashed: true },
    { name: 'exact', points: [[100, 1.25]] as [number, number][], style: 'points' as const },
  ];

  it('draws two lines, markers, both axes with ticks, and a legend', () => {
    const svg = parseXml(lineChart({ title: 'coverage', series, xLabel: 'k', yLabel: 'radius' }));
    expect(findAll(svg, 'path', 'line')).toHaveLength(2);
    expect(findAll(svg, 'circle', 'marker')).toHaveLength(4);
    expect(findAll(svg, 'path', 'line')[1]!.attributes['stroke-dasharray']).toBeDefined();
    expect(tickLabels(svg, 'y')).toEqual(['0', '0.5', '1', '1.5', '2', '2.5']);
    expect(tickLabels(svg, 'x')).toEqual(['0', '20', '40', '60', '80', '100']);
    expect(findAll(svg, 'g', 'legend-item').map(textOf)).toEqual(['greedy', 'random', 'exact']);
    expect(findAll(svg, 'text', 'axis-label').map(textOf).sort()).toEqual(['k', 'radius']);
  });

  it('puts log-scale ticks at 1, 2, 5 times powers of ten and spaces decades evenly', () => {
    const svg = parseXml(lineChart({ title: 'c', series, xLabel: 'k', yLabel: 'r', xScale: 'log' }));
    expect(tickLabels(svg, 'x')).toEqual(['1', '2', '5', '10', '20', '50', '100']);
    const xs = findAll(findAll(svg, 'g').find((g) => g.attributes.class === 'axis x')!, 'line', 'tick').map((line) => Number(line.attributes.x1));
    expect(xs[3]! - xs[0]!).toBeCloseTo(xs[6]! - xs[3]!, 0);
  });

  it('leaves out non-finite points (and x <= 0 on a log scale), and says "no data" when none is left', () => {
    const svg = parseXml(lineChart({ title: 'c', series: [{ name: 's', points: [[0, 1], [1, Number.NaN], [2, 3], [4, 5]] }], xLabel: 'k', yLabel: 'r', xScale: 'log' }));
    expect(findAll(svg, 'path', 'line')[0]!.attributes.d!.match(/[ML]/g)).toHaveLength(2);
    expect(findAll(parseXml(lineChart({ title: 'c', series: [], xLabel: 'k', yLabel: 'r' })), 'text', 'empty')).toHaveLength(1);
    expect(findAll(parseXml(lineChart({ title: 'c', series: [{ name: 's', points: [[Infinity, 1]] }], xLabel: 'k', yLabel: 'r' })), 'text', 'empty')).toHaveLength(1);
  });

  it('escapes series names and axis labels', () => {
    const svg = parseXml(lineChart({ title: NASTY, series: [{ name: NASTY, points: [[1, 1], [2, 2]] }], xLabel: NASTY, yLabel: NASTY }));
    expect(findAll(svg, 'g', 'legend-item').map(textOf)).toEqual([NASTY]);
    expect(findAll(svg, 'text', 'axis-label').map(textOf)).toEqual([NASTY, NASTY]);
  });
});

describe('scatterPlot', () => {
  it('draws every point, groups them by category, and outlines the highlighted ones', () => {
    const points = Array.from({ length: 50 }, (_, i) => ({ x: i, y: (i * 7) % 13, category: i % 3 === 2 ? -1 : i % 3 }));
    const svg = parseXml(scatterPlot({ title: 'map', points, highlighted: [{ x: 1, y: 1, category: 0 }, { x: 2, y: 5, category: 1 }], categories: ['python', 'go'], highlightLabel: 'coreset', xLabel: 'PC1', yLabel: 'PC2' }));
    expect(findAll(svg, 'circle', 'pt')).toHaveLength(50);
    expect(findAll(svg, 'circle', 'hl')).toHaveLength(2);
    expect(findAll(svg, 'g', 'points').map((g) => g.attributes['data-category'])).toEqual(['', 'python', 'go']);
    expect(findAll(svg, 'g', 'legend-item').map(textOf)).toEqual(['python', 'go', 'unknown', 'coreset']);
    expect(tickLabels(svg, 'x')).toEqual(['0', '10', '20', '30', '40', '50']);
    expect(tickLabels(svg, 'y').at(0)).toBe('0');
  });

  it('handles no points, and escapes category names', () => {
    expect(findAll(parseXml(scatterPlot({ title: 't', points: [], highlighted: [], categories: [], highlightLabel: 'h', xLabel: 'x', yLabel: 'y' })), 'text', 'empty')).toHaveLength(1);
    const svg = parseXml(scatterPlot({ title: NASTY, points: [{ x: 0, y: 0, category: 0 }], highlighted: [], categories: [NASTY], highlightLabel: NASTY, xLabel: NASTY, yLabel: NASTY }));
    expect(findAll(svg, 'g', 'points')[0]!.attributes['data-category']).toBe('a&lt;b &amp; c&gt;&quot;d&#39;');
    expect(findAll(svg, 'g', 'legend-item').map(textOf)).toEqual([NASTY]);
  });
});

describe('htmlTable', () => {
  it('escapes cells and right-aligns numbers', () => {
    const table = parseXml(htmlTable('reasons', [{ heading: 'code' }, { heading: 'n', numeric: true }], [[NASTY, '3']]));
    expect(findAll(table, 'td').map(textOf)).toEqual([NASTY, '3']);
    expect(findAll(table, 'td')[1]!.attributes.class).toBe('num');
    expect(findAll(parseXml(htmlTable('t', [{ heading: 'a' }], [], 'nothing')), 'td').map(textOf)).toEqual(['nothing']);
  });
});
