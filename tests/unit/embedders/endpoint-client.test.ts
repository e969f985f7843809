/**
 * The /v1/embeddings client against the local stand-in (src/devkit/embed-sim): vectors equal to what
 * the server computed for every text, TEI's 413 split and remembered, faults retried, wrong answers refused.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmbedServer, simVector, type EmbedServer, type EmbedServerOptions } from '../../../src/devkit/embed-sim/index.js';
import { EndpointClient, type AnsweredBatch, type EndpointSettings } from '../../../src/embedders/endpoint/client.js';

const servers: EmbedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function server(options: EmbedServerOptions = {}): Promise<EmbedServer> {
  const started = await startEmbedServer({ dim: 8, ...options });
  servers.push(started);
  return started;
}

function client(urls: string[], extra: Partial<EndpointSettings> = {}, log?: (line: string) => void): EndpointClient {
  return new EndpointClient({ urls, model: 'sim-embed', concurrency: 2, batchSize: 8, maxRetries: 4, retryBaseMs: 1, timeoutMs: 10_000, ...extra }, { log });
}

const texts = Array.from({ length: 50 }, (_, i) => `def f${i}(x):\n    return x * ${i}`);

/** Runs the client and returns every vector by text index, failing on a row answered twice. */
async function embedAll(target: EndpointClient, dim = 8, rows?: number[]): Promise<{ vectors: (Float32Array | undefined)[]; batches: AnsweredBatch[] }> {
  const vectors: (Float32Array | undefined)[] = new Array<Float32Array | undefined>(texts.length);
  const batches: AnsweredBatch[] = [];
  await target.embed(texts, dim, async (batch) => {
    batches.push(batch);
    batch.indexes.forEach((row, j) => {
      expect(vectors[row]).toBeUndefined();
      vectors[row] = batch.vectors.slice(j * dim, (j + 1) * dim);
    });
    await Promise.resolve();
  }, rows);
  return { vectors, batches };
}

function sentCounts(sims: EmbedServer[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const sim of sims) for (const request of sim.requests) for (const input of request.inputs) counts.set(input, (counts.get(input) ?? 0) + 1);
  return counts;
}

