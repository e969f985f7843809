#!/usr/bin/env node
// Select benchmark: wall time and peak memory of `tidepool select` (exact k-center greedy) on seeded
// Gaussian-mixture embeddings and on real code (Python's standard library and the JavaScript in
// node_modules, embedded by the hashing embedder: bench/lib/real-code.mjs), side by side in one run with the loop WaveCoder ships (sklearn
// pairwise_distances in float64, one pass per pick) and a plain float32 numpy loop, plus whether
// the picks agree with the WaveCoder peer's.
// Usage: node bench/select.mjs [--workloads S] [--rounds 2] [--openblas-coretype NAME] [--cli bin/tidepool]
//   --workloads: comma list of the names below (XS is a seconds-long smoke test).
//   --openblas-coretype: sets OPENBLAS_CORETYPE for the peers (e.g. SkylakeX where OpenBLAS does not
//     recognise the CPU and falls back to generic kernels; the default leaves the peers as installed).
//   --cli: the tidepool command to run (default bin/tidepool, the command users run: it sets glibc's
//     huge-page tunable for select; a .js entry point runs with node).
// Writes bench/results/select-<workloads>.json and .md (e.g. select-S.md), one pair per workload set.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { tableFromIPC } from 'apache-arrow';
import { isCompleteNpy, writeGaussianMixtureNpy } from './lib/gaussian.mjs';
import { defaultSources, embedUnits, realCodeUnits } from './lib/real-code.mjs';
import { describeMachine } from './lib/machine.mjs';
import { cliCommand, lastJson, measure, requireGnuTime } from './lib/run.mjs';
import { measureGemmPeak } from './lib/gemm-peak.mjs';

// maxPicks: a peer runs only its first P picks and is extrapolated linearly to k (0: all k picks).
// variants: extra tidepool rows (flags appended to the default command line; NAME=value entries set
// environment variables instead, e.g. TIDEPOOL_HUGE_PAGES=never).
/** Without glibc's transparent huge pages, which the `tidepool` command turns on for select (README "Huge pages"). */
const NO_HUGE_PAGES = 'TIDEPOOL_HUGE_PAGES=never';
const WORKLOADS = {
  // XS: a seconds-long smoke test of every path (a variant, --no-baseline, an extrapolated peer).
  XS: { n: 20_000, d: 64, k: 50, precision: 'fp32', backend: 'cpu', peers: { wavecoder: { maxPicks: 0 }, numpy32: { maxPicks: 20 } }, variants: [['--threads', '1'], ['--no-baseline']] },
  S: {
    n: 100_000, d: 384, k: 1_000, precision: 'fp32', backend: 'cpu',
    peers: { wavecoder: { maxPicks: 0 }, numpy32: { maxPicks: 0 } },
    variants: [['--threads', '1'], ['--pool-size', '256'], ['--pool-size', '1024'], ['--pool-size', '4096'], ['--no-baseline'], ['--bounds'], ['--precision', 'fp16']],
    // Full passes versus k: one --no-baseline run per k (the pass count is deterministic).
    passesCurve: [100, 250, 500, 1000, 2000, 4000],
  },
  M: { n: 1_000_000, d: 768, k: 5_000, precision: 'fp32', backend: 'cpu', peers: { wavecoder: { maxPicks: 200 }, numpy32: { maxPicks: 200 } }, variants: [[NO_HUGE_PAGES]] },
  // radiusCheck: every pick's recorded radius recomputed in float64 (kcenter_peer.py --radii).
  L: { n: 2_000_000, d: 768, k: 20_000, precision: 'fp32', backend: 'cpu', peers: { numpy32: { maxPicks: 200 } }, variants: [[NO_HUGE_PAGES]], radiusCheck: true },
  // Real code (source 'real-code'): units of Python's stdlib and node_modules JS, hashing embedder.
  'RC-XS': { source: 'real-code', n: 10_000, d: 128, k: 100, precision: 'fp32', backend: 'cpu', peers: { wavecoder: { maxPicks: 0 }, numpy32: { maxPicks: 0 } }, variants: [['--bounds']] },
  RC: {
    source: 'real-code', n: 100_000, d: 384, k: 1_000, precision: 'fp32', backend: 'cpu',
    peers: { wavecoder: { maxPicks: 0 }, numpy32: { maxPicks: 0 } },
    variants: [['--bounds'], ['--no-baseline'], [NO_HUGE_PAGES]],
  },
};
const MIXTURE = { clusters: 64, spreadMin: 0.4, spreadMax: 1.2 };
const NEAR_TIE = 1e-6;
const PYTHON = '/usr/bin/python3';
const PEERS = {
  wavecoder: { label: 'WaveCoder peer: sklearn pairwise_distances, float64', script: 'kcenter_peer.py' },
  numpy32: { label: 'numpy float32 X @ c loop', script: 'kcenter_numpy32.py' },
};
const PYTHON_INSTALL = 'apt-get update && apt-get install -y python3-numpy python3-sklearn';

