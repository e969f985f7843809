/**
 * A scripted OpenAI-compatible chat server (127.0.0.1 by default) with injected faults: the stand-in
 * LLM for tests, the demo and the generate benchmark. It is not a model: `respond` decides every reply.
 * Built for hundreds of concurrent keep-alive connections; with `recordRequests: false` it keeps no
 * per-request state, so a long benchmark does not grow its memory.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionCreateParams } from 'openai/resources/chat/completions';

/** A chat request body as the server received it. */
export type ChatRequest = ChatCompletionCreateParams;

/** What the server does with one chat request. */
export type Reply =
  | { content: string; finishReason?: 'stop' | 'length' }
  | { refusal: string }
  /** An error status (429, 5xx, ...); `retryAfter` is sent verbatim as Retry-After (seconds or an HTTP date), `retryAfterMs` as retry-after-ms. */
  | { status: number; retryAfter?: number | string; retryAfterMs?: number; body?: unknown; headers?: Record<string, string> }
  /** Never answers: the client's timeout (or close()) ends it. */
  | { hang: true }
  | { delayMs: number; then: Reply }
  /** Sends headers and half the body (JSON or SSE), then destroys the socket, or with `hold` leaves it open. */
  | { truncate: true; content: string; hold?: boolean }
  /** Destroys the socket before any response byte. */
  | { drop: true }
  /** A 200 completion whose content is `bytes` bytes of `x`, streamed in chunks with its Content-Length (an oversized answer). */
  | { oversized: number }
  /** A 200 chunked body that never ends: chunks of `x` until the client drops the connection (or close()). */
  | { endless: true }
  /** A raw JSON body, shape unchecked. @default status 200 */
  | { json: unknown; status?: number };

/** One received chat request. */
export interface RecordedRequest {
  /** 0-based arrival order among chat requests. */
  index: number;
  body: ChatRequest;
  /** `performance.now()` at arrival, in ms. */
  arrivedAt: number;
  /**
   * 1 + the client's `x-stainless-retry-count` header; without it, 1 + earlier recorded requests with an
   * identical body (always 1 when `recordRequests` is false).
   */
  attempt: number;
  /** The Authorization header, if any. */
  authorization: string | undefined;
}

/** Chooses the reply to a chat request. */
export type Respond = (request: ChatRequest, context: RecordedRequest) => Reply | Promise<Reply>;

/** How {@link startLlmServer} behaves. */
export interface LlmServerOptions {
  /** @default () => ({ content: 'ok' }) */
  respond?: Respond;
  /** When set, requests without `Authorization: Bearer <key>` get 401. */
  requireApiKey?: string;
  /** Answer 400 to a `response_format` other than `text`, like servers without structured output. @default false */
  rejectResponseFormat?: boolean;
  /** Ids listed by GET /v1/models; null: no such route (404), as on some servers. @default ['tidepool-test-model'] */
  models?: readonly string[] | null;
  /** Keep every chat request in `server.requests`; false keeps none (for long benchmarks). @default true */
  recordRequests?: boolean;
  /** Port to listen on; 0 picks a free one. @default 0 */
  port?: number;
  /** Address to listen on. @default '127.0.0.1' */
  host?: string;
  /** More routes (the Batch API stand-in of batch-api.ts): asked after auth for every request that is not a chat completion; true when it answered. */
  routes?: ExtraRoutes;
}

/** A request that is not a chat completion, as {@link ExtraRoutes} sees it. */
export interface RouteRequest {
  method: string;
  /** The path without the query, e.g. `/v1/files`. */
  path: string;
  query: URLSearchParams;
  contentType: string;
  body: Buffer;
}

/** Answers further routes; resolves true when it sent a response. */
export type ExtraRoutes = (request: RouteRequest, res: ServerResponse) => Promise<boolean>;

/** Chat request counters, kept whether or not requests are recorded. */
export interface LlmServerStats {
  /** Chat requests received (POST /v1/chat/completions, valid or not). */
  total: number;
  /** Chat requests whose response has not finished and whose socket is still open. */
  inFlight: number;
  /** The largest `inFlight` seen. */
  maxInFlight: number;
}

