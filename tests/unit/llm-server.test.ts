/** The scripted LLM server, driven by the real `openai` client: shapes, retries, timeouts and faults. */
import OpenAI from 'openai';
import { afterEach, describe, expect, test } from 'vitest';
import { byMatcher, countTokens, promptText, scripted, startLlmServer, type LlmServer, type LlmServerOptions } from '../helpers/llm-server.js';

const servers: LlmServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function start(options: LlmServerOptions = {}): Promise<{ server: LlmServer; client: (overrides?: { apiKey?: string; maxRetries?: number; timeout?: number }) => OpenAI }> {
  const server = await startLlmServer(options);
  servers.push(server);
  return { server, client: (overrides = {}) => new OpenAI({ baseURL: server.baseURL, apiKey: 'test', maxRetries: 0, timeout: 2000, ...overrides }) };
}

const ask = (client: OpenAI, content = 'Write a function.', extra: Partial<OpenAI.ChatCompletionCreateParamsNonStreaming> = {}, request: OpenAI.RequestOptions = {}): Promise<OpenAI.ChatCompletion> =>
  client.chat.completions.create({ model: 'test-model', messages: [{ role: 'system', content: 'You are a generator.' }, { role: 'user', content }], ...extra }, request);

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

function gaps(server: LlmServer): number[] {
  return server.requests.slice(1).map((request, i) => request.arrivedAt - server.requests[i]!.arrivedAt);
}

