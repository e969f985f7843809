/** The doctor's endpoint check against real servers on 127.0.0.1: a timeout stays short, a wrong path says so. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmbedServer, type EmbedServer } from '../../../src/devkit/embed-sim/index.js';
import { checkEndpoint, modelsURL } from '../../../src/doctor/endpoints.js';

const servers: EmbedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

describe('doctor endpoint check', () => {
  it('finds /v1/models from each form of base URL embed takes', () => {
    expect(modelsURL('http://h:8080')).toBe('http://h:8080/v1/models');
    expect(modelsURL('http://h:8000/v1/')).toBe('http://h:8000/v1/models');
    expect(modelsURL('http://h:8000/v1/embeddings')).toBe('http://h:8000/v1/models');
  });

  it('gives up on a slow server after the time limit and says so', async () => {
    const slow = await startEmbedServer({ latencyMs: 5000 });
    servers.push(slow);
    const started = performance.now();
    const fact = await checkEndpoint(slow.baseURL, { urls: [slow.baseURL], model: 'sim-embed', timeoutMs: 300 });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(fact.models.ok).toBe(true);
    expect(fact.probe).toEqual({ model: 'sim-embed', ok: false, failure: { kind: 'timeout', message: expect.stringMatching(/^no answer within 0\.3 s/) as string } });
  });

  it('a base URL with the wrong path gets a 404 that says what the URL should look like', async () => {
    const sim = await startEmbedServer();
    servers.push(sim);
    const wrong = sim.baseURL.replace(/\/v1$/, '/api');
    const fact = await checkEndpoint(wrong, { urls: [wrong], model: 'sim-embed', timeoutMs: 2000 });
    expect(fact.models).toMatchObject({ ok: false, failure: { kind: 'not-found', status: 404 } });
    expect(fact.probe).toMatchObject({ ok: false, failure: { kind: 'not-found', message: expect.stringContaining('or end in /v1') as string } });
  });

  it('a server that does not answer at all within the limit is a timeout, not a hang', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/v1`;
      const fact = await checkEndpoint(url, { urls: [url], model: 'm', timeoutMs: 200 });
      expect(fact.models).toMatchObject({ ok: false, failure: { kind: 'timeout' } });
      // No second wait on a server that did not answer the first request.
      expect(fact.probe).toMatchObject({ ok: false, failure: { kind: 'timeout' } });
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
