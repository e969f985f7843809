/**
 * The Batch API's JSON-lines files, as plain data: the input line of a request (its `custom_id` is the
 * request's cache key, so an answer finds its request whichever batch carried it), the answers read
 * back from the output and error files, and the most a request can cost. Pure.
 */
import { chatRequestBody, type ChatResult, type OutputFormat } from '../llm.js';
import { costOf, type PriceTable } from '../prices.js';
import type { ChatSpec } from '../requests.js';

/** A request waiting for a batch: its cache key and what it asks. */
export interface BatchRequest {
  key: string;
  spec: ChatSpec;
}

/** The input file of a batch: one line per request. */
export function inputFile(requests: readonly BatchRequest[], format: OutputFormat): string {
  return requests.map(({ key, spec }) => `${JSON.stringify({ custom_id: key, method: 'POST', url: '/v1/chat/completions', body: chatRequestBody(spec, format) })}\n`).join('');
}

/** What a result file says about one request. */
export type BatchAnswer = { key: string; ok: true; result: ChatResult } | { key: string; ok: false; error: string };

/** A completion as it may come back in a result line. */
interface LooseBody {
  choices?: { message?: { content?: string | null; refusal?: string | null }; finish_reason?: string | null }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number };
  model?: string;
  error?: { message?: string };
}

interface ResultLine {
  custom_id?: unknown;
  response?: { status_code?: number; body?: LooseBody } | null;
  error?: { code?: string | null; message?: string | null } | null;
}

/**
 * Reads a result file (output or error file; both have the same line shape). A line answers its
 * request when its status is 2xx and it holds a choice; any other line is an error naming why.
 * Lines that are not JSON or carry no `custom_id` are counted in `unreadable`.
 */
export function readResults(text: string, modelOf: (key: string) => string | undefined): { answers: BatchAnswer[]; unreadable: number } {
  const answers: BatchAnswer[] = [];
  let unreadable = 0;
  for (const raw of text.split('\n')) {
    if (raw.trim() === '') continue;
    let line: ResultLine;
    try {
      line = JSON.parse(raw) as ResultLine;
    } catch {
      unreadable++;
      continue;
    }
    if (typeof line.custom_id !== 'string') {
      unreadable++;
      continue;
    }
    answers.push(readAnswer(line.custom_id, line, modelOf(line.custom_id) ?? ''));
  }
  return { answers, unreadable };
}

function readAnswer(key: string, line: ResultLine, model: string): BatchAnswer {
  const status = line.response?.status_code ?? 0;
  const body = line.response?.body;
  if (line.error !== null && line.error !== undefined) return { key, ok: false, error: `${line.error.code ?? 'error'}: ${line.error.message ?? 'no message'}` };
  if (status < 200 || status >= 300 || body === undefined) return { key, ok: false, error: `status ${status}: ${body?.error?.message ?? 'no message'}` };
  const choice = body.choices?.[0];
  if (choice === undefined) return { key, ok: false, error: 'the answer has no choices' };
  return {
    key, ok: true,
    result: {
      content: choice.message?.content ?? choice.message?.refusal ?? '', finishReason: choice.finish_reason ?? null,
      promptTokens: body.usage?.prompt_tokens ?? 0, completionTokens: body.usage?.completion_tokens ?? 0, model: body.model ?? model,
    },
  };
}

/**
 * The most `spec` can use: its prompt's UTF-8 bytes (a token is at least one byte of text) plus a few
 * tokens of framing per message, and its whole `max_tokens`.
 */
export function maxTokensOf(spec: ChatSpec): { promptTokens: number; completionTokens: number } {
  const promptTokens = spec.messages.reduce((sum, message) => sum + Buffer.byteLength(message.content) + 8, 0);
  return { promptTokens, completionTokens: spec.maxTokens };
}

/** The most a set of requests can cost at `prices` (USD; null when a model has no price) and in tokens. */
export function maxCost(requests: readonly BatchRequest[], prices: PriceTable): { usd: number | null; tokens: number } {
  let usd: number | null = 0;
  let tokens = 0;
  for (const { spec } of requests) {
    const most = maxTokensOf(spec);
    tokens += most.promptTokens + most.completionTokens;
    const cost = costOf(prices, spec.model, most);
    usd = cost === undefined || usd === null ? null : usd + cost;
  }
  return { usd, tokens };
}
