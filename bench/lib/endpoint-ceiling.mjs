#!/usr/bin/env node
// The ceiling of the endpoint benchmark: the least a client can do against the same servers on the same
// machine (fetch, JSON.parse, base64 decode; no Arrow, no journal, no windows), in its own process, for
// the same rows, concurrency and batch. On a loaded 2-core machine the servers' own CPU keeps this below
// the ideal endpoints x concurrency x batch / latency; tidepool's rate over this one is its own cost.
// Usage: node bench/lib/endpoint-ceiling.mjs URLS ROWS CONCURRENCY BATCH TEXT_CHARS MODEL
// Prints {"rows", "seconds", "rowsPerSecond"} as one JSON line.
/* global fetch -- Node 20's own fetch, as tidepool's client uses */
const [urls, rowsText, concurrencyText, batchText, charsText, model] = process.argv.slice(2);
const rows = Number(rowsText);
const batch = Number(batchText);
const text = (i) => `def f${i}(x):\n    return x * ${i}\n`.padEnd(Number(charsText), ' y');
let sent = 0;
const started = performance.now();
await Promise.all(urls.split(',').flatMap((base) => Array.from({ length: Number(concurrencyText) }, async () => {
  while (sent < rows) {
    const count = Math.min(batch, rows - sent);
    const inputs = Array.from({ length: count }, (_, j) => text(sent + j));
    sent += count;
    const response = await fetch(`${base}/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model, input: inputs, encoding_format: 'base64' }) });
    const body = JSON.parse(await response.text());
    if (!response.ok) throw new Error(`${response.status}: ${JSON.stringify(body)}`);
    for (const item of body.data) void new Float32Array(Buffer.from(item.embedding, 'base64').buffer);
  }
})));
const seconds = (performance.now() - started) / 1000;
process.stdout.write(`${JSON.stringify({ rows, seconds, rowsPerSecond: rows / seconds })}\n`);
