import { describe, expect, it } from 'vitest';
import type { ReportData } from '../../../src/report/data.js';
import { FIGURE_IDS } from '../../../src/report/figures/all.js';
import { renderReport } from '../../../src/report/page.js';
import { findAll, parseXml } from './xml.js';

const header: ReportData['header'] = {
  toolVersion: '9.9.9', createdAt: '2025-01-02T03:04:05.000Z', seed: 3, sample: 20_000,
  inputs: [{ stage: 'ingest', path: '/w/<ingest>&', found: false }, { stage: 'embed', path: null, found: false }],
};
const noNumbers: ReportData['numbers'] = { pairs: null, embedded: null, coresetSize: null, coveringRadius: null, randomRadius: null, accepted: null, decontamRemoved: null };

function allMissing(): ReportData {
  const missing = (note: string) => ({ status: 'missing' as const, note });
  return {
    header, numbers: noNumbers,
    coverage: missing('Needs coreset.arrow from `tidepool select`.'),
    map: missing('Needs embeddings.arrow from `tidepool embed`.'),
    languages: missing('Needs pairs.arrow <from> ingest & co.'),
    generate: missing('Needs manifest.json from `tidepool generate`.'),
    decontam: missing('No decontamination run.'),
    decontamScores: missing('No decontamination run.'),
    decontamEvidence: missing('No decontamination run.'),
  };
}

function complete(): ReportData {
  return {
    header,
    numbers: { pairs: 3000, embedded: 2850, coresetSize: 3, coveringRadius: 0.5, randomRadius: 0.9, accepted: 5, decontamRemoved: 1 },
    coverage: { status: 'ok', data: { coresetSize: 3, greedy: [{ k: 1, radius: 2 }, { k: 2, radius: 1 }], finalRadius: 0.5, selectBaseline: 0.9, baseline: { points: [{ k: 1, radius: 2.1 }, { k: 3, radius: 1.2 }], pointsMeasured: 100, totalRows: 2850, truncated: false }, baselineNote: null } },
    map: { status: 'ok', data: { points: [{ x: 0, y: 1, language: 'go' }, { x: 1, y: 0, language: '<py>' }, { x: 2, y: 2, language: null }], coreset: [{ x: 1, y: 1, language: 'go' }], explained: [0.4, 0.2], fitRows: 3, totalRows: 2850, dim: 8, coresetSize: 3, notes: [] } },
    languages: { status: 'ok', data: { pairs: { go: 10, '<py>': 5 }, coreset: { go: 2, '<py>': 1 }, generated: { go: 4, rust: 1 }, notes: [] } },
    generate: {
      status: 'ok',
      data: {
        mode: 'codeocean', accepted: 5, rejected: 3, tokens: { prompt: 1000, completion: 500 }, usd: 0.0123,
        funnel: {
          groups: {
            'repair/go': { units: 5, generated: 5, prefiltered: 1, judged: 4, accepted: 3, promptTokens: 600, completionTokens: 300, usd: 0.008 },
            'explain/<py>': { units: 3, generated: 3, prefiltered: 0, judged: 3, accepted: 2, promptTokens: 400, completionTokens: 200, usd: 0.0043 },
          },
          reasons: { 'repair/too_short': 1, 'repair/wrong<answer>': 1, 'explain/judge_rejected': 1 },
        },
        tasks: { repair: { units: 5, accepted: 3 }, explain: { units: 3, accepted: 2 } },
        languages: { go: { units: 5, accepted: 3 }, '<py>': { units: 3, accepted: 2 } },
      },
    },
    decontam: { status: 'ok', data: { records: 10, kept: 9, removed: 1, removedByBenchmark: { humaneval: 1, mbpp: 0 }, removedByDetector: { exact: 1, ngram: 1, embedding: 0 } } },
    decontamScores: {
      status: 'ok',
      data: {
        candidateRecords: 2,
        histograms: [{ benchmark: 'humaneval', detector: 'ngram', floor: 0.8, threshold: 0.9, candidates: 2, atOrAbove: 1, bins: [{ from: 0.8, to: 0.85, count: 1 }, { from: 0.85, to: 0.9, count: 0 }, { from: 0.9, to: 0.95, count: 0 }, { from: 0.95, to: 1, count: 1 }] }],
      },
    },
    decontamEvidence: {
      status: 'ok',
      data: {
        total: 1, limit: 20,
        records: [{ label: 'row_id 7', entries: [{ benchmark: 'humaneval/0', detector: 'exact', score: 1, evidence: 'return a<b', match: { item: { path: 'he.jsonl', line: 1 }, record: { text: 'x; return a<b', from: 0, length: 13, spans: [[3, 13]] }, benchmark: { text: 'return a<b', from: 0, length: 10, spans: [[0, 10]] } } }] }],
      },
    },
  };
}

