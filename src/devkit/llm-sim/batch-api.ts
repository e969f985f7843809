/**
 * A local stand-in of the OpenAI Batch API on the scripted server: `/v1/files` (upload with
 * `purpose=batch`, list, retrieve, content) and `/v1/batches` (create, retrieve, list, cancel). A batch
 * walks validating -> in_progress -> finalizing -> completed (or failed / expired / cancelled) on a
 * scripted clock; each of its request lines is answered by the server's `respond`, as a live request
 * would be, and lands in the output file (2xx) or the error file. Every request line received is
 * recorded, so tests can prove that no request was sent in two batches.
 */
import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { completion, startLlmServer, type ChatRequest, type LlmServer, type LlmServerOptions, type RecordedRequest, type Reply, type RouteRequest } from './server.js';

/** What becomes of a batch. */
export type BatchFate =
  | { outcome: 'completed' }
  /** Fails validation: no request is answered. */
  | { outcome: 'failed'; message: string }
  /** Runs out of its window after answering its first `answered` requests; the rest go to the error file as `batch_expired`. */
  | { outcome: 'expired'; answered: number };

/** The Batch API calls a test may step in before (to kill the client at that moment). */
export type BatchRoute = 'upload' | 'list-files' | 'create' | 'list-batches' | 'retrieve' | 'cancel' | 'content';

/** How the stand-in behaves. */
export interface BatchApiOptions {
  /** Milliseconds a batch spends validating. @default 30 */
  validatingMs?: number;
  /** Milliseconds a batch spends in progress. @default 60 */
  inProgressMs?: number;
  /** Milliseconds a batch spends finalizing. @default 30 */
  finalizingMs?: number;
  /** What becomes of the `index`-th batch created (0-based). @default completed */
  fate?: (index: number, lines: number) => BatchFate;
  /** Keep every request line in {@link BatchApiState.requests}; false keeps none (a long-running `tidepool llm-sim`). @default true */
  recordRequests?: boolean;
  /** Called before each Batch API request is answered; the answer waits for it. */
  before?: (route: BatchRoute, detail: { batch?: StandInBatch; file?: StoredFile }) => void | Promise<void>;
}

/** A file the stand-in holds. */
export interface StoredFile {
  id: string;
  filename: string;
  purpose: string;
  content: string;
  created_at: number;
}

/** A batch the stand-in holds, with what it received. */
export interface StandInBatch {
  id: string;
  inputFileId: string;
  metadata: Record<string, string> | null;
  status: 'validating' | 'failed' | 'in_progress' | 'finalizing' | 'completed' | 'expired' | 'cancelling' | 'cancelled';
  /** The `custom_id` of every request line of its input file. */
  customIds: string[];
  createdAt: number;
  outputFileId?: string;
  errorFileId?: string;
  counts: { total: number; completed: number; failed: number };
  errors: { code: string; message: string; line: number | null }[];
  /** Times the client asked for it (GET /v1/batches/ID). */
  polls: number;
}

/** One request line a batch carried. */
export interface BatchRequestLine {
  batch: string;
  customId: string;
  body: ChatRequest;
}

/** The stand-in's record of what it was sent. */
export interface BatchApiState {
  files: Map<string, StoredFile>;
  batches: StandInBatch[];
  /** Every request line received, in arrival order. */
  requests: BatchRequestLine[];
  /** Replaceable between runs (e.g. to hold a batch back). */
  options: BatchApiOptions;
}

/** A scripted server with the Batch API. */
export interface BatchServer extends LlmServer {
  batchApi: BatchApiState;
}

/** Starts the scripted server with the Batch API stand-in on it. */
export async function startBatchServer(options: LlmServerOptions & { batch?: BatchApiOptions } = {}): Promise<BatchServer> {
  const state: BatchApiState = { files: new Map(), batches: [], requests: [], options: options.batch ?? {} };
  const timers = new Set<NodeJS.Timeout>();
  const started: { server?: LlmServer } = {};
  const routes = createBatchRoutes(state, timers, () => started.server!);
  const server = (started.server = await startLlmServer({ ...options, routes }));
  const closeServer = server.close.bind(server);
  return Object.assign(server, {
    batchApi: state,
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      await closeServer();
    },
  });
}

const now = (): number => Math.floor(Date.now() / 1000);

function sendJson(res: ServerResponse, status: number, value: unknown): true {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
  return true;
}

function notFound(res: ServerResponse, what: string): true {
  return sendJson(res, 404, { error: { message: `No such ${what}.`, type: 'invalid_request_error', param: null, code: null } });
}

function fileObject(file: StoredFile): Record<string, unknown> {
  return { id: file.id, object: 'file', bytes: Buffer.byteLength(file.content), created_at: file.created_at, filename: file.filename, purpose: file.purpose, status: 'processed' };
}