describe('EndpointClient', () => {
  it('embeds every text once, equal to the server computation, over two endpoints', async () => {
    const a = await server();
    const b = await server({ latencyMs: 5 });
    const { vectors } = await embedAll(client([a.baseURL, b.baseURL]));
    texts.forEach((text, i) => { expect(Array.from(vectors[i]!)).toEqual(Array.from(simVector(text, 8))); });
    expect(a.requests.length).toBeGreaterThan(0);
    expect(b.requests.length).toBeGreaterThan(0);
    expect([...sentCounts([a, b]).values()].every((count) => count === 1)).toBe(true);
  });

  it('learns the dimension with a probe', async () => {
    const a = await server({ dim: 12 });
    expect(await client([a.baseURL]).probe()).toBe(12);
  });

  it('splits a batch on 413 and remembers the smaller size for that endpoint only', async () => {
    const small = await server({ maxBatch: 3 });
    const large = await server({ latencyMs: 2 });
    const lines: string[] = [];
    const target = client([small.baseURL, large.baseURL], { concurrency: 1 }, (line) => lines.push(line));
    const { vectors } = await embedAll(target);
    texts.forEach((text, i) => { expect(Array.from(vectors[i]!)).toEqual(Array.from(simVector(text, 8))); });
    expect(target.batchSizes).toEqual([2, 8]);
    const refused = small.requests.filter((request) => request.status === 413);
    // With one slot, the size falls 8 -> 4 -> 2 and stays: after the last 413 none comes again.
    expect(refused.length).toBeLessThanOrEqual(2);
    const lastRefused = Math.max(...refused.map((request) => request.index));
    expect(small.requests.filter((request) => request.index > lastRefused).every((request) => request.status === 200 && request.inputs.length <= 2)).toBe(true);
    expect(large.requests.every((request) => request.status === 200)).toBe(true);
    expect(lines.some((line) => line.includes('413'))).toBe(true);
  });

  it('retries 429 (with Retry-After), 500 and resets, and every text arrives exactly once', async () => {
    const sim = await server({ faults: [{ fault: { kind: 'rate-limit', retryAfter: 0 }, on: [0, 3] }, { fault: { kind: 'server-error' }, on: [1] }, { fault: { kind: 'reset' }, on: [2, 5] }] });
    const { vectors } = await embedAll(client([sim.baseURL]));
    texts.forEach((text, i) => { expect(Array.from(vectors[i]!)).toEqual(Array.from(simVector(text, 8))); });
    expect(sim.requests.filter((request) => request.status !== 200).map((request) => request.status).sort()).toEqual([429, 429, 500, 'reset', 'reset'].sort());
  });

  it('gives up after the retries with an error naming the endpoint and status', async () => {
    const sim = await server({ faults: [{ fault: { kind: 'server-error', status: 503 }, rate: 1 }] });
    await expect(embedAll(client([sim.baseURL], { maxRetries: 2 }))).rejects.toMatchObject({ code: 'E_ENDPOINT_REQUEST', message: expect.stringMatching(/127\.0\.0\.1.*status 503.*3 attempts/s) as unknown });
  });

  it('leaves out an endpoint that stays down (refused connections, or 503 through every retry) while another answers', async () => {
    const up = await server({ latencyMs: 2 });
    const failing = await server({ faults: [{ fault: { kind: 'server-error', status: 503 }, rate: 1 }] });
    const closed = await server();
    const closedURL = closed.baseURL;
    await closed.close();
    servers.splice(servers.indexOf(closed), 1);
    const lines: string[] = [];
    const target = client([closedURL, failing.baseURL, up.baseURL], { maxRetries: 1 }, (line) => lines.push(line));
    expect(await target.probe()).toBe(8);
    const { vectors } = await embedAll(target);
    texts.forEach((text, i) => { expect(Array.from(vectors[i]!)).toEqual(Array.from(simVector(text, 8))); });
    // Every text reached the server that answers exactly once; the failing one answered nothing.
    expect([...sentCounts([up]).values()].every((count) => count === 1)).toBe(true);
    expect(sentCounts([up]).size).toBe(texts.length + 1);
    expect(failing.requests.every((request) => request.status === 503)).toBe(true);
    expect(lines.filter((line) => /gave no answer through 1 retries/.test(line))).toHaveLength(2);
  });

  it('fails when the last endpoint is down too, naming it', async () => {
    const a = await server({ faults: [{ fault: { kind: 'server-error', status: 503 }, rate: 1 }] });
    const b = await server({ faults: [{ fault: { kind: 'server-error', status: 502 }, rate: 1 }] });
    await expect(embedAll(client([a.baseURL, b.baseURL], { maxRetries: 1 }))).rejects.toMatchObject({ code: 'E_ENDPOINT_REQUEST', message: expect.stringMatching(/status 50[23].*2 attempts/s) as unknown });
  });

  it('refuses a wrong dimension and a wrong count without handing the batch on', async () => {
    for (const kind of ['wrong-dim', 'wrong-count'] as const) {
      const sim = await server({ faults: [{ fault: { kind }, on: [0] }] });
      const handed: AnsweredBatch[] = [];
      await expect(client([sim.baseURL], { concurrency: 1 }).embed(texts, 8, async (batch) => {
        handed.push(batch);
        await Promise.resolve();
      })).rejects.toMatchObject({ code: 'E_ENDPOINT_ANSWER', message: expect.stringContaining(sim.baseURL) as unknown });
      expect(handed).toEqual([]);
    }
  });

  it('sends the key as a bearer token and reports a refused key as E_ENDPOINT_AUTH', async () => {
    const sim = await server({ requireApiKey: 'sk-test' });
    await embedAll(client([sim.baseURL], { apiKey: 'sk-test' }), 8, [0, 1, 2]);
    expect(sim.requests.every((request) => request.authorization === 'Bearer sk-test')).toBe(true);
    await expect(embedAll(client([sim.baseURL], { apiKey: 'wrong' }))).rejects.toMatchObject({ code: 'E_ENDPOINT_AUTH' });
  });

  it('keeps at most concurrency requests in flight per endpoint', async () => {
    const sim = await server({ latencyMs: 20 });
    await embedAll(client([sim.baseURL], { concurrency: 3, batchSize: 2 }));
    expect(sim.stats.maxInFlight).toBe(3);
  });

  it('overlapping calls, each started when the one before has sent everything, share the concurrency and answer every row once', async () => {
    const sim = await server({ latencyMs: 20 });
    const target = client([sim.baseURL], { concurrency: 3, batchSize: 2 });
    const windows = [[...texts.keys()].slice(0, 20), [...texts.keys()].slice(20, 36), [...texts.keys()].slice(36)];
    const answered = new Map<number, number>();
    const drainedAt: number[] = [];
    const calls: Promise<void>[] = [];
    const start = (window: number): void => {
      let drained = 0;
      calls.push(target.embed(texts, 8, async (batch) => {
        for (const row of batch.indexes) answered.set(row, (answered.get(row) ?? 0) + 1);
        await Promise.resolve();
      }, windows[window], () => {
        drained++;
        expect(drained).toBe(1);
        drainedAt.push(answered.size);
        if (window + 1 < windows.length) start(window + 1);
      }));
    };
    start(0);
    while (calls.length < windows.length) await Promise.all(calls);
    await Promise.all(calls);
    expect([...answered.keys()].sort((a, b) => a - b)).toEqual([...texts.keys()]);
    expect([...answered.values()].every((count) => count === 1)).toBe(true);
    // Each call drained with some of its last requests unanswered (so the calls overlapped), never over 3 in flight.
    expect(drainedAt[0]).toBeLessThan(20);
    expect(sim.stats.maxInFlight).toBe(3);
  });

  it('asks for base64 vectors, and for floats from a server that refuses base64 (422), with the same vectors', async () => {
    const sim = await server();
    const direct = client([sim.baseURL]);
    expect(await direct.probe()).toBe(8);
    expect(direct.encoding).toBe('base64');
    // A server with OpenAI's interface that knows only floats: 422 for base64, else embed-sim's vectors as numbers.
    const formats: unknown[] = [];
    const floatsOnly: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { input: string[]; encoding_format?: string };
        formats.push(body.encoding_format);
        const answer = body.encoding_format === 'base64'
          ? { status: 422, json: { error: 'encoding_format: unknown variant `base64`, expected `float`' } }
          : { status: 200, json: { data: body.input.map((text, index) => ({ index, embedding: Array.from(simVector(text, 8)) })) } };
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer.json));
      });
    });
    await new Promise<void>((resolve) => floatsOnly.listen(0, '127.0.0.1', resolve));
    try {
      const lines: string[] = [];
      const target = client([`http://127.0.0.1:${(floatsOnly.address() as AddressInfo).port}/v1`], {}, (line) => lines.push(line));
      expect(await target.probe()).toBe(8);
      expect(target.encoding).toBe('float');
      expect(lines.join('\n')).toContain('refused encoding_format base64 (422)');
      const { vectors } = await embedAll(target);
      texts.forEach((text, i) => { expect(Array.from(vectors[i]!)).toEqual(Array.from(simVector(text, 8))); });
      expect(formats.slice(0, 2)).toEqual(['base64', 'float']);
      expect(formats.slice(2).every((format) => format === 'float')).toBe(true);
    } finally {
      floatsOnly.closeAllConnections();
      await new Promise((resolve) => floatsOnly.close(resolve));
    }
  });
});
