#!/usr/bin/env node
// Versions benchmark: is a change a regression? Runs the selection hot loop (`tidepool select` on
// workload S of bench/select.mjs: 100,000 x 384 Gaussian mixture, k = 1,000, first row 0) and
// `tidepool ingest` (N rows of `tidepool sample` jsonl.gz) of two builds side by side on the same
// inputs, interleaved round by round with the order alternating (this machine's speed drifts), and
// checks that both builds write byte-identical data files.
// Usage: node bench/versions.mjs --base DIR --head DIR [--rounds 3] [--rows 1000000] [--no-write]
//   DIR: a checkout of tidepool with dist/ built (`npm run build`); its bin/tidepool.js is run.
//   --rows: rows of the ingest input (made once by the head build's `tidepool sample`, seed 7).
// Writes bench/results/versions.json and bench/results/versions.md.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isCompleteNpy, writeGaussianMixtureNpy } from './lib/gaussian.mjs';
import { describeMachine } from './lib/machine.mjs';
import { lastJson, measure, requireGnuTime } from './lib/run.mjs';

const { values: args } = parseArgs({
  options: {
    base: { type: 'string' }, head: { type: 'string' }, rounds: { type: 'string', default: '3' },
    rows: { type: 'string', default: '1000000' }, 'no-write': { type: 'boolean', default: false },
  },
});
if (args.base === undefined || args.head === undefined) throw new Error('usage: node bench/versions.mjs --base DIR --head DIR [--rounds 3] [--rows 1000000]');
requireGnuTime();
const root = resolve(import.meta.dirname, '..');
const work = join(root, 'bench', 'out', 'versions');
mkdirSync(work, { recursive: true });
const rounds = Number(args.rounds);
const rows = Number(args.rows);

/** A build: its folder, entry point and commit. */
function build(label, dir) {
  const cli = join(resolve(dir), 'bin', 'tidepool.js');
  if (!existsSync(join(resolve(dir), 'dist', 'cli', 'main.js'))) throw new Error(`${dir} has no dist/: run \`npm run build\` there first`);
  const git = (...gitArgs) => spawnSync('git', ['-C', dir, ...gitArgs], { encoding: 'utf8' }).stdout.trim();
  const dirty = git('status', '--porcelain', '--untracked-files=no') !== '';
  return { label, cli, commit: `${git('rev-parse', '--short', 'HEAD')}${dirty ? ' (with uncommitted changes)' : ''}` };
}
const builds = [build('base', args.base), build('head', args.head)];

const sha256 = (path) => createHash('sha256').update(readFileSync(path)).digest('hex');

// Inputs, made once.
const SELECT = { n: 100_000, d: 384, k: 1_000, clusters: 64, spreadMin: 0.4, spreadMax: 1.2 };
const npy = join(work, 'select-S.npy');
if (!isCompleteNpy(npy, SELECT.n, SELECT.d)) {
  process.stderr.write(`generating ${SELECT.n} x ${SELECT.d} Gaussian mixture -> ${npy}\n`);
  // The seed bench/select.mjs uses for S, so the picks are those of its results.
  const seed = createHash('sha1').update('tidepool-select-S').digest().readUInt32LE(0);
  writeGaussianMixtureNpy(npy, { n: SELECT.n, d: SELECT.d, clusters: SELECT.clusters, spreadMin: SELECT.spreadMin, spreadMax: SELECT.spreadMax, seed });
}
const sample = join(work, `ingest-${rows}.jsonl.gz`);
if (!existsSync(sample)) {
  process.stderr.write(`writing ${rows} sample rows -> ${sample}\n`);
  measure(process.execPath, [builds[1].cli, 'sample', '--rows', String(rows), '--out', sample, '--seed', '7', '--bad-line-rate', '0.001', '--json', '-q']);
}

