/**
 * `tidepool report` for real: a work folder built by the real stages (sample -> ingest -> embed
 * --model hashing -> select through the built CLI, generate in-process against the scripted LLM
 * server, a decontam manifest), the page rendered in headless Chromium and checked through its DOM,
 * with every request outside the page's own file refused and counted. Chromium must be installed:
 * a missing one fails these tests (with the install hint), in CI and locally alike.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PNG } from 'pngjs';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runGenerate } from '../../src/generate/run.js';
import { scriptedModel } from '../../src/devkit/llm-sim/scripted-model.js';
import { startLlmServer } from '../../src/devkit/llm-sim/server.js';
import { findChromium, launchChromium } from '../../src/report/browser.js';
import { runReport, type ReportSummary } from '../../src/report/run.js';
import { readArrowBatches } from '../../src/store/arrow-file.js';
import { newManifest, readManifest, writeManifest } from '../../src/store/manifest.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/files.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ARTIFACTS = join(ROOT, 'test-artifacts');
const CORESET_K = 120;
const DECONTAM_PARAMETERS = { ngram: { enabled: true, threshold: 0.5 }, embedding: { enabled: true, threshold: 0.9 }, benchmarks: [{ stem: 'humaneval' }, { stem: 'mbpp' }, { stem: 'ds-1000 <v2>' }], candidates: { floors: { ngram: 0.2, embedding: 0.7 } } };
/** candidates.jsonl: scored candidates of humaneval (n-gram, embedding) and mbpp (n-gram). */
const CANDIDATES = [
  { record: 3, removed: true, candidates: [{ item: 0, benchmark: 'humaneval/0', detector: 'ngram', score: 0.8, evidence: 'x' }, { item: 0, benchmark: 'humaneval/0', detector: 'embedding', score: 0.95, evidence: 'x' }], kept: '{}' },
  { record: 5, removed: false, candidates: [{ item: 1, benchmark: 'mbpp/2', detector: 'ngram', score: 0.3, evidence: 'y' }, { item: 0, benchmark: 'humaneval/0', detector: 'ngram', score: 0.45, evidence: 'y' }] },
];
/** removed.jsonl: three records, each with both texts and the matching part marked. */
const REMOVED = [0, 1, 2].map((k) => {
  const text = `def f${k}(a):\n    return a + ${k}`;
  const benchmark = 'def add_one(x):\n    return x + 1';
  return { instruction: `task ${k}`, output: text, contamination: [{ benchmark: 'humaneval/0', detector: 'ngram', score: 0.8, evidence: text, match: { item: { path: 'HumanEval.jsonl', line: 1 }, record: { text, from: 0, length: text.length, spans: [[0, text.length]] }, benchmark: { text: benchmark, from: 0, length: benchmark.length, spans: [[0, benchmark.length]] } } }] };
});
const DECONTAM_COUNTS = { records: 40, kept: 37, removed: 3, removedByBenchmark: { humaneval: 2, mbpp: 1, 'ds-1000 <v2>': 0 }, removedByDetector: { exact: 1, ngram: 2, embedding: 1 } };

let dir: string;
let cleanup: (() => Promise<void>) | undefined;
let work: string;
let summary: ReportSummary;
let reportSeconds: number;
let browser: Browser | undefined;
let chromium: string;

/**
 * The few DOM members the in-page callbacks use (the project compiles without the DOM library, so
 * puppeteer's element types do not resolve here).
 */
interface DomElement {
  id: string;
  dataset: Record<string, string | undefined>;
  textContent: string | null;
  childElementCount: number;
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): ArrayLike<DomElement> & Iterable<DomElement>;
  getBoundingClientRect(): { width: number; height: number };
}

