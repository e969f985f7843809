/**
 * An OpenAI-compatible embedding server on 127.0.0.1 (POST /v1/embeddings, GET /v1/models) with a fixed
 * latency, TEI's batch limit (413 above `maxBatch`) and scripted faults: the stand-in for tests of remote
 * embedding and for the endpoint benchmark. Vectors come from {@link simVector}, so a test knows what was
 * answered without asking the server; `requests` logs which inputs each request carried.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createHash } from 'node:crypto';
import { simTokens, simVector } from './vectors.js';

/** A fault the server answers instead of the vectors. */
export type EmbedFault =
  /** 429 with `Retry-After` (seconds, sent verbatim) when given. */
  | { kind: 'rate-limit'; retryAfter?: number | string }
  | { kind: 'server-error'; status?: number }
  /** Destroys the socket before any response byte. */
  | { kind: 'reset' }
  /** A 200 whose vectors have one dimension too many. */
  | { kind: 'wrong-dim' }
  /** A 200 with one vector fewer than inputs. */
  | { kind: 'wrong-count' };

/**
 * When a fault happens: on the listed request indexes (0-based arrival order), on a share of requests,
 * or on every request with an input containing a string (a poisoned row, whichever process sends it).
 */
export interface FaultRule {
  fault: EmbedFault;
  /** Request indexes that get the fault. */
  on?: readonly number[];
  /** Every request with an input that contains this gets the fault. */
  containing?: string;
  /** Share of requests in [0, 1] that get it, chosen by a hash of the request index (reproducible). */
  rate?: number;
}

/** One logged embeddings request. */
export interface EmbedRequestLog {
  index: number;
  inputs: string[];
  /** The status answered, or `reset` for a dropped connection. */
  status: number | 'reset';
  authorization: string | undefined;
}

/** How {@link startEmbedServer} behaves. */
export interface EmbedServerOptions {
  /** @default 16 */
  dim?: number;
  /** The model id the server reports and lists. @default 'sim-embed' */
  model?: string;
  /** Milliseconds from a request's arrival to its answer (vectors, wrong-dim/count and resets alike), the server's own work included. @default 0 */
  latencyMs?: number;
  /** Inputs per request above which the server answers 413 with TEI's body. @default unlimited */
  maxBatch?: number;
  /** Seed of the vectors ({@link simVector}). @default 0 */
  seed?: number;
  faults?: readonly FaultRule[];
  /** When set, requests without `Authorization: Bearer <key>` get 401 (embeddings and the model list). */
  requireApiKey?: string;
  /** Keep `requests`; false for long benchmarks. @default true */
  recordRequests?: boolean;
  /** @default 0 (a free port) */
  port?: number;
}

/** A running server. */
export interface EmbedServer {
  /** e.g. `http://127.0.0.1:PORT/v1`. */
  baseURL: string;
  requests: EmbedRequestLog[];
  stats: { total: number; inFlight: number; maxInFlight: number };
  close(): Promise<void>;
}

/** TEI's answer above `--max-client-batch-size`. */
function teiBatchError(size: number, max: number): string {
  return JSON.stringify({ error: `batch size ${size} > maximum allowed batch size ${max}`, error_type: 'Validation' });
}

function faultFor(rules: readonly FaultRule[], index: number, seed: number, inputs: readonly string[]): EmbedFault | undefined {
  for (const rule of rules) {
    if (rule.on?.includes(index) === true) return rule.fault;
    const needle = rule.containing;
    if (needle !== undefined && inputs.some((input) => input.includes(needle))) return rule.fault;
    if (rule.rate !== undefined) {
      const draw = createHash('sha256').update(`${seed}:${index}:${rules.indexOf(rule)}`).digest().readUInt32LE(0) / 2 ** 32;
      if (draw < rule.rate) return rule.fault;
    }
  }
  return undefined;
}

/** The `input` field as a list of strings, or undefined when it is not one. */
function inputsOf(body: unknown): string[] | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const input = (body as { input?: unknown }).input;
  if (typeof input === 'string') return [input];
  return Array.isArray(input) && input.every((item) => typeof item === 'string') ? input : undefined;
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

