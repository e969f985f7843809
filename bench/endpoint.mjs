#!/usr/bin/env node
// Endpoint benchmark (issue 16 item 4): rows/s of `tidepool embed --endpoint` against local
// /v1/embeddings stand-ins (src/devkit/embed-sim, each in its own child process) answering after a
// fixed latency, for a grid of endpoints x concurrency, next to the ideal
// endpoints x concurrency x batch / latency (what the servers could deliver if the tool cost nothing).
// The target: at least 90% of ideal ("the tool must not be the bottleneck"). Beside it, in the
// same run, the ceiling: a bare node:http client loop (bench/lib/endpoint-ceiling.mjs) against the same servers, which
// on a small loaded machine is below the ideal because the servers share its cores.
// Usage: node bench/endpoint.mjs [--seconds 8] [--latency 100] [--dim 384] [--batch 32]
//          [--endpoints 1,2] [--concurrency 4,16]
//   --seconds: ideal seconds of embedding per configuration (rows = ideal rows/s x seconds, in whole
//   1024-row steps); the default keeps the whole run under ~3 minutes.
// Writes bench/results/endpoint.json and bench/results/endpoint.md.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { describeMachine } from './lib/machine.mjs';
import { lastJson, measure, requireGnuTime } from './lib/run.mjs';

