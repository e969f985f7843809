#!/usr/bin/env node
// Out-of-core select benchmark (issue 22 item 3): `tidepool select --memory-budget` on a float16 .npy
// (seeded Gaussian mixture) that is streamed from disk in place, block by block, each pass. Records
// wall time and peak RSS (GNU time) against the budget, the passes, the bytes read per pass and the
// disk rate the run reports; where `compare` is set, also runs the same selection in memory and checks
// that the picks are the same.
// Usage: node bench/select-ooc.mjs [--workloads XS] [--cli bin/tidepool.js]
//   XS: a seconds-long smoke test (200,000 x 64, 16 MiB budget), compared with the in-memory run.
//   L: 8,000,000 x 768 float16 (12.3 GB on disk), k = 20,000, 4 GiB budget: for a quiet machine with
//      ~30 GB free disk; hours on 2 cores (it writes the input once into bench/out, then reuses it).
// Writes bench/results/select-ooc-<workloads>.json and .md.
import { closeSync, existsSync, mkdirSync, openSync, renameSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { mixtureRows, mixtureSetup, sfc32 } from './lib/gaussian.mjs';
import { describeMachine } from './lib/machine.mjs';
import { lastJson, measure, requireGnuTime } from './lib/run.mjs';

const WORKLOADS = {
  XS: { n: 200_000, d: 64, k: 200, budget: '16M', compare: true },
  L: { n: 8_000_000, d: 768, k: 20_000, budget: '4G', compare: false },
};
const { values } = parseArgs({ options: { workloads: { type: 'string', default: 'XS' }, cli: { type: 'string' } } });
const names = values.workloads.split(',').map((name) => name.trim()).filter(Boolean);
for (const name of names) if (!(name in WORKLOADS)) throw new Error(`unknown workload ${name}: choose from ${Object.keys(WORKLOADS).join(', ')}`);
const root = new URL('..', import.meta.url).pathname;
const cli = values.cli ? resolve(values.cli) : join(root, 'bin', 'tidepool.js');
if (!existsSync(join(root, 'dist', 'store', 'npy.js'))) throw new Error('dist/ missing: run `npm run build` first');
const { wrapNpyHeader } = await import(join(root, 'dist', 'store', 'npy.js'));
const { float32ArrayToHalf } = await import(join(root, 'dist', 'store', 'matrix.js'));
const { parseByteSize } = await import(join(root, 'dist', 'util', 'byte-size.js'));
const work = join(root, 'bench', 'out');
mkdirSync(work, { recursive: true });
requireGnuTime();

/** The workload's float16 .npy (unit-length mixture rows rounded to float16), written once. */
function ensureInput(name, { n, d }) {
  const path = join(work, `select-ooc-${name}.npy`);
  const header = wrapNpyHeader(`{'descr': '<f2', 'fortran_order': False, 'shape': (${n}, ${d}), }`);
  if (existsSync(path) && statSync(path).size === header.byteLength + n * d * 2) return path;
  process.stderr.write(`writing ${n} x ${d} float16 mixture -> ${path}\n`);
  const uniform = sfc32(0x22_00c + n);
  const options = { d, clusters: 64, spreadMin: 0.4, spreadMax: 1.2 };
  const fill = mixtureRows(uniform, options, mixtureSetup(uniform, options));
  const rowsPerChunk = Math.max(1, Math.floor((16 << 20) / (d * 4)));
  const chunk = new Float32Array(rowsPerChunk * d);
  const fd = openSync(`${path}.partial`, 'w');
  try {
    writeSync(fd, header);
    for (let first = 0; first < n; first += rowsPerChunk) {
      const rows = Math.min(rowsPerChunk, n - first);
      fill(chunk, rows);
      const half = float32ArrayToHalf(chunk.subarray(0, rows * d));
      const bytes = Buffer.from(half.buffer, half.byteOffset, half.byteLength);
      for (let written = 0; written < bytes.length;) written += writeSync(fd, bytes, written);
    }
  } finally {
    closeSync(fd);
  }
  renameSync(`${path}.partial`, path);
  return path;
}

function picksOf(dir) {
  return readCoreset(join(dir, 'coreset.arrow'));
}
async function readCoreset(path) {
  const { readCoresetRowIds } = await import(join(root, 'dist', 'store', 'coreset.js'));
  return readCoresetRowIds(path);
}

const results = [];
for (const name of names) {
  const workload = WORKLOADS[name];
  const input = ensureInput(name, workload);
  const args = (out, extra) => [cli, 'select', '--embeddings', input, '--k', String(workload.k), '--first', '0', '--precision', 'fp16', '--out', out, '--json', '-q', '--no-baseline', ...extra];
  const loadBefore = loadavg();
  const streamedOut = join(work, `select-ooc-${name}-streamed`);
  const streamed = measure(process.execPath, args(streamedOut, ['--memory-budget', workload.budget]));
  const summary = lastJson(streamed.stdout);
  const budgetBytes = parseByteSize(workload.budget);
  const row = {
    workload: name, ...workload, budgetBytes, wall: streamed.seconds, peakRssMiB: streamed.peakRssMiB, peakRssUnderBudget: streamed.peakRssMiB * 2 ** 20 < budgetBytes,
    passes: summary.passes, memory: summary.memory, bytesPerPass: summary.memory.bytesRead / Math.max(1, summary.passes), matrixBytes: workload.n * workload.d * 2,
    loadAverage: { before: loadBefore, after: loadavg() },
  };
  if (workload.compare) {
    const memoryOut = join(work, `select-ooc-${name}-memory`);
    const inMemory = measure(process.execPath, args(memoryOut, []));
    const memorySummary = lastJson(inMemory.stdout);
    const [a, b] = [await picksOf(streamedOut), await picksOf(memoryOut)];
    row.inMemory = { wall: inMemory.seconds, peakRssMiB: inMemory.peakRssMiB, mode: memorySummary.memory.mode };
    row.picksEqual = a.length === b.length && a.every((pick, i) => pick === b[i]);
  }
  process.stderr.write(`${name}: ${JSON.stringify(row)}\n`);
  results.push(row);
}

const suffix = names.join('-');
const result = { machine: describeMachine(), results };
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', `select-ooc-${suffix}.json`), `${JSON.stringify(result, null, 2)}\n`);
const mib = (bytes) => (bytes / 2 ** 20).toFixed(1);
const md = [
  `# select out of core (${suffix})`,
  '',
  `Machine: ${JSON.stringify(result.machine)}. Float16 .npy streamed in place, --no-baseline, --first 0.`,
  '',
  '| workload | n x d | k | budget | wall s | peak RSS MiB | under budget | passes | read MiB/pass (matrix MiB) | disk MiB/s | block rows | in memory: wall s, RSS MiB | same picks | load avg (1 min, start/end) |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ...results.map((r) => `| ${r.workload} | ${r.n} x ${r.d} | ${r.k} | ${r.budget} | ${r.wall.toFixed(1)} | ${r.peakRssMiB} | ${r.peakRssUnderBudget ? 'yes' : 'NO'} | ${r.passes} | ${mib(r.bytesPerPass)} (${mib(r.matrixBytes)}) | ${mib(r.memory.bytesPerSecond ?? 0)} | ${r.memory.blockRows ?? '-'} | ${r.inMemory ? `${r.inMemory.wall.toFixed(1)}, ${r.inMemory.peakRssMiB}` : '-'} | ${r.picksEqual === undefined ? '-' : r.picksEqual ? 'yes' : 'NO'} | ${r.loadAverage.before[0].toFixed(1)} / ${r.loadAverage.after[0].toFixed(1)} |`),
  '',
  'Peak RSS includes Node and onnxruntime (~100-150 MiB), which the budget does not count (XS\'s 16 MiB budget is below that on purpose, to force streaming on a small matrix; L is where peak RSS is held to the budget); the page cache does not count in RSS. "disk MiB/s" is bytes read over the seconds the reads took (they overlap the GEMM).',
  '',
].join('\n');
writeFileSync(join(root, 'bench', 'results', `select-ooc-${suffix}.md`), md);
process.stdout.write(md);
