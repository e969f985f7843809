import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchPrices, costOf, DEFAULT_PRICES, loadPrices, priceOf } from '../../../src/generate/prices.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tidepool-prices-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function priceFile(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe('DEFAULT_PRICES', () => {
  it('covers the common OpenAI models with sane prices', () => {
    for (const model of ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'gpt-4.1-mini', 'gpt-4.1-nano', 'gpt-3.5-turbo', 'o3-mini']) {
      const price = priceOf(DEFAULT_PRICES, model);
      expect(price, model).toBeDefined();
      expect(price!.input).toBeGreaterThan(0);
      expect(price!.output).toBeGreaterThanOrEqual(price!.input); // completions never cost less than prompts here
    }
    expect(Object.isFrozen(DEFAULT_PRICES)).toBe(true);
  });
});

describe('batch prices', () => {
  it('the built-in batch column is half the live price (the Batch API discount OpenAI lists)', () => {
    for (const [model, price] of Object.entries(DEFAULT_PRICES)) {
      expect(price.batchInput, model).toBeCloseTo(price.input / 2, 12);
      expect(price.batchOutput, model).toBeCloseTo(price.output / 2, 12);
    }
  });

  it('batchPrices prices every model at its batch column, or at its live price where it has none', async () => {
    const table = loadPrices(await priceFile('batch.json', JSON.stringify({ 'local-model': { input: 1, output: 2 }, 'cheap-batch': { input: 1, output: 2, batchInput: 0.1, batchOutput: 0.3 } })));
    const batch = batchPrices(table);
    expect(priceOf(batch, 'local-model')).toEqual({ input: 1, output: 2 });
    expect(priceOf(batch, 'cheap-batch')).toEqual({ input: 0.1, output: 0.3 });
    expect(priceOf(batch, 'gpt-4o-mini')).toEqual({ input: 0.075, output: 0.3 });
    // gpt-4o-mini through the Batch API: 1M prompt x $0.075 + 1M completion x $0.30
    expect(costOf(batch, 'gpt-4o-mini-2024-07-18', { promptTokens: 1_000_000, completionTokens: 1_000_000 })).toBeCloseTo(0.375, 12);
    expect(Object.isFrozen(batch)).toBe(true);
  });

  it('a bad batch field is named with the model', async () => {
    const file = await priceFile('bad-batch.json', JSON.stringify({ m: { input: 1, output: 1, batchInput: -1, batchOutput: 'x' } }));
    const { code, message } = thrown(() => loadPrices(file));
    expect(code).toBe('E_FORMAT_INVALID');
    expect(message).toContain('"m".batchInput: expected a non-negative number (USD per 1M tokens through the Batch API) or nothing, found -1');
    expect(message).toContain('"m".batchOutput');
  });
});

describe('priceOf', () => {
  it('exact id first, then a dated snapshot of a known id, else undefined', () => {
    expect(priceOf(DEFAULT_PRICES, 'gpt-4o-mini')).toMatchObject({ input: 0.15, output: 0.6 });
    expect(priceOf(DEFAULT_PRICES, 'gpt-4o-mini-2024-07-18')).toMatchObject({ input: 0.15, output: 0.6 });
    expect(priceOf(DEFAULT_PRICES, 'gpt-4.1-nano-2025-04-14')).toMatchObject({ input: 0.1, output: 0.4 });
    // a snapshot with its own entry is not priced as its base
    expect(priceOf(DEFAULT_PRICES, 'gpt-4o-2024-05-13')).toMatchObject({ input: 5, output: 15 });
    expect(priceOf(DEFAULT_PRICES, 'gpt-4o-2024-08-06')).toMatchObject({ input: 2.5, output: 10 });
  });

  it('a dated snapshot of a newer model costs what its base id costs', () => {
    expect(priceOf(DEFAULT_PRICES, 'gpt-5-2025-08-07')).toMatchObject({ input: 1.25, output: 10 });
    expect(priceOf(DEFAULT_PRICES, 'gpt-5-mini-2025-08-07')).toMatchObject({ input: 0.25, output: 2 });
  });

  it('unknown, local and near-miss ids have no price', () => {
    for (const model of ['llama3.1:8b', 'Qwen/Qwen2.5-Coder-7B-Instruct', 'gpt-4o-mini-preview', 'gpt-4o-mini-2024-07', 'gpt-7-2030-01-01', 'gpt-5-mini-preview', 'GPT-4O', 'constructor', '__proto__', 'toString']) {
      expect(priceOf(DEFAULT_PRICES, model), model).toBeUndefined();
    }
  });
});

