import { describe, expect, it } from 'vitest';
import { histogramChart } from '../../../src/report/charts/histogram.js';
import { decontamEvidenceFigure, highlighted } from '../../../src/report/figures/decontam-evidence.js';
import { decontamScoresFigure } from '../../../src/report/figures/decontam-scores.js';
import type { DecontamEvidenceData } from '../../../src/report/data.js';
import { scoreHistograms } from '../../../src/store/score-histogram.js';
import type { Candidate } from '../../../src/store/decontam-candidates.js';
import { findAll, parseXml, textOf } from './xml.js';

const HOSTILE = '</script><img src=x onerror=alert(1)>';

describe('histogramChart', () => {
  it('draws one bin per bin with heights proportional to counts, and the marker at its value', () => {
    const bins = [{ from: 0.2, to: 0.3, count: 2 }, { from: 0.3, to: 0.4, count: 0 }, { from: 0.4, to: 0.5, count: 4 }, { from: 0.5, to: 0.6, count: 1 }];
    const svg = parseXml(histogramChart({ title: `t ${HOSTILE}`, bins, marker: { value: 0.4, label: 'threshold 0.4' }, xLabel: 'score', yLabel: 'n', width: 400, height: 200 }));
    const rects = findAll(svg, 'rect', 'bin');
    expect(rects).toHaveLength(4);
    const heights = rects.map((rect) => Number(rect.attributes.height));
    // Proportional to the counts (to the 0.1 px the coordinates are rounded to).
    expect(heights[1]).toBe(0);
    expect(heights[2]! / heights[0]!).toBeCloseTo(2, 1);
    expect(heights[0]! / heights[3]!).toBeCloseTo(2, 1);
    // Bins at or above the marker in the first colour.
    expect(rects.map((rect) => rect.attributes.fill)).toEqual(['#8C8C8C', '#8C8C8C', '#D55E00', '#D55E00']);
    expect(rects.map((rect) => textOf(findAll(rect, 'title')[0]!))).toEqual(['0.20 to 0.30: 2', '0.30 to 0.40: 0', '0.40 to 0.50: 4', '0.50 to 0.60: 1']);
    // The marker is where the bin starting at 0.4 starts (the bar is drawn 0.5 px inside its bin).
    const [marker] = findAll(svg, 'line', 'marker');
    expect(Number(marker!.attributes.x1)).toBeCloseTo(Number(rects[2]!.attributes.x) - 0.5, 0);
    expect(textOf(findAll(svg, 'text', 'marker-label')[0]!)).toBe('threshold 0.4');
  });

  it('bins the candidates as the shared binning does, one chart per benchmark and detector with candidates', () => {
    const candidate = (score: number, benchmark: string, detector: Candidate['detector'] = 'ngram'): Candidate => ({ item: 0, benchmark, detector, score, evidence: '' });
    const lines = [{ record: 0, removed: false, candidates: [candidate(0.21, 'he/0'), candidate(0.55, 'he/1'), candidate(1, 'he/2'), candidate(1, 'he/3', 'exact')] }];
    const histograms = scoreHistograms(lines, ['he', 'mb'], ['ngram'], { ngram: 0.2, embedding: 0.7 }, { ngram: 0.5, embedding: 0.9 });
    const figure = decontamScoresFigure({ status: 'ok', data: { histograms, candidateRecords: 1 } });
    expect(figure.status).toBe('drawn');
    const svgs = figure.body.match(/<svg[\s\S]*?<\/svg>/g)!;
    expect(svgs).toHaveLength(1);
    const counts = findAll(parseXml(svgs[0]), 'rect', 'bin').map((rect) => Number(/: (\d+)$/.exec(textOf(findAll(rect, 'title')[0]!))![1]));
    // 16 bins of 0.05 from 0.2; 0.21 in the first, 0.55 in the eighth, 1 in the last.
    expect(counts).toEqual([1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(figure.body).toContain('he / n-gram share: 3 candidates, 2 at or above the threshold');
    expect(figure.body).toContain('No candidates: mb / n-gram share.');
  });
});

describe('the evidence figure', () => {
  it('escapes hostile record and benchmark text, inside and outside the marked parts', () => {
    const text = `x = 1 ${HOSTILE} y`;
    const start = text.indexOf('<img');
    const data: DecontamEvidenceData = {
      total: 3, limit: 1,
      records: [{
        label: `row_id 4`,
        entries: [
          { benchmark: `he/${HOSTILE}`, detector: 'ngram', score: 0.8, evidence: HOSTILE, match: { item: { path: `b${HOSTILE}.jsonl`, line: 2 }, record: { text, from: 0, length: text.length, spans: [[start, text.length]] }, benchmark: { text: HOSTILE, from: 0, length: HOSTILE.length, spans: [[0, 9]] } } },
          { benchmark: 'he/1', detector: 'embedding', score: 0.95, evidence: HOSTILE, match: undefined },
        ],
      }],
    };
    const figure = decontamEvidenceFigure({ status: 'ok', data });
    expect(figure.body).not.toContain('<img');
    expect(figure.body).not.toContain('</script>');
    expect(figure.body).toContain('<mark>&lt;img src=x onerror=alert(1)&gt; y</mark>');
    expect(figure.body).toContain('<mark>&lt;/script&gt;</mark>&lt;img');
    expect(figure.body).toContain('… and 2 more removed records');
    // The whole body is well-formed markup: nothing in the texts opened or closed an element.
    expect(() => parseXml(`<div>${figure.body}</div>`)).not.toThrow();
    expect(figure.caption).toContain('The first 1 of 3 removed records');
  });

  it('marks the spans and leaves the text between them as it is', () => {
    expect(highlighted('abcdef', [[1, 2], [4, 6]])).toBe('a<mark>b</mark>cd<mark>ef</mark>');
    expect(highlighted('a&b', [])).toBe('a&amp;b');
  });
});
