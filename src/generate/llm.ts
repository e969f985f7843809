/**
 * The one module that talks to an OpenAI-compatible server (through the official `openai` client).
 * The client does the retries (429, 5xx, timeouts and broken connections, with backoff, honouring
 * Retry-After) over a keep-alive node:http fetch that reads whole answers up to a size limit, so its
 * timeout covers the body too; this module adds the reachability probe, the structured-output
 * fallback for servers without it, and sorts failures into fatal (the run cannot go on), transient
 * (this unit is tried again later) and aborted.
 */
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { TidepoolError } from '../errors.js';
import { redactUrl, redactUrls } from '../util/redact-url.js';
import { AnswerTooLargeError, keepAliveFetch } from './http-fetch.js';
import type { ChatSpec } from './requests.js';

/** What came back for one request. */
export interface ChatResult {
  content: string;
  finishReason: string | null;
  promptTokens: number;
  completionTokens: number;
  /** The model id the server reported. */
  model: string;
}

/** How structured output is asked for; lowered once when the server refuses it. */
export type OutputFormat = 'json_schema' | 'json_object' | 'text';

/** Connection settings. */
export interface LlmClientOptions {
  baseURL: string;
  apiKey: string;
  /** The client's retries for 408/409/429/5xx and connection errors. @default 4 */
  maxRetries?: number;
  /** Milliseconds one attempt may take, the whole answer included. @default 120000 */
  timeoutMs?: number;
  /** Start with this format (e.g. `text` for a server known not to support structured output). @default 'json_schema' */
  format?: OutputFormat;
  /** Most bytes of one answer that are read; a longer one fails the request (`tidepool generate` derives it from max_tokens: `answerByteLimit` in options.ts). @default no limit */
  maxAnswerBytes?: number | undefined;
}

/**
 * What went wrong with a request: `connection` (refused, reset, DNS, TLS, timed out: nothing came
 * back), `server` (a 5xx status after the client's retries), `busy` (429 and the like: the server is
 * there but will not take more now) or `answer` (something came back but could not be used: too
 * large, unreadable). Only the first two say the server may be out of reach.
 */
export type LlmFailureKind = 'connection' | 'server' | 'busy' | 'answer';

/** A failure that ends this unit's attempt but not the run: the unit is tried again later. */
export class TransientLlmError extends Error {
  override readonly name = 'TransientLlmError';
  constructor(message: string, readonly kind: LlmFailureKind = 'server') {
    super(message);
  }
}

/** Milliseconds one attempt of the reachability probe may take at most (less when --timeout is shorter). */
const PROBE_TIMEOUT_MS = 30_000;

/** A chat client for one run. */
export class LlmClient {
  private readonly client: OpenAI;
  private readonly fetch: ReturnType<typeof keepAliveFetch>;
  private readonly timeoutMs: number;
  private formatNow: OutputFormat;
  /** The endpoint as it may be shown: no credentials. */
  readonly displayURL: string;

  constructor(options: LlmClientOptions) {
    this.timeoutMs = options.timeoutMs ?? 120_000;
    this.formatNow = options.format ?? 'json_schema';
    this.displayURL = redactUrl(options.baseURL);
    this.fetch = keepAliveFetch({ maxBodyBytes: options.maxAnswerBytes });
    // A query in the base URL (`?api-version=...`, a key some gateways take there) goes on every
    // request as the client's default query: appended to the path by hand, it would end up in the query.
    const { baseURL, defaultQuery } = splitQuery(options.baseURL);
    this.client = new OpenAI({ baseURL, defaultQuery, apiKey: options.apiKey, maxRetries: options.maxRetries ?? 4, timeout: this.timeoutMs, fetch: this.fetch });
  }

  /**
   * Checks that the server can be reached, with one cheap `GET /models` (one retry). Any HTTP answer
   * other than 401/403 counts as reachable: some servers have no `/models` route (404) and that must
   * not fail a run.
   * @throws TidepoolError `E_LLM_UNREACHABLE` (refused, reset, DNS, TLS, timed out), `E_LLM_AUTH` (401/403).
   */
  async probe(): Promise<void> {
    const timeout = Math.min(this.timeoutMs, PROBE_TIMEOUT_MS);
    try {
      await this.client.models.list({ maxRetries: 1, timeout });
    } catch (error) {
      if (error instanceof APIConnectionError) throw unreachable(this.displayURL, connectionFailure(error, timeout));
      if (error instanceof APIError && (error.status === 401 || error.status === 403)) throw authError(error);
      // Any other answer (404, 500, a body that is not a model list) came from the server: it is reachable.
    }
  }

