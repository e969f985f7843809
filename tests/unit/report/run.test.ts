import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findChromium } from '../../../src/report/browser.js';
import { resolveReportOptions } from '../../../src/report/options.js';
import { runReport } from '../../../src/report/run.js';
import { newManifest, writeManifest } from '../../../src/store/manifest.js';
import { writeNpy } from '../../../src/store/npy.js';
import { tempDir } from '../../helpers/files.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('tidepool-report-')));
afterEach(async () => cleanup());

const codeOf = async (promise: Promise<unknown>) => promise.then(() => 'resolved', (error: unknown) => (error as { code?: string }).code);

describe('report options', () => {
  it('collects every problem into one usage error', () => {
    expect(() => resolveReportOptions({ out: 'r.html' })).toThrow(/no inputs: pass --work DIR/);
    try {
      resolveReportOptions({ out: '', work: 'w', sample: 0, seed: -1 });
      expect.unreachable();
    } catch (error) {
      expect((error as { code: string }).code).toBe('E_USAGE');
      expect((error as Error).message).toMatch(/options\.out .*\n.*--seed .*\n.*--sample /);
    }
  });

  it('takes stage folders from --work, each overridable', () => {
    const resolved = resolveReportOptions({ out: 'r.html', work: '/w', select: '/elsewhere/select' });
    expect(resolved.stages).toEqual({ ingest: '/w/ingest', embed: '/w/embed', select: '/elsewhere/select', generate: '/w/generate', decontam: '/w/decontam' });
    expect(resolveReportOptions({ out: 'r.html', generate: '/g' }).stages.ingest).toBeNull();
  });
});

describe('runReport with missing and broken inputs', () => {
  it('writes the page with a note for every figure it cannot draw, and never crashes', async () => {
    const work = join(dir, 'work');
    await mkdir(join(work, 'select'), { recursive: true });
    await mkdir(join(work, 'generate'), { recursive: true });
    await mkdir(join(work, 'decontam'), { recursive: true });
    await writeFile(join(work, 'select', 'coreset.arrow'), 'not arrow at all');
    await writeManifest(join(work, 'generate'), newManifest({ stage: 'generate', parameters: {}, inputs: [], outputs: [], counts: { accepted: 1 }, timings: {} }));
    await writeManifest(join(work, 'decontam'), newManifest({ stage: 'decontam', parameters: {}, inputs: [], outputs: [], counts: { records: 4, kept: 3, removed: 1, removedByBenchmark: { 'human<eval>': 1 }, removedByDetector: { exact: 1, ngram: 0, embedding: 0 } }, timings: {} }));
    const out = join(dir, 'out', 'report.html');
    const logged: string[] = [];
    const summary = await runReport({ out, work, log: (line) => logged.push(line), now: new Date('2025-05-06T07:08:09Z') });
    expect(summary.drawn).toEqual(['decontam']);
    expect(Object.fromEntries(summary.skipped.map((s) => [s.id, s.reason]))).toMatchObject({
      coverage: expect.stringMatching(/^Cannot read .*coreset\.arrow: .*not an Arrow IPC file/) as unknown,
      map: `Needs embeddings.arrow (or a .npy file) from \`tidepool embed\` (none found at ${join(work, 'embed')}).`,
      languages: expect.stringContaining('pairs.arrow') as unknown,
      funnel: expect.stringContaining('has no "counts.funnel"') as unknown,
      // A decontam manifest without candidates (an older run) and a folder without removed.jsonl.
      'decontam-scores': expect.stringContaining('records no candidates') as unknown,
      'decontam-evidence': expect.stringContaining('removed.jsonl is missing') as unknown,
    });
    expect(logged).toHaveLength(7);
    const html = await readFile(out, 'utf8');
    expect(summary.bytes).toBe(Buffer.byteLength(html));
    expect(html).toContain('data-figure="decontam" data-status="drawn"');
    expect(html).toContain('human&lt;eval&gt;');
    expect(html).toContain('2025-05-06T07:08:09.000Z');
    expect(await readdir(join(dir, 'out'))).toEqual(['report.html']); // no .partial left behind
    expect(summary.png).toBeNull();
  });

  it('draws the map from a bare .npy (no coreset, no languages) and says what is left out', async () => {
    const rows = 300;
    const dim = 5;
    const values = Float32Array.from({ length: rows * dim }, (_, i) => Math.sin(i * 0.7) + (i % dim === 0 ? (i / dim) * 0.01 : 0));
    await writeNpy(join(dir, 'e.npy'), values, rows, dim);
    const summary = await runReport({ out: join(dir, 'r.html'), embed: join(dir, 'e.npy'), sample: 100 });
    expect(summary.drawn).toEqual(['map']);
    const html = await readFile(join(dir, 'r.html'), 'utf8');
    expect(html.match(/class="pt"/g)).toHaveLength(100);
    expect(html).toContain('100 rows of 300 (a seeded sample)');
    expect(html).toContain('No coreset highlighted');
    expect(html).toContain('Not coloured by language');
    // The same seed gives the same page.
    await runReport({ out: join(dir, 'again.html'), embed: join(dir, 'e.npy'), sample: 100, now: new Date(0) });
    await runReport({ out: join(dir, 'again2.html'), embed: join(dir, 'e.npy'), sample: 100, now: new Date(0) });
    expect(await readFile(join(dir, 'again.html'), 'utf8')).toBe(await readFile(join(dir, 'again2.html'), 'utf8'));
  });

  it('fails fast with an install hint when --png names no usable Chromium', async () => {
    await mkdir(join(dir, 'work'));
    expect(await codeOf(runReport({ out: join(dir, 'r.html'), work: join(dir, 'work'), png: join(dir, 'png'), chromium: join(dir, 'no-chromium') }))).toBe('E_DEVICE_UNAVAILABLE');
    expect(() => findChromium({ explicit: join(dir, 'no-chromium') })).toThrow(/apt-get install chromium.*--chromium PATH.*TIDEPOOL_CHROMIUM/);
    expect(await readdir(dir)).toEqual(['work']);
  });

  it('uses the Chromium it is given when that is an executable file', async () => {
    const fake = join(dir, 'my-chrome');
    await writeFile(fake, '#!/bin/sh\n');
    await chmod(fake, 0o755);
    expect(findChromium({ explicit: fake })).toBe(fake);
  });
});
