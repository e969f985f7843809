#!/usr/bin/env node
// Execution-check benchmark: executions per second of small Python and JavaScript tests (a solution plus
// three asserts, as `generate --execute` runs them) in the bubblewrap sandbox, at concurrency 1..4: warm
// sandboxes (the default), a new sandbox per run (`--exec-fresh-sandbox`), and the same runs without
// isolation (`--unsafe-no-sandbox`'s runner: same interpreters, limits and timeout), side by side, each
// level's three runs back to back. Also times the pieces of one run (bare interpreter start, bwrap start
// with /bin/true) to say where the time goes. Needs dist/ (`npm run build`).
// Usage: node bench/exec.mjs [--runs 60] [--concurrency 1,2,3,4] [--no-write]
// Writes bench/results/exec.json and bench/results/exec.md.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { describeMachine } from './lib/machine.mjs';

const { values: args } = parseArgs({
  options: { runs: { type: 'string', default: '60' }, concurrency: { type: 'string', default: '1,2,3,4' }, 'no-write': { type: 'boolean', default: false } },
});
const runs = Number(args.runs);
const levels = args.concurrency.split(',').map(Number);
const root = resolve(import.meta.dirname, '..');
const exec = await import(join(root, 'dist', 'exec', 'index.js'));
const { openSandbox, UnsafeSandbox, DEFAULT_EXEC_LIMITS } = exec;

/** CPU seconds of this process's finished children (and theirs): /proc/self/stat's cutime + cstime. */
function childCpuSeconds() {
  const fields = readFileSync('/proc/self/stat', 'utf8').replace(/^.*\) /, '').split(' ');
  // After the command name: field 3 is state, so cutime (16) and cstime (17) are at 13 and 14.
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

/**
 * CPU seconds the whole machine has been busy (/proc/stat: every state but idle and iowait): counts what
 * a warm sandbox (not a finished child) and the kernel spend, and anything else running, so it is only
 * meaningful on a quiet machine.
 */
function machineBusySeconds() {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = fields;
  return (user + nice + system + irq + softirq + steal) / 100;
}

/** The workloads: what a generated sample and its tests look like (a function and a few asserts). */
const WORKLOADS = {
  python: {
    language: 'python',
    solution: 'def longest_run(values):\n    best = run = 0\n    previous = None\n    for value in values:\n        run = run + 1 if value == previous else 1\n        best = max(best, run)\n        previous = value\n    return best\n',
    tests: 'assert longest_run([]) == 0\nassert longest_run([1, 1, 2, 2, 2, 3]) == 3\nassert longest_run("aabbbbc") == 4\n',
  },
  javascript: {
    language: 'javascript',
    solution: 'function longestRun(values) {\n  let best = 0, run = 0, previous;\n  for (const value of values) {\n    run = value === previous ? run + 1 : 1;\n    best = Math.max(best, run);\n    previous = value;\n  }\n  return best;\n}\n',
    tests: 'const assert = require("node:assert");\nassert.strictEqual(longestRun([]), 0);\nassert.strictEqual(longestRun([1, 1, 2, 2, 2, 3]), 3);\nassert.strictEqual(longestRun([..."aabbbbc"]), 4);\n',
  },
};

const sandboxed = await openSandbox({});
if (sandboxed.kind !== 'bubblewrap' || !(sandboxed instanceof exec.WarmSandbox)) throw new Error('warm bubblewrap sandboxes do not work here: see `tidepool doctor`');
if (sandboxed.javascriptMode().mode !== 'forked') throw new Error(`JavaScript does not run forked here: ${sandboxed.javascriptMode().reason}`);
// The peer of the JavaScript fork server: the same warm sandboxes with a new Node exec'd per program.
const execWarm = await openSandbox({ warm: { forkAddon: null } });
const fresh = await openSandbox({ freshSandboxes: true });
const unsafe = new UnsafeSandbox('/usr/bin/prlimit', { python: '/usr/bin/python3', node: process.execPath }, DEFAULT_EXEC_LIMITS);

/** `runs` executions of `workload` on `sandbox`, `concurrency` at a time: executions per second and latencies. */
async function measure(sandbox, workload, concurrency) {
  const latencies = [];
  let next = 0;
  let failures = 0;
  const cpuBefore = childCpuSeconds();
  const busyBefore = machineBusySeconds();
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < runs) {
      next++;
      const result = await sandbox.run(workload);
      if (result.verdict !== 'passed') failures++;
      latencies.push(result.seconds * 1000);
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  const cpuMs = ((childCpuSeconds() - cpuBefore) / runs) * 1000;
  const machineCpuMs = ((machineBusySeconds() - busyBefore) / runs) * 1000;
  latencies.sort((a, b) => a - b);
  if (failures > 0) throw new Error(`${failures} of ${runs} ${workload.language} runs did not pass: the benchmark measures passing runs`);
  return { perSecond: runs / seconds, cpuMs, machineCpuMs, medianMs: latencies[Math.floor(latencies.length / 2)], p90Ms: latencies[Math.floor(latencies.length * 0.9)] };
}

