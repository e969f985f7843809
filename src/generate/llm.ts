/**
 * The one module that talks to an OpenAI-compatible server (through the official `openai` client).
 * The client does the retries (429, 5xx, timeouts and broken connections, with backoff, honouring
 * Retry-After) over a keep-alive node:http fetch that reads whole answers, so its timeout covers the
 * body too; this module adds the structured-output fallback for servers without it and sorts failures
 * into fatal (the run cannot go on), transient (this unit is tried again later) and aborted.
 */
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { TidepoolError } from '../errors.js';
import { keepAliveFetch } from './http-fetch.js';
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
}

/** A failure that ends this unit's attempt but not the run: the unit is tried again later. */
export class TransientLlmError extends Error {
  override readonly name = 'TransientLlmError';
}

/** A chat client for one run. */
export class LlmClient {
  private readonly client: OpenAI;
  private readonly fetch = keepAliveFetch();
  private readonly timeoutMs: number;
  private formatNow: OutputFormat;

  constructor(options: LlmClientOptions) {
    this.timeoutMs = options.timeoutMs ?? 120_000;
    this.formatNow = options.format ?? 'json_schema';
    this.client = new OpenAI({ baseURL: options.baseURL, apiKey: options.apiKey, maxRetries: options.maxRetries ?? 4, timeout: this.timeoutMs, fetch: this.fetch });
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
  if (error instanceof APIUserAbortError) return new TransientLlmError('the request was aborted');
  if (error instanceof APIConnectionTimeoutError) return new TransientLlmError(`no complete answer within ${Math.round(timeoutMs / 1000)} s, after retries`);
  if (error instanceof APIConnectionError) return new TransientLlmError(`connection failed after retries: ${error.message}`);
  if (error instanceof APIError) {
    const status: number = (error.status as number | undefined) ?? 0;
    if (status === 401 || status === 403) {
      return new TidepoolError('E_LLM_AUTH', `the LLM server refused the API key (${status}: ${error.message}); set OPENAI_API_KEY (or pass --api-key) to a key this server accepts`, { status });
    }
    if (status === 404) {
      return new TidepoolError('E_LLM_REQUEST', `the LLM server answered 404 for model ${spec.model} (${error.message}); check --model against the server's model list and --base-url (it usually ends in /v1)`, { status, model: spec.model });
    }
    if (status === 400 || status === 413 || status === 422) {
      return new TidepoolError('E_LLM_REQUEST', `the LLM server rejected the request (${status}: ${error.message}); check --model, --max-tokens and the prompt files`, { status, model: spec.model });
    }
    return new TransientLlmError(`server error ${status} after retries: ${error.message}`);
  }
  // Errors after the headers (a body cut off, invalid JSON) are not retried by the client.
  return new TransientLlmError(`the answer could not be read: ${error instanceof Error ? error.message : String(error)}`);
}
