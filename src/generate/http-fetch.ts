/**
 * A `fetch` for the `openai` client built on node:http(s) with keep-alive agents. At hundreds of
 * requests in flight the built-in fetch (undici streams) costs more CPU per request than the rest of
 * `generate` together; this one reads each answer into one Buffer and hands the client a finished
 * Response, so the client's own timeout also covers the body (a server that stops mid-answer is a
 * timeout the client retries, not a hang). With `maxBodyBytes` it stops reading an answer at that
 * size: a server sending hundreds of megabytes, or an endless chunked body, costs no more memory
 * than the limit, and the answer reads as an {@link AnswerTooLargeError} (not retried by the client).
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** Where a URL points, as node:http request options. */
interface Target {
  protocol: 'http:' | 'https:';
  hostname: string;
  port: string;
  path: string;
  auth?: string;
}

/** The subset of `fetch` the openai client uses. */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Options of {@link keepAliveFetch}. */
export interface KeepAliveFetchOptions {
  /** Most bytes of one answer's body that are read; a longer answer fails to read. @default no limit */
  maxBodyBytes?: number | undefined;
}

/**
 * Why an answer's body could not be read: it was longer than the limit. Reading was stopped there and
 * the connection dropped, so `received` is at most a chunk past `limit` (or the declared length).
 */
export class AnswerTooLargeError extends Error {
  override readonly name = 'AnswerTooLargeError';
  constructor(
    /** The limit in bytes. */
    readonly limit: number,
    /** Bytes seen (or announced by Content-Length) when reading stopped. */
    readonly received: number,
    /** The server announced the size up front (Content-Length). */
    readonly declared: boolean,
  ) {
    super(`the answer is larger than the ${limit}-byte limit (${declared ? `Content-Length ${received}` : `reading stopped after ${received} bytes`})`);
  }
}