/** Median wall milliseconds and mean CPU milliseconds of `count` runs of a command, one at a time (the pieces of one run). */
function piece(argv, count = 15) {
  const times = [];
  const cpuBefore = childCpuSeconds();
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    // An empty environment, as in the sandbox (a NODE_EXTRA_CA_CERTS alone adds tens of ms to Node's start).
    const result = spawnSync(argv[0], argv.slice(1), { stdio: ['pipe', 'ignore', 'ignore'], input: '', env: {} });
    if (result.status !== 0) throw new Error(`${argv.join(' ')} exited ${result.status}`);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { wallMs: times[Math.floor(count / 2)], cpuMs: ((childCpuSeconds() - cpuBefore) / count) * 1000 };
}

/** The sandbox as tidepool starts it, running /usr/bin/true: what bubblewrap and prlimit cost alone. */
function sandboxStartArgv() {
  const limits = DEFAULT_EXEC_LIMITS;
  const layout = exec.hostLayout({ python: '/usr/bin/python3', node: process.execPath });
  const inner = exec.prlimitCommand('/usr/bin/prlimit', limits, ['/usr/bin/true']);
  // The program's text comes from stdin (empty), the status goes to stdout (ignored).
  const bwrap = ['/usr/bin/bwrap', ...exec.bwrapArguments(layout, { programFd: 0, programPath: '/sandbox/main.py', statusFd: 1, writableBytes: exec.writableBytes(limits), sharedMemoryBytes: limits.fileSizeBytes, command: inner })];
  return process.getuid() === 0 ? ['/usr/bin/setpriv', '--reuid=1999999999', '--regid=1999999999', '--clear-groups', '--', ...bwrap] : bwrap;
}

const machine = describeMachine();
const inherited = exec.inheritableDescriptors();
const loadBefore = loadavg();
// One warm-up round of each, so the page cache holds the interpreters.
for (const workload of Object.values(WORKLOADS)) {
  await sandboxed.run(workload);
  await execWarm.run(workload);
  await fresh.run(workload);
  await unsafe.run(workload);
}
const rows = [];
for (const [name, workload] of Object.entries(WORKLOADS)) {
  for (const concurrency of levels) {
    const warm = await measure(sandboxed, workload, concurrency);
    // Python runs the same way in both warm variants: the exec variant is measured for JavaScript only.
    const warmExec = name === 'javascript' ? await measure(execWarm, workload, concurrency) : null;
    const perRun = await measure(fresh, workload, concurrency);
    const without = await measure(unsafe, workload, concurrency);
    rows.push({ language: name, concurrency, warm, warmExec, bubblewrap: perRun, none: without });
    process.stderr.write(`${name} x${concurrency}: warm ${warm.perSecond.toFixed(1)}/s, ${warmExec === null ? '' : `warm exec ${warmExec.perSecond.toFixed(1)}/s, `}fresh ${perRun.perSecond.toFixed(1)}/s, none ${without.perSecond.toFixed(1)}/s\n`);
  }
}
// Where the time of one run goes (one at a time).
const pieces = {
  'python3 -I -B -c pass (with the site module)': piece(['/usr/bin/python3', '-I', '-B', '-c', 'pass']),
  'python3 -I -S -B -c pass (no site module: what tidepool runs first)': piece(['/usr/bin/python3', '-I', '-S', '-B', '-c', 'pass']),
  'node -e 0 (bare start)': piece([process.execPath, '-e', '0']),
  'node --single-threaded -e 0 (the fork server\'s flags; paid once per sandbox, not per program)': piece([process.execPath, '--single-threaded', '-e', '0']),
  'bwrap + prlimit, /usr/bin/true inside (sandbox start alone)': piece(sandboxStartArgv()),
};
await sandboxed.close();
await execWarm.close();
const loadAfter = loadavg();
const best = Object.fromEntries(Object.keys(WORKLOADS).map((name) => [name, Math.max(...rows.filter((row) => row.language === name).map((row) => row.warm.perSecond))]));
const result = { machine, date: new Date().toISOString(), runs, loadBefore, loadAfter, inheritedDescriptors: inherited, javascript: sandboxed.javascriptMode(), rows, best, target: 30, pieces, limits: DEFAULT_EXEC_LIMITS };