function batchObject(batch: StandInBatch): Record<string, unknown> {
  return {
    id: batch.id, object: 'batch', endpoint: '/v1/chat/completions', input_file_id: batch.inputFileId, completion_window: '24h', status: batch.status,
    created_at: batch.createdAt, metadata: batch.metadata, output_file_id: batch.outputFileId ?? null, error_file_id: batch.errorFileId ?? null,
    request_counts: batch.counts, errors: batch.errors.length === 0 ? null : { object: 'list', data: batch.errors },
  };
}

function listOf(data: Record<string, unknown>[]): Record<string, unknown> {
  return { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: false };
}

function createBatchRoutes(state: BatchApiState, timers: Set<NodeJS.Timeout>, server: () => LlmServer): (request: RouteRequest, res: ServerResponse) => Promise<boolean> {
  const before = async (route: BatchRoute, detail: { batch?: StandInBatch; file?: StoredFile } = {}): Promise<void> => {
    await state.options.before?.(route, detail);
  };
  const later = (ms: number, step: () => void | Promise<void>): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      void Promise.resolve(step()).catch((error: unknown) => server().errors.push(error instanceof Error ? error : new Error(String(error))));
    }, ms);
    timers.add(timer);
  };
  const addFile = (filename: string, purpose: string, content: string): StoredFile => {
    const file = { id: `file-${state.files.size + 1}`, filename, purpose, content, created_at: now() };
    state.files.set(file.id, file);
    return file;
  };

  /** Answers every line of `batch` through the server's `respond`, then files the results. */
  async function run(batch: StandInBatch, fate: BatchFate, lines: { custom_id: string; body: ChatRequest }[]): Promise<void> {
    if (batch.status === 'cancelling') return;
    const outputs: string[] = [];
    const errorLines: string[] = [];
    const answered = fate.outcome === 'expired' ? fate.answered : lines.length;
    for (const [position, line] of lines.entries()) {
      if (position >= answered) {
        errorLines.push(JSON.stringify({ id: `batch_req_${batch.id}_${position}`, custom_id: line.custom_id, response: null, error: { code: 'batch_expired', message: 'This request could not be executed before the completion window expired.' } }));
        continue;
      }
      const context: RecordedRequest = { index: position, body: line.body, arrivedAt: performance.now(), attempt: 1, authorization: undefined };
      let reply: Reply = await server().respond(line.body, context);
      while ('delayMs' in reply) reply = reply.then;
      if ('content' in reply || 'refusal' in reply) {
        outputs.push(JSON.stringify({ id: `batch_req_${batch.id}_${position}`, custom_id: line.custom_id, response: { status_code: 200, request_id: `req_${position}`, body: completion(line.body, context, reply) }, error: null }));
      } else {
        const status = 'status' in reply ? reply.status : 500;
        errorLines.push(JSON.stringify({ id: `batch_req_${batch.id}_${position}`, custom_id: line.custom_id, response: { status_code: status, request_id: `req_${position}`, body: { error: { message: `Scripted error ${status}.`, type: 'server_error' } } }, error: null }));
      }
    }
    batch.counts = { total: lines.length, completed: outputs.length, failed: errorLines.length };
    if (outputs.length > 0) batch.outputFileId = addFile(`${batch.id}_output.jsonl`, 'batch_output', outputs.map((line) => `${line}\n`).join('')).id;
    if (errorLines.length > 0) batch.errorFileId = addFile(`${batch.id}_error.jsonl`, 'batch_output', errorLines.map((line) => `${line}\n`).join('')).id;
  }

  function start(batch: StandInBatch, fate: BatchFate, lines: { custom_id: string; body: ChatRequest }[]): void {
    const { validatingMs = 30, inProgressMs = 60, finalizingMs = 30 } = state.options;
    later(validatingMs, () => {
      if (batch.status !== 'validating') return;
      if (fate.outcome === 'failed') {
        batch.status = 'failed';
        batch.errors.push({ code: 'invalid_request', message: fate.message, line: null });
        return;
      }
      batch.status = 'in_progress';
      later(inProgressMs, async () => {
        if (batch.status !== 'in_progress') return;
        batch.status = 'finalizing';
        await run(batch, fate, lines);
        later(finalizingMs, () => {
          if (batch.status === 'finalizing') batch.status = fate.outcome === 'expired' ? 'expired' : 'completed';
        });
      });
    });
  }

  /** Creates the batch, then (the hook may kill the client here: a batch whose id never reached it) answers. */
  async function create(body: Record<string, unknown>, res: ServerResponse): Promise<true> {
    const file = state.files.get(String(body.input_file_id));
    if (file === undefined) return notFound(res, `input file ${String(body.input_file_id)}`);
    if (body.endpoint !== '/v1/chat/completions' || body.completion_window !== '24h') {
      return sendJson(res, 400, { error: { message: 'endpoint must be /v1/chat/completions and completion_window 24h.', type: 'invalid_request_error', param: null, code: null } });
    }
    const lines = file.content.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as { custom_id: string; method: string; url: string; body: ChatRequest });
    const batch: StandInBatch = {
      id: `batch_${state.batches.length + 1}`, inputFileId: file.id, metadata: (body.metadata as Record<string, string> | undefined) ?? null, status: 'validating',
      customIds: lines.map((line) => line.custom_id), createdAt: now(), counts: { total: lines.length, completed: 0, failed: 0 }, errors: [], polls: 0,
    };
    const fate = state.options.fate?.(state.batches.length, lines.length) ?? { outcome: 'completed' };
    state.batches.push(batch);
    if (state.options.recordRequests !== false) for (const line of lines) state.requests.push({ batch: batch.id, customId: line.custom_id, body: line.body });
    start(batch, fate, lines);
    await before('create', { batch });
    return sendJson(res, 200, batchObject(batch));
  }

  return async (request, res) => {
    const { method, path } = request;
    const parts = path.split('/').filter((part) => part !== '');
    if (parts[0] !== 'v1' || (parts[1] !== 'files' && parts[1] !== 'batches')) return false;
    if (parts[1] === 'files') {
      if (method === 'POST' && parts.length === 2) {
        const form = parseMultipart(request.contentType, request.body);
        const upload = form.get('file');
        if (upload?.filename === undefined) return sendJson(res, 400, { error: { message: 'expected a multipart `file` field', type: 'invalid_request_error', param: 'file', code: null } });
        const file = addFile(upload.filename, form.get('purpose')?.text ?? '', upload.text);
        await before('upload', { file });
        return sendJson(res, 200, fileObject(file));
      }
      if (method === 'GET' && parts.length === 2) {
        await before('list-files');
        const purpose = request.query.get('purpose');
        return sendJson(res, 200, listOf([...state.files.values()].filter((file) => purpose === null || file.purpose === purpose).map(fileObject)));
      }
      const file = state.files.get(parts[2] ?? '');
      if (file === undefined) return notFound(res, `file ${parts[2] ?? ''}`);
      if (method === 'GET' && parts.length === 3) return sendJson(res, 200, fileObject(file));
      if (method === 'GET' && parts[3] === 'content') {
        await before('content', { file });
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(Buffer.byteLength(file.content)) });
        res.end(file.content);
        return true;
      }
      return false;
    }
    if (method === 'POST' && parts.length === 2) return create(JSON.parse(request.body.toString('utf8')) as Record<string, unknown>, res);
    if (method === 'GET' && parts.length === 2) {
      await before('list-batches');
      return sendJson(res, 200, listOf([...state.batches].reverse().map(batchObject)));
    }
    const batch = state.batches.find((candidate) => candidate.id === parts[2]);
    if (batch === undefined) return notFound(res, `batch ${parts[2] ?? ''}`);
    if (method === 'GET' && parts.length === 3) {
      batch.polls++;
      await before('retrieve', { batch });
      return sendJson(res, 200, batchObject(batch));
    }
    if (method === 'POST' && parts[3] === 'cancel') {
      await before('cancel', { batch });
      if (batch.status === 'validating' || batch.status === 'in_progress') {
        batch.status = 'cancelling';
        later(state.options.finalizingMs ?? 30, () => {
          batch.status = 'cancelled';
        });
      }
      return sendJson(res, 200, batchObject(batch));
    }
    return false;
  };
}

/** The fields of a multipart/form-data body (what the `openai` client's uploads send): name -> text and file name. */
function parseMultipart(contentType: string, body: Buffer): Map<string, { text: string; filename?: string }> {
  const fields = new Map<string, { text: string; filename?: string }>();
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  if (boundary === null) return fields;
  const delimiter = `--${boundary[1] ?? boundary[2] ?? ''}`;
  for (const part of body.toString('utf8').split(delimiter).slice(1)) {
    if (part.startsWith('--')) break;
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd === -1) continue;
    const headers = part.slice(0, headerEnd);
    const name = /name="([^"]*)"/i.exec(headers)?.[1];
    if (name === undefined) continue;
    const filename = /filename="([^"]*)"/i.exec(headers)?.[1];
    const text = part.slice(headerEnd + 4).replace(/\r\n$/, '');
    fields.set(name, filename === undefined ? { text } : { text, filename });
  }
  return fields;
}