/** A running server, from {@link startLlmServer}. */
export interface LlmServer {
  /** e.g. `http://127.0.0.1:PORT/v1`, for `new OpenAI({ baseURL })`. */
  baseURL: string;
  /** Every chat request received, in arrival order (empty when `recordRequests` is false). */
  requests: RecordedRequest[];
  /** Live counters of chat requests. */
  stats: LlmServerStats;
  /** Errors thrown by `respond` (answered with a non-retryable 500); a passing test expects none. */
  errors: Error[];
  /** Replaceable between requests, e.g. to change the script after a simulated crash. */
  respond: Respond;
  /** Stops listening, destroys every socket (hanging ones included) and pending delay. */
  close(): Promise<void>;
}

/** Deterministic token count: ceil(characters / 4). */
export function countTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** The text of every message of a request, joined by newlines (for matchers and usage). */
export function promptText(request: ChatRequest): string {
  return request.messages.map(({ content }) => (typeof content === 'string' ? content : (content ?? []).map((part) => ('text' in part ? part.text : '')).join(''))).join('\n');
}

type Step = Reply | Respond;

function resolveStep(step: Step, request: ChatRequest, context: RecordedRequest): Reply | Promise<Reply> {
  return typeof step === 'function' ? step(request, context) : step;
}

/** Answers successive calls with `steps` in order; throws (recorded in `server.errors`) once they run out. */
export function scripted(steps: readonly Step[]): Respond {
  let next = 0;
  return (request, context) => {
    const step = steps[next];
    if (step === undefined) throw new Error(`scripted: all ${steps.length} replies used, but request #${context.index} needs one more`);
    next++;
    return resolveStep(step, request, context);
  };
}

/** Answers with the first rule whose predicate matches, else `fallback`; throws when neither applies. */
export function byMatcher(rules: readonly (readonly [(request: ChatRequest) => boolean, Step])[], fallback?: Step): Respond {
  return (request, context) => {
    const step = rules.find(([matches]) => matches(request))?.[1] ?? fallback;
    if (step === undefined) throw new Error(`byMatcher: no rule matches request #${context.index}: ${promptText(request).slice(0, 200)}`);
    return resolveStep(step, request, context);
  };
}

const CREATED = 1_700_000_000;

/** An OpenAI-style error body. */
function errorJson(message: string, type: string, param: string | null = null, code: string | null = null): { error: { message: string; type: string; param: string | null; code: string | null } } {
  return { error: { message, type, param, code } };
}

const UNAUTHORIZED = errorJson('Incorrect API key provided.', 'invalid_request_error', null, 'invalid_api_key');

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

/** The completion body the server sends for `reply` to `request` (usage counted with {@link countTokens}). */
export function completion(request: ChatRequest, context: RecordedRequest, reply: { content?: string; refusal?: string; finishReason?: 'stop' | 'length' }): ChatCompletion {
  const text = reply.content ?? reply.refusal ?? '';
  const promptTokens = countTokens(promptText(request));
  const completionTokens = countTokens(text);
  return {
    id: `chatcmpl-${context.index}`,
    object: 'chat.completion',
    created: CREATED,
    model: request.model,
    choices: [{ index: 0, message: { role: 'assistant', content: reply.content ?? null, refusal: reply.refusal ?? null }, finish_reason: reply.finishReason ?? 'stop', logprobs: null }],
    usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
  };
}

/** The SSE text of a streamed completion: a role chunk, 8-character content (or refusal) chunks, a finish chunk, an optional usage chunk, [DONE]. */
function sseText(full: ChatCompletion, includeUsage: boolean): string {
  const { message, finish_reason } = full.choices[0]!;
  const key = message.content === null ? 'refusal' : 'content';
  const text = message.content ?? message.refusal ?? '';
  const base = { id: full.id, object: 'chat.completion.chunk' as const, created: full.created, model: full.model, ...(includeUsage ? { usage: null } : {}) };
  const chunk = (delta: ChatCompletionChunk.Choice.Delta, finishReason: ChatCompletionChunk.Choice['finish_reason'] = null): ChatCompletionChunk => ({ ...base, choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }] });
  const chunks = [chunk({ role: 'assistant', content: '' })];
  for (let start = 0; start < text.length; start += 8) chunks.push(chunk({ [key]: text.slice(start, start + 8) }));
  chunks.push(chunk({}, finish_reason));
  if (includeUsage) chunks.push({ ...base, choices: [], usage: full.usage ?? null });
  return [...chunks.map((c) => JSON.stringify(c)), '[DONE]'].map((data) => `data: ${data}\n\n`).join('');
}