describe('llm-server', () => {
  test('a scripted answer round-trips in the OpenAI shape, with deterministic usage', async () => {
    const { server, client } = await start({ respond: scripted([{ content: 'def add(a, b):\n    return a + b' }]) });
    const completion = await ask(client(), 'Write add.', { temperature: 0.2 });
    const prompt = 'You are a generator.\nWrite add.';
    expect(completion).toMatchObject({ id: 'chatcmpl-0', object: 'chat.completion', model: 'test-model' });
    expect(completion.choices).toEqual([{ index: 0, message: { role: 'assistant', content: 'def add(a, b):\n    return a + b', refusal: null }, finish_reason: 'stop', logprobs: null }]);
    const completionTokens = countTokens('def add(a, b):\n    return a + b');
    expect(completion.usage).toEqual({ prompt_tokens: countTokens(prompt), completion_tokens: completionTokens, total_tokens: countTokens(prompt) + completionTokens });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({ index: 0, attempt: 1, authorization: 'Bearer test', body: { model: 'test-model', temperature: 0.2 } });
    expect(promptText(server.requests[0]!.body)).toBe(prompt);
    const models = await client().models.list();
    expect(models.data.map((model) => model.id)).toEqual(['tidepool-test-model']);
    expect(server.errors).toEqual([]);
  });

  test('429 with Retry-After is retried by the client after the requested wait', async () => {
    const { server, client } = await start({ respond: scripted([{ status: 429, retryAfter: 0.3 }, { content: 'after the wait' }]) });
    const completion = await ask(client({ maxRetries: 2 }));
    expect(completion.choices[0]?.message.content).toBe('after the wait');
    expect(server.requests.map((request) => request.attempt)).toEqual([1, 2]);
    expect(gaps(server)[0]).toBeGreaterThanOrEqual(290);
  });

  test('500 and 503 are retried, then succeed; an exhausted 500 surfaces as InternalServerError', async () => {
    const { server, client } = await start({ respond: scripted([{ status: 500, retryAfterMs: 10 }, { status: 503, retryAfterMs: 10 }, { content: 'third time' }, { status: 500, retryAfterMs: 10 }, { status: 502, retryAfterMs: 10 }]) });
    expect((await ask(client({ maxRetries: 2 }))).choices[0]?.message.content).toBe('third time');
    const failure = await ask(client({ maxRetries: 1 })).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.InternalServerError);
    expect(failure).toMatchObject({ status: 502 });
    expect(server.requests.map((request) => request.attempt)).toEqual([1, 2, 3, 1, 2]);
  });

  test('a hang hits the client timeout and is retried; with no retries left it is APIConnectionTimeoutError', async () => {
    const { server, client } = await start({ respond: scripted([{ hang: true }, { content: 'second try' }, { hang: true }]) });
    expect((await ask(client({ maxRetries: 1, timeout: 200 }))).choices[0]?.message.content).toBe('second try');
    expect(gaps(server)[0]).toBeGreaterThanOrEqual(190);
    await expect(ask(client({ maxRetries: 0, timeout: 200 }))).rejects.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    expect(server.requests.map((request) => request.attempt)).toEqual([1, 2, 1]);
  });

  test('a body truncated after the headers is a raw TypeError, not retried; a dropped connection is retried', async () => {
    const { server, client } = await start({ respond: scripted([{ truncate: true, content: 'x'.repeat(400) }, { drop: true }, { content: 'reconnected' }]) });
    const failure = await ask(client({ maxRetries: 2 })).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TypeError);
    expect(failure).not.toBeInstanceOf(OpenAI.APIError);
    expect(server.requests).toHaveLength(1);
    expect((await ask(client({ maxRetries: 1 }))).choices[0]?.message.content).toBe('reconnected');
    expect(server.requests).toHaveLength(3);
  });

  test('the client timeout does not cover a stalled body: only a per-request signal ends it, and a stream then ends silently', async () => {
    const { server, client } = await start({ respond: () => ({ truncate: true, hold: true, content: 'y'.repeat(400) }) });
    const openai = client({ maxRetries: 2, timeout: 50 });
    const started = performance.now();
    const failure = await ask(openai, 'stall', {}, { signal: AbortSignal.timeout(250) }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ name: 'AbortError' });
    expect(failure).not.toBeInstanceOf(OpenAI.APIError);
    expect(performance.now() - started).toBeGreaterThanOrEqual(240);
    const stream = await openai.chat.completions.create({ model: 'test-model', messages: [{ role: 'user', content: 'stall' }], stream: true }, { signal: AbortSignal.timeout(250) });
    let content = '';
    let finishReason: string | null | undefined = null;
    for await (const chunk of stream) {
      content += chunk.choices[0]?.delta.content ?? '';
      finishReason = chunk.choices[0]?.finish_reason ?? finishReason;
    }
    expect(content.length).toBeGreaterThan(0);
    expect(content.length).toBeLessThan(400);
    expect(finishReason).toBeNull();
    expect(server.requests).toHaveLength(2);
  });

  test('a refusal comes back in message.refusal', async () => {
    const { client } = await start({ respond: () => ({ refusal: 'I cannot help with that.' }) });
    const message = (await ask(client())).choices[0]?.message;
    expect(message).toMatchObject({ content: null, refusal: 'I cannot help with that.' });
  });

  test('stream: true yields SSE chunks that reassemble the content, with usage when asked', async () => {
    const text = 'def double(x):\n    return 2 * x\n';
    const { server, client } = await start({ respond: () => ({ content: text, finishReason: 'length' }) });
    const stream = await client().chat.completions.create({ model: 'test-model', messages: [{ role: 'user', content: 'double' }], stream: true, stream_options: { include_usage: true } });
    let content = '';
    const finishReasons: unknown[] = [];
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      content += chunk.choices[0]?.delta.content ?? '';
      if (chunk.choices[0]?.finish_reason) finishReasons.push(chunk.choices[0].finish_reason);
      usage = chunk.usage ?? usage;
    }
    expect(content).toBe(text);
    expect(finishReasons).toEqual(['length']);
    expect(usage).toEqual({ prompt_tokens: countTokens('double'), completion_tokens: countTokens(text), total_tokens: countTokens('double') + countTokens(text) });
    expect(server.requests[0]?.body.stream).toBe(true);
  });

  test('requireApiKey answers 401 (not retried) to a wrong key and records the header', async () => {
    const { server, client } = await start({ requireApiKey: 'sk-right' });
    await expect(ask(client({ apiKey: 'sk-wrong', maxRetries: 2 }))).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    await expect(client({ apiKey: 'sk-wrong' }).models.list()).rejects.toMatchObject({ status: 401, code: 'invalid_api_key' });
    expect((await ask(client({ apiKey: 'sk-right' }))).choices[0]?.message.content).toBe('ok');
    expect(server.requests.map((request) => request.authorization)).toEqual(['Bearer sk-wrong', 'Bearer sk-right']);
  });

  test('rejectResponseFormat answers 400 with an OpenAI-style error; response_format is recorded', async () => {
    const { server, client } = await start({ rejectResponseFormat: true });
    const schema = { type: 'json_schema' as const, json_schema: { name: 'verdict', schema: { type: 'object', properties: { ok: { type: 'boolean' } } } } };
    const failure = await ask(client({ maxRetries: 2 }), 'judge', { response_format: schema }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.BadRequestError);
    expect(failure).toMatchObject({ status: 400, param: 'response_format', code: 'unsupported_parameter', type: 'invalid_request_error' });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.body.response_format).toEqual(schema);
    expect((await ask(client(), 'plain', { response_format: { type: 'text' } })).choices[0]?.message.content).toBe('ok');
  });

  test('byMatcher routes generator and discriminator prompts; delayMs and raw json replies', async () => {
    const respond = byMatcher(
      [
        [(request) => promptText(request).includes('Judge'), scripted([{ delayMs: 50, then: { content: '{"ok": true}' } }, { content: '{"ok": tru' }])],
        [(request) => promptText(request).includes('Generate'), { content: 'Instruction: reverse a list.' }],
      ],
      { json: { choices: [] } },
    );
    const { client } = await start({ respond });
    const openai = client();
    const contentOf = async (prompt: string): Promise<string | null | undefined> => (await ask(openai, prompt)).choices[0]?.message.content;
    expect(await contentOf('Generate one.')).toBe('Instruction: reverse a list.');
    const started = performance.now();
    expect(await contentOf('Judge this.')).toBe('{"ok": true}');
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
    expect(await contentOf('Judge again.')).toBe('{"ok": tru');
    expect((await ask(openai, 'something else')).choices).toEqual([]);
  });

  test('a respond() that throws is recorded in server.errors and answered with a non-retryable 500', async () => {
    const { server, client } = await start({ respond: scripted([]) });
    await expect(ask(client({ maxRetries: 2 }))).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    expect(server.requests).toHaveLength(1);
    expect(server.errors.map((error) => error.message)).toEqual([expect.stringContaining('scripted: all 0 replies used') as unknown]);
  });

  test('stats count requests in flight from arrival to the end of the response: 64 concurrent clients reach 64', async () => {
    const { server, client } = await start({ respond: () => ({ delayMs: 150, then: { content: 'slow' } }) });
    const openai = client({ maxRetries: 0 });
    const replies = await Promise.all(Array.from({ length: 64 }, (_, i) => ask(openai, `request ${i}`)));
    expect(replies.map((reply) => reply.choices[0]?.message.content)).toEqual(Array.from({ length: 64 }, () => 'slow'));
    expect(server.stats).toEqual({ total: 64, inFlight: 0, maxInFlight: 64 });
    expect(await ask(openai, 'one more')).toBeDefined();
    expect(server.stats).toEqual({ total: 65, inFlight: 0, maxInFlight: 64 });
  });

  test('a hanging request stays in flight until close() ends its socket', async () => {
    const { server, client } = await start({ respond: () => ({ hang: true }) });
    const pending = ask(client({ timeout: 60_000 })).catch((error: unknown) => error);
    await until(() => server.stats.inFlight === 1);
    await server.close();
    await pending;
    await until(() => server.stats.inFlight === 0);
    expect(server.stats).toEqual({ total: 1, inFlight: 0, maxInFlight: 1 });
  });

  test('recordRequests: false keeps no requests but still counts them, numbers them and reads the retry header', async () => {
    const { server, client } = await start({ recordRequests: false, respond: scripted([{ status: 503, retryAfterMs: 5 }, (_request, context) => ({ content: `#${context.index} attempt ${context.attempt}` })]) });
    const completion = await ask(client({ maxRetries: 1 }));
    expect(completion.choices[0]?.message.content).toBe('#1 attempt 2');
    expect(server.requests).toEqual([]);
    expect(server.stats).toMatchObject({ total: 2, inFlight: 0 });
  });

  test('port and host: a busy port is refused with EADDRINUSE; baseURL names the address listened on', async () => {
    const { server } = await start({ host: '127.0.0.1' });
    const port = Number(new URL(server.baseURL).port);
    expect(server.baseURL).toBe(`http://127.0.0.1:${port}/v1`);
    await expect(startLlmServer({ port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  test('close() ends a hanging request instead of keeping the process alive', async () => {
    const { server, client } = await start({ respond: () => ({ hang: true }) });
    const pending = ask(client({ timeout: 60_000 })).catch((error: unknown) => error);
    await until(() => server.requests.length === 1);
    await server.close();
    expect(await pending).toBeInstanceOf(OpenAI.APIConnectionError);
  });

  test('models: null leaves out the /models route (404), as on servers that have none', async () => {
    const { client } = await start({ models: null });
    await expect(client().models.list()).rejects.toMatchObject({ status: 404 });
  });

  test('an oversized answer is a whole completion of the given size with its Content-Length; an endless one never ends', async () => {
    const { server } = await start({ respond: byMatcher([[(request) => promptText(request).includes('big'), { oversized: 1_000_000 }]], { endless: true }) });
    const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'big' }] });
    const url = `${server.baseURL}/chat/completions`;
    const big = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const text = await big.text();
    expect(Number(big.headers.get('content-length'))).toBe(Buffer.byteLength(text));
    const completion = JSON.parse(text) as OpenAI.ChatCompletion;
    expect(completion.choices[0]!.message.content).toBe('x'.repeat(1_000_000));
    const controller = new AbortController();
    const endless = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body.replace('big', 'more'), signal: controller.signal });
    let received = 0;
    for await (const chunk of endless.body! as AsyncIterable<Uint8Array>) {
      received += chunk.length;
      if (received >= 4_000_000) break;
    }
    controller.abort();
    expect(received).toBeGreaterThanOrEqual(4_000_000);
  });
});

