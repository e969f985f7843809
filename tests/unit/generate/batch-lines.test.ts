import { describe, expect, it } from 'vitest';
import { inputFile, maxCost, maxTokensOf, readResults } from '../../../src/generate/batch/lines.js';
import type { ChatSpec } from '../../../src/generate/requests.js';

const spec = (content: string, maxTokens = 100, model = 'm'): ChatSpec => ({
  model, temperature: 0, maxTokens, schemaName: 'tidepool_sample_generation', schema: { type: 'object' }, promptVersion: 'v',
  messages: [{ role: 'system', content: 'sys' }, { role: 'user', content }],
});

describe('batch input file', () => {
  it('one POST /v1/chat/completions line per request, custom_id = the cache key, the body as sent live', () => {
    const text = inputFile([{ key: 'k1', spec: spec('hello') }, { key: 'k2', spec: spec('world', 7) }], 'json_schema');
    const lines = text.trimEnd().split('\n').map((line) => JSON.parse(line) as { custom_id: string; method: string; url: string; body: Record<string, unknown> });
    expect(text.endsWith('\n')).toBe(true);
    expect(lines.map((line) => [line.custom_id, line.method, line.url])).toEqual([['k1', 'POST', '/v1/chat/completions'], ['k2', 'POST', '/v1/chat/completions']]);
    expect(lines[1]!.body).toMatchObject({ model: 'm', max_tokens: 7, temperature: 0, messages: [{ role: 'system', content: 'sys' }, { role: 'user', content: 'world' }] });
    expect(lines[1]!.body.response_format).toMatchObject({ type: 'json_schema', json_schema: { name: 'tidepool_sample_generation', strict: true } });
  });
});

describe('readResults', () => {
  it('reads answers from output lines and errors from error lines; unreadable lines are counted', () => {
    const ok = { custom_id: 'a', response: { status_code: 200, body: { model: 'served', choices: [{ message: { content: '{"x":1}' }, finish_reason: 'stop' }], usage: { prompt_tokens: 12, completion_tokens: 5 } } }, error: null };
    const failed = { custom_id: 'b', response: { status_code: 500, body: { error: { message: 'boom' } } }, error: null };
    const expired = { custom_id: 'c', response: null, error: { code: 'batch_expired', message: 'too late' } };
    const empty = { custom_id: 'd', response: { status_code: 200, body: { choices: [] } }, error: null };
    const text = [ok, failed, expired, empty].map((line) => JSON.stringify(line)).join('\n') + '\nnot json\n{"response": null}\n\n';
    const { answers, unreadable } = readResults(text, () => 'asked-model');
    expect(unreadable).toBe(2);
    expect(answers).toEqual([
      { key: 'a', ok: true, result: { content: '{"x":1}', finishReason: 'stop', promptTokens: 12, completionTokens: 5, model: 'served' } },
      { key: 'b', ok: false, error: 'status 500: boom' },
      { key: 'c', ok: false, error: 'batch_expired: too late' },
      { key: 'd', ok: false, error: 'the answer has no choices' },
    ]);
  });
});

describe('maxCost', () => {
  it('counts each prompt at its UTF-8 bytes plus 8 per message, and the whole max_tokens', () => {
    // 'é' is 2 bytes: prompt = (3 + 8) + (2 + 8) = 21 tokens at most.
    expect(maxTokensOf(spec('é', 50))).toEqual({ promptTokens: 21, completionTokens: 50 });
    const prices = { m: { input: 1_000_000, output: 2_000_000 } };
    // Two requests: (21 x $1 + 50 x $2) + (21 x $1 + 10 x $2) = 121 + 41.
    expect(maxCost([{ key: 'a', spec: spec('é', 50) }, { key: 'b', spec: spec('é', 10) }], prices)).toEqual({ usd: 162, tokens: 21 + 50 + 21 + 10 });
  });

  it('is null in USD when a model has no price', () => {
    expect(maxCost([{ key: 'a', spec: spec('x', 1, 'unpriced') }], {}).usd).toBeNull();
  });
});
