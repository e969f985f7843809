import { describe, expect, it } from 'vitest';
import { TidepoolError } from '../../../../src/errors.js';
import { EndpointHealth } from '../../../../src/generate/endpoints/health.js';
import { EndpointPool, type EndpointClient } from '../../../../src/generate/endpoints/pool.js';
import { percentile } from '../../../../src/generate/endpoints/report.js';
import { TransientLlmError, type ChatResult } from '../../../../src/generate/llm.js';
import type { ChatSpec } from '../../../../src/generate/requests.js';

const SPEC: ChatSpec = { model: 'job-model', messages: [{ role: 'user', content: 'hi' }], temperature: 0, maxTokens: 8, schemaName: 's', schema: {}, promptVersion: 'v' };

/** A request a fake endpoint holds until the test answers or fails it. */
interface Held {
  spec: ChatSpec;
  answer(): void;
  fail(error: Error): void;
}

/** An endpoint whose requests wait for the test (or, with `behaviour`, are settled at once). */
class FakeEndpoint implements EndpointClient {
  readonly held: Held[] = [];
  readonly received: ChatSpec[] = [];
  behaviour: ((spec: ChatSpec) => Promise<ChatResult>) | undefined;
  probeError: Error | undefined;
  closed = false;
  readonly format = 'json_schema' as const;
  constructor(readonly displayURL: string) {}

  probe(): Promise<void> {
    return this.probeError === undefined ? Promise.resolve() : Promise.reject(this.probeError);
  }

  close(): void {
    this.closed = true;
  }

  chat(spec: ChatSpec): Promise<ChatResult> {
    this.received.push(spec);
    if (this.behaviour !== undefined) return this.behaviour(spec);
    return new Promise((resolve, reject) => {
      this.held.push({ spec, answer: () => {
        resolve(result(this.displayURL));
      }, fail: reject });
    });
  }
}

const result = (content: string): ChatResult => ({ content, finishReason: 'stop', promptTokens: 1, completionTokens: 1, model: 'served' });
const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const refused = (): TransientLlmError => new TransientLlmError('connection refused, after retries', 'connection');

function poolOf(count: number, options: Partial<ConstructorParameters<typeof EndpointPool>[1]> = {}): { pool: EndpointPool; fakes: FakeEndpoint[]; log: string[] } {
  const fakes = Array.from({ length: count }, (_, i) => new FakeEndpoint(`http://e${i}/v1`));
  const log: string[] = [];
  const pool = new EndpointPool(fakes.map((client) => ({ client })), { concurrency: 2, attempts: count, policy: { backoffMs: 40, maxBackoffMs: 40 }, log: (line) => log.push(line), ...options });
  return { pool, fakes, log };
}

