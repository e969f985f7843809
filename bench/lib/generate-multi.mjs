// The multi-endpoint workload of bench/generate.mjs (`--multi`): `tidepool generate` against N scripted
// servers (every reply after --latency-ms) with --concurrency C on each, next to the single-endpoint path
// against one server with --concurrency N x C, in the same run. Target for both: N x C / latency.
// Measures the steady request rate (arrivals at all servers between the 10% and 90% of a run's
// requests), the client's CPU per request (generate's own process.cpuUsage, `cpuSeconds` of --json), and
// the per-endpoint report generate writes (requests, errors, latency p50/p95, times taken out).
// Writes the section "Several endpoints" into bench/results/generate.{json,md}, keeping the rest.
import { readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { clearInterval, setInterval } from 'node:timers';

/** Marks where the section starts in generate.md. */
export const MULTI_HEADING = '## Several endpoints';

/**
 * Runs the workload; returns the JSON section (and writes it unless `write` is false).
 * @param deps what generate.mjs already has: cli path, server, model, fixture writer, child runner, rate helper, machine
 */
export async function runMultiEndpointBench(deps) {
  const { cli, root, startLlmServer, scriptedModel, fixture, runChild, rateBetween, machine, latencyMs, perEndpoint, endpoints, seconds, rounds, work, write } = deps;
  const total = perEndpoint * endpoints;
  const target = total / (latencyMs / 1000);

  // Requests per row of this fixture, from a quick run without latency.
  const calibration = await runOnce({ servers: 1, concurrency: 64, limit: 100, latency: 0, label: 'multi-calibration' });
  const requestsPerRow = calibration.requests / 100;
  const limit = Math.ceil((seconds * target) / requestsPerRow);
  process.stderr.write(`multi: ${requestsPerRow.toFixed(2)} requests per row; --limit ${limit} for ${seconds} s at ${target} req/s\n`);

  const contenders = [
    { name: `1 endpoint, --concurrency ${total}`, servers: 1, concurrency: total },
    { name: `${endpoints} endpoints, --concurrency ${perEndpoint} each`, servers: endpoints, concurrency: perEndpoint },
  ];
  const runs = new Map(contenders.map((contender) => [contender.name, []]));
  const load = [];
  for (let round = 1; round <= rounds; round++) {
    for (const contender of contenders) {
      load.push(loadavg()[0]);
      process.stderr.write(`multi round ${round}: ${contender.name} ... `);
      const run = await runOnce({ servers: contender.servers, concurrency: contender.concurrency, limit, latency: latencyMs, label: `multi-${contender.servers}-r${round}` });
      runs.get(contender.name).push(run);
      process.stderr.write(`${run.requests} requests, steady ${run.steadyRequestsPerSecond.toFixed(0)} req/s (${(100 * run.steadyRequestsPerSecond / target).toFixed(1)}%), CPU ${run.cpuMsPer1000Requests.toFixed(0)} ms/1k req, max in flight ${run.maxInFlight}\n`);
    }
  }
  load.push(loadavg()[0]);
  const table = contenders.map(({ name }) => {
    const best = runs.get(name).reduce((a, b) => (b.steadyRequestsPerSecond > a.steadyRequestsPerSecond ? b : a));
    return { contender: name, ...best, targetRequestsPerSecond: target, steadyRatio: best.steadyRequestsPerSecond / target, withinTenPercent: best.steadyRequestsPerSecond / target >= 0.9 };
  });
  const section = {
    date: new Date().toISOString(), machine, latencyMs, endpoints, perEndpointConcurrency: perEndpoint, totalConcurrency: total, limit, requestsPerRow, rounds,
    loadAverage1m: { min: Math.min(...load), max: Math.max(...load) },
    table, runs: Object.fromEntries(runs),
  };
  if (write) {
    const jsonPath = join(root, 'bench', 'results', 'generate.json');
    const mdPath = join(root, 'bench', 'results', 'generate.md');
    const json = existsSync(jsonPath) ? JSON.parse(readFileSync(jsonPath, 'utf8')) : { benchmark: 'generate' };
    json.multiEndpoint = section;
    writeFileSync(jsonPath, `${JSON.stringify(json, null, 2)}\n`);
    const md = existsSync(mdPath) ? readFileSync(mdPath, 'utf8') : '# Generate benchmark\n';
    writeFileSync(mdPath, `${withoutMultiSection(md).trimEnd()}\n\n${multiMarkdown(section)}`);
  }
  process.stdout.write(multiMarkdown(section));
  return section;

  /** One child run against `servers` fresh scripted servers in this process. */
  async function runOnce({ servers: count, concurrency, limit: rowLimit, latency, label }) {
    const servers = [];
    for (let i = 0; i < count; i++) servers.push(await startLlmServer({ respond: scriptedModel({ latencyMs: latency }), recordRequests: false }));
    const arrivals = [];
    for (const server of servers) {
      const inner = server.respond;
      server.respond = (request, context) => {
        arrivals.push(context.arrivedAt);
        return inner(request, context);
      };
    }
    let maxInFlight = 0;
    const sampler = setInterval(() => {
      maxInFlight = Math.max(maxInFlight, servers.reduce((sum, server) => sum + server.stats.inFlight, 0));
    }, 20);
    const out = join(work, `out-${label}`);
    rmSync(out, { recursive: true, force: true });
    const args = [cli, 'generate', '--data', fixture.data, '--coreset', fixture.coreset, '--out', out, '--model', 'scripted',
      '--base-url', servers.map((server) => server.baseURL).join(','), '--api-key', 'x', '--concurrency', String(concurrency),
      '--limit', String(rowLimit), '--no-execute', '--json', '-q']; // the request path only, as in bench/generate.mjs
    const benchCpu = process.cpuUsage();
    let child;
    try {
      child = await runChild(args);
    } finally {
      clearInterval(sampler);
    }
    const serverCpu = process.cpuUsage(benchCpu);
    const requests = servers.reduce((sum, server) => sum + server.stats.total, 0);
    const errors = servers.reduce((sum, server) => sum + server.errors.length, 0);
    for (const server of servers) await server.close();
    rmSync(out, { recursive: true, force: true });
    if (errors > 0) throw new Error(`the scripted servers' respond() threw ${errors} time(s)`);
    const summary = JSON.parse(child.stdout.trimEnd().split('\n').at(-1));
    arrivals.sort((a, b) => a - b);
    return {
      requests, units: summary.units, failed: summary.failed, complete: summary.complete,
      steadyRequestsPerSecond: rateBetween(arrivals, 0.1, 0.9),
      maxInFlight,
      cpuSeconds: summary.cpuSeconds,
      cpuMsPer1000Requests: (summary.cpuSeconds / summary.paidRequests) * 1e6,
      processCpuMsPer1000Requests: (child.cpuSeconds / summary.paidRequests) * 1e6,
      serverCpuMsPer1000Requests: (((serverCpu.user + serverCpu.system) / 1e6) / requests) * 1e6,
      peakRssMiB: child.peakRssMiB,
      endpoints: summary.endpoints,
    };
  }
}

/** `md` without an earlier "Several endpoints" section (it is always the last one). */
export function withoutMultiSection(md) {
  const at = md.indexOf(`\n${MULTI_HEADING}`);
  return at === -1 ? md : md.slice(0, at);
}

/** The markdown of the section. */
export function multiMarkdown(section) {
  const m = section.machine;
  const count = (x) => Math.round(x).toLocaleString('en-US');
  const ms = (x) => (x === null || x === undefined ? '—' : `${Math.round(x)}`);
  const lines = [
    MULTI_HEADING,
    '',
    `${section.date.slice(0, 10)} on ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}; load average (1 min) ${section.loadAverage1m.min.toFixed(1)}-${section.loadAverage1m.max.toFixed(1)} during the runs (the machine was shared; the workload is latency-bound).`,
    `\`tidepool generate --mode codeocean --limit ${section.limit}\` as a child process against ${section.endpoints} scripted servers in the bench process (every reply after ${section.latencyMs} ms) with \`--base-url A,B,C --concurrency ${section.perEndpointConcurrency}\`, next to the single-endpoint path against one such server with \`--concurrency ${section.totalConcurrency}\` in the same run. Target for both: ${section.totalConcurrency} / ${section.latencyMs} ms = ${count(section.totalConcurrency / (section.latencyMs / 1000))} req/s. "steady": requests arriving at the servers between the 10% and 90% of a run's requests. CPU ms per 1,000 requests: generate's own \`cpuSeconds\` (process.cpuUsage from the start of its work). Best of ${section.rounds} rounds by steady rate (every round is in generate.json, \`multiEndpoint\`).`,
    '',
    '| contender | requests | target req/s | steady req/s | steady / target | max in flight | CPU ms / 1,000 req | process CPU ms / 1,000 req | server CPU ms / 1,000 req | failed units |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...section.table.map((t) => `| ${t.contender} | ${count(t.requests)} | ${count(t.targetRequestsPerSecond)} | ${count(t.steadyRequestsPerSecond)} | ${(100 * t.steadyRatio).toFixed(1)}%${t.withinTenPercent ? '' : ' (below 90%)'} | ${t.maxInFlight} | ${count(t.cpuMsPer1000Requests)} | ${count(t.processCpuMsPer1000Requests)} | ${count(t.serverCpuMsPer1000Requests)} | ${t.failed} |`),
    '',
    'Per endpoint in the best multi-endpoint run (generate\'s own report, `endpoints` in its --json summary and manifest):',
    '',
    '| endpoint | requests | answered | errors | latency p50 ms | latency p95 ms | taken out |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...(section.table.at(-1).endpoints ?? []).map((e) => `| ${e.url} | ${count(e.requests)} | ${count(e.answered)} | ${e.errors} | ${ms(e.latencyP50Ms)} | ${ms(e.latencyP95Ms)} | ${e.takenOut} |`),
    '',
    ...(section.loadAverage1m.max > m.cores
      ? [`The load average was above the ${m.cores} cores throughout: every contender got a small share of the CPU, so these rates measure the machine's load, not the tool (a quiet machine is needed for the 90% target); the single-endpoint and multi-endpoint paths ran under the same load and compare with each other.`, '']
      : []),
    `Every round's steady / target: ${section.table.map((t) => `${t.contender}: ${section.runs[t.contender].map((run) => `${(100 * run.steadyRequestsPerSecond / t.targetRequestsPerSecond).toFixed(1)}%`).join(', ')}`).join('; ')}.`,
  ];
  return `${lines.join('\n')}\n`;
}
