#!/usr/bin/env node
// Generate benchmark: is `tidepool generate` ever the bottleneck? Against the scripted OpenAI-compatible
// server (src/devkit/llm-sim) answering every call after a fixed latency (200 ms), N requests in flight can
// at best complete N / latency requests per second; this measures how close `tidepool generate
// --concurrency N` gets (target: within 10%), the requests the server saw in flight at once, and the
// CPU the tool spends per 1,000 requests.
// The server runs IN THIS PROCESS (so its CPU is not charged to the tool); `tidepool generate` runs as
// a child process with a fresh --out each run (nothing comes from the response cache).
// Peers replay the same requests with the bare openai client and with node:http, side by side, and a
// probe reports how busy each client's main thread was, so a shortfall can be placed.
// Usage: node bench/generate.mjs [--concurrency 64,256] [--rounds 2] [--latency-ms 200]
//          [--seconds-64 20] [--seconds-256 8] [--rows 3000] [--peers openai,openai-http-fetch,http]
//          [--pool-epoch N] [--cpu-prof DIR] [--node-flags=...] [--no-write]
//   --seconds-N: size the run at concurrency N so it takes about this long at the ideal rate (the row
//     limit is derived from the requests per row seen in a calibration run); other concurrencies get 10.
//   --pool-epoch: passed through to generate (default: generate's own, 256).
//   --cpu-prof: pass --cpu-prof to the child node process, profiles written to DIR (diagnosis only).
//   --node-flags=...: extra flags for the child node process, space-separated (diagnosis only, e.g.
//     --node-flags="--max-semi-space-size=64"; the = is needed because the value starts with a dash).
//   --peers: peer clients replaying the very requests tidepool sent (recorded in the calibration run)
//     at the same concurrency against the same server, comma-separated, '' for none:
//     openai: the bare `openai` client (Node's built-in fetch), as tidepool's LlmClient calls it;
//     openai-http-fetch: the same client given a minimal node:http keep-alive `fetch`;
//     http: node:http with a keep-alive agent, JSON in and out: the floor of this machine and server.
//   --no-write: print the table without writing bench/results/ (for experiments).
//   --multi: run only the multi-endpoint workload (bench/lib/generate-multi.mjs): --endpoints N (default 3)
//     scripted servers with --per-endpoint C (default 32) in flight on each, next to one server with N x C,
//     sized by --multi-seconds (default 10) at the target rate; --rounds and --latency-ms apply. It writes its
//     section "Several endpoints" into generate.json/.md and keeps the rest; a full run keeps that section.
// Writes bench/results/generate.json and bench/results/generate.md.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { clearInterval, setInterval } from 'node:timers';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { describeMachine } from './lib/machine.mjs';
import { requireGnuTime } from './lib/run.mjs';
import { MULTI_HEADING, runMultiEndpointBench, withoutMultiSection } from './lib/generate-multi.mjs';

const { AbortSignal, Headers, Response } = globalThis; // web globals the lint config does not declare