const { values } = parseArgs({ options: {
  seconds: { type: 'string', default: '8' }, latency: { type: 'string', default: '100' }, dim: { type: 'string', default: '384' },
  batch: { type: 'string', default: '32' }, endpoints: { type: 'string', default: '1,2' }, concurrency: { type: 'string', default: '4,16' },
} });
const positive = (name, text = values[name]) => {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number, got ${text}`);
  return value;
};
const list = (name) => values[name].split(',').map((item) => positive(name, item));
const seconds = positive('seconds');
const latencyMs = positive('latency');
const dim = positive('dim');
const batch = positive('batch');
const endpointCounts = list('endpoints');
const concurrencies = list('concurrency');

const root = new URL('..', import.meta.url).pathname;
const cli = join(root, 'bin', 'tidepool.js');
const dist = join(root, 'dist');
const work = join(root, 'bench', 'out', 'endpoint');
const STEP = 1024;
const SEED = 7;
mkdirSync(work, { recursive: true });
requireGnuTime();
if (!existsSync(join(dist, 'cli', 'main.js'))) throw new Error('dist/ missing: run `npm run build` first');

/** Ingested sample pairs of `rows` rows (made once, kept in bench/out). */
function ensureData(rows) {
  const data = join(work, `data-${rows}`);
  if (existsSync(join(data, 'pairs.arrow'))) return data;
  const sample = join(work, `sample-${rows}.jsonl`);
  measure(process.execPath, [cli, 'sample', '--rows', String(rows), '--seed', String(SEED), '--duplicate-rate', '0', '--near-duplicate-rate', '0', '--out', sample, '-q']);
  rmSync(data, { recursive: true, force: true });
  measure(process.execPath, [cli, 'ingest', sample, '--out', data, '-q']);
  rmSync(sample, { force: true });
  return data;
}

/** Starts one embed-sim child; resolves with its URL and a way to ask its counters and stop it. */
function startServer() {
  const child = spawn(process.execPath, [join(root, 'bench', 'lib', 'embed-sim-child.mjs'), dist, String(latencyMs), String(dim), 'sim-embed'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const next = () => new Promise((resolve, reject) => {
    lines.once('line', (line) => resolve(JSON.parse(line)));
    child.once('exit', (code) => reject(new Error(`embed-sim child exited (${code})`)));
  });
  return next().then(({ baseURL }) => ({
    baseURL,
    stats: () => {
      child.stdin.write('stats\n');
      return next();
    },
    stop: () => new Promise((resolve) => {
      child.once('exit', resolve);
      child.stdin.end();
    }),
  }));
}

const loadBefore = loadavg()[0];
const results = [];
for (const endpoints of endpointCounts) {
  for (const concurrency of concurrencies) {
    const ideal = (endpoints * concurrency * batch) / (latencyMs / 1000);
    const rows = Math.max(1, Math.round((ideal * seconds) / STEP)) * STEP;
    const data = ensureData(rows);
    const servers = await Promise.all(Array.from({ length: endpoints }, startServer));
    const out = join(work, `embed-${endpoints}x${concurrency}`);
    rmSync(out, { recursive: true, force: true });
    try {
      const run = measure(process.execPath, [cli, 'embed', '--data', data, '--model', 'sim-embed', '--endpoint', servers.map((server) => server.baseURL).join(','),
        '--concurrency', String(concurrency), '--endpoint-batch', String(batch), '--out', out, '--json', '-q']);
      const summary = lastJson(run.stdout);
      const stats = await Promise.all(servers.map((server) => server.stats()));
      const requests = stats.reduce((sum, s) => sum + s.total, 0);
      const wallRate = rows / run.seconds;
      const innerRate = summary.rowsPerSecond;
      // The ceiling, on the same servers, with texts as long as the tool's (embed-sim counts ceil(chars / 4) tokens).
      const chars = Math.round((summary.tokens * 4) / rows);
      const ceiling = lastJson(measure(process.execPath, [join(root, 'bench', 'lib', 'endpoint-ceiling.mjs'), servers.map((server) => server.baseURL).join(','), String(rows), String(concurrency), String(batch), String(chars), 'sim-embed']).stdout);
      results.push({
        endpoints, concurrency, batch, latencyMs, dim, rows, idealRowsPerSecond: ideal,
        wallSeconds: run.seconds, wallRowsPerSecond: wallRate, wallShareOfIdeal: wallRate / ideal,
        embedSeconds: rows / innerRate, innerRowsPerSecond: innerRate, innerShareOfIdeal: innerRate / ideal,
        ceilingRowsPerSecond: ceiling.rowsPerSecond, ceilingShareOfIdeal: ceiling.rowsPerSecond / ideal, innerShareOfCeiling: innerRate / ceiling.rowsPerSecond, wallShareOfCeiling: wallRate / ceiling.rowsPerSecond,
        toolCpuSeconds: run.cpuSeconds, ceilingCpuSeconds: ceiling.cpuSeconds,
        requests, maxInFlightPerServer: stats.map((s) => s.maxInFlight), peakRssMiB: run.peakRssMiB,
      });
      const last = results.at(-1);
      process.stderr.write(`${endpoints} endpoint(s) x ${concurrency}: ${rows} rows, ${Math.round(wallRate)} rows/s wall (${(last.wallShareOfIdeal * 100).toFixed(1)}%), ${Math.round(innerRate)} rows/s embedding (${(last.innerShareOfIdeal * 100).toFixed(1)}%) of ideal ${Math.round(ideal)}; bare client ${Math.round(ceiling.rowsPerSecond)} rows/s (tidepool ${(last.innerShareOfCeiling * 100).toFixed(1)}% of it); CPU s: tidepool ${run.cpuSeconds.toFixed(2)}, bare client ${ceiling.cpuSeconds.toFixed(2)}\n`);
    } finally {
      await Promise.all(servers.map((server) => server.stop()));
      rmSync(out, { recursive: true, force: true });
    }
  }
}
const machine = { ...describeMachine(), loadAverage1m: { before: loadBefore, after: loadavg()[0] } };
const json = { benchmark: 'endpoint', date: new Date().toISOString(), machine, settings: { seconds, latencyMs, dim, batch }, results };
writeFileSync(join(root, 'bench', 'results', 'endpoint.json'), `${JSON.stringify(json, null, 2)}\n`);

const pct = (share) => `${(share * 100).toFixed(1)}%`;
const int = (value) => Math.round(value).toLocaleString('en-US');
const md = [
  '# Endpoint benchmark',
  '',
  `${json.date.slice(0, 10)} on ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}; 1-minute load average ${machine.loadAverage1m.before.toFixed(1)} before, ${machine.loadAverage1m.after.toFixed(1)} after.`,
  `Servers: src/devkit/embed-sim, one child process each (its own event loop), answering every request after a fixed ${latencyMs} ms with ${dim}-dim vectors (\`encoding_format: base64\`, what tidepool asks for; float when a server refuses it).`,
  `Tool: \`tidepool embed --endpoint URL[,URL] --concurrency C --endpoint-batch ${batch}\` over ingested \`tidepool sample\` pairs (seed ${SEED}); rows = ideal rows/s x ${seconds} s, in whole ${STEP}-row steps; embed's own window for servers (16,384 rows).`,
  `Ideal = endpoints x concurrency x batch / latency. "wall" is process start to exit (start-up, the probe request and writing embeddings.arrow included); "embedding" is tidepool's own rows/s (the windows' summed time, start-up and the final file left out). Target: >= 90% of ideal. "bare client" is the ceiling on this machine: a keep-alive node:http loop with nothing else (bench/lib/endpoint-ceiling.mjs, own process, same servers, rows, concurrency and batch, base64 vectors); where it is below the ideal, the servers' CPU on the shared cores is the limit, not the client.`,
  '',
  '| endpoints | concurrency | batch | rows | ideal rows/s | wall s | wall rows/s | wall % of ideal | embedding rows/s | embedding % of ideal | bare client rows/s | bare client % of ideal | embedding % of bare client | requests | peak RSS MiB |',
  '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...results.map((r) => `| ${r.endpoints} | ${r.concurrency} | ${r.batch} | ${int(r.rows)} | ${int(r.idealRowsPerSecond)} | ${r.wallSeconds.toFixed(2)} | ${int(r.wallRowsPerSecond)} | ${pct(r.wallShareOfIdeal)} | ${int(r.innerRowsPerSecond)} | ${pct(r.innerShareOfIdeal)} | ${int(r.ceilingRowsPerSecond)} | ${pct(r.ceilingShareOfIdeal)} | ${pct(r.innerShareOfCeiling)} | ${int(r.requests)} | ${r.peakRssMiB} |`),
  '',
];
writeFileSync(join(root, 'bench', 'results', 'endpoint.md'), md.join('\n'));
process.stdout.write(md.join('\n'));
