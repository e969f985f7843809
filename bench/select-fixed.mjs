#!/usr/bin/env node
// Fixed costs of `tidepool select` (issue 22 item 2): on a 96,000 x 384 matrix with k = 1,000 (or any
// float32 .npy given with --input, e.g. bench/out/select-RC.npy, real code), the command's wall time
// (process start to exit, GNU time) against the work it reports (`seconds`) and the selection proper
// (`phases.greedy` of the --json summary), before and after, side by side in one run: the two versions
// alternate round by round so both see the same machine load. Each version runs as a user runs it: its
// `bin/tidepool` command when it has one (the shell launcher, from this version on), else
// `node bin/tidepool.js`. Also counts the distances the random baseline computes with each version's
// algorithm (deterministic) on the same matrix.
// Usage: node bench/select-fixed.mjs --before /path/to/old/bin/tidepool.js [--rounds 3] [--n 96000 --d 384 --k 1000 | --input X.npy --k 1000]
//   --before: a tidepool checkout built at the commit to compare with (its dist/ is used).
// Writes bench/results/select-fixed.json and .md (select-fixed-NAME.* with --name NAME).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isCompleteNpy, writeGaussianMixtureNpy } from './lib/gaussian.mjs';
import { describeMachine } from './lib/machine.mjs';
import { cliCommand, lastJson, measure, requireGnuTime } from './lib/run.mjs';

const { values } = parseArgs({ options: { before: { type: 'string' }, rounds: { type: 'string', default: '3' }, n: { type: 'string', default: '96000' }, d: { type: 'string', default: '384' }, k: { type: 'string', default: '1000' }, input: { type: 'string' }, name: { type: 'string' } } });
if (!values.before) throw new Error('--before PATH/bin/tidepool.js is required (a checkout built at the commit to compare with)');
const [rounds, k] = [values.rounds, values.k].map(Number);
let [n, d] = [values.n, values.d].map(Number);
const root = new URL('..', import.meta.url).pathname;
const work = join(root, 'bench', 'out');
mkdirSync(work, { recursive: true });
requireGnuTime();
const entries = { before: resolve(values.before), after: join(root, 'bin', 'tidepool.js') };
for (const entry of Object.values(entries)) if (!existsSync(join(dirname(entry), '..', 'dist', 'cli', 'main.js'))) throw new Error(`${entry}: its dist/ is missing; run \`npm run build\` there`);
/** How a user runs that version: its shell launcher when it has one. */
const commandOf = (entry) => {
  const launcher = join(dirname(entry), 'tidepool');
  return cliCommand(existsSync(launcher) ? launcher : entry);
};
const clis = { before: commandOf(entries.before), after: commandOf(entries.after) };

let input = join(work, `select-fixed-${n}x${d}.npy`);
if (values.input) {
  input = resolve(values.input);
  const { readNpyHeader } = await import(join(root, 'dist', 'store', 'npy.js'));
  ({ rows: n, dim: d } = await readNpyHeader(input));
} else if (!isCompleteNpy(input, n, d)) writeGaussianMixtureNpy(input, { n, d, seed: 22, clusters: 64, spreadMin: 0.4, spreadMax: 1.2 });
const suffix = values.name ? `-${values.name}` : '';

const loadBefore = loadavg();
const runs = [];
for (let round = 0; round < rounds; round++) {
  for (const [version, cli] of round % 2 === 0 ? Object.entries(clis) : Object.entries(clis).reverse()) {
    const out = join(work, `select-fixed-${version}`);
    const run = measure(cli.command, [...cli.args, 'select', '--embeddings', input, '--k', String(k), '--out', out, '--first', '0', '--json', '-q']);
    const summary = lastJson(run.stdout);
    runs.push({ version, round, wall: run.seconds, peakRssMiB: run.peakRssMiB, reported: summary.seconds, phases: summary.phases ?? null, radius: summary.radius, baseline: summary.randomBaselineRadius });
    process.stderr.write(`${version} round ${round}: wall ${run.seconds}s, reported ${summary.seconds.toFixed(2)}s${summary.phases ? `, greedy ${summary.phases.greedy.toFixed(2)}s` : ''}\n`);
  }
}
const loadAfter = loadavg();