describe('costOf', () => {
  it('prices prompt and completion tokens per million', () => {
    // gpt-4o-mini: 1M prompt x $0.15 + 0.5M completion x $0.60 = $0.45
    expect(costOf(DEFAULT_PRICES, 'gpt-4o-mini', { promptTokens: 1_000_000, completionTokens: 500_000 })).toBeCloseTo(0.45, 12);
    // gpt-4.1: 1200 x $2/1M + 300 x $8/1M = 0.0024 + 0.0024
    expect(costOf(DEFAULT_PRICES, 'gpt-4.1-2025-04-14', { promptTokens: 1200, completionTokens: 300 })).toBeCloseTo(0.0048, 12);
    expect(costOf(DEFAULT_PRICES, 'o3-mini', { promptTokens: 0, completionTokens: 0 })).toBe(0);
  });

  it('is undefined for a model without a price', () => {
    expect(costOf(DEFAULT_PRICES, 'llama3.1:8b', { promptTokens: 10, completionTokens: 10 })).toBeUndefined();
  });
});

describe('loadPrices', () => {
  it('no file gives the built-in table', () => {
    expect(loadPrices()).toBe(DEFAULT_PRICES);
  });

  it('extends and overrides the built-in prices, and snapshots follow an added base id', async () => {
    const file = await priceFile('ok.json', JSON.stringify({ 'gpt-4o': { input: 1, output: 2 }, 'my-model': { input: 0, output: 0.25 } }));
    const table = loadPrices(file);
    expect(priceOf(table, 'gpt-4o')).toEqual({ input: 1, output: 2 });
    expect(priceOf(table, 'my-model')).toEqual({ input: 0, output: 0.25 });
    expect(priceOf(table, 'my-model-2025-01-31')).toEqual({ input: 0, output: 0.25 });
    expect(priceOf(table, 'gpt-4o-mini')).toEqual(DEFAULT_PRICES['gpt-4o-mini']);
    expect(priceOf(DEFAULT_PRICES, 'gpt-4o')).toMatchObject({ input: 2.5, output: 10 }); // built-ins untouched
    expect(Object.isFrozen(table)).toBe(true);
  });

  it('a model id like __proto__ is stored as a plain entry', async () => {
    const table = loadPrices(await priceFile('proto.json', '{"__proto__": {"input": 1, "output": 1}}'));
    expect(priceOf(table, '__proto__')).toEqual({ input: 1, output: 1 });
    expect(priceOf(table, 'constructor')).toBeUndefined();
  });

  it('a missing file or a folder is E_INPUT_MISSING naming the path', async () => {
    const missing = join(dir, 'nope.json');
    expect(thrown(() => loadPrices(missing))).toMatchObject({ code: 'E_INPUT_MISSING' });
    expect(thrown(() => loadPrices(missing)).message).toContain(`${missing} (--prices): found no such file`);
    const folder = join(dir, 'a-folder');
    await mkdir(folder);
    expect(thrown(() => loadPrices(folder))).toMatchObject({ code: 'E_INPUT_MISSING' });
    expect(thrown(() => loadPrices(folder)).message).toContain('found a directory');
  });

  it('bad JSON is E_FORMAT_INVALID naming the file and the expected shape', async () => {
    const file = await priceFile('bad.json', '{"gpt-4o": {"input": 1,}');
    const error = thrown(() => loadPrices(file));
    expect(error.code).toBe('E_FORMAT_INVALID');
    expect(error.message).toMatch(/bad\.json is not valid JSON.*"input": 0\.5, "output": 1\.5/);
  });

  it('a top level that is not an object is E_FORMAT_INVALID saying what was found', async () => {
    const file = await priceFile('array.json', '[1]');
    const error = thrown(() => loadPrices(file));
    expect(error.code).toBe('E_FORMAT_INVALID');
    expect(error.message).toContain('found an array');
  });

  it('lists every bad entry with its model id and field', async () => {
    const file = await priceFile(
      'entries.json',
      JSON.stringify({
        'a-model': { input: '0.5', output: 1 },
        'b-model': { input: 1 },
        'c-model': { input: -1, output: 1, cached: 0.1 },
        'd-model': 3,
        'ok-model': { input: 1, output: 1 },
      }),
    );
    const { code, message } = thrown(() => loadPrices(file));
    expect(code).toBe('E_FORMAT_INVALID');
    expect(message).toContain('entries.json has 5 problems');
    expect(message).toContain('"a-model".input: expected a non-negative number (USD per 1M tokens), found "0.5"');
    expect(message).toContain('"b-model".output: expected a non-negative number (USD per 1M tokens), found nothing');
    expect(message).toContain('"c-model".input');
    expect(message).toContain('"c-model": unknown field "cached"');
    expect(message).toContain('"d-model": expected {"input": number, "output": number}, found 3');
    expect(message).not.toContain('ok-model');
  });
});

/** The error `action` throws (fails the test when it throws nothing). */
function thrown(action: () => unknown): { code?: unknown; message: string } {
  try {
    action();
  } catch (error) {
    return error as { code?: unknown; message: string };
  }
  throw new Error('expected an error, none was thrown');
}