describe('EndpointPool', () => {
  it('sends each request to the endpoint with the fewest outstanding, at most --concurrency on each, the rest waiting their turn', async () => {
    const { pool, fakes } = poolOf(3);
    const answers = Array.from({ length: 7 }, () => pool.chat(SPEC));
    await tick();
    expect(fakes.map((fake) => fake.held.length)).toEqual([2, 2, 2]);
    // The seventh waits for a free slot, and takes the first one freed.
    fakes[1]!.held[0]!.answer();
    await tick();
    await tick();
    expect(fakes.map((fake) => fake.held.length)).toEqual([2, 3, 2]);
    for (const fake of fakes) for (const held of fake.held) held.answer();
    const contents = (await Promise.all(answers)).map((answer) => answer.content).sort();
    expect(contents).toEqual(['http://e0/v1', 'http://e0/v1', 'http://e1/v1', 'http://e1/v1', 'http://e1/v1', 'http://e2/v1', 'http://e2/v1']);
    expect(pool.report().map((report) => [report.requests, report.answered, report.errors])).toEqual([[2, 2, 0], [3, 3, 0], [2, 2, 0]]);
    pool.close();
    expect(fakes.every((fake) => fake.closed)).toBe(true);
  });

  it('sends a failed request to another endpoint, takes the failing one out, and tries it again once its back-off ends', async () => {
    // A clock the test moves: while endpoint 1 answers, nothing waits on a timer, so no real time is needed.
    let clock = 0;
    const { pool, fakes, log } = poolOf(2, { concurrency: 4, now: () => clock });
    fakes[0]!.behaviour = () => Promise.reject(refused());
    fakes[1]!.behaviour = () => Promise.resolve(result('e1'));
    expect((await pool.chat(SPEC)).content).toBe('e1');
    expect(fakes[0]!.received).toHaveLength(1);
    expect(log.join('\n')).toMatch(/endpoint http:\/\/e0\/v1 taken out for 0 s after: connection refused/);
    // While out, nothing goes there.
    for (let i = 0; i < 5; i++) await pool.chat(SPEC);
    expect(fakes[0]!.received).toHaveLength(1);
    // Back: after the back-off one trial request goes there, and once it answers the endpoint takes its share again.
    fakes[0]!.behaviour = () => Promise.resolve(result('e0'));
    clock += 39;
    await pool.chat(SPEC);
    expect(fakes[0]!.received).toHaveLength(1);
    clock += 1;
    const after = await Promise.all(Array.from({ length: 4 }, () => pool.chat(SPEC)));
    expect(after.filter((answer) => answer.content === 'e0').length).toBeGreaterThanOrEqual(1);
    const report = pool.report();
    expect(report[0]).toMatchObject({ url: 'http://e0/v1', errors: 1, takenOut: 1 });
    expect(report[0]!.answered).toBeGreaterThanOrEqual(1);
    expect(report[1]).toMatchObject({ errors: 0, answered: 11 - report[0]!.answered });
    pool.close();
  });

  it('takes an endpoint out after three 5xx in a row, not after two', () => {
    const health = new EndpointHealth({ backoffMs: 1000 });
    expect(health.failed('server', 0)).toBe(false);
    expect(health.failed('server', 1)).toBe(false);
    health.answered();
    expect(health.failed('server', 2)).toBe(false);
    expect(health.failed('server', 3)).toBe(false);
    expect(health.failed('busy', 3)).toBe(false);
    expect(health.failed('server', 4)).toBe(true);
    expect(health.capacity(8, 500)).toBe(0);
    // On trial after the back-off: one request; its failure doubles the time out.
    expect(health.capacity(8, 1004)).toBe(1);
    expect(health.failed('server', 1004)).toBe(true);
    expect(health.returnsAt).toBe(1004 + 2000);
    expect(health.capacity(8, 3004)).toBe(1);
    health.answered();
    expect(health.capacity(8, 3004)).toBe(8);
    expect(health.takenOut).toBe(2);
  });

  it('fails a request only when every endpoint it could go to failed, and lets fresh requests wait for a comeback', async () => {
    let clock = 0;
    const { pool, fakes } = poolOf(2, { attempts: 2, now: () => clock });
    for (const fake of fakes) fake.behaviour = () => Promise.reject(refused());
    await expect(pool.chat(SPEC)).rejects.toMatchObject({ name: 'TransientLlmError', kind: 'connection' });
    expect(fakes.map((fake) => fake.received.length)).toEqual([1, 1]);
    // Both are out now: a fresh request waits, and goes out once an endpoint is back.
    fakes[1]!.behaviour = () => Promise.resolve(result('back'));
    const waiting = pool.chat(SPEC);
    await tick();
    await sleep(60);
    // Nothing is sent while both are out (the test's clock has not moved).
    expect(fakes.map((fake) => fake.received.length)).toEqual([1, 1]);
    clock += 40;
    expect((await waiting).content).toBe('back');
    expect(fakes[1]!.received).toHaveLength(2);
    pool.close();
  });

  it('sends a request at most `attempts` times, even when only one endpoint keeps taking it back (429s)', async () => {
    const { pool, fakes } = poolOf(2, { attempts: 4 });
    fakes[0]!.behaviour = () => Promise.reject(refused());
    fakes[1]!.behaviour = () => Promise.reject(new TransientLlmError('server error 429 after retries: busy', 'busy'));
    await expect(pool.chat(SPEC)).rejects.toMatchObject({ kind: 'busy' });
    expect(fakes.map((fake) => fake.received.length)).toEqual([1, 3]);
    // Busy is not a reason to take it out.
    expect(pool.report().map((report) => report.takenOut)).toEqual([1, 0]);
    pool.close();
  });

  it('sends each endpoint its own model name, and names the endpoint in an error no retry can fix', async () => {
    const a = new FakeEndpoint('http://a/v1');
    const b = new FakeEndpoint('http://b/v1');
    a.behaviour = (spec) => Promise.resolve(result(spec.model));
    b.behaviour = () => Promise.reject(new TidepoolError('E_LLM_REQUEST', 'the LLM server answered 404 for model x', { status: 404 }));
    const pool = new EndpointPool([{ client: a, model: 'qwen-a' }, { client: b }], { concurrency: 1, attempts: 2 });
    const [first, second] = await Promise.allSettled([pool.chat(SPEC), pool.chat(SPEC)]);
    expect(first).toMatchObject({ status: 'fulfilled', value: { content: 'qwen-a' } });
    expect(second).toMatchObject({ status: 'rejected', reason: { code: 'E_LLM_REQUEST', message: expect.stringMatching(/^endpoint http:\/\/b\/v1: the LLM server answered 404/) as unknown } });
    pool.close();
  });

  it('probes every endpoint: one out of reach is taken out, all out of reach fail the run, a refused key fails it naming the endpoint', async () => {
    const unreachable = (): TidepoolError => new TidepoolError('E_LLM_UNREACHABLE', 'cannot reach the LLM server', { reason: 'connection refused' });
    const { pool, fakes, log } = poolOf(2);
    fakes[0]!.probeError = unreachable();
    fakes[1]!.behaviour = () => Promise.resolve(result('e1'));
    await pool.probe();
    expect(log.join('\n')).toContain('endpoint http://e0/v1 is out of reach (connection refused)');
    expect((await pool.chat(SPEC)).content).toBe('e1');
    expect(fakes[0]!.received).toHaveLength(0);
    pool.close();

    const none = poolOf(2);
    for (const fake of none.fakes) fake.probeError = unreachable();
    await expect(none.pool.probe()).rejects.toMatchObject({ code: 'E_LLM_UNREACHABLE', message: expect.stringMatching(/cannot reach any of the 2 LLM servers/) as unknown });
    none.pool.close();

    const auth = poolOf(2);
    auth.fakes[1]!.probeError = new TidepoolError('E_LLM_AUTH', 'the LLM server refused the API key');
    await expect(auth.pool.probe()).rejects.toMatchObject({ code: 'E_LLM_AUTH', message: expect.stringMatching(/^endpoint http:\/\/e1\/v1: /) as unknown });
    auth.pool.close();
  });
});

describe('percentile', () => {
  it('is the nearest-rank quantile, as a sort and count gives it', () => {
    const values = Array.from({ length: 101 }, (_, i) => (i * 37) % 101);
    const sorted = [...values].sort((a, b) => a - b);
    for (const q of [0.5, 0.95, 0.99, 1]) {
      // Brute force: the smallest value with at least q of the values at or below it.
      const expected = sorted.find((value) => values.filter((other) => other <= value).length >= q * values.length);
      expect(percentile(sorted, q)).toBe(expected);
    }
    expect(percentile([], 0.5)).toBeNull();
  });
});
