/**
 * A `fetch` for the `openai` client built on node:http(s) with keep-alive agents. At hundreds of
 * requests in flight the built-in fetch (undici streams) costs more CPU per request than the rest of
 * `generate` together; this one reads each answer into one Buffer and hands the client a finished
 * Response, so the client's own timeout also covers the body (a server that stops mid-answer is a
 * timeout the client retries, not a hang).
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** The subset of `fetch` the openai client uses. */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** A fetch with its own keep-alive connection pools (one per protocol). */
export function keepAliveFetch(): FetchLike & { destroy(): void } {
  const agents = { 'http:': new HttpAgent({ keepAlive: true, maxSockets: Infinity }), 'https:': new HttpsAgent({ keepAlive: true, maxSockets: Infinity }) };
  const fetchImpl = (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const protocol = url.protocol === 'https:' ? 'https:' : 'http:';
    const send = protocol === 'https:' ? httpsRequest : httpRequest;
    const signal = init.signal ?? undefined;
    return new Promise<Response>((resolve, reject) => {
      if (signal?.aborted === true) {
        reject(abortError(signal));
        return;
      }
      const request = send(url, { method: init.method ?? 'GET', headers: headersOf(init.headers), agent: agents[protocol] }, (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', fail);
        response.on('aborted', () => {
          fail(new TypeError('terminated: the server closed the connection before the whole answer arrived'));
        });
        response.on('end', () => {
          if (!response.complete) {
            fail(new TypeError('terminated: the server closed the connection before the whole answer arrived'));
            return;
          }
          signal?.removeEventListener('abort', onAbort);
          const status = response.statusCode ?? 0;
          const headers = new Headers();
          for (const [name, value] of Object.entries(response.headers)) {
            if (value === undefined) continue;
            for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
          }
          const body = status === 204 || status === 304 ? null : Buffer.concat(chunks);
          resolve(new Response(body, { status, statusText: response.statusMessage ?? '', headers }));
        });
      });
      function fail(error: Error): void {
        signal?.removeEventListener('abort', onAbort);
        reject(error);
      }
      function onAbort(): void {
        request.destroy();
        reject(abortError(signal!));
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      request.on('error', fail);
      const body = init.body;
      if (body === undefined || body === null) request.end();
      else if (typeof body === 'string' || body instanceof Uint8Array) request.end(body);
      else if (body instanceof ArrayBuffer) request.end(Buffer.from(body));
      else {
        request.destroy();
        reject(new TypeError('keepAliveFetch sends string or byte bodies only'));
      }
    });
  };
  return Object.assign(fetchImpl, {
    destroy: () => {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  });
}

function headersOf(headers: RequestInit['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers === undefined) return out;
  new Headers(headers).forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const error = new Error('This operation was aborted');
  error.name = 'AbortError';
  return error;
}
