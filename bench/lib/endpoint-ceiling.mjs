#!/usr/bin/env node
// The ceiling of the endpoint benchmark: the least a client can do against the same servers on the same
// machine (one keep-alive `http.request` per batch, JSON.stringify of the texts, JSON.parse of the answer,
// base64 decode; no Arrow, no journal, no windows), in its own process, for the same rows, concurrency and
// batch. node:http, not fetch: it is the cheapest client Node has (fetch's web streams cost about twice
// its CPU here), and tidepool's own client uses it, so a ceiling on fetch was no ceiling.
// On a loaded 2-core machine the servers' own CPU keeps this below the ideal
// endpoints x concurrency x batch / latency; tidepool's rate over this one is its own cost.
// Usage: node bench/lib/endpoint-ceiling.mjs URLS ROWS CONCURRENCY BATCH TEXT_CHARS MODEL
// Prints {"rows", "seconds", "rowsPerSecond", "cpuSeconds"} as one JSON line.
import { Agent, request } from 'node:http';

const [urls, rowsText, concurrencyText, batchText, charsText, model] = process.argv.slice(2);
const rows = Number(rowsText);
const batch = Number(batchText);
const text = (i) => `def f${i}(x):\n    return x * ${i}\n`.padEnd(Number(charsText), ' y');
const agent = new Agent({ keepAlive: true });

/** One POST; resolves with the status and the body's bytes. */
function post(url, body) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.once('error', reject);
      response.once('end', () => resolve({ status: response.statusCode, bytes: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks) }));
    });
    req.once('error', reject);
    req.end(body, 'utf8');
  });
}

let sent = 0;
const started = performance.now();
const cpuBefore = process.cpuUsage();
await Promise.all(urls.split(',').flatMap((base) => Array.from({ length: Number(concurrencyText) }, async () => {
  const url = new URL(`${base}/embeddings`);
  while (sent < rows) {
    const count = Math.min(batch, rows - sent);
    const inputs = Array.from({ length: count }, (_, j) => text(sent + j));
    sent += count;
    const { status, bytes } = await post(url, JSON.stringify({ model, input: inputs, encoding_format: 'base64' }));
    const body = JSON.parse(bytes.toString('utf8'));
    if (status < 200 || status >= 300) throw new Error(`${status}: ${JSON.stringify(body)}`);
    for (const item of body.data) void new Float32Array(Buffer.from(item.embedding, 'base64').buffer);
  }
})));
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
agent.destroy();
process.stdout.write(`${JSON.stringify({ rows, seconds, rowsPerSecond: rows / seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 })}\n`);