// The random baseline's distance count, old and new algorithm, on the same kernel.
async function baselineEvaluations(distRoot) {
  const { loadSelectionInput } = await import(join(distRoot, 'select', 'input.js'));
  const { OnnxKernel } = await import(join(distRoot, 'select', 'onnx-kernel.js'));
  const { randomBaselineRadius } = await import(join(distRoot, 'select', 'baseline.js'));
  const loaded = await loadSelectionInput(input, 'fp32');
  const kernel = await OnnxKernel.create(loaded.points, loaded.d, { threads: 2, norms: loaded.norms });
  let evaluations = 0;
  const count = (target) => {
    const fold = target.foldCenters.bind(target);
    const subset = target.subset.bind(target);
    target.foldCenters = (centers, minDist) => { evaluations += target.n * centers.length; return fold(centers, minDist); };
    target.subset = (rows) => count(subset(rows));
    return target;
  };
  count(kernel);
  const radius = await randomBaselineRadius(kernel, loaded.n, k + 1, 0);
  await kernel.release();
  return { evaluations, radius };
}
const baseline = {
  before: await baselineEvaluations(join(dirname(entries.before), '..', 'dist')),
  after: await baselineEvaluations(join(root, 'dist')),
};

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const summarize = (version) => {
  const mine = runs.filter((r) => r.version === version);
  return {
    wall: median(mine.map((r) => r.wall)), reported: median(mine.map((r) => r.reported)), peakRssMiB: median(mine.map((r) => r.peakRssMiB)),
    wallOverReported: median(mine.map((r) => r.wall / r.reported)), wallOverGreedy: mine[0].phases === null ? null : median(mine.map((r) => r.wall / r.phases.greedy)),
  };
};
const after = runs.filter((r) => r.version === 'after');
const ratios = after.map((r) => r.wall / r.phases.greedy);
const result = {
  workload: { n, d, k, input: values.input ? `${basename(input)} (float32 .npy)` : 'seeded Gaussian mixture (bench/lib/gaussian.mjs, seed 22), float32 .npy' },
  commands: Object.fromEntries(Object.entries(clis).map(([v, c]) => [v, [c.command, ...c.args].join(' ')])),
  machine: describeMachine(), loadAverage: { before: loadBefore, after: loadAfter }, rounds, runs,
  medians: { before: summarize('before'), after: summarize('after') },
  afterWallOverGreedy: { median: median(ratios), each: ratios },
  afterPhasesMedian: Object.fromEntries(Object.keys(after[0].phases).map((p) => [p, median(after.map((r) => r.phases[p]))])),
  baselineEvaluations: baseline,
};
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', `select-fixed${suffix}.json`), `${JSON.stringify(result, null, 2)}\n`);
const f = (x) => x.toFixed(2);
const md = [
  `# select fixed costs: ${n} x ${d}, k = ${k}`,
  '',
  `Input: ${result.workload.input}. Machine: ${typeof result.machine === 'string' ? result.machine : JSON.stringify(result.machine)}. Load average at start ${loadBefore.map(f).join(' / ')}, at end ${loadAfter.map(f).join(' / ')} (a shared machine: compare the two versions, which alternated round by round, not the absolute times). Commands: before \`${result.commands.before}\`, after \`${result.commands.after}\`.`,
  '',
  '| version | wall s (median) | reported s (median) | wall / reported | wall / greedy | peak RSS MiB |',
  '|---|---|---|---|---|---|',
  ...['before', 'after'].map((v) => `| ${v} | ${f(result.medians[v].wall)} | ${f(result.medians[v].reported)} | ${f(result.medians[v].wallOverReported)} | ${result.medians[v].wallOverGreedy === null ? '—' : f(result.medians[v].wallOverGreedy)} | ${result.medians[v].peakRssMiB} |`),
  '',
  `After / before, wall (median): ${f(result.medians.after.wall / result.medians.before.wall)}.`,
  '',
  `After: wall / selection work (\`phases.greedy\`) = ${f(result.afterWallOverGreedy.median)} (median; each: ${ratios.map(f).join(', ')}). Phases (median s): ${Object.entries(result.afterPhasesMedian).map(([p, s]) => `${p} ${f(s)}`).join(', ')}.`,
  '',
  `Random baseline (k + 1 = ${k + 1} random centers): ${baseline.before.evaluations.toLocaleString('en')} distances before, ${baseline.after.evaluations.toLocaleString('en')} after (${f(baseline.before.evaluations / baseline.after.evaluations)}x fewer); radius ${baseline.before.radius} before, ${baseline.after.radius} after.`,
  '',
].join('\n');
writeFileSync(join(root, 'bench', 'results', `select-fixed${suffix}.md`), md);
process.stdout.write(md);
