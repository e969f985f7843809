// The recall section of bench/results/decontam.md: a summary of bench/results/decontam-recall.json
// (recall per transformation and per benchmark, false positives on the clean real functions), kept
// between two markers so that either benchmark (decontam.mjs or decontam-recall.mjs) rewrites it
// without losing the other's figures.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const START = '<!-- recall section: written from decontam-recall.json by bench/lib/recall-section.mjs -->';
const END = '<!-- end of recall section -->';

const pct = (a, b) => (b === 0 ? '—' : `${((100 * a) / b).toFixed(1)}%`);
const fmt = (n) => n.toLocaleString('en-US');

/** Markdown lines summarising a decontam-recall.json result (every run in it). */
export function recallSectionLines(result) {
  const lines = [START, '', '## Recall on rewritten copies and false positives', ''];
  lines.push(`From \`npm run bench:decontam-recall\` (${result.date.slice(0, 10)}, 1-minute load average ${result.load.before.toFixed(1)} before and ${result.load.after.toFixed(1)} after; every figure and the transformations in [decontam-recall.md](decontam-recall.md)): ${fmt(result.planted)} planted copies of benchmark solutions, each after one transformation, among clean real functions (${Object.entries(result.clean.byRepo).map(([repo, n]) => `${fmt(n)} from ${repo}`).join(', ')}). Recall counts a copy when it is removed with its own benchmark problem among the matches reaching a threshold. Targets (issue 19): >= 95% on every transformation, <= 0.5% false positives.`, '');
  for (const [name, run] of Object.entries(result.runs)) {
    // Keys are `language|transformation|benchmark` (older results: `transformation|benchmark`, Python).
    const parts = (key) => { const p = key.split('|'); return p.length === 3 ? p : ['python', ...p]; };
    const languages = [...new Set(Object.keys(run.recall).map((k) => parts(k)[0]))];
    lines.push(`### ${name}`, '');
    for (const language of languages) {
      const keys = Object.keys(run.recall).filter((k) => parts(k)[0] === language);
      const transformations = [...new Set(keys.map((k) => parts(k)[1]))];
      const benchmarks = [...new Set(keys.map((k) => parts(k)[2]))];
      const tally = (t, b) => keys.filter((k) => (t === undefined || parts(k)[1] === t) && (b === undefined || parts(k)[2] === b)).reduce((acc, k) => ({ planted: acc.planted + run.recall[k].planted, caught: acc.caught + run.recall[k].caught }), { planted: 0, caught: 0 });
      const cell = (t, b) => { const v = tally(t, b); return v.planted === 0 ? '—' : pct(v.caught, v.planted); };
      const worst = Math.min(...transformations.map((t) => { const v = tally(t); return v.caught / v.planted; }));
      const cleanCount = result.clean.ingestedRows?.[language] ?? result.clean.functions;
      const falsePositives = run.falsePositives.filter((f) => (f.language ?? 'python') === language).length;
      const fpShare = falsePositives / cleanCount;
      lines.push(
        `#### ${language === 'python' ? 'Python' : language === 'javascript' ? 'JavaScript' : language}`,
        '',
        `| transformation | ${benchmarks.join(' | ')} | all benchmarks |`,
        `| --- | ${benchmarks.map(() => '---:').join(' | ')} | ---: |`,
        ...transformations.map((t) => `| ${t} | ${benchmarks.map((b) => cell(t, b)).join(' | ')} | **${cell(t)}** (${tally(t).caught}/${tally(t).planted}) |`),
        `| every copy | ${benchmarks.map((b) => cell(undefined, b)).join(' | ')} | **${cell()}** (${tally().caught}/${tally().planted}) |`,
        '',
        `False positives: ${fmt(falsePositives)} of ${fmt(cleanCount)} clean ${language === 'javascript' ? 'JavaScript' : 'Python'} functions (${(100 * fpShare).toFixed(2)}%). Lowest recall of a transformation: ${(100 * worst).toFixed(1)}%. Targets ${worst >= 0.95 && fpShare <= 0.005 ? 'met' : 'NOT met'}.`,
        '',
      );
    }
    lines.push(`Throughput on this small set: ${fmt(run.pairsPerSecond)} pairs/s (start-up included; the 2M-pair figure above is the throughput).`, '');
  }
  lines.push(END);
  return lines;
}

/** The recall section for decontam.md from decontam-recall.json, or [] when that file is missing. */
export function recallSectionFromFile(jsonPath) {
  if (!existsSync(jsonPath)) return [];
  return recallSectionLines(JSON.parse(readFileSync(jsonPath, 'utf8')));
}

/**
 * Replaces (or appends) a section of the markdown file at `mdPath`: `lines` start and end with the
 * section's marker lines, and the text between the two markers already there is replaced.
 */
export function writeSection(mdPath, lines) {
  if (lines.length < 2) throw new Error(`writeSection(${mdPath}): lines must start and end with the section's marker lines, got ${lines.length} line(s)`);
  const startMarker = lines[0];
  const endMarker = lines.at(-1);
  const text = existsSync(mdPath) ? readFileSync(mdPath, 'utf8') : '';
  const start = text.indexOf(startMarker);
  const end = text.indexOf(endMarker);
  const section = lines.join('\n');
  const next = start >= 0 && end > start ? `${text.slice(0, start)}${section}${text.slice(end + endMarker.length)}` : `${text.replace(/\n*$/, '\n\n')}${section}\n`;
  writeFileSync(mdPath, next);
}
