#!/usr/bin/env node
// Ingest benchmark: rows/s and peak memory of `tidepool ingest` on a generated CodeSearchNet-like
// .jsonl.gz, side by side in one run with a plain-Python peer and the gzip decompression floor.
// Usage: node bench/ingest.mjs [--rows 2000000] [--rounds 2]
// Writes bench/results/ingest.json and bench/results/ingest.md.
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { describeMachine } from './lib/machine.mjs';
import { lastJson, measure, requireGnuTime } from './lib/run.mjs';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '2000000' }, rounds: { type: 'string', default: '2' } } });
const rows = Number(values.rows);
const rounds = Number(values.rounds);
const root = new URL('..', import.meta.url).pathname;
const cli = join(root, 'bin', 'tidepool.js');
const work = join(root, 'bench', 'out');
mkdirSync(work, { recursive: true });
requireGnuTime();
if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) throw new Error('dist/ missing: run `npm run build` first');

const input = join(work, `ingest-${rows}.jsonl.gz`);
let generation = null;
if (!existsSync(input)) {
  process.stderr.write(`generating ${rows} rows -> ${input}\n`);
  const run = measure(process.execPath, [cli, 'sample', '--rows', String(rows), '--out', input, '--seed', '7', '--bad-line-rate', '0.001', '--json', '-q']);
  generation = { seconds: run.seconds, ...lastJson(run.stdout) };
}
const inputBytes = statSync(input).size;

const contenders = {
  'tidepool ingest (workers)': () => {
    const run = measure(process.execPath, [cli, 'ingest', input, '--out', join(work, 'ingest-out'), '--json', '-q']);
    return { ...run, summary: lastJson(run.stdout) };
  },
  'tidepool ingest --threads 0': () => {
    const run = measure(process.execPath, [cli, 'ingest', input, '--out', join(work, 'ingest-out-0'), '--threads', '0', '--json', '-q']);
    return { ...run, summary: lastJson(run.stdout) };
  },
  'python3 json.loads + dedup (peer)': () => {
    const run = measure('python3', [join(root, 'bench', 'peers', 'ingest_peer.py'), input]);
    return { ...run, summary: lastJson(run.stdout) };
  },
  'gzip -dc > /dev/null (floor)': () => {
    const run = measure('sh', ['-c', `gzip -dc '${input}' > /dev/null`]);
    return { ...run, summary: null };
  },
};

const runs = Object.fromEntries(Object.keys(contenders).map((name) => [name, []]));
for (let round = 1; round <= rounds; round++) {
  for (const [name, run] of Object.entries(contenders)) {
    process.stderr.write(`round ${round}: ${name} ... `);
    const result = run();
    runs[name].push({ seconds: result.seconds, peakRssMiB: result.peakRssMiB, summary: result.summary });
    process.stderr.write(`${result.seconds.toFixed(1)} s, ${result.peakRssMiB} MiB\n`);
  }
}

const best = (name) => Math.min(...runs[name].map((r) => r.seconds));
const peer = best('python3 json.loads + dedup (peer)');
const table = Object.keys(contenders).map((name) => ({
  name,
  bestSeconds: best(name),
  rowsPerSecond: Math.round(rows / best(name)),
  peakRssMiB: Math.max(...runs[name].map((r) => r.peakRssMiB)),
  speedupVsPeer: Number((peer / best(name)).toFixed(2)),
}));
const summary = runs['tidepool ingest (workers)'][0].summary;
const result = {
  benchmark: 'ingest',
  date: new Date().toISOString(),
  machine: describeMachine(),
  input: { rows, bytes: inputBytes, bytesPerRow: Math.round(inputBytes / rows), format: 'jsonl.gz (tidepool sample, seed 7, bad-line rate 0.001)' },
  generation,
  counts: summary,
  rounds,
  table,
  runs,
};
const resultsDir = join(root, 'bench', 'results');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, 'ingest.json'), `${JSON.stringify(result, null, 2)}\n`);
const md = [
  `# Ingest benchmark`,
  ``,
  `${result.date.slice(0, 10)} on ${result.machine.cpu}, ${result.machine.cores} cores, ${result.machine.memoryGiB} GiB, Node ${result.machine.node}.`,
  `Input: ${rows.toLocaleString('en-US')} rows of \`tidepool sample\` jsonl.gz (${(inputBytes / 2 ** 20).toFixed(0)} MiB compressed, ${result.input.bytesPerRow} B/row compressed); `,
  `${summary.kept.toLocaleString('en-US')} kept, ${summary.duplicates.toLocaleString('en-US')} duplicates, ${summary.rejected} rejected. Best of ${rounds} interleaved rounds; peak RSS is the maximum over rounds.`,
  ``,
  `| contender | best s | rows/s | peak RSS MiB | x peer |`,
  `| --- | ---: | ---: | ---: | ---: |`,
  ...table.map((t) => `| ${t.name} | ${t.bestSeconds.toFixed(1)} | ${t.rowsPerSecond.toLocaleString('en-US')} | ${t.peakRssMiB} | ${t.speedupVsPeer} |`),
  ``,
].join('\n');
writeFileSync(join(resultsDir, 'ingest.md'), md);
process.stdout.write(md);
