/**
 * The socket half of the `/v1/embeddings` client: one POST of a JSON body, answered with the status,
 * the Retry-After header and the body's bytes. Node's `http`/`https` modules with a keep-alive agent,
 * not `fetch`: at 2 servers x 16 requests in flight (320 requests/s of ~50 KB each way) fetch's web
 * streams, request clones and abort signals cost tidepool about as much CPU as everything else it does
 * per row (a bare fetch loop used 5.5-6.9 s of CPU for 81,920 rows where the same loop on `http.request`
 * used 3.3-3.6 s, on the same servers; bench/endpoint.mjs), and the client was CPU-bound there.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** One answer: its status, its Retry-After header (null when absent) and its body. */
export interface PostAnswer {
  status: number;
  retryAfter: string | null;
  body: Buffer;
}

/**
 * Sends one POST and resolves with the answer; rejects with the socket's error (its `code`, e.g.
 * `ECONNRESET`, `ECONNREFUSED`, or `ETIMEDOUT` when `timeoutMs` pass without a byte either way).
 */
export type PostJSON = (url: URL, body: string, headers: Readonly<Record<string, string>>, timeoutMs: number) => Promise<PostAnswer>;

/** Reads a response's body into one buffer, sized by its Content-Length when it has one. */
function readBody(response: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(response.headers['content-length']);
    const chunks: Buffer[] = [];
    let length = 0;
    response.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      length += chunk.length;
    });
    response.once('error', reject);
    response.once('end', () => {
      if (chunks.length === 1) resolve(chunks[0]!);
      else resolve(Buffer.concat(chunks, Number.isInteger(declared) && declared === length ? declared : length));
    });
  });
}

/**
 * A {@link PostJSON} over keep-alive connections (one agent for http, one for https, both owned by the
 * caller's client: their idle sockets do not keep the process alive).
 */
export function keepAlivePost(): PostJSON {
  const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };
  return (url, body, headers, timeoutMs) => new Promise((resolve, reject) => {
    const secure = url.protocol === 'https:';
    const send = secure ? httpsRequest : httpRequest;
    const request = send(url, { method: 'POST', agent: secure ? agents.https : agents.http, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (response) => {
      readBody(response).then((bytes) => {
        const retryAfter = response.headers['retry-after'];
        resolve({ status: response.statusCode ?? 0, retryAfter: typeof retryAfter === 'string' ? retryAfter : null, body: bytes });
      }, reject);
    });
    // Idle time without a byte either way, not the whole exchange: a server still sending is still answering.
    request.setTimeout(timeoutMs, () => request.destroy(Object.assign(new Error(`no byte for ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    request.once('error', reject);
    // The string as it is: the socket encodes it to UTF-8 natively, with no Buffer copy on the JS heap.
    request.end(body, 'utf8');
  });
}