const { values } = parseArgs({
  options: {
    workloads: { type: 'string', default: 'S' },
    rounds: { type: 'string', default: '2' },
    'openblas-coretype': { type: 'string' },
    cli: { type: 'string' },
  },
});
const rounds = Number(values.rounds);
const loadAverageAtStart = loadavg().map((x) => Number(x.toFixed(2)));
const names = values.workloads.split(',').map((name) => name.trim()).filter(Boolean);
for (const name of names) if (!(name in WORKLOADS)) throw new Error(`unknown workload ${name}: choose from ${Object.keys(WORKLOADS).join(', ')}`);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a positive integer, got ${values.rounds}`);
const root = new URL('..', import.meta.url).pathname;
const cliPath = values.cli ? resolve(values.cli) : join(root, 'bin', 'tidepool');
const cli = cliCommand(cliPath);
const work = join(root, 'bench', 'out');
mkdirSync(work, { recursive: true });
requireGnuTime();
if (!values.cli && !existsSync(join(root, 'dist', 'cli', 'main.js'))) throw new Error('dist/ missing: run `npm run build` first');
if (names.some((name) => Object.keys(WORKLOADS[name].peers).length > 0)) ensurePythonPeers();
const peerEnv = { ...process.env, ...(values['openblas-coretype'] ? { OPENBLAS_CORETYPE: values['openblas-coretype'] } : {}) };

/** The peers need Debian's python3 with numpy and scikit-learn; installs them when root with apt. */
function ensurePythonPeers() {
  const ready = () => spawnSync(PYTHON, ['-c', 'import numpy, sklearn'], { stdio: 'ignore' }).status === 0;
  if (ready()) return;
  const canInstall = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
  if (!canInstall) throw new Error(`${PYTHON} with numpy and scikit-learn is needed for the peers: install them with \`${PYTHON_INSTALL}\` (as root)`);
  process.stderr.write(`installing the peers' Python packages: ${PYTHON_INSTALL}\n`);
  const install = spawnSync('sh', ['-c', PYTHON_INSTALL], { stdio: ['ignore', 2, 2], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (install.status !== 0 || !ready()) throw new Error(`could not install the peers' Python packages: run \`${PYTHON_INSTALL}\` (as root)`);
}

/** The input matrix of a workload, generated once into bench/out and reused while complete. */
async function ensureInput(name, { n, d, source }) {
  const path = join(work, `select-${name}.npy`);
  if (isCompleteNpy(path, n, d)) return { path, generation: null };
  if (source === 'real-code') {
    process.stderr.write(`embedding ${n} real-code units (${defaultSources(root).map((s) => s.root).join(', ')}) at ${d} dims -> ${path}\n`);
    const started = performance.now();
    const units = realCodeUnits(defaultSources(root), n);
    if (units.length < n) throw new Error(`only ${units.length} code units found; workload ${name} needs ${n}`);
    const { writeNpy } = await import(join(root, 'dist', 'store', 'npy.js'));
    await writeNpy(path, await embedUnits(units, d, join(root, 'dist')), n, d);
    return { path, generation: { seconds: (performance.now() - started) / 1000, distinctUnits: new Set(units).size } };
  }
  process.stderr.write(`generating ${n} x ${d} Gaussian mixture -> ${path}\n`);
  let reported = 0;
  const generation = writeGaussianMixtureNpy(path, {
    n, d, ...MIXTURE, seed: seedOf(name),
    onProgress: (done, total) => {
      if (done === total || done - reported >= total / 10) {
        reported = done;
        process.stderr.write(`  ${Math.round((100 * done) / total)}%\n`);
      }
    },
  });
  return { path, generation };
}

function seedOf(name) {
  return createHash('sha1').update(`tidepool-select-${name}`).digest().readUInt32LE(0);
}

/** Row ids of DIR/coreset.arrow in pick order (for a summary without \`picks\`), and each pick's recorded radius (null for a first pick). */
function readCoreset(dir) {
  const table = tableFromIPC(readFileSync(join(dir, 'coreset.arrow')));
  const rank = table.getChild('rank').toArray();
  const rows = table.getChild('row_id').toArray();
  const radius = table.getChild('radius');
  const picks = new Array(table.numRows);
  const radii = new Array(table.numRows);
  for (let i = 0; i < table.numRows; i++) {
    picks[rank[i]] = Number(rows[i]);
    radii[rank[i]] = radius.get(i);
  }
  return { picks, radii };
}

function picksDigest(picks) {
  return createHash('sha1').update(picks.join(',')).digest('hex').slice(0, 16);
}

/** Contenders of one workload, in the order each round runs them. */
function contendersOf(name, workload, input) {
  const tidepool = (given) => () => {
    // A variant's NAME=value entries are environment variables (e.g. glibc's huge-page tunable), the rest flags.
    const env = Object.fromEntries(given.filter((entry) => /^[A-Z_]+=/.test(entry)).map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]));
    const flags = given.filter((entry) => !/^[A-Z_]+=/.test(entry));
    const out = join(work, `select-${name}-out${given.join('').replace(/[^a-z0-9]+/gi, '-')}`);
    const run = measure(cli.command, [...cli.args, 'select', '--embeddings', input, '--k', String(workload.k), '--out', out, '--first', '0', '--json', '-q', ...flags], { env: { ...process.env, ...env } });
    const { picks, ...summary } = lastJson(run.stdout);
    return { seconds: run.seconds, peakRssMiB: run.peakRssMiB, innerSeconds: summary.seconds, picks: picks ?? readCoreset(out).picks, summary };
  };
  const peer = (id, { maxPicks }) => () => {
    const args = [join(root, 'bench', 'peers', PEERS[id].script), input, '--k', String(workload.k), '--first', '0', ...(maxPicks > 0 ? ['--max-picks', String(maxPicks)] : [])];
    const run = measure(PYTHON, args, { env: peerEnv });
    const { picks, ...summary } = lastJson(run.stdout);
    // Extrapolated: the measured wall time plus the picks it did not run, at its per-pick cost.
    const extrapolated = summary.picksRun < summary.k;
    const seconds = run.seconds + (summary.extrapolatedSeconds - summary.seconds);
    return { seconds, measuredSeconds: run.seconds, extrapolated, peakRssMiB: run.peakRssMiB, innerSeconds: summary.extrapolatedSeconds, picks, summary };
  };
  const list = [{ name: 'tidepool select', kind: 'tidepool', flags: [], run: tidepool([]) }];
  for (const flags of workload.variants) list.push({ name: `tidepool select ${flags.join(' ')}`, kind: 'tidepool', flags, run: tidepool(flags) });
  for (const [id, options] of Object.entries(workload.peers)) {
    const note = options.maxPicks > 0 ? ` (first ${options.maxPicks} picks, extrapolated to k)` : '';
    list.push({ name: `${PEERS[id].label}${note}`, kind: 'peer', peer: id, maxPicks: options.maxPicks, run: peer(id, options) });
  }
  return list;
}

