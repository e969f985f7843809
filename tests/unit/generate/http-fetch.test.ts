import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keepAliveFetch } from '../../../src/generate/http-fetch.js';

let server: Server;
let base: string;
const fetcher = keepAliveFetch();

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (req.url === '/echo') {
        res.writeHead(201, { 'content-type': 'application/json', 'x-multi': ['a', 'b'] });
        res.end(JSON.stringify({ method: req.method, body, auth: req.headers.authorization ?? null }));
      } else if (req.url === '/cut') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
        res.write('{"half": ');
        setTimeout(() => res.destroy(), 10);
      } else if (req.url === '/hang') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{');
      } else {
        res.writeHead(204);
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  fetcher.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('keepAliveFetch', () => {
  it('sends method, headers and body and returns status, headers and the whole body', async () => {
    const response = await fetcher(`${base}/echo`, { method: 'POST', headers: { authorization: 'Bearer k', 'content-type': 'application/json' }, body: '{"x":1}' });
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('x-multi')).toBe('a, b');
    expect(await response.json()).toEqual({ method: 'POST', body: '{"x":1}', auth: 'Bearer k' });
  });

  it('a 204 has no body', async () => {
    const response = await fetcher(`${base}/empty`);
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
  });

  it('an answer cut off mid-body rejects (the client then retries it as a connection error)', async () => {
    await expect(fetcher(`${base}/cut`, { method: 'POST', body: '' })).rejects.toThrow(/terminated|socket hang up|aborted/);
  });

  it('an abort while the body is still coming rejects with an AbortError', async () => {
    const controller = new AbortController();
    setTimeout(() => {
      controller.abort();
    }, 30);
    await expect(fetcher(`${base}/hang`, { method: 'POST', body: '', signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('refuses an already-aborted signal without sending', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(fetcher(`${base}/echo`, { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });
});