/** The stages compared: how to run one, and the data files that must be byte-identical. */
const STAGES = [
  {
    name: 'select', what: `select S (${SELECT.n.toLocaleString('en-US')} x ${SELECT.d}, k = ${SELECT.k.toLocaleString('en-US')}, fp32, cpu)`, files: ['coreset.arrow'],
    args: (out) => ['select', '--embeddings', npy, '--k', String(SELECT.k), '--first', '0', '--out', out, '--json', '-q'],
  },
  {
    name: 'ingest', what: `ingest (${rows.toLocaleString('en-US')} rows of \`tidepool sample\` jsonl.gz, workers)`, files: ['pairs.arrow'],
    args: (out) => ['ingest', sample, '--out', out, '--json', '-q'],
  },
];

const runs = [];
const digests = {};
for (let round = 0; round < rounds; round++) {
  for (const stage of STAGES) {
    const order = round % 2 === 0 ? builds : [...builds].reverse();
    for (const { label, cli } of order) {
      const out = join(work, `${stage.name}-${label}`);
      rmSync(out, { recursive: true, force: true });
      const run = measure(process.execPath, [cli, ...stage.args(out)]);
      const summary = lastJson(run.stdout);
      runs.push({ stage: stage.name, build: label, round, seconds: run.seconds, peakRssMiB: run.peakRssMiB, innerSeconds: summary.seconds ?? null });
      for (const file of stage.files) {
        const digest = sha256(join(out, file));
        const key = `${stage.name}/${file}`;
        (digests[key] ??= {})[label] = digest;
      }
      process.stderr.write(`round ${round + 1}/${rounds} ${stage.name} ${label}: ${run.seconds.toFixed(2)} s, ${run.peakRssMiB} MiB\n`);
    }
  }
}

const rowsOut = STAGES.map((stage) => {
  const of = (label) => runs.filter((run) => run.stage === stage.name && run.build === label);
  const best = (label) => Math.min(...of(label).map((run) => run.seconds));
  const median = (label) => {
    const sorted = of(label).map((run) => run.seconds).sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
  };
  const peak = (label) => Math.max(...of(label).map((run) => run.peakRssMiB));
  const identical = stage.files.every((file) => digests[`${stage.name}/${file}`].base === digests[`${stage.name}/${file}`].head);
  return {
    stage: stage.name, what: stage.what, identical,
    base: { best: best('base'), median: median('base'), peakRssMiB: peak('base') },
    head: { best: best('head'), median: median('head'), peakRssMiB: peak('head') },
    headOverBase: best('head') / best('base'),
  };
});

const result = { date: new Date().toISOString().slice(0, 10), machine: describeMachine(), builds: builds.map(({ label, commit }) => ({ label, commit })), rounds, rows: rowsOut, runs, digests };
const machine = result.machine;
const md = [
  '# Versions benchmark',
  '',
  `${result.date} on ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}.`,
  `base = ${builds[0].commit}, head = ${builds[1].commit}; ${rounds} interleaved rounds (the order alternates), wall time from process start to exit (GNU time), best and median; peak RSS is the maximum over rounds.`,
  '"same output": the data files of both builds are byte-identical.',
  '',
  '| stage | base best s | head best s | base median s | head median s | head / base (best) | base peak MiB | head peak MiB | same output |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ...rowsOut.map((row) => `| ${row.what} | ${row.base.best.toFixed(2)} | ${row.head.best.toFixed(2)} | ${row.base.median.toFixed(2)} | ${row.head.median.toFixed(2)} | ${row.headOverBase.toFixed(3)} | ${row.base.peakRssMiB} | ${row.head.peakRssMiB} | ${row.identical ? 'yes' : '**NO**'} |`),
  '',
].join('\n');
process.stdout.write(`${md}\n`);
if (!args['no-write']) {
  writeFileSync(join(root, 'bench', 'results', 'versions.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(root, 'bench', 'results', 'versions.md'), md);
}
if (rowsOut.some((row) => !row.identical)) process.exitCode = 1;
