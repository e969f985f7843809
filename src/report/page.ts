/**
 * The page assembler: one self-contained HTML document (inline CSS and SVG, no scripts, no fonts or
 * images to fetch; a Content-Security-Policy forbids any request). Pure.
 */
import type { KeyNumbers, ReportData, ReportHeader } from './data.js';
import type { Figure } from './figure.js';
import { buildFigures } from './figures/all.js';
import { escapeXml, formatCount } from './svg.js';

/** The page and the figures on it. */
export interface RenderedReport {
  html: string;
  figures: Figure[];
}

/** Builds the figures from `data` and assembles the page. */
export function renderReport(data: ReportData): RenderedReport {
  const figures = buildFigures(data);
  return { html: assemblePage(data.header, data.numbers, figures), figures };
}

/** Assembles the HTML page: header (version, date, inputs, key numbers), then each figure. */
export function assemblePage(header: ReportHeader, numbers: KeyNumbers, figures: readonly Figure[]): string {
  const drawnCount = figures.filter((f) => f.status === 'drawn').length;
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta name="generator" content="tidepool ${escapeXml(header.toolVersion)}">`,
    `<title>tidepool report (${escapeXml(header.createdAt.slice(0, 10))})</title>`,
    `<style>${STYLE}</style></head><body>`,
    '<header>',
    '<h1>tidepool report</h1>',
    `<p class="meta">tidepool ${escapeXml(header.toolVersion)} · ${escapeXml(header.createdAt)} · seed ${header.seed} · sample ${formatCount(header.sample)} rows · ${drawnCount} of ${figures.length} figures drawn</p>`,
    keyNumbers(numbers),
    inputsTable(header),
    '</header><main>',
    ...figures.map(figureHtml),
    '</main>',
    '<footer>Self-contained: every chart is inline SVG; the page loads nothing from anywhere.</footer>',
    '</body></html>',
    '',
  ].join('\n');
}

function figureHtml(figure: Figure): string {
  const id = escapeXml(figure.id);
  const title = `<h2>${escapeXml(figure.title)}</h2>`;
  if (figure.status === 'skipped') {
    return `<figure id="fig-${id}" data-figure="${id}" data-status="skipped" class="skipped">${title}<p class="missing">Not drawn.</p><figcaption>${escapeXml(figure.caption)}</figcaption></figure>`;
  }
  return `<figure id="fig-${id}" data-figure="${id}" data-status="drawn">${title}<div class="body">${figure.body}</div><figcaption>${escapeXml(figure.caption)}</figcaption></figure>`;
}

function keyNumbers(numbers: KeyNumbers): string {
  const radius = (value: number | null) => (value === null ? null : value.toPrecision(4));
  const items: [string, string | null][] = [
    ['pairs', numbers.pairs === null ? null : formatCount(numbers.pairs)],
    ['rows embedded', numbers.embedded === null ? null : formatCount(numbers.embedded)],
    ['coreset size', numbers.coresetSize === null ? null : formatCount(numbers.coresetSize)],
    ['covering radius', radius(numbers.coveringRadius)],
    ['random-subset radius', radius(numbers.randomRadius)],
    ['accepted samples', numbers.accepted === null ? null : formatCount(numbers.accepted)],
    ['removed by decontam', numbers.decontamRemoved === null ? null : formatCount(numbers.decontamRemoved)],
  ];
  const shown = items.filter((item): item is [string, string] => item[1] !== null);
  if (shown.length === 0) return '<p class="numbers empty">No stage outputs found.</p>';
  return `<dl class="numbers">${shown.map(([label, value]) => `<div><dt>${escapeXml(label)}</dt><dd>${escapeXml(value)}</dd></div>`).join('')}</dl>`;
}

function inputsTable(header: ReportHeader): string {
  const rows = header.inputs.map((input) => `<tr><th>${escapeXml(input.stage)}</th><td>${input.path === null ? '<span class="none">not given</span>' : `<code>${escapeXml(input.path)}</code>${input.found ? '' : ' <span class="none">(not found)</span>'}`}</td></tr>`);
  return `<table class="inputs"><caption>Inputs</caption><tbody>${rows.join('')}</tbody></table>`;
}

const STYLE = `
:root { color-scheme: light; }
body { margin: 0 auto; max-width: 960px; padding: 24px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1b1b1b; background: #fff; }
h1 { margin: 0 0 4px; font-size: 26px; }
h2 { margin: 0 0 10px; font-size: 18px; }
h3 { margin: 14px 0 6px; font-size: 14px; }
.meta { margin: 0 0 16px; color: #555; }
.numbers { display: flex; flex-wrap: wrap; gap: 10px; margin: 0 0 16px; }
.numbers div { border: 1px solid #ddd; border-radius: 6px; padding: 8px 12px; min-width: 110px; }
.numbers dt { font-size: 12px; color: #555; }
.numbers dd { margin: 0; font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 3px 10px 3px 0; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; }
thead th { border-bottom: 1px solid #bbb; font-weight: 600; }
.inputs caption { text-align: left; font-weight: 600; padding-bottom: 4px; }
.inputs th { font-weight: 500; color: #555; }
code { font: 12px ui-monospace, "DejaVu Sans Mono", monospace; word-break: break-all; }
.none { color: #888; }
figure { margin: 28px 0; padding: 16px; border: 1px solid #e2e2e2; border-radius: 8px; background: #fff; }
figure.skipped { background: #fafafa; border-style: dashed; }
.missing { margin: 0 0 6px; color: #888; font-weight: 600; }
figcaption { margin-top: 8px; color: #444; font-size: 13px; }
svg.chart { display: block; width: 100%; max-width: 900px; height: auto; }
.tables { display: flex; flex-wrap: wrap; gap: 8px 32px; font-size: 13px; }
.side-by-side { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; }
.pane { min-width: 0; }
.pane h4 { margin: 4px 0; font-size: 12px; color: #555; font-weight: 600; }
.pane pre, .evidence-record pre { margin: 0; padding: 6px; max-height: 360px; overflow: auto; background: #f7f7f7; border: 1px solid #e2e2e2; font: 12px/1.4 ui-monospace, "DejaVu Sans Mono", monospace; white-space: pre-wrap; word-break: break-word; }
mark { background: #ffd7a8; color: inherit; }
.cut { color: #888; }
.evidence-record { margin: 12px 0 20px; padding-top: 8px; border-top: 1px solid #e2e2e2; }
.match-head { margin: 8px 0 2px; font-size: 13px; }
.more { color: #555; }
footer { margin-top: 32px; color: #777; font-size: 12px; }
`.trim();
