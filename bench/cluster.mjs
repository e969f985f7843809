#!/usr/bin/env node
// Cluster benchmark (issue 17): the demo pipeline (examples/demo.json's stages on its 20,000-row sample)
// on the local executor and on the Slurm executor of this machine's single-node cluster (.ci/slurm-up.sh),
// side by side in one run: wall time, the scheduler path's overhead, and outputs byte-identical. Then, from
// the per-shard rates the jobs logged, a written estimate for CodeSearchNet (2M pairs) and 50M pairs on 8 and
// 64 nodes (bench/results/cluster.md).
// Usage: node bench/cluster.mjs [--rows 20000] [--shards 2] [--rounds 1]
// Writes bench/results/cluster.json and bench/results/cluster.md.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { describeMachine } from './lib/machine.mjs';
import { lastJson, measure, requireGnuTime } from './lib/run.mjs';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '20000' }, shards: { type: 'string', default: '2' }, rounds: { type: 'string', default: '1' } } });
const rows = Number(values.rows);
const shards = Number(values.shards);
const rounds = Number(values.rounds);
const root = new URL('..', import.meta.url).pathname;
const cli = join(root, 'bin', 'tidepool.js');
const work = join(root, 'bench', 'out', 'cluster');
requireGnuTime();
if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) throw new Error('dist/ missing: run `npm run build` first');
try {
  execFileSync('sinfo', ['-h', '-o', '%T'], { stdio: 'pipe' });
} catch {
  throw new Error('no Slurm cluster answers (sinfo): run `sudo .ci/slurm-up.sh` first');
}
mkdirSync(work, { recursive: true });

const demo = JSON.parse(readFileSync(join(root, 'examples', 'demo.json'), 'utf8'));
const pipeline = { ...demo, work: 'unused', sample: { ...demo.sample, rows }, decontam: { bench: demo.decontam.bench.map((file) => join(root, 'examples', file)) } };
delete pipeline.description;
delete pipeline.report; // the report renders in a browser: the same cost on either executor, and it needs Chromium
const file = join(work, 'pipeline.json');
writeFileSync(file, `${JSON.stringify(pipeline, null, 2)}\n`);
const COMPARED = ['ingest/pairs.arrow', 'embed/embeddings.arrow', 'select/coreset.arrow', 'generate/instructions.jsonl', 'decontam/kept.jsonl', 'export/train.jsonl'];

/** One run of the pipeline into a fresh work folder; the Slurm ones wait for their jobs. */
function runPipeline(name, flags) {
  const dir = join(work, name);
  rmSync(dir, { recursive: true, force: true });
  const { seconds, stdout } = measure(process.execPath, [cli, 'run', file, '--work', dir, '--json', '-q', ...flags], { env: { ...process.env, TIDEPOOL_CLUSTER_POLL_MS: '250' } });
  return { dir, seconds, summary: lastJson(stdout) };
}

/** The jobs' own result lines (`run: embed shard 1/2 done in 3.2s: {...}`) from the logs of a Slurm run. */
function jobResults(dir) {
  const logs = join(dir, 'logs');
  const results = [];
  for (const name of readdirSync(logs).filter((entry) => entry.endsWith('.out'))) {
    for (const line of readFileSync(join(logs, name), 'utf8').split('\n')) {
      const match = /^run: (\w+) (shard (\d+)\/(\d+)|merge|job) done in ([\d.]+)s: (.*)$/.exec(line);
      if (match) results.push({ log: name, stage: match[1], role: match[3] === undefined ? match[2] : 'shard', shard: match[3] === undefined ? undefined : Number(match[3]), seconds: Number(match[5]), result: JSON.parse(match[6]) });
    }
  }
  return results;
}

function sameBytes(a, b) {
  return COMPARED.every((path) => readFileSync(join(a, path)).equals(readFileSync(join(b, path))));
}