/** A page of the shared browser with every request but `url` refused; `requests` lists all asked for. */
async function openReport(url: string): Promise<{ page: Page; requests: string[] }> {
  if (browser === undefined) throw new Error('Chromium did not start');
  const page = await browser.newPage();
  const requests: string[] = [];
  await page.setRequestInterception(true);
  page.on('request', (request) => {
    requests.push(request.url());
    if (request.url() === url) void request.continue();
    else void request.abort('blockedbyclient');
  });
  page.on('pageerror', (error) => requests.push(`page error: ${String(error)}`));
  await page.setViewport({ width: 1100, height: 900 });
  await page.goto(url, { waitUntil: 'load' });
  return { page, requests };
}

/** Runs a CLI step and fails with its stderr when it does not exit 0. */
async function step(args: string[]): Promise<void> {
  const result = await runCli(args);
  if (result.code !== 0) throw new Error(`tidepool ${args.join(' ')} exited ${String(result.code)}:\n${result.stderr}`);
}

beforeAll(async () => {
  // First, so that a machine without Chromium fails at once with the install hint.
  chromium = findChromium({ explicit: process.env.TIDEPOOL_CHROMIUM, searchPath: process.env.PATH ?? '' });
  ({ dir, cleanup } = await tempDir('tidepool-report-it-'));
  work = join(dir, 'work');
  await step(['sample', '--rows', '2000', '--seed', '3', '--out', join(dir, 'sample.jsonl'), '-q']);
  await step(['ingest', join(dir, 'sample.jsonl'), '--out', join(work, 'ingest'), '--threads', '1', '-q']);
  await step(['embed', '--data', join(work, 'ingest'), '--model', 'hashing', '--dim', '48', '--buckets', '4096', '--out', join(work, 'embed'), '--threads', '1', '-q']);
  await step(['select', '--embeddings', join(work, 'embed'), '--k', String(CORESET_K), '--out', join(work, 'select'), '--threads', '1', '-q']);
  const llm = await startLlmServer({ respond: scriptedModel(), recordRequests: false });
  try {
    // gpt-4o-mini has a list price, so the funnel has a cost; the scripted server answers any model id.
    await runGenerate({ data: join(work, 'ingest'), coreset: join(work, 'select'), out: join(work, 'generate'), model: 'gpt-4o-mini', baseURL: llm.baseURL, apiKey: 'test-key', limit: 16, concurrency: 8 });
  } finally {
    await llm.close();
  }
  mkdirSync(join(work, 'decontam'));
  writeFileSync(join(work, 'decontam', 'candidates.jsonl'), CANDIDATES.map((line) => `${JSON.stringify(line)}\n`).join(''));
  writeFileSync(join(work, 'decontam', 'removed.jsonl'), REMOVED.map((line) => `${JSON.stringify(line)}\n`).join(''));
  await writeManifest(join(work, 'decontam'), newManifest({ stage: 'decontam', parameters: DECONTAM_PARAMETERS, inputs: [], outputs: [], counts: DECONTAM_COUNTS, timings: {} }));
  const started = performance.now();
  summary = await runReport({ out: join(work, 'report.html'), work, png: join(dir, 'png'), chromium, now: new Date('2025-06-01T12:00:00Z') });
  reportSeconds = (performance.now() - started) / 1000;
  browser = await launchChromium(chromium);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await cleanup?.();
});

/** Languages of pairs.arrow, the language of each row_id, and the coreset row ids. */
async function groundTruth(): Promise<{ languages: Set<string>; coreset: number[] }> {
  const languages = new Set<string>();
  for await (const batch of readArrowBatches(join(work, 'ingest', 'pairs.arrow'))) for (const language of batch.getChild('language')!) languages.add(language as string);
  const coreset: number[] = [];
  for await (const batch of readArrowBatches(join(work, 'select', 'coreset.arrow'))) for (const id of batch.getChild('row_id')!.toArray() as BigInt64Array) coreset.push(Number(id));
  return { languages, coreset };
}

