#!/usr/bin/env node
// One embed-sim server (src/devkit/embed-sim) in its own process, so that the benchmarked tool and the
// server never share an event loop. Prints `{"baseURL": ...}` once listening; on a `stats` line from
// stdin prints the server's request counters; exits when stdin closes.
// Usage: node bench/lib/embed-sim-child.mjs DIST_DIR LATENCY_MS DIM MODEL
import { createInterface } from 'node:readline';
import { join } from 'node:path';

const [dist, latency, dim, model] = process.argv.slice(2);
const { startEmbedServer } = await import(join(dist, 'devkit', 'embed-sim', 'index.js'));
const server = await startEmbedServer({ latencyMs: Number(latency), dim: Number(dim), model, recordRequests: false });
process.stdout.write(`${JSON.stringify({ baseURL: server.baseURL })}\n`);
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line.trim() === 'stats') process.stdout.write(`${JSON.stringify(server.stats)}\n`);
});
lines.on('close', () => {
  void server.close().then(() => process.exit(0));
});