/** Starts the server on 127.0.0.1. */
export async function startEmbedServer(options: EmbedServerOptions = {}): Promise<EmbedServer> {
  const dim = options.dim ?? 16;
  const model = options.model ?? 'sim-embed';
  const seed = options.seed ?? 0;
  const record = options.recordRequests ?? true;
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let arrivals = 0;
  const wait = (ms: number): Promise<void> => new Promise((resolve) => {
    if (ms <= 0) {
      resolve();
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      resolve();
    }, ms);
    timers.add(timer);
  });

  function answerVectors(inputs: string[], format: unknown, fault: EmbedFault | undefined): string {
    const served = fault?.kind === 'wrong-count' ? inputs.slice(1) : inputs;
    const width = fault?.kind === 'wrong-dim' ? dim + 1 : dim;
    const tokens = inputs.reduce((sum, text) => sum + simTokens(text), 0);
    if (format === 'base64') {
      // The same bytes as JSON.stringify of the objects below, written out (base64 needs no escaping):
      // the objects and their stringify were most of this server's CPU once simVector was fast.
      const items = served.map((text, index) => {
        const vector = simVector(text, width, seed);
        return `{"object":"embedding","index":${index},"embedding":"${Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64')}"}`;
      });
      return `{"object":"list","data":[${items.join(',')}],"model":${JSON.stringify(model)},"usage":{"prompt_tokens":${tokens},"total_tokens":${tokens}}}`;
    }
    const data = served.map((text, index) => ({ object: 'embedding', index, embedding: Array.from(simVector(text, width, seed)) }));
    return JSON.stringify({ object: 'list', data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } });
  }

  async function embeddings(req: IncomingMessage, res: ServerResponse, text: string, arrived: number): Promise<void> {
    const index = arrivals++;
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const inputs = inputsOf(body);
    const log: EmbedRequestLog = { index, inputs: inputs ?? [], status: 200, authorization: req.headers.authorization };
    if (record) server.requests.push(log);
    if (options.requireApiKey !== undefined && req.headers.authorization !== `Bearer ${options.requireApiKey}`) {
      log.status = 401;
      send(res, 401, JSON.stringify({ error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', code: 'invalid_api_key' } }));
      return;
    }
    if (inputs === undefined || inputs.length === 0) {
      log.status = 422;
      send(res, 422, JSON.stringify({ error: 'Input validation error: `input` cannot be empty', error_type: 'Validation' }));
      return;
    }
    if (options.maxBatch !== undefined && inputs.length > options.maxBatch) {
      log.status = 413;
      send(res, 413, teiBatchError(inputs.length, options.maxBatch));
      return;
    }
    const fault = faultFor(options.faults ?? [], index, seed, inputs);
    if (fault?.kind === 'rate-limit') {
      log.status = 429;
      send(res, 429, JSON.stringify({ error: { message: 'Rate limit reached (simulated).', type: 'requests', code: 'rate_limit_exceeded' } }), fault.retryAfter === undefined ? {} : { 'retry-after': String(fault.retryAfter) });
      return;
    }
    if (fault?.kind === 'server-error') {
      log.status = fault.status ?? 500;
      send(res, log.status, JSON.stringify({ error: { message: 'Simulated server error.', type: 'server_error' } }));
      return;
    }
    // The answer leaves `latencyMs` after the request arrived: the server's own work (reading the body,
    // computing vectors) is inside that time, as a real server's fixed latency would be.
    const answer = fault?.kind === 'reset' ? '' : answerVectors(inputs, (body as { encoding_format?: unknown }).encoding_format, fault);
    await wait((options.latencyMs ?? 0) - (performance.now() - arrived));
    if (fault?.kind === 'reset') {
      log.status = 'reset';
      req.socket.destroy();
      return;
    }
    send(res, 200, answer);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrived = performance.now();
    const path = (req.url ?? '').split('?')[0] ?? '';
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method === 'POST' && path === '/v1/embeddings') {
      server.stats.total++;
      server.stats.maxInFlight = Math.max(server.stats.maxInFlight, ++server.stats.inFlight);
      res.once('close', () => server.stats.inFlight--);
      await embeddings(req, res, Buffer.concat(chunks).toString('utf8'), arrived);
      return;
    }
    if (req.method === 'GET' && path === '/v1/models') {
      // OpenAI and vLLM (--api-key) want the key on every /v1 route, the model list included.
      if (options.requireApiKey !== undefined && req.headers.authorization !== `Bearer ${options.requireApiKey}`) {
        send(res, 401, JSON.stringify({ error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', code: 'invalid_api_key' } }));
        return;
      }
      send(res, 200, JSON.stringify({ object: 'list', data: [{ id: model, object: 'model', created: 1_700_000_000, owned_by: 'tidepool-test' }] }));
      return;
    }
    send(res, 404, JSON.stringify({ error: { message: `Unknown route ${req.method ?? ''} ${path}.`, type: 'invalid_request_error' } }));
  }

  const http = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, JSON.stringify({ error: { message: String(error), type: 'server_error' } }));
    });
  });
  http.on('connection', (socket) => sockets.add(socket.once('close', () => sockets.delete(socket))));
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, '127.0.0.1', 1024, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const { port } = http.address() as AddressInfo;
  const server: EmbedServer = {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests: [],
    stats: { total: 0, inFlight: 0, maxInFlight: 0 },
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => {
        http.close(resolve);
        http.closeAllConnections();
      });
    },
  };
  return server;
}