const { values } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '64,256' },
    rounds: { type: 'string', default: '2' },
    'latency-ms': { type: 'string', default: '200' },
    'seconds-64': { type: 'string', default: '20' },
    'seconds-256': { type: 'string', default: '8' },
    rows: { type: 'string', default: '3000' },
    'pool-epoch': { type: 'string' },
    'cpu-prof': { type: 'string' },
    'node-flags': { type: 'string', default: '' },
    peers: { type: 'string', default: 'openai,openai-http-fetch,http' },
    'no-write': { type: 'boolean', default: false },
    multi: { type: 'boolean', default: false },
    endpoints: { type: 'string', default: '3' },
    'per-endpoint': { type: 'string', default: '32' },
    'multi-seconds': { type: 'string', default: '10' },
    // Internal: run as a peer client (see runPeer).
    peer: { type: 'string' },
    bodies: { type: 'string' },
    url: { type: 'string' },
    requests: { type: 'string' },
  },
});
if (values.peer !== undefined) {
  await runPeer(values.peer, values.bodies, values.url, Number(values.concurrency), Number(values.requests));
  process.exit(0);
}
const positive = (name) => {
  const value = Number(values[name]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number, got ${values[name]}`);
  return value;
};
const rounds = positive('rounds');
const latencyMs = positive('latency-ms');
const fixtureRows = positive('rows');
const poolEpoch = values['pool-epoch'] === undefined ? null : positive('pool-epoch');
const concurrencies = values.concurrency.split(',').map((text) => {
  const n = Number(text.trim());
  if (!Number.isInteger(n) || n < 1) throw new Error(`--concurrency takes positive integers, got ${text}`);
  return n;
});
const idealSeconds = (n) => (n === 64 ? positive('seconds-64') : n === 256 ? positive('seconds-256') : 10);

const root = new URL('..', import.meta.url).pathname;
const cli = join(root, 'bin', 'tidepool.js');
const benchScript = new URL(import.meta.url).pathname;
requireGnuTime();
if (!existsSync(join(root, 'dist', 'devkit', 'llm-sim', 'server.js'))) throw new Error('dist/ missing: run `npm run build` first');
const { startLlmServer } = await import(join(root, 'dist', 'devkit', 'llm-sim', 'server.js'));
const { scriptedModel } = await import(join(root, 'dist', 'devkit', 'llm-sim', 'scripted-model.js'));
const { writeCoreset } = await import(join(root, 'dist', 'store', 'coreset.js'));

// ---------------------------------------------------------------------------------------------------
// Peers: replay recorded request bodies with `concurrency` in flight; print a JSON line.

/** A minimal fetch over node:http with a keep-alive agent (bodies buffered), for the openai client. */
async function nodeHttpFetch() {
  const http = await import('node:http');
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  return (input, init = {}) =>
    new Promise((resolve, reject) => {
      const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
      const headers = {};
      new Headers(init.headers).forEach((value, key) => (headers[key] = value));
      const request = http.request({ agent, host: url.hostname, port: url.port, path: url.pathname + url.search, method: init.method ?? 'GET', headers, signal: init.signal ?? undefined }, (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const out = new Headers();
          for (const [key, value] of Object.entries(response.headers)) if (value !== undefined) out.set(key, Array.isArray(value) ? value.join(', ') : value);
          resolve(new Response(Buffer.concat(chunks), { status: response.statusCode, headers: out }));
        });
      });
      request.on('error', reject);
      request.end(init.body);
    });
}

async function runPeer(kind, bodiesPath, baseURL, concurrency, requests) {
  const bodies = JSON.parse(readFileSync(bodiesPath, 'utf8'));
  let send;
  if (kind === 'openai' || kind === 'openai-http-fetch') {
    const { default: OpenAI } = await import('openai');
    // As src/generate/llm.ts builds it: retries, a timeout and a whole-request deadline signal per call.
    const client = new OpenAI({ baseURL, apiKey: 'x', maxRetries: 4, timeout: 120_000, ...(kind === 'openai' ? {} : { fetch: await nodeHttpFetch() }) });
    send = (body) => client.chat.completions.create(body, { signal: AbortSignal.timeout(181_000) });
  } else if (kind === 'http') {
    const http = await import('node:http');
    const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
    const url = new URL(`${baseURL}/chat/completions`);
    send = (body) =>
      new Promise((resolve, reject) => {
        const text = JSON.stringify(body);
        const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), authorization: 'Bearer x' };
        const request = http.request({ agent, host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers }, (response) => {
          const chunks = [];
          response.on('data', (chunk) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
        });
        request.on('error', reject);
        request.end(text);
      });
  } else {
    throw new Error(`unknown peer ${kind}: choose from openai, openai-http-fetch, http`);
  }
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  let next = 0;
  const worker = async () => {
    while (next < requests) await send(bodies[next++ % bodies.length]);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  process.stdout.write(`${JSON.stringify({ peer: kind, paidRequests: requests, seconds, cpuSeconds, requestsPerSecond: requests / seconds })}\n`);
}

// ---------------------------------------------------------------------------------------------------
// Fixture: short, realistic functions in five languages, each row a little different.

const VERBS = ['parse', 'merge', 'filter', 'count', 'normalize', 'group', 'scale', 'find', 'index', 'flatten'];
const NOUNS = ['records', 'tokens', 'lines', 'values', 'users', 'events', 'paths', 'scores', 'orders', 'rows'];
const camel = (verb, noun) => verb + noun[0].toUpperCase() + noun.slice(1);
const SNIPPETS = {
  python: (verb, noun, i) => [
    `def ${verb}_${noun}(${noun}, limit=${(i % 9) + 1}):`,
    `    """${verb.charAt(0).toUpperCase() + verb.slice(1)} the ${noun}, keeping at most limit per key."""`,
    '    seen = {}',
    '    result = []',
    `    for item in ${noun}:`,
    '        key = str(item).strip().lower()',
    '        seen[key] = seen.get(key, 0) + 1',
    '        if seen[key] <= limit:',
    '            result.append(item)',
    '    return result',
  ],
  javascript: (verb, noun, i) => [
    `function ${camel(verb, noun)}(${noun}, threshold = ${i % 13}) {`,
    '  const out = [];',
    `  for (const entry of ${noun}) {`,
    '    if (entry == null) continue;',
    '    const size = typeof entry === "string" ? entry.length : Number(entry);',
    '    if (size > threshold) out.push(entry);',
    '  }',
    '  return out.sort((a, b) => String(a).localeCompare(String(b)));',
    '}',
  ],
  go: (verb, noun, i) => [
    `func ${camel(verb, noun)}(${noun} []int) (int, error) {`,
    `\tif len(${noun}) == 0 {`,
    `\t\treturn 0, errors.New("no ${noun}")`,
    '\t}',
    '\ttotal := 0',
    `\tfor _, v := range ${noun} {`,
    `\t\tif v%${(i % 5) + 2} == 0 {`,
    '\t\t\ttotal += v',
    '\t\t}',
    '\t}',
    '\treturn total, nil',
    '}',
  ],
  java: (verb, noun, i) => [
    `public static List<String> ${camel(verb, noun)}(List<String> ${noun}) {`,
    '    List<String> result = new ArrayList<>();',
    `    for (String item : ${noun}) {`,
    `        if (item != null && item.length() > ${i % 7}) {`,
    '            result.add(item.trim());',
    '        }',
    '    }',
    '    Collections.sort(result);',
    '    return result;',
    '}',
  ],
  rust: (verb, noun, i) => [
    `pub fn ${verb}_${noun}(${noun}: &[i64]) -> Option<i64> {`,
    `    let mut best: Option<i64> = None;`,
    `    for &v in ${noun}.iter() {`,
    `        if v > ${i % 11} && best.map_or(true, |b| v > b) {`,
    '            best = Some(v);',
    '        }',
    '    }',
    '    best',
    '}',
  ],
};
const LANGUAGES = Object.keys(SNIPPETS);

/** pairs.arrow + coreset.arrow with `count` rows (row ids 1000 + i, coreset in row order). */
async function writeFixture(dir, count) {
  const rows = Array.from({ length: count }, (_, i) => {
    const language = LANGUAGES[i % LANGUAGES.length];
    const verb = VERBS[Math.floor(i / LANGUAGES.length) % VERBS.length];
    const noun = NOUNS[Math.floor(i / (LANGUAGES.length * VERBS.length)) % NOUNS.length];
    return { rowId: 1000 + i, language, docstring: `${verb} ${noun} (variant ${i}).`, code: `${SNIPPETS[language](verb, noun, i).join('\n')}\n` };
  });
  const data = join(dir, 'ingest');
  const coreset = join(dir, 'select');
  mkdirSync(data, { recursive: true });
  mkdirSync(coreset, { recursive: true });
  const table = tableFromArrays({
    row_id: BigInt64Array.from(rows.map((row) => BigInt(row.rowId))),
    language: rows.map((row) => row.language),
    docstring: rows.map((row) => row.docstring),
    code: rows.map((row) => row.code),
  });
  writeFileSync(join(data, 'pairs.arrow'), tableToIPC(table, 'file'));
  const ids = rows.map((row) => row.rowId);
  await writeCoreset(join(coreset, 'coreset.arrow'), ids, ids.map((_, rank) => 1 / (rank + 1)));
  return { data, coreset, meanCodeChars: rows.reduce((sum, row) => sum + row.code.length, 0) / count };
}

// ---------------------------------------------------------------------------------------------------
// One run: a fresh in-process server, `tidepool generate` as a child under GNU time.

const SAMPLE_MS = 20;

/**
 * Loaded into the child with --import: samples the child's event-loop utilisation (the share of time
 * its main thread is busy) every 250 ms and prints the series on stderr at exit.
 */
const ELU_PROBE = `import { writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
const samples = [];
let last = performance.eventLoopUtilization();
setInterval(() => {
  const now = performance.eventLoopUtilization();
  samples.push([performance.timeOrigin + performance.now(), performance.eventLoopUtilization(now, last).utilization]);
  last = now;
}, 250).unref();
process.on('exit', () => writeSync(2, '\\n__ELU__ ' + JSON.stringify(samples) + '\\n'));
`;

/** Busy and total jiffies of the whole machine (all cores), from /proc/stat; null off Linux. */
function machineTicks() {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = fields.slice(0, 8).reduce((a, b) => a + b, 0); // user..steal (guest is inside user)
    const idle = fields[3] + fields[4];
    return { busy: total - idle, total, steal: fields[7] ?? 0 };
  } catch {
    return null;
  }
}

/** Runs the child to completion without blocking this process's event loop (the server lives here). */
function runChild(args, env = process.env) {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', '__TIME__ %e %M %U %S', process.execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const match = /__TIME__ ([\d.]+) (\d+) ([\d.]+) ([\d.]+)/.exec(stderr);
      if (code !== 0 || !match) return reject(new Error(`tidepool ${args.slice(1, 2).join(' ')} failed (exit ${code}):\n${stderr.slice(-3000)}`));
      const elu = /__ELU__ (.*)/.exec(stderr);
      resolve({ stdout, stderr, elu: elu === null ? [] : JSON.parse(elu[1]), wallSeconds: Number(match[1]), peakRssMiB: Math.round(Number(match[2]) / 1024), cpuSeconds: Number(match[3]) + Number(match[4]) });
    });
  });
}

/** The rate of arrivals between the `from` and `to` fractions of them (sorted ms timestamps). */
function rateBetween(arrivals, from, to) {
  const a = Math.floor(from * (arrivals.length - 1));
  const b = Math.floor(to * (arrivals.length - 1));
  return (b - a) / ((arrivals[b] - arrivals[a]) / 1000);
}

/**
 * One measured run against a fresh in-process server: `peer` null runs `tidepool generate` on the
 * first `limit` coreset rows, else the peer client replays `peerRequests` recorded bodies.
 */
async function runOnce({ concurrency, limit, fixture, work, label, peer = null, peerRequests = 0, latency = latencyMs, record = false }) {
  const server = await startLlmServer({ respond: scriptedModel({ latencyMs: latency }), recordRequests: record });
  const inner = server.respond;
  const arrivals = [];
  server.respond = (request, context) => {
    arrivals.push(context.arrivedAt);
    return inner(request, context);
  };
  // Samples of (time, completed, in flight) for the in-flight profile and the last response.
  const samples = [];
  const sampler = setInterval(() => {
    const { total, inFlight } = server.stats;
    samples.push([performance.now(), total - inFlight, inFlight]);
  }, SAMPLE_MS);
  const out = join(work, `out-${label}`);
  rmSync(out, { recursive: true, force: true });
  const nodeFlags = [
    '--import', pathToFileURL(join(work, 'elu-probe.mjs')).href,
    ...values['node-flags'].split(' ').filter(Boolean),
    ...(values['cpu-prof'] === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', values['cpu-prof'], '--cpu-prof-name', `generate-${label}.cpuprofile`]),
  ];
  const args = peer !== null
    ? [...nodeFlags, benchScript, '--peer', peer, '--bodies', join(work, 'bodies.json'), '--url', server.baseURL, '--concurrency', String(concurrency), '--requests', String(peerRequests)]
    : [
    ...nodeFlags, cli, 'generate', '--data', fixture.data, '--coreset', fixture.coreset, '--out', out,
    '--model', 'scripted', '--base-url', server.baseURL, '--api-key', 'x', '--concurrency', String(concurrency),
    // --no-execute: this measures the request path; execution checks (on by default where the sandbox
    // works) would add a sandboxed run per sample (bench/exec.mjs measures those).
    '--limit', String(limit), ...(poolEpoch === null ? [] : ['--pool-epoch', String(poolEpoch)]), '--no-execute', '--json', '-q',
  ];
  const benchCpuStart = process.cpuUsage();
  const ticksStart = machineTicks();
  const started = performance.now();
  let child;
  try {
    child = await runChild(args);
  } finally {
    clearInterval(sampler);
  }
  const benchCpu = process.cpuUsage(benchCpuStart);
  const ticksEnd = machineTicks();
  const wall = (performance.now() - started) / 1000;
  const { total, maxInFlight } = server.stats;
  if (record) writeFileSync(join(work, 'bodies.json'), JSON.stringify(server.requests.map((request) => request.body)));
  const errors = server.errors.length;
  await server.close();
  rmSync(out, { recursive: true, force: true });
  const summary = JSON.parse(child.stdout.trimEnd().split('\n').at(-1));
  if (errors > 0) throw new Error(`the scripted server's respond() threw ${errors} time(s)`);
  if (summary.paidRequests !== total) process.stderr.write(`  note: generate counted ${summary.paidRequests} paid requests, the server ${total}\n`);

  arrivals.sort((x, y) => x - y);
  const firstArrival = arrivals[0];
  const lastArrival = arrivals.at(-1);
  // The last response: the first sample where every request has completed.
  const lastResponse = samples.find(([, completed]) => completed >= total)?.[0] ?? performance.now();
  const wholeRate = total / ((lastResponse - firstArrival) / 1000);
  const steadyRate = rateBetween(arrivals, 0.1, 0.9);
  const steadyFrom = arrivals[Math.floor(0.1 * (total - 1))];
  const steadyTo = arrivals[Math.floor(0.9 * (total - 1))];
  const steadySamples = samples.filter(([t]) => t >= steadyFrom && t <= steadyTo);
  const meanInFlight = steadySamples.reduce((sum, [, , inFlight]) => sum + inFlight, 0) / Math.max(1, steadySamples.length);
  const fullShare = steadySamples.filter(([, , inFlight]) => inFlight >= concurrency).length / Math.max(1, steadySamples.length);
  const target = concurrency / (latencyMs / 1000);
  // The child's main thread: share of the steady window it was busy (event-loop utilisation).
  const absolute = (t) => performance.timeOrigin + t;
  const steadyElu = child.elu.filter(([t]) => t >= absolute(steadyFrom) && t <= absolute(steadyTo));
  const eluSteady = steadyElu.length === 0 ? null : steadyElu.reduce((sum, [, u]) => sum + u, 0) / steadyElu.length;
  // Machine-wide CPU over the run, and what of it was neither the child nor this process (other load).
  const benchCpuSeconds = (benchCpu.user + benchCpu.system) / 1e6;
  const machine = ticksStart === null || ticksEnd === null ? null : (() => {
    const busyShare = (ticksEnd.busy - ticksStart.busy) / (ticksEnd.total - ticksStart.total);
    const busyCores = busyShare * cpus().length;
    return { busyCores, otherCores: Math.max(0, busyCores - (child.cpuSeconds + benchCpuSeconds) / wall), stealShare: (ticksEnd.steal - ticksStart.steal) / (ticksEnd.total - ticksStart.total) };
  })();
  return {
    contender: peer === null ? 'tidepool generate' : `peer: ${peer}`,
    concurrency,
    limit,
    requests: total,
    units: summary.units ?? null,
    accepted: summary.accepted ?? null,
    rejected: summary.rejected ?? null,
    failed: summary.failed ?? null,
    targetRequestsPerSecond: target,
    steadyRequestsPerSecond: steadyRate,
    wholeRequestsPerSecond: wholeRate,
    steadyRatio: steadyRate / target,
    wholeRatio: wholeRate / target,
    maxInFlight,
    meanInFlightSteady: meanInFlight,
    fullInFlightShareSteady: fullShare,
    // Little's law: the mean time a request occupies a slot; latencyMs when the tool adds nothing.
    effectiveLatencyMs: (meanInFlight / steadyRate) * 1000,
    // The time between two calls of one slot that is not the server's: the slot idles in the tool.
    slotGapMsSteady: (concurrency / steadyRate) * 1000 - latencyMs,
    serverSeconds: (lastResponse - firstArrival) / 1000,
    rampUpSeconds: (firstArrival - started) / 1000,
    lastArrivalToExitSeconds: (performance.now() - lastArrival) / 1000,
    mainThreadBusySteady: eluSteady,
    machine,
    tool: {
      seconds: summary.seconds,
      cpuSeconds: summary.cpuSeconds,
      paidRequests: summary.paidRequests,
      requestsPerSecond: summary.requestsPerSecond,
      cpuMsPer1000Requests: (summary.cpuSeconds / summary.paidRequests) * 1e6,
      processWallSeconds: child.wallSeconds,
      processCpuSeconds: child.cpuSeconds,
      processCpuMsPer1000Requests: (child.cpuSeconds / summary.paidRequests) * 1e6,
      peakRssMiB: child.peakRssMiB,
    },
    server: {
      cpuSeconds: benchCpuSeconds,
      cpuMsPer1000Requests: (benchCpuSeconds / total) * 1e6,
    },
  };
}

// ---------------------------------------------------------------------------------------------------

const peers = values.peers.split(',').map((name) => name.trim()).filter(Boolean);
for (const peer of peers) if (!['openai', 'openai-http-fetch', 'http'].includes(peer)) throw new Error(`unknown peer ${peer}: choose from openai, openai-http-fetch, http`);

const fmt = (x, digits = 0) => (x === null || x === undefined ? '—' : x.toFixed(digits));
function describeRun(run) {
  const busy = run.mainThreadBusySteady === null ? '' : `, main thread busy ${fmt(100 * run.mainThreadBusySteady)}%`;
  const other = run.machine === null ? '' : `, other load ${fmt(run.machine.otherCores, 2)} cores`;
  return `${run.requests} requests, steady ${fmt(run.steadyRequestsPerSecond)} req/s (${fmt(100 * run.steadyRatio, 1)}% of ${run.targetRequestsPerSecond}), ` +
    `whole ${fmt(run.wholeRequestsPerSecond)} req/s, max in flight ${run.maxInFlight}, mean in flight ${fmt(run.meanInFlightSteady, 1)}${busy}, ` +
    `CPU ${fmt(run.tool.cpuMsPer1000Requests)} ms/1k req (process ${fmt(run.tool.processCpuMsPer1000Requests)}), server CPU ${fmt(run.server.cpuMsPer1000Requests)} ms/1k req${other}`;
}

if (values.multi) {
  const multiWork = mkdtempSync(join(tmpdir(), 'tidepool-bench-generate-multi-'));
  try {
    const fixture = await writeFixture(multiWork, fixtureRows);
    await runMultiEndpointBench({
      cli, root, startLlmServer, scriptedModel, fixture, runChild, rateBetween, machine: describeMachine(), latencyMs, work: multiWork,
      perEndpoint: positive('per-endpoint'), endpoints: positive('endpoints'), seconds: positive('multi-seconds'), rounds, write: !values['no-write'],
    });
  } finally {
    rmSync(multiWork, { recursive: true, force: true });
  }
  process.exit(0);
}

const work = mkdtempSync(join(tmpdir(), 'tidepool-bench-generate-'));
try {
  writeFileSync(join(work, 'elu-probe.mjs'), ELU_PROBE);
  const fixtureStarted = performance.now();
  const fixture = await writeFixture(work, fixtureRows);
  process.stderr.write(`fixture: ${fixtureRows} rows in ${((performance.now() - fixtureStarted) / 1000).toFixed(1)} s -> ${work}\n`);

  // Calibration: requests per row of this fixture, and the request bodies the peers replay.
  const calibrationRows = Math.min(fixtureRows, 200);
  const calibration = await runOnce({ concurrency: 64, limit: calibrationRows, fixture, work, label: 'calibration', latency: 0, record: true });
  const requestsPerRow = calibration.requests / calibrationRows;
  process.stderr.write(`calibration: ${calibration.requests} requests for ${calibrationRows} rows (${requestsPerRow.toFixed(2)} per row, ${(calibration.units / calibrationRows).toFixed(1)} units per row)\n`);

  const plans = concurrencies.map((concurrency) => {
    const wanted = Math.ceil((idealSeconds(concurrency) * concurrency) / (latencyMs / 1000) / requestsPerRow);
    if (wanted > fixtureRows) throw new Error(`concurrency ${concurrency} needs ${wanted} rows for ${idealSeconds(concurrency)} s: raise --rows`);
    return { concurrency, limit: wanted, requests: Math.round(wanted * requestsPerRow), contenders: ['tidepool generate', ...peers.map((peer) => `peer: ${peer}`)], runs: new Map() };
  });
  for (let round = 1; round <= rounds; round++) {
    for (const plan of plans) {
      for (const contender of plan.contenders) {
        const peer = contender.startsWith('peer: ') ? contender.slice('peer: '.length) : null;
        process.stderr.write(`round ${round}: c=${plan.concurrency}: ${peer === null ? `tidepool generate --limit ${plan.limit}` : `peer ${peer}`} ... `);
        const run = await runOnce({ concurrency: plan.concurrency, limit: plan.limit, fixture, work, label: `c${plan.concurrency}-${peer ?? 'tidepool'}-r${round}`, peer, peerRequests: plan.requests });
        if (!plan.runs.has(contender)) plan.runs.set(contender, []);
        plan.runs.get(contender).push(run);
        process.stderr.write(`${describeRun(run)}\n`);
      }
    }
  }

  const table = plans.flatMap(({ concurrency, limit, contenders, runs }) =>
    contenders.map((contender) => {
      const best = runs.get(contender).reduce((a, b) => (b.steadyRequestsPerSecond > a.steadyRequestsPerSecond ? b : a));
      return {
        concurrency,
        contender,
        limit: contender === 'tidepool generate' ? limit : null,
        requests: best.requests,
        targetRequestsPerSecond: best.targetRequestsPerSecond,
        steadyRequestsPerSecond: best.steadyRequestsPerSecond,
        wholeRequestsPerSecond: best.wholeRequestsPerSecond,
        steadyRatio: best.steadyRatio,
        wholeRatio: best.wholeRatio,
        withinTenPercent: best.steadyRatio >= 0.9,
        maxInFlight: best.maxInFlight,
        meanInFlightSteady: best.meanInFlightSteady,
        effectiveLatencyMs: best.effectiveLatencyMs,
        mainThreadBusySteady: best.mainThreadBusySteady,
        cpuMsPer1000Requests: best.tool.cpuMsPer1000Requests,
        processCpuMsPer1000Requests: best.tool.processCpuMsPer1000Requests,
        serverCpuMsPer1000Requests: best.server.cpuMsPer1000Requests,
        otherLoadCores: best.machine?.otherCores ?? null,
        peakRssMiB: best.tool.peakRssMiB,
      };
    }),
  );

  const result = {
    benchmark: 'generate',
    date: new Date().toISOString(),
    machine: describeMachine(),
    openai: JSON.parse(readFileSync(join(root, 'node_modules', 'openai', 'package.json'), 'utf8')).version,
    latencyMs,
    rounds,
    poolEpoch,
    nodeFlags: values['node-flags'] || null,
    fixture: { rows: fixtureRows, languages: LANGUAGES, meanCodeChars: Math.round(fixture.meanCodeChars) },
    calibration: { rows: calibrationRows, requests: calibration.requests, units: calibration.units, requestsPerRow, latencyMs: 0, tidepool: calibration.tool },
    table,
    runs: plans.map(({ concurrency, limit, runs }) => ({ concurrency, limit, runs: Object.fromEntries(runs) })),
  };

  const count = (x) => Math.round(x).toLocaleString('en-US');
  const m = result.machine;
  const maxOther = Math.max(0, ...table.map((t) => t.otherLoadCores ?? 0));
  const md = [
    `# Generate benchmark`,
    ``,
    `${result.date.slice(0, 10)} on ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}; openai ${result.openai}.`,
    `\`tidepool generate --mode codeocean\` (4 tasks per row; generator, then discriminator, one request at a time per unit) as a child process against the scripted OpenAI-compatible server (\`src/devkit/llm-sim\`, every reply after ${latencyMs} ms) running in the bench process; fresh --out per run (no response cache)${poolEpoch === null ? '' : `; --pool-epoch ${poolEpoch}`}${result.nodeFlags === null ? '' : `; node ${result.nodeFlags}`}.`,
    `Fixture: ${count(fixtureRows)} generated functions in ${LANGUAGES.join(', ')} (${Math.round(fixture.meanCodeChars)} characters on average), ${requestsPerRow.toFixed(2)} requests per row; rows are limited so that a run takes ${concurrencies.map((n) => `${idealSeconds(n)} s at c=${n}`).join(', ')} at the target rate.`,
    `Peers replay the very request bodies tidepool sent (recorded in a calibration run) with the same number in flight against the same server: ${peers.length === 0 ? 'none' : peers.map((peer) => ({ openai: '`openai` = the bare openai client as tidepool calls it (Node\'s built-in fetch)', 'openai-http-fetch': '`openai-http-fetch` = the same client given a minimal node:http keep-alive `fetch`', http: '`http` = node:http with a keep-alive agent, the floor of this machine and server' })[peer]).join('; ')}.`,
    `Target: concurrency / ${latencyMs} ms. "steady" counts requests arriving at the server between the 10% and 90% of a run's requests; "whole" is all requests over first request to last response. Best of ${rounds} rounds by steady rate (every round is in generate.json).`,
    `"main thread busy" is the child's event-loop utilisation over the steady window (100% = its JavaScript thread never waits). CPU ms per 1,000 requests: the child's own process CPU from the start of its work (generate's \`cpuSeconds\`; the peers' loop), all threads; the server's (this process) is shown for context. Client and server share the ${m.cores} cores.`,
    ``,
    `| concurrency | contender | requests | target req/s | steady req/s | whole req/s | steady / target | max in flight | mean in flight (steady) | main thread busy | CPU ms / 1,000 req | server CPU ms / 1,000 req |`,
    `| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |`,
    ...table.map((t) => `| ${t.concurrency} | ${t.contender} | ${count(t.requests)} | ${count(t.targetRequestsPerSecond)} | ${count(t.steadyRequestsPerSecond)} | ${count(t.wholeRequestsPerSecond)} | ${(100 * t.steadyRatio).toFixed(1)}%${t.withinTenPercent ? '' : ' (below 90%)'} | ${t.maxInFlight} | ${t.meanInFlightSteady.toFixed(1)} | ${t.mainThreadBusySteady === null ? '—' : `${(100 * t.mainThreadBusySteady).toFixed(0)}%`} | ${count(t.cpuMsPer1000Requests)} | ${count(t.serverCpuMsPer1000Requests)} |`),
    ``,
    `Every round's steady / target (the machine's speed drifts between rounds; the peers show how much): ${plans.map(({ concurrency, contenders, runs }) => `c=${concurrency}: ${contenders.map((contender) => `${contender} ${runs.get(contender).map((run) => `${(100 * run.steadyRatio).toFixed(1)}%`).join(', ')}`).join('; ')}`).join('. ')}.`,
    ``,
    maxOther >= 0.2 ? `Other processes used up to ${maxOther.toFixed(2)} cores during a best run (machine-wide /proc/stat less the client and server): rates may be understated.` : `Other processes used at most ${maxOther.toFixed(2)} cores during the best runs (machine-wide /proc/stat less the client and server).`,
  ];
  const text = `${md.join('\n').trimEnd()}\n`;
  if (!values['no-write']) {
    const resultsDir = join(root, 'bench', 'results');
    mkdirSync(resultsDir, { recursive: true });
    // The multi-endpoint section (written by --multi) stays.
    const previousJson = join(resultsDir, 'generate.json');
    const previousMd = join(resultsDir, 'generate.md');
    const kept = existsSync(previousJson) ? JSON.parse(readFileSync(previousJson, 'utf8')).multiEndpoint : undefined;
    const keptMd = existsSync(previousMd) ? readFileSync(previousMd, 'utf8') : '';
    const section = keptMd.includes(`\n${MULTI_HEADING}`) ? keptMd.slice(withoutMultiSection(keptMd).length) : '';
    writeFileSync(previousJson, `${JSON.stringify(kept === undefined ? result : { ...result, multiEndpoint: kept }, null, 2)}\n`);
    writeFileSync(previousMd, `${text}${section}`);
  }
  process.stdout.write(text);
} finally {
  rmSync(work, { recursive: true, force: true });
}
