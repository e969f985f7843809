import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnswerTooLargeError, keepAliveFetch } from '../../../src/generate/http-fetch.js';

let server: Server;
let base: string;
const fetcher = keepAliveFetch();
/** Bytes the big answers below put on the wire before the client dropped them (`/big`, `/endless`). */
const offered = { big: 0, endless: 0, endlessClosed: false };

/** Writes `block` until `total` bytes are out (Infinity: until the client goes), honouring backpressure. */
function pour(res: ServerResponse, total: number, counter: 'big' | 'endless'): void {
  const block = Buffer.alloc(1 << 16, 'x');
  const more = (): void => {
    while (!res.destroyed && offered[counter] < total) {
      offered[counter] += block.length;
      if (!res.write(block)) {
        res.once('drain', more);
        return;
      }
    }
    if (!res.destroyed) res.end();
  };
  res.on('close', () => {
    if (counter === 'endless') offered.endlessClosed = true;
  });
  more();
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (req.url?.startsWith('/echo') === true) {
        res.writeHead(201, { 'content-type': 'application/json', 'x-multi': ['a', 'b'] });
        res.end(JSON.stringify({ method: req.method, url: req.url, body, auth: req.headers.authorization ?? null }));
      } else if (req.url === '/cut') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
        res.write('{"half": ');
        setTimeout(() => res.destroy(), 10);
      } else if (req.url === '/big') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(20 << 20) });
        pour(res, 20 << 20, 'big');
      } else if (req.url === '/endless') {
        res.writeHead(200, { 'content-type': 'application/json' });
        pour(res, Infinity, 'endless');
      } else if (req.url === '/small') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: 'x'.repeat(500) }));
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
    expect(await response.json()).toEqual({ method: 'POST', url: '/echo', body: '{"x":1}', auth: 'Bearer k' });
  });

  it('keeps the query string, takes URL objects and Headers, and reads a body once', async () => {
    for (const url of [`${base}/echo?a=1&b=x%20y`, new URL(`${base}/echo?a=1&b=x%20y`)]) {
      const response = await fetcher(url, { method: 'POST', headers: new Headers({ authorization: 'Bearer h' }), body: 'q' });
      expect(response).toBeInstanceOf(Response);
      expect(response.ok).toBe(true);
      expect(response.bodyUsed).toBe(false);
      expect(await response.clone().text()).toContain('"url":"/echo?a=1&b=x%20y"');
      expect(await response.json()).toEqual({ method: 'POST', url: '/echo?a=1&b=x%20y', body: 'q', auth: 'Bearer h' });
      expect(response.bodyUsed).toBe(true);
      await expect(response.text()).rejects.toThrow(TypeError);
    }
  });

  it('hands the body out as a stream when asked', async () => {
    const response = await fetcher(`${base}/echo`, { method: 'POST', body: 'stream me' });
    const text = await new Response(response.body).text();
    expect(JSON.parse(text)).toMatchObject({ body: 'stream me' });
    await expect(response.json()).rejects.toThrow(TypeError);
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

  describe('with maxBodyBytes', () => {
    const limited = keepAliveFetch({ maxBodyBytes: 100_000 });
    afterAll(() => {
      limited.destroy();
    });

    it('reads answers within the limit as usual', async () => {
      const response = await limited(`${base}/small`, { method: 'POST', body: '' });
      expect(await response.json()).toEqual({ ok: 'x'.repeat(500) });
    });

    it('does not read an answer whose Content-Length is over the limit: its body rejects with AnswerTooLargeError', async () => {
      const response = await limited(`${base}/big`, { method: 'POST', body: '' });
      expect(response.status).toBe(200);
      const error = await response.json().then(() => undefined, (reason: unknown) => reason);
      expect(error).toBeInstanceOf(AnswerTooLargeError);
      expect(error).toMatchObject({ limit: 100_000, received: 20 << 20, declared: true });
      // The connection was dropped: the server could not pour the whole 20 MB into it.
      expect(offered.big).toBeLessThan(20 << 20);
    });

    it('stops reading an endless chunked answer at the limit and drops the connection', async () => {
      const response = await limited(`${base}/endless`, { method: 'POST', body: '' });
      const error = await response.text().then(() => undefined, (reason: unknown) => reason);
      expect(error).toBeInstanceOf(AnswerTooLargeError);
      const { received } = error as AnswerTooLargeError;
      expect(received).toBeGreaterThan(100_000);
      expect(received).toBeLessThan(100_000 + (1 << 20));
      await expect.poll(() => offered.endlessClosed).toBe(true);
    });
  });
});