const loadBefore = loadavg()[0];
const runs = [];
for (let round = 0; round < rounds; round++) {
  const local = runPipeline('local', ['--executor', 'local']);
  const single = runPipeline('slurm-1', ['--executor', 'slurm', '--wait']);
  const sharded = runPipeline(`slurm-${shards}`, ['--executor', 'slurm', '--wait', '--tasks', `embed=${shards},decontam=${shards}`, '--workers', String(shards)]);
  runs.push({ round, local, single, sharded });
  console.error(`round ${round}: local ${local.seconds}s, slurm (1 task a stage) ${single.seconds}s, slurm (embed and decontam in ${shards}) ${sharded.seconds}s`);
}
const best = (key) => runs.map((run) => run[key]).sort((a, b) => a.seconds - b.seconds)[0];
const local = best('local');
const single = best('single');
const sharded = best('sharded');
const identical = { single: sameBytes(local.dir, single.dir), sharded: sameBytes(local.dir, sharded.dir) };
const jobs = (run) => run.summary.launch.stages.reduce((count, stage) => count + [stage.shardJob, stage.finishJob, stage.wholeJob].filter(Boolean).length, 0);
const chain = (run) => run.summary.launch.stages.reduce((count, stage) => count + (stage.shardJob ? 2 : 1), 0);
const stageSeconds = Object.fromEntries(local.summary.stages.map((stage) => [stage.stage, stage.seconds]));
const results = jobResults(sharded.dir);
const embedShards = results.filter((entry) => entry.stage === 'embed' && entry.role === 'shard');
const embedMerge = results.find((entry) => entry.stage === 'embed' && entry.role === 'merge');
const jobSeconds = jobResults(single.dir).reduce((sum, entry) => sum + entry.seconds, 0);

// The estimate: time = scheduler overhead per chained job x jobs + rows / (nodes x rate per node) + merge + the
// one-job stages (select at the scale asked), from figures measured here and elsewhere in bench/results.
const overheadPerJob = (single.seconds - jobSeconds) / chain(single);
const mergeRowsPerSecond = embedMerge === undefined ? null : rows / embedMerge.seconds;
const embedJson = JSON.parse(readFileSync(join(root, 'bench', 'results', 'embed.json'), 'utf8'));
const staticJson = JSON.parse(readFileSync(join(root, 'bench', 'results', 'static.json'), 'utf8'));
const minilmRate = embedJson.workloads.find((workload) => workload.id === 'minilm').table.find((row) => row.kind === 'tidepool').rowsPerSecond;
const staticRate = staticJson.results.find((row) => row.contender.startsWith('tidepool')).rowsPerSecond;
const rates = [
  { node: 'CPU node, 2 cores like this one, MiniLM-L6 shape fp32 (bench/results/embed.md)', rowsPerSecond: Math.round(minilmRate), source: 'measured' },
  { node: 'CPU node, 2 cores like this one, potion-8M-shape static model (bench/results/static.md)', rowsPerSecond: Math.round(staticRate), source: 'measured' },
  { node: 'GPU node, MiniLM-L6 fp16, 1 GPU (ASSUMED 5,000 rows/s: no GPU figure exists yet, see issue 18)', rowsPerSecond: 5000, source: 'assumed' },
];
const estimate = [];
for (const total of [2_000_000, 50_000_000]) {
  for (const nodes of [8, 64]) {
    for (const rate of rates) {
      const embedSeconds = total / (nodes * rate.rowsPerSecond);
      const mergeSeconds = mergeRowsPerSecond === null ? 0 : total / mergeRowsPerSecond;
      estimate.push({ rows: total, nodes, node: rate.node, source: rate.source, embedSeconds, mergeSeconds, overheadSeconds: overheadPerJob * 2, totalSeconds: embedSeconds + mergeSeconds + overheadPerJob * 2 });
    }
  }
}
const machine = describeMachine();
const out = {
  benchmark: 'cluster', date: new Date().toISOString(), machine, loadBefore, loadAfter: loadavg()[0], rows, shards, rounds,
  slurm: execFileSync('sinfo', ['--version'], { encoding: 'utf8' }).trim(),
  local: { seconds: local.seconds, stages: stageSeconds },
  slurmSingle: { seconds: single.seconds, jobs: jobs(single), chainedJobs: chain(single), jobSeconds, identical: identical.single },
  slurmSharded: { seconds: sharded.seconds, jobs: jobs(sharded), chainedJobs: chain(sharded), identical: identical.sharded },
  overheadPerJob, embedShards: embedShards.map((entry) => ({ shard: entry.shard, seconds: entry.seconds, rows: entry.result.rows, rowsPerSecond: entry.result.rowsPerSecond })),
  embedMerge: embedMerge === undefined ? null : { seconds: embedMerge.seconds, rowsPerSecond: mergeRowsPerSecond },
  rates, estimate, runs: runs.map((run) => ({ round: run.round, local: run.local.seconds, single: run.single.seconds, sharded: run.sharded.seconds })),
};
writeFileSync(join(root, 'bench', 'results', 'cluster.json'), `${JSON.stringify(out, null, 2)}\n`);