/** First pick where tidepool and a peer differ, with both candidates' float64 min-distances there. */
function agreementOf(name, peerId, tidepoolPicks, peerPicks, input) {
  const file = join(work, `select-${name}-agree-${peerId}.json`);
  writeFileSync(file, JSON.stringify({ a: tidepoolPicks, b: peerPicks }));
  const run = spawnSync(PYTHON, [join(root, 'bench', 'peers', 'kcenter_peer.py'), input, '--agreement', file], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (run.status !== 0) throw new Error(`agreement check failed (exit ${run.status}):\n${run.stderr.slice(-2000)}`);
  const result = lastJson(run.stdout);
  const k = tidepoolPicks.length;
  let text;
  if (result.firstDifference === null) text = result.compared >= k ? `all ${k} picks agree` : `first ${result.compared} picks agree (the peer ran ${result.compared})`;
  else if (result.firstDifference === 0) text = `first picks differ: tidepool row ${result.a.row}, peer row ${result.b.row}`;
  else {
    const { a, b, relativeDifference: rel } = result;
    const verdict = rel <= NEAR_TIE ? 'a near-tie within 1e-6' : 'NOT a near-tie (relative difference above 1e-6)';
    text = `first ${result.firstDifference} picks agree; at pick ${result.firstDifference} tidepool took row ${a.row} (min-distance ${a.minDistance.toPrecision(9)}), the peer row ${b.row} (${b.minDistance.toPrecision(9)}): relative difference ${rel.toExponential(2)}, ${verdict}`;
  }
  return { ...result, nearTieTolerance: NEAR_TIE, text };
}

/**
 * Every pick's radius as the default run recorded it (its coreset.arrow), recomputed independently in
 * float64 by the peer script; a difference beyond the float32 kernel's error bound (unit rows) counts.
 */
async function radiusCheckOf(name, input, d) {
  const { picks, radii } = readCoreset(join(work, `select-${name}-out`));
  const { fp32DistanceError } = await import(join(root, 'dist', 'select', 'kernel.js'));
  const tolerance = fp32DistanceError(d, 1.001);
  const file = join(work, `select-${name}-radii.json`);
  writeFileSync(file, JSON.stringify({ picks, radii, tolerance }));
  const run = spawnSync(PYTHON, [join(root, 'bench', 'peers', 'kcenter_peer.py'), input, '--radii', file], { encoding: 'utf8', maxBuffer: 1 << 26, env: peerEnv });
  if (run.status !== 0) throw new Error(`radius check failed (exit ${run.status}):\n${run.stderr.slice(-2000)}`);
  const result = lastJson(run.stdout);
  const text = `${result.checked} pick radii recomputed in float64 (distance to the nearest earlier pick): ${result.over === 0 ? 'all' : `${result.checked - result.over} of ${result.checked}`} within the float32 kernel's error bound ${tolerance.toExponential(2)} in squared distance (largest difference ${result.largestDifference.toExponential(2)})`;
  return { ...result, text };
}

async function benchWorkload(name) {
  const workload = WORKLOADS[name];
  const { path: input, generation } = await ensureInput(name, workload);
  const contenders = contendersOf(name, workload, input);
  const runs = contenders.map(() => []);
  const picks = contenders.map(() => null);
  for (let round = 1; round <= rounds; round++) {
    // Each round starts one contender later: on this VM the first run after a pause maps its memory
    // more slowly (freed memory goes back to the host), so no contender is always first.
    const order = contenders.map((_, i) => (i + round - 1) % contenders.length);
    order.forEach((i) => {
      const contender = contenders[i];
      process.stderr.write(`${name} round ${round}: ${contender.name} ... `);
      const { picks: roundPicks, ...result } = contender.run();
      const digest = picksDigest(roundPicks);
      picks[i] ??= roundPicks;
      runs[i].push({ ...result, picksDigest: digest });
      process.stderr.write(`${result.seconds.toFixed(1)} s${result.extrapolated ? ' (extrapolated)' : ''}, ${result.peakRssMiB} MiB\n`);
    });
  }

  const best = (i) => Math.min(...runs[i].map((r) => r.seconds));
  const peerIndex = (id) => contenders.findIndex((c) => c.peer === id);
  const defaultDigest = runs[0][0].picksDigest;
  const table = contenders.map((contender, i) => {
    const last = runs[i].at(-1).summary;
    const row = {
      name: contender.name,
      kind: contender.kind,
      bestSeconds: best(i),
      extrapolated: runs[i].some((r) => r.extrapolated),
      bestInnerSeconds: Math.min(...runs[i].map((r) => r.innerSeconds)),
      peakRssMiB: Math.max(...runs[i].map((r) => r.peakRssMiB)),
      passes: contender.kind === 'tidepool' ? last.passes : null,
      work: contender.kind === 'tidepool' ? last.work ?? null : null,
      poolSize: last.poolSize ?? null,
      radius: last.radius ?? null,
      randomBaselineRadius: last.randomBaselineRadius ?? null,
      picksStableAcrossRounds: runs[i].every((r) => r.picksDigest === runs[i][0].picksDigest),
      samePicksAsDefault: contender.kind === 'tidepool' ? runs[i].every((r) => r.picksDigest === defaultDigest) : null,
    };
    for (const id of Object.keys(workload.peers)) row[`x_${id}`] = Number((best(peerIndex(id)) / best(i)).toFixed(2));
    return row;
  });
  const agreement = Object.fromEntries(Object.keys(workload.peers).map((id) => [id, agreementOf(name, id, picks[0], picks[peerIndex(id)], input)]));
  const radiusCheck = workload.radiusCheck ? await radiusCheckOf(name, input, workload.d) : null;
  // The greedy's GEMM work is at least one fold of every center into every point: 2 n d k flops.
  for (const row of table) row.foldGflops = row.kind === 'tidepool' ? Number(((2 * workload.n * workload.d * workload.k) / row.bestInnerSeconds / 1e9).toFixed(1)) : null;
  const passesCurve = (workload.passesCurve ?? []).map((k) => {
    process.stderr.write(`${name} passes at k = ${k} ... `);
    const out = join(work, `select-${name}-curve`);
    const run = measure(cli.command, [...cli.args, 'select', '--embeddings', input, '--k', String(k), '--out', out, '--first', '0', '--no-baseline', '--json', '-q']);
    const summary = lastJson(run.stdout);
    process.stderr.write(`${summary.passes} passes, ${summary.seconds.toFixed(1)} s\n`);
    return { k, passes: summary.passes, seconds: summary.seconds, foldGflops: Number(((2 * workload.n * workload.d * k) / summary.seconds / 1e9).toFixed(1)) };
  });
  return {
    name,
    ...workload,
    input: { path: input, bytes: statSync(input).size, generator: workload.source === 'real-code' ? { source: 'real-code', roots: defaultSources(root).map((s) => s.root), embedder: 'hashing, 2^18 buckets, unit rows' } : { ...MIXTURE, seed: seedOf(name), rows: 'unit-normalised float32' } },
    generation,
    table,
    agreement,
    radiusCheck,
    passesCurve,
    runs: Object.fromEntries(contenders.map((contender, i) => [contender.name, runs[i]])),
  };
}

const results = [];
for (const name of names) results.push(await benchWorkload(name));
process.stderr.write('measuring the machine GEMM rate (onnxruntime MatMul) ...\n');
const gemmPeak = await measureGemmPeak();
const result = {
  benchmark: 'select',
  date: new Date().toISOString(),
  machine: describeMachine(),
  loadAverage: loadAverageAtStart,
  python: PYTHON,
  openblasCoretype: values['openblas-coretype'] ?? null,
  peerBlas: results.flatMap((w) => Object.values(w.runs).flat().map((r) => r.summary.blas).filter(Boolean))[0] ?? null,
  rounds,
  gemmPeak,
  workloads: results,
};
const resultsDir = join(root, 'bench', 'results');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, `select-${names.join('-')}.json`), `${JSON.stringify(result, null, 2)}\n`);

