/**
 * The I/O shell of `tidepool report`: reads the stage outputs, renders the page (pure), writes it
 * atomically, and with `png` captures each figure in headless Chromium.
 */
import { withOutputFile } from '../store/output-folder.js';
import { writeFileAtomically } from '../util/atomic-file.js';
import { collectReportData, type CollectTimings } from './collect.js';
import { resolveReportOptions, type ReportOptions } from './options.js';
import { renderReport } from './page.js';

/** The `--json` summary. */
export interface ReportSummary {
  out: string;
  /** Size of the HTML file. */
  bytes: number;
  /** Ids of the figures drawn, in page order. */
  drawn: string[];
  /** Figures replaced by a note, with the note. */
  skipped: { id: string; reason: string }[];
  /** PNG files written, or null without `png`. */
  png: string[] | null;
  /** Chromium used for the PNGs, or null. */
  chromium: string | null;
  seconds: number;
  /** Seconds per part: reading inputs, rendering, PNGs. */
  timings: CollectTimings & { render: number; png: number };
}

/** Writes the report. */
export async function runReport(options: ReportOptions): Promise<ReportSummary> {
  const started = performance.now();
  const resolved = resolveReportOptions(options);
  return withOutputFile(resolved.out, 'report', () => report(resolved, started));
}

async function report(resolved: ReturnType<typeof resolveReportOptions>, started: number): Promise<ReportSummary> {
  // Find Chromium before the (possibly long) read, so a missing browser fails fast.
  const chromium = resolved.png === null ? null : (await import('./browser.js')).findChromium({ explicit: resolved.chromium, searchPath: resolved.searchPath });
  const { data, timings } = await collectReportData(resolved);
  const renderStarted = performance.now();
  const { html, figures } = renderReport(data);
  const bytes = await writeAtomically(resolved.out, html);
  const render = (performance.now() - renderStarted) / 1000;
  const drawn = figures.filter((f) => f.status === 'drawn').map((f) => f.id);
  const skipped = figures.filter((f) => f.status === 'skipped').map((f) => ({ id: f.id, reason: f.caption }));
  for (const figure of skipped) resolved.log(`report: figure "${figure.id}" not drawn: ${figure.reason}`);
  let png: string[] | null = null;
  const pngStarted = performance.now();
  if (resolved.png !== null && chromium !== null) {
    const { writeFigurePngs } = await import('./browser.js');
    png = await writeFigurePngs({ htmlPath: resolved.out, outDir: resolved.png, figureIds: drawn, executablePath: chromium });
  }
  const seconds = (performance.now() - started) / 1000;
  return { out: resolved.out, bytes, drawn, skipped, png, chromium, seconds, timings: { ...timings, render, png: (performance.now() - pngStarted) / 1000 } };
}

/** Writes `text` to `path` whole or not at all (its folder exists: the claim on the file made it); returns the bytes written. */
async function writeAtomically(path: string, text: string): Promise<number> {
  const bytes = Buffer.from(text, 'utf8');
  await writeFileAtomically(path, bytes);
  return bytes.byteLength;
}
