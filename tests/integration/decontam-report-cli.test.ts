// `tidepool decontam` then `tidepool report` through the built CLI, on generated records with planted
// copies of a HumanEval fixture (verbatim, renamed, prefixes of the renamed one that share ever more of
// its n-grams, and a renamed copy whose instruction and comment hold hostile markup) among clean ones.
// The page's score histograms hold exactly the counts a brute-force binning of candidates.jsonl gives,
// with the threshold drawn; its evidence shows the first --evidence removed records with their
// benchmark problem, detector and score, the marked parts taken from the record's own text, and the
// hostile markup escaped.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/files.js';
import { BENCHMARKS, RUNNING_MAXIMUM, RUNNING_MAXIMUM_RENAMED } from '../unit/decontam/helpers.js';

interface CandidateLine {
  candidates: { detector: 'exact' | 'ngram' | 'embedding'; score: number; benchmark: string }[];
}

const HOSTILE = '</script><img src=x onerror=alert(1)>';
const EVIDENCE = 3;

let dir: string;
let cleanup: () => Promise<void>;
let out: string;
let html: string;

function cleanRecord(i: number): string {
  return JSON.stringify({ instruction: `record ${i}: write a function scale_${i} that multiplies by ${i}.`, input: '', output: `def scale_${i}(x):\n    return x * ${i} + ${i % 7}` });
}

function plantedRecords(): string[] {
  const lines = RUNNING_MAXIMUM_RENAMED.split('\n');
  const cuts = [4, 6, 8].map((keep) => lines.slice(0, keep).join('\n'));
  const hostile = JSON.stringify({ instruction: `peaks ${HOSTILE}`, input: '', output: `# ${HOSTILE}\n${RUNNING_MAXIMUM_RENAMED}` });
  return [hostile, ...[RUNNING_MAXIMUM, RUNNING_MAXIMUM_RENAMED, ...cuts].map((output, k) => JSON.stringify({ instruction: `record planted ${k}`, input: '', output }))];
}

/** The text of `<mark>` elements, unescaped. */
const unescape = (text: string): string => text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

/** A figure's element, by id. */
function figure(id: string): string {
  const found = new RegExp(`<figure id="fig-${id}"[\\s\\S]*?</figure>`).exec(html);
  expect(found, `figure ${id}`).not.toBeNull();
  return found![0];
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  const lines = Array.from({ length: 40 }, (_, i) => cleanRecord(i));
  for (const [k, planted] of plantedRecords().entries()) lines.splice(3 + k * 6, 0, planted);
  const input = join(dir, 'generated.jsonl');
  await writeFile(input, `${lines.join('\n')}\n`);
  out = join(dir, 'decontam');
  const decontam = await runCli(['decontam', '--input', input, '--bench', join(BENCHMARKS, 'humaneval-mini.jsonl'), join(BENCHMARKS, 'mbpp-mini.jsonl'), '--out', out, '--threads', '1', '--json', '-q']);
  expect(decontam.code, decontam.stderr).toBe(0);
  const report = await runCli(['report', '--decontam', out, '--out', join(dir, 'report.html'), '--evidence', String(EVIDENCE), '--json', '-q']);
  expect(report.code, report.stderr).toBe(0);
  expect((report.json as { drawn: string[] }).drawn).toEqual(['decontam', 'decontam-scores', 'decontam-evidence']);
  html = await readFile(join(dir, 'report.html'), 'utf8');
  if (process.env.PEEK !== undefined) await writeFile(process.env.PEEK, html);
}, 180_000);
afterAll(async () => cleanup());