const fmt = (value) => value.toFixed(1);
const md = [
  '# Execution-check benchmark',
  '',
  `${result.date.slice(0, 10)} on ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}; ${spawnSync('/usr/bin/bwrap', ['--version'], { encoding: 'utf8' }).stdout.trim()}.`,
  `Load average before ${loadBefore.map(fmt).join(' / ')}, after ${loadAfter.map(fmt).join(' / ')} (1 / 5 / 15 min)${loadBefore[0] > machine.cores ? ': the machine was shared with other work, so these figures are lower bounds; rerun on a quiet machine' : ''}.`,
  inherited.length === 0
    ? 'tidepool held no inheritable descriptor, so fresh sandboxes ran without the descriptor shim.'
    : `tidepool held ${inherited.length} inheritable descriptor(s) (fd ${inherited.join(', ')}, left open by whatever started it), so every fresh sandbox started behind the shim that closes them (one more Python start each: a user's shell normally leaves none).`,
  `Each cell: ${runs} executions of a small solution plus three asserts (\`bench/exec.mjs\`), all passing; executions per second (median / p90 latency of one run in ms).`,
  '"warm": warm bubblewrap sandboxes, the default (one sandbox per concurrent run, kept between runs; each program a fresh process forked by the sandbox\'s server, everything it left killed and wiped before the next; for JavaScript the server is a started Node that forks itself, native/fork). "warm exec" (JavaScript only): the same warm sandboxes with a new Node exec\'d per program (`WarmOptions.forkAddon: null`, what runs where the fork addon is not built), the peer of the fork server. "fresh": a new sandbox per run (`--exec-fresh-sandbox`: new namespaces, read-only system, tmpfs, prlimit). "none": the same interpreters, limits and timeout without isolation (`--unsafe-no-sandbox`), the peer that shows what isolation costs.',
  '',
  `Best executions per second in warm sandboxes: ${Object.entries(best).map(([name, value]) => `${name} ${fmt(value)}/s`).join(', ')} (target >= 30/s: ${Object.entries(best).map(([name, value]) => `${name} ${value >= 30 ? 'met' : 'NOT met'}`).join(', ')}).`,
  '',
  'CPU ms / run: the whole machine\'s busy time (/proc/stat) over the runs, so it counts the sandboxes, the kernel and tidepool itself (and anything else running: compare it only on a quiet machine); `cores x 1000 / CPU ms` is what this machine could reach when the CPU is the limit.',
  '',
  `| language | concurrency | warm /s | warm exec /s | fresh /s | none /s | warm median / p90 ms | warm exec median / p90 ms | fresh median / p90 ms | none median / p90 ms | warm / warm exec / fresh / none CPU ms per run | warm CPU-bound /s on ${machine.cores} cores |`,
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map((row) => `| ${row.language} | ${row.concurrency} | ${fmt(row.warm.perSecond)} | ${row.warmExec === null ? '-' : fmt(row.warmExec.perSecond)} | ${fmt(row.bubblewrap.perSecond)} | ${fmt(row.none.perSecond)} | ${fmt(row.warm.medianMs)} / ${fmt(row.warm.p90Ms)} | ${row.warmExec === null ? '-' : `${fmt(row.warmExec.medianMs)} / ${fmt(row.warmExec.p90Ms)}`} | ${fmt(row.bubblewrap.medianMs)} / ${fmt(row.bubblewrap.p90Ms)} | ${fmt(row.none.medianMs)} / ${fmt(row.none.p90Ms)} | ${fmt(row.warm.machineCpuMs)} / ${row.warmExec === null ? '-' : fmt(row.warmExec.machineCpuMs)} / ${fmt(row.bubblewrap.machineCpuMs)} / ${fmt(row.none.machineCpuMs)} | ${fmt((machine.cores * 1000) / row.warm.machineCpuMs)} |`),
  '',
  'Where one run\'s time goes (15 starts, one at a time):',
  '',
  '| piece | median wall ms | CPU ms |',
  '| --- | ---: | ---: |',
  ...Object.entries(pieces).map(([name, cost]) => `| ${name} | ${fmt(cost.wallMs)} | ${fmt(cost.cpuMs)} |`),
  '',
];
if (args['no-write']) {
  process.stdout.write(`${md.join('\n')}\n`);
} else {
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results', 'exec.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(root, 'bench', 'results', 'exec.md'), `${md.join('\n')}\n`);
  process.stdout.write(`${md.join('\n')}\n`);
}