/** A fetch with its own keep-alive connection pools (one per protocol). */
export function keepAliveFetch(options: KeepAliveFetchOptions = {}): FetchLike & { destroy(): void } {
  const limit = options.maxBodyBytes ?? Infinity;
  const agents = { 'http:': new HttpAgent({ keepAlive: true, maxSockets: Infinity }), 'https:': new HttpsAgent({ keepAlive: true, maxSockets: Infinity }) };
  const fetchImpl = (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const target = targetOf(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const signal = init.signal ?? undefined;
    return new Promise<Response>((resolve, reject) => {
      if (signal?.aborted === true) {
        reject(abortError(signal));
        return;
      }
      const request = send({ ...target, method: init.method ?? 'GET', headers: headersOf(init.headers), agent: agents[target.protocol] }, (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let received = 0;
        const declared = Number(response.headers['content-length']);
        if (declared > limit) {
          tooLarge(response, declared, true);
          return;
        }
        response.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received > limit) {
            chunks.length = 0;
            tooLarge(response, received, false);
          }
          else chunks.push(chunk);
        });
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
          const body = status === 204 || status === 304 ? EMPTY : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
          resolve(new BufferedResponse(body, { status, statusText: response.statusMessage ?? '', headers: headersFrom(response) }) as unknown as Response);
        });
      });
      function fail(error: Error): void {
        signal?.removeEventListener('abort', onAbort);
        reject(error);
      }
      /** Stops reading (the rest of the answer is not worth its bytes) and answers with a body that fails to read. */
      function tooLarge(response: IncomingMessage, seen: number, announced: boolean): void {
        response.removeAllListeners('data');
        response.removeAllListeners('end');
        response.on('error', () => {});
        request.removeAllListeners('error');
        request.on('error', () => {});
        request.destroy();
        signal?.removeEventListener('abort', onAbort);
        const error = new AnswerTooLargeError(limit, seen, announced);
        resolve(new BufferedResponse(error, { status: response.statusCode ?? 0, statusText: response.statusMessage ?? '', headers: headersFrom(response) }) as unknown as Response);
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
  // The client asks for the same few URLs over and over: parse each once.
  const targets = new Map<string, Target>();
  const targetOf = (href: string): Target => {
    let target = targets.get(href);
    if (target === undefined) {
      const url = new URL(href);
      target = { protocol: url.protocol === 'https:' ? 'https:' : 'http:', hostname: url.hostname.replace(/^\[|\]$/g, ''), port: url.port, path: `${url.pathname}${url.search}` };
      if (url.username !== '' || url.password !== '') target.auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
      if (targets.size >= 64) targets.clear();
      targets.set(href, target);
    }
    return target;
  };
  return Object.assign(fetchImpl, {
    destroy: () => {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  });
}

const EMPTY = Buffer.alloc(0);

function headersFrom(response: IncomingMessage): Headers {
  const headers = new Headers();
  const raw = response.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  return headers;
}

/**
 * A Response whose body is already in memory. A plain `new Response(buffer)` wraps the bytes in a web
 * stream that `json()` then reads back chunk by chunk: at hundreds of answers a second that costs more
 * than parsing them. This one keeps the Buffer and answers `text()`/`json()`/`arrayBuffer()` from it;
 * `body` makes the stream only when somebody asks for it. A body can be read once, as with fetch.
 * Built with an Error instead of bytes, every read rejects with it (an answer over the size limit).
 */
class BufferedResponse extends (Response as unknown as new (body: null, init: ResponseInit) => Pick<Response, 'status' | 'statusText' | 'headers'>) {
  readonly #bytes: Buffer | Error;
  #used = false;
  #stream: ReadableStream<Uint8Array> | null | undefined;

  constructor(bytes: Buffer | Error, init: ResponseInit) {
    super(null, init);
    this.#bytes = bytes;
  }

  get body(): ReadableStream<Uint8Array> | null {
    if (this.#stream === undefined) {
      if (this.#bytes instanceof Error) {
        const error = this.#bytes;
        this.#used = true;
        this.#stream = new ReadableStream({ start: (controller) => {
          controller.error(error);
        } });
      } else {
        const bytes = this.#take('body');
        this.#stream = bytes === null ? null : new Blob([bytes]).stream();
      }
    }
    return this.#stream;
  }

  get bodyUsed(): boolean {
    return this.#used;
  }

  text(): Promise<string> {
    return this.#read((bytes) => bytes.toString('utf8'));
  }

  json(): Promise<unknown> {
    return this.#read((bytes) => JSON.parse(bytes.toString('utf8')) as unknown);
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    return this.#read((bytes) => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  }

  bytes(): Promise<Uint8Array<ArrayBuffer>> {
    return this.#read((bytes) => new Uint8Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer));
  }

  blob(): Promise<Blob> {
    return this.#read((bytes) => new Blob([bytes], { type: this.headers.get('content-type') ?? '' }));
  }

  clone(): Response {
    if (this.#used) throw new TypeError('Response.clone: the body has already been read');
    if (this.#bytes instanceof Error) return new BufferedResponse(this.#bytes, { status: this.status, statusText: this.statusText, headers: this.headers }) as unknown as Response;
    return new BufferedResponse(this.#bytes, { status: this.status, statusText: this.statusText, headers: this.headers }) as unknown as Response;
  }

  #take(what: string): Buffer | null {
    if (this.#used) throw new TypeError(`Response.${what}: the body has already been read`);
    this.#used = true;
    if (this.#bytes instanceof Error) throw this.#bytes;
    return this.#bytes.length === 0 && (this.status === 204 || this.status === 304) ? null : this.#bytes;
  }

  #read<T>(convert: (bytes: Buffer) => T): Promise<T> {
    // A throw in the executor (a body already read, bad JSON) rejects the promise, as fetch's readers do.
    return new Promise<T>((resolve) => {
      if (this.#stream !== undefined) throw new TypeError('Response: the body is being read as a stream');
      resolve(convert(this.#take('read') ?? EMPTY));
    });
  }
}

function headersOf(headers: RequestInit['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers === undefined) return out;
  // The openai client passes a Headers; anything else (a record, pairs) goes through one.
  (headers instanceof Headers ? headers : new Headers(headers)).forEach((value, name) => {
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