const fmt = (seconds) => (seconds >= 3600 ? `${(seconds / 3600).toFixed(1)} h` : seconds >= 60 ? `${(seconds / 60).toFixed(1)} min` : `${seconds.toFixed(1)} s`);
const md = [
  '# Cluster benchmark',
  '',
  `${out.date.slice(0, 10)} on ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}; ${out.slurm}, the single-node cluster of .ci/slurm-up.sh (sched_interval=1). 1-minute load average ${loadBefore.toFixed(1)} before, ${out.loadAfter.toFixed(1)} after.`,
  `Pipeline: examples/demo.json's stages on a ${rows.toLocaleString('en-US')}-row sample (hashing embedder, k = 1,000, 100 generated units against the scripted LLM, decontam, export; no report). Wall time from \`tidepool run\` to its exit (with \`--wait\` for Slurm), best of ${rounds} round(s), all runs in one sitting.`,
  '',
  '| executor | wall s | x local | jobs (chained) | outputs byte-identical to local |',
  '| --- | ---: | ---: | ---: | --- |',
  `| local | ${local.seconds.toFixed(1)} | 1.00 | — | — |`,
  `| slurm, one task a stage | ${single.seconds.toFixed(1)} | ${(single.seconds / local.seconds).toFixed(2)} | ${jobs(single)} (${chain(single)}) | ${identical.single ? 'yes' : 'NO'} |`,
  `| slurm, embed and decontam in ${shards} shards (${shards} at once) | ${sharded.seconds.toFixed(1)} | ${(sharded.seconds / local.seconds).toFixed(2)} | ${jobs(sharded)} (${chain(sharded)}) | ${identical.sharded ? 'yes' : 'NO'} |`,
  '',
  `Files compared: ${COMPARED.join(', ')}.`,
  `Scheduler path overhead: ${(single.seconds - local.seconds).toFixed(1)} s over the local run for ${chain(single)} chained jobs; the jobs' own work summed to ${jobSeconds.toFixed(1)} s, so each chained job costs about ${overheadPerJob.toFixed(1)} s of scheduling, node start and process start-up (a job starts on the scheduler's next pass after its dependency ends, then loads Node and the pipeline).`,
  `Embed shards (${shards}): ${embedShards.map((entry) => `${entry.seconds.toFixed(1)} s, ${Math.round(entry.result.rowsPerSecond).toLocaleString('en-US')} rows/s`).join('; ')}; merge: ${embedMerge === undefined ? 'n/a' : `${embedMerge.seconds.toFixed(1)} s (${Math.round(mergeRowsPerSecond).toLocaleString('en-US')} rows/s, hashing dim 256)`}.`,
  '',
  '## Estimate: embedding 2M and 50M pairs on 8 and 64 nodes',
  '',
  'time = rows / (nodes x rate per node) + merge (rows / the merge rate measured above, one process on the shared filesystem) + 2 chained jobs of scheduling overhead (as measured here; a busy production cluster adds queue wait, not counted). One shard per node; shards of equal size (the shard arithmetic balances them to within one window).',
  '',
  '| rows | nodes | node and model | rate per node rows/s | embed | merge | total |',
  '| ---: | ---: | --- | ---: | ---: | ---: | ---: |',
  ...estimate.map((row) => `| ${row.rows.toLocaleString('en-US')} | ${row.nodes} | ${row.node} | ${rates.find((rate) => rate.node === row.node).rowsPerSecond.toLocaleString('en-US')} | ${fmt(row.embedSeconds)} | ${fmt(row.mergeSeconds)} | ${fmt(row.totalSeconds)} |`),
  '',
  'Reading it: the embed term dominates and divides by the number of nodes; the merge is one sequential pass, so at 50M rows it is minutes of I/O and grows with the vector width (a 384-dim float32 vector is 1.5 KB: 50M rows are 77 GB, whose read-and-write at the shared filesystem\'s speed replaces the merge rate measured here on local disk). The GPU row is an assumption until issue 18 measures `embed --device webgpu`/cuda on a real H100; replace it with the measured rate.',
  '',
];
writeFileSync(join(root, 'bench', 'results', 'cluster.md'), md.join('\n'));
console.log(md.join('\n'));