describe('tidepool report on a real work folder', () => {
  it('draws all eight figures into one self-contained HTML file and a PNG per figure', () => {
    console.log(`report: ${reportSeconds.toFixed(2)} s (${JSON.stringify(summary.timings)}), HTML ${summary.bytes} bytes`);
    expect(summary.drawn).toEqual(['coverage', 'map', 'languages', 'tasks', 'funnel', 'decontam', 'decontam-scores', 'decontam-evidence']);
    expect(summary.skipped).toEqual([]);
    expect(summary.bytes).toBe(statSync(join(work, 'report.html')).size);
    expect(summary.png).toEqual(summary.drawn.map((id) => join(dir, 'png', `fig-${id}.png`)));
    for (const path of summary.png!) {
      const png = PNG.sync.read(readFileSync(path));
      expect(png.width, path).toBeGreaterThan(600);
      expect(png.height, path).toBeGreaterThan(200);
    }
  });

  it('renders in Chromium with the expected marks in every figure, and asks for nothing but its own file', async () => {
    const truth = await groundTruth();
    const generate = await readManifest(join(work, 'generate'));
    const funnel = (generate.counts as { funnel: { groups: Record<string, unknown> } }).funnel;
    const tasks = new Set(Object.keys(funnel.groups).map((key) => key.split('/')[0]));
    const generatedLanguages = new Set(Object.keys(funnel.groups).map((key) => key.split('/')[1]));
    const embedded = (await readManifest(join(work, 'embed'))).counts as { rows: number };

    const url = pathToFileURL(resolve(work, 'report.html')).href;
    const { page, requests } = await openReport(url);
    expect(requests).toEqual([url]);

    const figures = await page.$$eval('figure', (elements: DomElement[]) => elements.map((figure) => {
      const count = (selector: string) => figure.querySelectorAll(selector).length;
      const svgs = [...figure.querySelectorAll('svg')];
      return {
        id: figure.id, figure: figure.dataset.figure, status: figure.dataset.status,
        caption: figure.querySelector('figcaption')?.textContent ?? '',
        svgs: svgs.map((svg) => ({ width: svg.getBoundingClientRect().width, height: svg.getBoundingClientRect().height, children: svg.childElementCount })),
        marks: { pt: count('circle.pt'), hl: count('circle.hl'), bar: count('rect.bar'), line: count('path.line'), marker: count('circle.marker'), tick: count('g.axis line.tick'), bin: count('rect.bin'), threshold: count('line.marker'), highlight: count('pre mark') },
        legend: [...figure.querySelectorAll('g.legend-item')].map((item) => item.textContent),
      };
    }));
    expect(figures.map((f) => [f.id, f.figure, f.status])).toEqual(summary.drawn.map((id) => [`fig-${id}`, id, 'drawn']));
    for (const figure of figures) {
      expect(figure.caption.length, figure.id).toBeGreaterThan(20);
      // The evidence is text side by side, not a chart.
      if (figure.figure === 'decontam-evidence') continue;
      expect(figure.svgs.length, figure.id).toBeGreaterThan(0);
      for (const svg of figure.svgs) {
        expect(svg.width * svg.height, figure.id).toBeGreaterThan(100 * 100);
        expect(svg.children, figure.id).toBeGreaterThan(3);
      }
      expect(figure.marks.tick, figure.id).toBeGreaterThan(3);
      expect(figure.caption.length, figure.id).toBeGreaterThan(20);
    }
    const byId = new Map(figures.map((f) => [f.figure ?? '', f] as const));
    const figure = (id: string) => byId.get(id)!;
    // Coverage: the greedy line, the random-subset line with a marker per k (8 k up to 120), select's exact point.
    expect(figure('coverage').marks).toMatchObject({ line: 2, marker: 8 + 1 });
    // Map: every embedded row (fewer than the 4,000 drawn at most), all coreset rows outlined, coloured by language.
    expect(figure('map').marks).toMatchObject({ pt: embedded.rows, hl: CORESET_K });
    expect(new Set(figure('map').legend)).toEqual(new Set([...truth.languages, 'coreset']));
    // Languages: one bar per language and source (pairs, coreset, generated).
    const allLanguages = new Set([...truth.languages, ...generatedLanguages]);
    expect(figure('languages').marks.bar).toBe(allLanguages.size * 3);
    expect(figure('tasks').marks.bar).toBe(tasks.size * 2);
    expect(figure('funnel').marks.bar).toBe(Object.keys(funnel.groups).length * 3);
    expect(figure('decontam').marks.bar).toBe(3 + 3);
    expect(figure('coverage').caption).toContain(`coreset.arrow (${CORESET_K} picks`);
    expect(figure('decontam').caption).toContain('3 records removed of 40 (7.5%)');
    // Scores: one histogram per benchmark and detector with candidates (humaneval n-gram and embedding, mbpp n-gram), 16 + 6 + 16 bins, a threshold line each.
    expect(figure('decontam-scores').marks).toMatchObject({ bin: 16 + 6 + 16, threshold: 3 });
    // Evidence: the three removed records, each with its record's and its benchmark's text marked.
    expect(figure('decontam-evidence').marks.highlight).toBe(3 * 2);
    const reasons = await page.$$eval('#fig-funnel table.reasons tbody tr', (rows: DomElement[]) => rows.length);
    expect(reasons).toBeGreaterThan(0);
    const header = await page.$eval('header', (element: DomElement) => element.textContent);
    expect(header).toContain(`accepted samples${String((generate.counts as { accepted: number }).accepted)}`);
    expect(header).toContain(`coreset size${CORESET_K}`);
    await page.close();
  });

  it('takes a full-page screenshot that is not blank (kept as test-artifacts/report.png)', async () => {
    const url = pathToFileURL(resolve(work, 'report.html')).href;
    const { page, requests } = await openReport(url);
    expect(requests).toEqual([url]);
    const bytes = await page.screenshot({ fullPage: true, type: 'png' });
    await page.close();
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(join(ARTIFACTS, 'report.png'), bytes);
    const png = PNG.sync.read(Buffer.from(bytes));
    expect(png.width).toBe(1100);
    expect(png.height).toBeGreaterThan(3000);
    const colors = new Set<number>();
    let inked = 0;
    for (let i = 0; i < png.data.length; i += 4) {
      const [r, g, b] = [png.data[i]!, png.data[i + 1]!, png.data[i + 2]!];
      colors.add((r << 16) | (g << 8) | b);
      if (r + g + b < 3 * 235) inked++;
    }
    const pixels = png.width * png.height;
    console.log(`screenshot: ${png.width}x${png.height}, ${colors.size} colours, ${((100 * inked) / pixels).toFixed(1)}% inked`);
    expect(colors.size).toBeGreaterThan(200);
    expect(inked / pixels).toBeGreaterThan(0.03);
  });

  it('runs as a command: --json summary, TIDEPOOL_CHROMIUM honoured, and a missing Chromium is a clear error', async () => {
    const command = async (args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> => runCli(['report', ...args], { env });
    const ok = await command(['--out', join(dir, 'cli.html'), '--work', work, '--sample', '500', '--json', '-q'], {});
    expect(ok.code, ok.stderr).toBe(0);
    const json = JSON.parse(ok.stdout.trim().split('\n').at(-1)!) as ReportSummary;
    expect(json.drawn).toHaveLength(8);
    expect(json.png).toBeNull();
    const missing = await command(['--out', join(dir, 'no.html'), '--work', work, '--png', join(dir, 'no-png'), '-q'], { TIDEPOOL_CHROMIUM: join(dir, 'no-such-chromium') });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/\[E_DEVICE_UNAVAILABLE\]: Chromium was named as .*no-such-chromium.*apt-get install chromium/);
  });
});
