import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasErrorCode } from '../../../src/errors.js';
import { ResponseCache } from '../../../src/generate/cache.js';
import type { ChatResult } from '../../../src/generate/llm.js';

const root = mkdtempSync(join(tmpdir(), 'tidepool-cache-'));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});
let fileCount = 0;
const freshPath = (): string => join(root, `responses-${fileCount++}.jsonl`);

const result = (content: string, promptTokens: number, completionTokens: number, model = 'served-model'): ChatResult => ({
  content, finishReason: 'stop', promptTokens, completionTokens, model,
});

const KEY_A = 'a'.repeat(64);
const KEY_B = 'b'.repeat(64);
const KEY_C = 'c'.repeat(64);

describe('ResponseCache', () => {
  it('gets what was put, before and after close and reopen', () => {
    const path = freshPath();
    const cache = ResponseCache.open(path);
    const first = result('{"instruction": "héllo €"}', 10, 20);
    const second = result('second\nwith a newline', 3, 4);
    cache.put(KEY_A, 'gpt-x', first);
    cache.put(KEY_B, 'gpt-y', second);
    expect(cache.size).toBe(2);
    expect(cache.get(KEY_A)).toEqual(first);
    expect(cache.get(KEY_B)).toEqual(second);
    expect(cache.get(KEY_C)).toBeUndefined();
    cache.close();

    const reopened = ResponseCache.open(path);
    expect(reopened.size).toBe(2);
    expect(reopened.get(KEY_A)).toEqual(first);
    expect(reopened.get(KEY_B)).toEqual(second);
    expect(reopened.get(KEY_C)).toBeUndefined();
    const third = result('third', 1, 1);
    reopened.put(KEY_C, 'gpt-x', third);
    expect(reopened.get(KEY_C)).toEqual(third);
    reopened.close();
    expect(readFileSync(path, 'utf8').split('\n').filter((line) => line !== '')).toHaveLength(3);
  });

  it('an answer is in the file when put returns, before the event-loop turn ends (a kill -9 right after loses nothing paid for)', () => {
    const path = freshPath();
    const cache = ResponseCache.open(path);
    const answer = result('paid for', 7, 8);
    cache.put(KEY_A, 'gpt-x', answer);
    // What another process (the rerun after a kill) would read now, with no turn of the event loop in between.
    const reader = ResponseCache.open(path);
    expect(reader.get(KEY_A)).toEqual(answer);
    reader.close();
    cache.close();
  });

  it('a new cache file is empty and spends nothing', () => {
    const cache = ResponseCache.open(freshPath());
    expect(cache.size).toBe(0);
    expect(cache.spend).toEqual({ requests: 0, byModel: {} });
    cache.close();
  });

  it('sums spend by the model the request named, also after reopening', () => {
    const path = freshPath();
    const cache = ResponseCache.open(path);
    cache.put('k1', 'gen', result('a', 100, 10, 'server-says-something-else'));
    cache.put('k2', 'judge', result('b', 50, 5));
    cache.put('k3', 'gen', result('c', 7, 3));
    const expected = {
      requests: 3,
      byModel: {
        gen: { requests: 2, promptTokens: 107, completionTokens: 13 },
        judge: { requests: 1, promptTokens: 50, completionTokens: 5 },
      },
    };
    expect(cache.spend).toEqual(expected);
    cache.close();
    const reopened = ResponseCache.open(path);
    expect(reopened.spend).toEqual(expected);
    reopened.close();
  });

  it('ignores a second put of a key: the first answer stays and is not counted twice', () => {
    const path = freshPath();
    const cache = ResponseCache.open(path);
    cache.put(KEY_A, 'gen', result('first', 10, 10));
    cache.flush();
    const size = statSync(path).size;
    cache.put(KEY_A, 'gen', result('second', 99, 99));
    cache.flush();
    expect(cache.get(KEY_A)?.content).toBe('first');
    expect(cache.size).toBe(1);
    expect(cache.spend).toEqual({ requests: 1, byModel: { gen: { requests: 1, promptTokens: 10, completionTokens: 10 } } });
    expect(statSync(path).size).toBe(size);
    cache.close();
  });

  it('cuts a torn last line off on reopen; earlier entries survive and new ones append cleanly', () => {
    const path = freshPath();
    const cache = ResponseCache.open(path);
    cache.put(KEY_A, 'gen', result('kept one', 1, 2));
    cache.put(KEY_B, 'gen', result('kept two ü', 3, 4));
    cache.close();
    const whole = statSync(path).size;
    const torn = JSON.stringify({ key: KEY_C, model: 'gen', result: result('lost', 5, 6) });
    appendFileSync(path, torn.slice(0, Math.floor(torn.length / 2)));

    const reopened = ResponseCache.open(path);
    expect(statSync(path).size).toBe(whole);
    expect(reopened.size).toBe(2);
    expect(reopened.get(KEY_A)?.content).toBe('kept one');
    expect(reopened.get(KEY_B)?.content).toBe('kept two ü');
    expect(reopened.get(KEY_C)).toBeUndefined();
    expect(reopened.spend).toEqual({ requests: 2, byModel: { gen: { requests: 2, promptTokens: 4, completionTokens: 6 } } });
    reopened.put(KEY_C, 'gen', result('paid again', 5, 6));
    expect(reopened.get(KEY_C)?.content).toBe('paid again');
    reopened.close();

    const again = ResponseCache.open(path);
    expect(again.size).toBe(3);
    expect([KEY_A, KEY_B, KEY_C].map((key) => again.get(key)?.content)).toEqual(['kept one', 'kept two ü', 'paid again']);
    again.close();
  });

  it('a complete line that is not JSON fails with E_FORMAT_INVALID naming the file', () => {
    const path = freshPath();
    const good = JSON.stringify({ key: KEY_A, model: 'gen', result: result('ok', 1, 1) });
    writeFileSync(path, `${good}\nthis is not json\n`);
    let error: unknown;
    try {
      ResponseCache.open(path);
    } catch (caught) {
      error = caught;
    }
    expect(hasErrorCode(error, 'E_FORMAT_INVALID')).toBe(true);
    expect((error as Error).message).toContain(path);
    // The byte offset of the bad line is named too.
    expect((error as Error).message).toContain(String(Buffer.byteLength(good) + 1));
    // Nothing was cut: the bad line was whole.
    expect(readFileSync(path, 'utf8')).toBe(`${good}\nthis is not json\n`);
  });
});

describe('ResponseCache (damaged entries)', () => {
  it('a complete JSON line that is not a cache entry fails with E_FORMAT_INVALID, not a crash', () => {
    for (const line of ['null', '{"key":"x"}', JSON.stringify({ key: KEY_A, model: 'gen', result: { content: 1 } })]) {
      const path = freshPath();
      writeFileSync(path, `${line}\n`);
      let error: unknown;
      try {
        ResponseCache.open(path);
      } catch (caught) {
        error = caught;
      }
      expect(hasErrorCode(error, 'E_FORMAT_INVALID'), line).toBe(true);
      expect((error as Error).message).toContain(path);
    }
  });
});