const fmt = (x, digits = 4) => (x === null || x === undefined ? '—' : x.toFixed(digits));
const count = (x) => x.toLocaleString('en-US');
const blas = result.peerBlas?.find((b) => b.internal_api !== 'openmp');
const md = [
  `# Select benchmark`,
  ``,
  `${result.date.slice(0, 10)} on ${result.machine.cpu}, ${result.machine.cores} cores, ${result.machine.memoryGiB} GiB, Node ${result.machine.node}; load average at the start ${result.loadAverage.join(', ')}.`,
  `Real-code inputs (RC*): code units (blank-line separated blocks of 5-60 lines) of ${defaultSources(root).map((s) => s.root).join(' and ')}, interleaved, embedded by tidepool's hashing embedder (2^18 buckets, unit rows).`,
  `"evals / n·k": distance evaluations (folds + candidate pools + center-center distances of the triangle-inequality bounds) over n·k, the work of one full pass per pick.`,
  `Gaussian inputs: seeded mixtures of ${MIXTURE.clusters} Gaussian clusters (unit-length random centers, noise of length ${MIXTURE.spreadMin}-${MIXTURE.spreadMax} per cluster), every row scaled to unit length, float32 .npy; first center row 0.`,
  `Best of ${rounds} interleaved rounds of wall time (process start to exit, reading the .npy included); peak RSS is the maximum over rounds (GNU time). tidepool runs as \`${cli.args.length > 0 ? 'node ' : ''}${relative(root, cliPath)} select ...\`.`,
  `Peers run ${PYTHON}${blas ? ` with ${blas.internal_api} ${blas.version} (kernels for ${blas.architecture}, ${blas.num_threads} threads)` : ''}${result.openblasCoretype ? `, OPENBLAS_CORETYPE=${result.openblasCoretype}` : ''};`,
  `an extrapolated peer ran its first P picks and is charged its measured wall time plus (k - P) x its per-pick time.`,
  `"x peer" is the peer's best seconds over this row's; "inner s" is the time each reports for itself (tidepool's \`seconds\`, the peer's load + loop).`,
  `"fold GFLOP/s" is 2·n·d·k (folding every center into every point once, the least GEMM work of any batched greedy) over inner s: the GEMM rate a batched greedy that folds every center into every point would need to match this run (lazy passes skip most of that work, so it can exceed the machine's), to compare with the machine's: onnxruntime MatMul ${result.gemmPeak.shape} measured at ${Object.entries(result.gemmPeak.gflopsByThreads).map(([t, g]) => `${g} GFLOP/s on ${t} thread${t === '1' ? '' : 's'}`).join(', ')}.`,
  `\`--precision fp16\` picks are the greedy's on the float16-rounded values, so they may differ from the float32 picks.`,
  ``,
];
for (const w of results) {
  const peerIds = Object.keys(w.peers);
  md.push(`## ${w.name}: ${count(w.n)} x ${w.d}, k = ${count(w.k)} (${w.precision}, ${w.backend})`, ``);
  md.push(`| contender | best s | inner s | peak RSS MiB | passes | evals / n·k | pool | fold GFLOP/s | radius | random-baseline radius | ${peerIds.map((id) => `x ${id} peer | `).join('')}same picks as default |`);
  md.push(`| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ${peerIds.map(() => '---: | ').join('')}--- |`);
  for (const t of w.table) {
    const seconds = `${t.bestSeconds.toFixed(1)}${t.extrapolated ? ' (extrap.)' : ''}`;
    const same = t.samePicksAsDefault === null ? '—' : t.samePicksAsDefault ? 'yes' : 'NO';
    md.push(`| ${t.name} | ${seconds} | ${t.bestInnerSeconds.toFixed(1)} | ${t.peakRssMiB} | ${t.passes ?? '—'} | ${t.work ? t.work.share.toFixed(3) : '—'} | ${t.poolSize ?? '—'} | ${t.foldGflops ?? '—'} | ${fmt(t.radius)} | ${fmt(t.randomBaselineRadius)} | ${peerIds.map((id) => `${t[`x_${id}`]} | `).join('')}${same} |`);
  }
  md.push(``);
  for (const [id, a] of Object.entries(w.agreement)) md.push(`Picks vs ${PEERS[id].label}: ${a.text}.`, ``);
  if (w.radiusCheck) md.push(`Radii: ${w.radiusCheck.text}.`, ``);
  if (w.passesCurve.length > 0) {
    md.push(`Full passes versus k (\`--no-baseline\`, default pool size; one run each):`, ``, `| k | full passes | picks per pass | inner s | fold GFLOP/s |`, `| ---: | ---: | ---: | ---: | ---: |`);
    for (const p of w.passesCurve) md.push(`| ${count(p.k)} | ${p.passes} | ${(p.k / p.passes).toFixed(0)} | ${p.seconds.toFixed(2)} | ${p.foldGflops} |`);
    md.push(``);
  }
  const unstable = w.table.filter((t) => !t.picksStableAcrossRounds).map((t) => t.name);
  if (unstable.length > 0) md.push(`Picks changed between rounds for: ${unstable.join(', ')}.`, ``);
}
const text = `${md.join('\n').trimEnd()}\n`;
writeFileSync(join(resultsDir, `select-${names.join('-')}.md`), text);
process.stdout.write(text);