/** The `<figure>` elements of the page, as text. */
function figures(html: string): string[] {
  return [...html.matchAll(/<figure [\s\S]*?<\/figure>/g)].map((match) => match[0]);
}

describe('the page assembler', () => {
  it('replaces every figure by a note when no input is there, and never crashes', () => {
    const { html, figures: built } = renderReport(allMissing());
    expect(built.map((f) => f.id)).toEqual([...FIGURE_IDS]);
    expect(built.every((f) => f.status === 'skipped')).toBe(true);
    const elements = figures(html);
    expect(elements).toHaveLength(8);
    FIGURE_IDS.forEach((id, i) => {
      expect(elements[i]).toContain(`<figure id="fig-${id}" data-figure="${id}" data-status="skipped"`);
      expect(elements[i]).toMatch(/<figcaption>[^<]+<\/figcaption>/);
      expect(elements[i]).not.toContain('<svg');
    });
    expect(html).toContain('Needs pairs.arrow &lt;from&gt; ingest &amp; co.');
    expect(html).toContain('No decontamination run.');
    expect(html).toContain('No stage outputs found.');
    expect(html).toContain('0 of 8 figures drawn');
  });

  it('draws every figure from complete data, each with a well-formed SVG and a caption', () => {
    const { html, figures: built } = renderReport(complete());
    expect(built.every((f) => f.status === 'drawn')).toBe(true);
    const elements = figures(html);
    expect(elements).toHaveLength(8);
    for (const element of elements) {
      expect(element).toMatch(/data-status="drawn"/);
      expect(element).toMatch(/<figcaption>[^<]+<\/figcaption><\/figure>$/);
      const svgs = element.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
      // The evidence is text (side-by-side panes), every other figure a chart.
      if (!element.includes('data-figure="decontam-evidence"')) expect(svgs.length).toBeGreaterThan(0);
      for (const svg of svgs) parseXml(svg);
    }
    const marks = (id: string, name: string, className: string) => (figures(html).find((f) => f.includes(`data-figure="${id}"`))!.match(/<svg[\s\S]*?<\/svg>/g) ?? []).reduce((sum, svg) => sum + findAll(parseXml(svg), name, className).length, 0);
    expect(marks('coverage', 'path', 'line')).toBe(2);
    expect(marks('map', 'circle', 'pt')).toBe(3);
    expect(marks('map', 'circle', 'hl')).toBe(1);
    expect(marks('languages', 'rect', 'bar')).toBe(3 * 3); // go, <py>, rust x pairs, coreset, generated
    expect(marks('tasks', 'rect', 'bar')).toBe(2 * 2);
    expect(marks('funnel', 'rect', 'bar')).toBe(2 * 3);
    expect(marks('decontam', 'rect', 'bar')).toBe(2 + 3);
    expect(marks('decontam-scores', 'rect', 'bin')).toBe(4);
    expect(marks('decontam-scores', 'line', 'marker')).toBe(1);
    // The record's text and the benchmark's, escaped, with the matching parts marked.
    const evidence = figures(html).find((f) => f.includes('data-figure="decontam-evidence"'))!;
    expect(evidence).toContain('<pre>x; <mark>return a&lt;b</mark></pre>');
    expect(evidence).toContain('<pre><mark>return a&lt;b</mark></pre>');
    // The reasons table, escaped; the cost table with USD.
    expect(html).toContain('<td>wrong&lt;answer&gt;</td>');
    expect(html).toContain('$0.0123');
    expect(html).toContain('8 of 8 figures drawn');
  });

  it('writes a header with version, date, escaped inputs and key numbers, and nothing that loads anything', () => {
    const { html } = renderReport(complete());
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('tidepool 9.9.9 · 2025-01-02T03:04:05.000Z');
    expect(html).toContain('<code>/w/&lt;ingest&gt;&amp;</code> <span class="none">(not found)</span>');
    expect(html).toContain('<dt>pairs</dt><dd>3,000</dd>');
    expect(html).toContain('<dt>accepted samples</dt><dd>5</dd>');
    expect(html).toContain(`default-src 'none'`);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
    // The only URL on the page is the SVG namespace.
    expect(new Set(html.match(/https?:\/\/[^\s"'<>)]+/g))).toEqual(new Set(['http://www.w3.org/2000/svg']));
  });

  it('draws the coverage figure without a baseline, saying why', () => {
    const data = complete();
    if (data.coverage.status !== 'ok') throw new Error('fixture');
    data.coverage.data.baseline = null;
    data.coverage.data.selectBaseline = null;
    data.coverage.data.baselineNote = 'No random baseline curve: it needs embeddings.arrow.';
    const { html } = renderReport(data);
    const coverage = figures(html)[0]!;
    expect(findAll(parseXml(coverage.match(/<svg[\s\S]*?<\/svg>/)![0]), 'path', 'line')).toHaveLength(1);
    expect(coverage).toContain('No random baseline curve: it needs embeddings.arrow.');
  });
});