  /** Closes the kept-alive connections (the process can exit). */
  close(): void {
    this.fetch.destroy();
  }

  /** The structured-output format in use now. */
  get format(): OutputFormat {
    return this.formatNow;
  }

  /**
   * Sends `spec` and returns the first choice.
   * @throws TidepoolError `E_LLM_AUTH` / `E_LLM_REQUEST` when no request can succeed (bad key, unknown model, bad URL);
   *   TransientLlmError when this attempt failed after the client's retries; the abort reason when `signal` fired.
   */
  async chat(spec: ChatSpec, signal?: AbortSignal): Promise<ChatResult> {
    for (;;) {
      const format = this.formatNow;
      try {
        // Typed loosely on purpose: a broken server may send any JSON, and it must not crash the run.
        const completion = (await this.client.chat.completions.create(body(spec, format), signal === undefined ? {} : { signal })) as LooseCompletion;
        const choice = completion.choices?.[0];
        if (choice === undefined) throw new TransientLlmError('the server answered with no choices');
        return {
          content: choice.message?.content ?? choice.message?.refusal ?? '',
          finishReason: choice.finish_reason ?? null,
          promptTokens: completion.usage?.prompt_tokens ?? 0,
          completionTokens: completion.usage?.completion_tokens ?? 0,
          model: completion.model ?? spec.model,
        };
      } catch (error) {
        if (signal?.aborted === true) throw signal.reason;
        if (error instanceof APIError && error.status === 400 && format !== 'text' && mentionsFormat(error.message, error.error)) {
          // Lower the format for the whole run: the server does not support this kind of structured output.
          if (this.formatNow === format) this.formatNow = format === 'json_schema' ? 'json_object' : 'text';
          continue;
        }
        throw classify(error, spec, this.timeoutMs);
      }
    }
  }
}

/** A completion as it may arrive from a server that does not follow the API to the letter. */
interface LooseCompletion {
  choices?: { message?: { content?: string | null; refusal?: string | null }; finish_reason?: string | null }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number };
  model?: string;
}

function body(spec: ChatSpec, format: OutputFormat): ChatCompletionCreateParamsNonStreaming {
  const request: ChatCompletionCreateParamsNonStreaming = { model: spec.model, messages: spec.messages, temperature: spec.temperature };
  // max_tokens, not max_completion_tokens: vLLM, llama.cpp and Ollama all read max_tokens; not all read the newer name.
  // eslint-disable-next-line @typescript-eslint/no-deprecated
  request.max_tokens = spec.maxTokens;
  if (format === 'json_schema') request.response_format = { type: 'json_schema', json_schema: { name: spec.schemaName, strict: true, schema: spec.schema } };
  else if (format === 'json_object') request.response_format = { type: 'json_object' };
  return request;
}

function mentionsFormat(message: string, detail: unknown): boolean {
  return /response_format|json_schema|json_object|structured|grammar/i.test(`${message} ${JSON.stringify(detail ?? '')}`);
}

function classify(error: unknown, spec: ChatSpec, timeoutMs: number): Error {
  if (error instanceof TransientLlmError) return error;
  if (error instanceof APIUserAbortError) return new TransientLlmError('the request was aborted', 'connection');
  if (error instanceof APIConnectionError) return new TransientLlmError(`${connectionFailure(error, timeoutMs)}, after retries`, 'connection');
  if (error instanceof AnswerTooLargeError) return new TransientLlmError(tooLargeMessage(error), 'answer');
  if (error instanceof APIError) {
    const status: number = (error.status as number | undefined) ?? 0;
    if (status === 401 || status === 403) return authError(error);
    if (status === 404) {
      return new TidepoolError('E_LLM_REQUEST', `the LLM server answered 404 for model ${spec.model} (${serverSays(error)}); check --model against the server's model list and --base-url (it usually ends in /v1)`, { status, model: spec.model });
    }
    if (status === 400 || status === 413 || status === 422) {
      return new TidepoolError('E_LLM_REQUEST', `the LLM server rejected the request (${status}: ${serverSays(error)}); check --model, --max-tokens and the prompt files`, { status, model: spec.model });
    }
    return new TransientLlmError(`server error ${status} after retries: ${serverSays(error)}`, status >= 500 ? 'server' : 'busy');
  }
  // Errors after the headers (a body cut off, invalid JSON) are not retried by the client.
  return new TransientLlmError(`the answer could not be read: ${redactUrls(error instanceof Error ? error.message : String(error))}`, 'answer');
}