function parseChatRequest(text: string): ChatRequest | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const valid = typeof value === 'object' && value !== null && 'messages' in value && Array.isArray(value.messages) && 'model' in value && typeof value.model === 'string';
  return valid ? (value as ChatRequest) : undefined;
}

type ErrorReply = Extract<Reply, { status: number; retryAfter?: unknown }>;

function sendError(res: ServerResponse, reply: ErrorReply): void {
  const headers: Record<string, string> = { ...reply.headers };
  if (reply.retryAfter !== undefined) headers['retry-after'] = String(reply.retryAfter);
  if (reply.retryAfterMs !== undefined) headers['retry-after-ms'] = String(reply.retryAfterMs);
  const body = reply.body ?? (reply.status === 429 ? errorJson('Rate limit reached (scripted).', 'requests', null, 'rate_limit_exceeded') : errorJson(`Scripted error ${reply.status}.`, 'server_error'));
  send(res, reply.status, typeof body === 'string' ? body : JSON.stringify(body), headers);
}

function sendCompletion(res: ServerResponse, reply: Extract<Reply, { content: string } | { refusal: string }>, request: ChatRequest, context: RecordedRequest): void {
  const full = completion(request, context, reply);
  const streaming = request.stream === true;
  const body = streaming ? sseText(full, request.stream_options?.include_usage === true) : JSON.stringify(full);
  if (res.destroyed) return;
  res.writeHead(200, streaming ? { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' } : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
  if (!('truncate' in reply)) res.end(body);
  else res.write(Buffer.from(body).subarray(0, Math.floor(Buffer.byteLength(body) / 2)), () => reply.hold !== true && res.destroy());
}

/** Idle keep-alive sockets stay open this long: longer than clients keep theirs, so the client closes first. */
const KEEP_ALIVE_MS = 65_000;
/** Pending connections the kernel queues: room for a burst of a few hundred concurrent clients. */
const LISTEN_BACKLOG = 2048;

/** Starts a scripted OpenAI-compatible server on `options.host` (127.0.0.1) and `options.port` (a free one). */
export async function startLlmServer(options: LlmServerOptions = {}): Promise<LlmServer> {
  const record = options.recordRequests ?? true;
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let chatRequests = 0;
  const wait = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });
  const recordError = (error: unknown): number => server.errors.push(error instanceof Error ? error : new Error(String(error)));
  const authorized = (req: IncomingMessage): boolean => options.requireApiKey === undefined || req.headers.authorization === `Bearer ${options.requireApiKey}`;

  async function answer(res: ServerResponse, reply: Reply, request: ChatRequest, context: RecordedRequest): Promise<void> {
    if ('drop' in reply) res.socket?.destroy();
    else if ('oversized' in reply) await sendOversized(res, request, context, reply.oversized);
    else if ('endless' in reply) await sendEndless(res);
    else if ('delayMs' in reply) await wait(reply.delayMs).then(() => answer(res, reply.then, request, context));
    else if ('json' in reply) send(res, reply.status ?? 200, JSON.stringify(reply.json));
    else if ('status' in reply) sendError(res, reply);
    else if (!('hang' in reply)) sendCompletion(res, reply, request, context);
  }

  async function chooseReply(req: IncomingMessage, request: ChatRequest, context: RecordedRequest): Promise<Reply> {
    if (!authorized(req)) return { status: 401, body: UNAUTHORIZED };
    const format = request.response_format;
    if (options.rejectResponseFormat === true && format !== undefined && format.type !== 'text') {
      return { status: 400, body: errorJson(`response_format of type '${format.type}' is not supported by this server.`, 'invalid_request_error', 'response_format', 'unsupported_parameter') };
    }
    try {
      return await server.respond(request, context);
    } catch (error) {
      recordError(error);
      return { status: 500, body: errorJson(`llm-server respond() threw: ${String(error)}`, 'server_error'), headers: { 'x-should-retry': 'false' } };
    }
  }

  /** Writes `chunk` and waits for the socket to take it; false once the client has gone. */
  function writeChunk(res: ServerResponse, chunk: Buffer): Promise<boolean> {
    if (res.destroyed) return Promise.resolve(false);
    if (res.write(chunk)) return Promise.resolve(!res.destroyed);
    return new Promise((resolve) => {
      const done = (ok: boolean): void => {
        res.off('drain', onDrain);
        res.off('close', onClose);
        resolve(ok);
      };
      const onDrain = (): void => {
        done(true);
      };
      const onClose = (): void => {
        done(false);
      };
      res.on('drain', onDrain);
      res.on('close', onClose);
    });
  }

  async function sendOversized(res: ServerResponse, request: ChatRequest, context: RecordedRequest, bytes: number): Promise<void> {
    const [head, tail] = JSON.stringify(completion(request, context, { content: '\u0000' })).split('"\\u0000"') as [string, string];
    const prefix = Buffer.from(`${head}"`);
    const suffix = Buffer.from(`"${tail}`);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(prefix.length + bytes + suffix.length) });
    if (!(await writeChunk(res, prefix))) return;
    const block = Buffer.alloc(1 << 16, 'x');
    for (let left = bytes; left > 0; left -= block.length) {
      if (!(await writeChunk(res, left >= block.length ? block : block.subarray(0, left)))) return;
    }
    res.end(suffix);
  }

  async function sendEndless(res: ServerResponse): Promise<void> {
    res.writeHead(200, { 'content-type': 'application/json' });
    const block = Buffer.alloc(1 << 16, 'x');
    if (!(await writeChunk(res, Buffer.from('{"choices": [{"message": {"content": "')))) return;
    while (await writeChunk(res, block)) {
      // Until the client drops the connection.
    }
  }

  /** Counts a chat request in flight from now until its response finishes or its socket closes. */
  function trackInFlight(res: ServerResponse): void {
    const { stats } = server;
    stats.total++;
    stats.maxInFlight = Math.max(stats.maxInFlight, ++stats.inFlight);
    res.once('close', () => stats.inFlight--);
  }

  /** The attempt number; scanning earlier requests is O(n), so only a recording server does it. */
  function attemptOf(req: IncomingMessage, request: ChatRequest): number {
    const retryHeader = req.headers['x-stainless-retry-count'];
    if (typeof retryHeader === 'string') return Number(retryHeader) + 1;
    if (!record) return 1;
    const body = JSON.stringify(request);
    return 1 + server.requests.filter((r) => JSON.stringify(r.body) === body).length;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const chat = req.method === 'POST' && path === '/v1/chat/completions';
    if (chat) trackInFlight(res);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const request = chat ? parseChatRequest(Buffer.concat(chunks).toString('utf8')) : undefined;
    if (request !== undefined) {
      const context: RecordedRequest = { index: chatRequests++, body: request, arrivedAt: performance.now(), attempt: attemptOf(req, request), authorization: req.headers.authorization };
      if (record) server.requests.push(context);
      await answer(res, await chooseReply(req, request, context), request, context);
      return;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (!chat && options.routes !== undefined && authorized(req)) {
      const routeRequest: RouteRequest = { method: req.method ?? 'GET', path, query: url.searchParams, contentType: req.headers['content-type'] ?? '', body: Buffer.concat(chunks) };
      if (await options.routes(routeRequest, res)) return;
    }
    const modelIds = options.models === undefined ? ['tidepool-test-model'] : options.models;
    const models = { object: 'list', data: (modelIds ?? []).map((id) => ({ id, object: 'model', created: CREATED, owned_by: 'tidepool-test' })) };
    const [status, body] = chat
      ? [400, errorJson('Expected a JSON body with `model` and `messages`.', 'invalid_request_error')]
      : !authorized(req) ? [401, UNAUTHORIZED]
      : req.method === 'GET' && path === '/v1/models' && modelIds !== null ? [200, models]
      : [404, errorJson(`Unknown route ${req.method ?? ''} ${path}.`, 'invalid_request_error', null, 'unknown_url')];
    send(res, status, JSON.stringify(body));
  }

  const http = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      recordError(error);
      if (!res.headersSent) send(res, 500, JSON.stringify(errorJson(String(error), 'server_error')), { 'x-should-retry': 'false' });
    });
  });
  http.keepAliveTimeout = KEEP_ALIVE_MS;
  http.headersTimeout = KEEP_ALIVE_MS + 1000;
  http.on('connection', (socket) => sockets.add(socket.once('close', () => sockets.delete(socket))));
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, options.host ?? '127.0.0.1', LISTEN_BACKLOG, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const { address, port } = http.address() as AddressInfo;
  const server: LlmServer = {
    baseURL: `http://${address.includes(':') ? `[${address}]` : address}:${port}/v1`,
    requests: [],
    stats: { total: 0, inFlight: 0, maxInFlight: 0 },
    errors: [],
    respond: options.respond ?? (() => ({ content: 'ok' })),
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