describe('tidepool report after tidepool decontam', () => {
  it('draws each score histogram with the counts a brute-force binning of candidates.jsonl gives, and the threshold', async () => {
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as { parameters: { ngram: { threshold: number }; embedding: { threshold: number }; candidates: { floors: { ngram: number; embedding: number } } } };
    const candidates = (await readFile(join(out, 'candidates.jsonl'), 'utf8')).split('\n').filter((line) => line !== '').flatMap((line) => (JSON.parse(line) as CandidateLine).candidates);
    const scores = figure('decontam-scores');
    const names = { ngram: 'n-gram share', embedding: 'embedding cosine' } as const;
    let drawn = 0;
    for (const detector of ['ngram', 'embedding'] as const) {
      const floor = manifest.parameters.candidates.floors[detector];
      const threshold = manifest.parameters[detector].threshold;
      for (const stem of ['humaneval-mini', 'mbpp-mini']) {
        const mine = candidates.filter((c) => c.detector === detector && c.benchmark.startsWith(`${stem}/`)).map((c) => c.score);
        const heading = `${stem} / ${names[detector]}`;
        if (mine.length === 0) {
          expect(scores).toMatch(new RegExp(`No candidates: [^<]*${heading}`));
          continue;
        }
        drawn++;
        const atOrAbove = mine.filter((score) => score >= threshold).length;
        expect(scores).toContain(`<h3>${heading}: ${mine.length} candidates, ${atOrAbove} at or above the threshold</h3>`);
        const svg = scores.slice(scores.indexOf(`<h3>${heading}:`)).match(/<svg[\s\S]*?<\/svg>/)![0];
        // Brute force: bins of 0.05 from the floor's bin up to 1, the last one holding 1.
        const bins = [...svg.matchAll(/<title>([\d.]+) to ([\d.]+): (\d+)<\/title>/g)].map((m) => ({ from: Number(m[1]), to: Number(m[2]), count: Number(m[3]) }));
        expect(bins[0]!.from).toBeCloseTo(Math.floor(floor / 0.05 + 1e-9) * 0.05, 6);
        expect(bins.at(-1)!.to).toBe(1);
        const expected = bins.map((bin, i) => mine.filter((score) => score >= bin.from - 1e-9 && (score < bin.to - 1e-9 || (i === bins.length - 1 && score <= 1))).length);
        expect(bins.map((bin) => bin.count)).toEqual(expected);
        expect(svg).toContain(`>threshold ${threshold}</text>`);
        expect(svg.match(/class="marker"/g)).toHaveLength(1);
      }
    }
    // The planted copies and near misses give n-gram candidates on HumanEval at least.
    expect(drawn).toBeGreaterThan(0);
  });

  it('shows the first removed records with benchmark, detector, score and marked parts from the record itself, escaped', async () => {
    const removed = (await readFile(join(out, 'removed.jsonl'), 'utf8')).split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as { instruction: string; output: string; contamination: { benchmark: string; detector: string; score: number }[] });
    expect(removed.length).toBeGreaterThan(EVIDENCE);
    const evidence = figure('decontam-evidence');
    expect(evidence).toContain(`The first ${EVIDENCE} of ${removed.length} removed records`);
    expect(evidence).toContain(`… and ${removed.length - EVIDENCE} more removed records`);
    const sections = evidence.split('<section class="evidence-record">').slice(1);
    expect(sections).toHaveLength(EVIDENCE);
    for (const [k, section] of sections.entries()) {
      const record = removed[k]!;
      for (const entry of record.contamination) expect(section).toContain(`<tr><td>${entry.benchmark}</td><td>${entry.detector}</td><td class="num">${entry.score}</td></tr>`);
      // Every part marked on the record's side is text of the record (its instruction and output as the detectors saw them).
      const recordPanes = [...section.matchAll(/<div class="pane"><h4>record[^<]*<\/h4><pre>([\s\S]*?)<\/pre><\/div>/g)].map((m) => m[1]!);
      expect(recordPanes.length).toBeGreaterThan(0);
      const marks = recordPanes.flatMap((pane) => [...pane.matchAll(/<mark>([\s\S]*?)<\/mark>/g)].map((m) => unescape(m[1]!)));
      expect(marks.length).toBeGreaterThan(0);
      for (const mark of marks) expect(`${record.instruction}\n${record.output}`).toContain(mark);
    }
    // The hostile record is the first one: its markup is on the page only escaped.
    expect(removed[0]!.instruction).toContain(HOSTILE);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('</script>');
    expect(sections[0]).toContain('&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;');
  });
});