/** The part of the client's APIError these helpers read. */
interface StatusError {
  status: number | undefined;
  message: string;
}

/** The server's own words: the client's message without the status it starts with ("401 Incorrect key" -> "Incorrect key"). */
function serverSays(error: StatusError): string {
  const text = redactUrls(error.message).replace(new RegExp(`^${String(error.status)}\\s*`), '').trim();
  return text === '' || text === 'status code (no body)' ? 'no message' : text;
}

function authError(error: StatusError): TidepoolError {
  const status = error.status;
  return new TidepoolError('E_LLM_AUTH', `the LLM server refused the API key (${status}: ${serverSays(error)}); set OPENAI_API_KEY (or pass --api-key) to a key this server accepts`, { status });
}

function unreachable(url: string, reason: string): TidepoolError {
  return new TidepoolError('E_LLM_UNREACHABLE', `cannot reach the LLM server at ${url}: ${reason}. Check that the server is running and that --base-url (or OPENAI_BASE_URL) is right; it usually ends in /v1`, { url, reason });
}

/** What an error of the client's connection family means, with the system's own code and words (no credentials). */
export function connectionFailure(error: APIConnectionError, timeoutMs: number): string {
  if (error instanceof APIConnectionTimeoutError) return `no answer within ${Math.round(timeoutMs / 1000)} s (timed out)`;
  const cause = systemCause(error);
  const detail = cause === undefined ? error.message : redactUrls(cause.message);
  const code = cause?.code ?? '';
  const what =
    code === 'ECONNREFUSED' ? 'connection refused (is anything listening there?)'
    : code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME' ? 'host name not found (DNS)'
    : code === 'ECONNRESET' || code === 'EPIPE' ? 'the connection was reset'
    : code === 'ETIMEDOUT' || code === 'ECONNABORTED' ? 'the connection timed out'
    : code === 'EHOSTUNREACH' || code === 'ENETUNREACH' ? 'no route to the host'
    : /CERT|SSL|TLS|EPROTO|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/i.test(code) ? 'TLS handshake failed'
    : 'connection failed';
  return `${what} (${detail})`;
}

/** The innermost error with a system `code` under the client's wrapper, if any. */
function systemCause(error: Error): (Error & { code?: string }) | undefined {
  let found: (Error & { code?: string }) | undefined;
  for (let at: unknown = error.cause, depth = 0; at instanceof Error && depth < 5; at = at.cause, depth++) {
    const code = (at as { code?: unknown }).code;
    if (typeof code === 'string' || found === undefined) found = at;
  }
  return found;
}

function tooLargeMessage(error: AnswerTooLargeError): string {
  return `${error.message}; an answer to a request with max_tokens can hardly be that large, so the server misbehaved (raise the limit with --max-answer-bytes if it is right)`;
}

/** `baseURL` without its query, and the query as the client's default query. */
function splitQuery(url: string): { baseURL: string; defaultQuery?: Record<string, string> } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { baseURL: url };
  }
  if (parsed.search === '') return { baseURL: url };
  const defaultQuery = Object.fromEntries(parsed.searchParams);
  parsed.search = '';
  return { baseURL: parsed.href, defaultQuery };
}

/** The request body of `spec` in structured-output `format`, as the client sends it (batch input lines are built with it too). */
export const chatRequestBody: (spec: ChatSpec, format: OutputFormat) => ChatCompletionCreateParamsNonStreaming = body;
