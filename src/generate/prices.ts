/**
 * Model prices for cost accounting: a built-in table for common OpenAI models that users extend or
 * override with `--prices FILE`. Local models (vLLM, Ollama) have no price, so their cost is
 * unknown (`undefined`) rather than zero.
 */
import { readFileSync } from 'node:fs';
import { TidepoolError } from '../errors.js';

/** What a model costs, in USD per million tokens. */
export interface ModelPrice {
  /** USD per 1M prompt tokens. */
  input: number;
  /** USD per 1M completion tokens. */
  output: number;
  /** USD per 1M prompt tokens through the Batch API (`generate --batch`). @default input: no discount unless the provider lists one */
  batchInput?: number;
  /** USD per 1M completion tokens through the Batch API. @default output */
  batchOutput?: number;
}

/** Prices by model id. */
export type PriceTable = Readonly<Record<string, ModelPrice>>;

/**
 * Built-in prices in USD per 1M tokens (standard tier, no cached-input discount; the batch column is
 * half the live price, the Batch API discount OpenAI lists for these models), as
 * https://openai.com/api/pricing listed them in 2026 (checked in November 2026 against several
 * published copies of that page, which agreed; the page itself is not reachable from the build
 * machine). Prices change: check them, and override any entry with `--prices FILE`. A dated snapshot id (`gpt-4o-mini-2024-07-18`) costs what its base id
 * costs unless it has its own entry (see {@link priceOf}).
 */
export const DEFAULT_PRICES: PriceTable = Object.freeze({
  'gpt-4o': { input: 2.5, output: 10, batchInput: 1.25, batchOutput: 5 },
  // The first gpt-4o snapshot kept its launch price.
  'gpt-4o-2024-05-13': { input: 5, output: 15, batchInput: 2.5, batchOutput: 7.5 },
  'gpt-4o-mini': { input: 0.15, output: 0.6, batchInput: 0.075, batchOutput: 0.3 },
  'gpt-4.1': { input: 2, output: 8, batchInput: 1, batchOutput: 4 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6, batchInput: 0.2, batchOutput: 0.8 },
  'gpt-4.1-nano': { input: 0.1, output: 0.4, batchInput: 0.05, batchOutput: 0.2 },
  'gpt-3.5-turbo': { input: 0.5, output: 1.5, batchInput: 0.25, batchOutput: 0.75 },
  'o3-mini': { input: 1.1, output: 4.4, batchInput: 0.55, batchOutput: 2.2 },
  o3: { input: 2, output: 8, batchInput: 1, batchOutput: 4 },
  'o4-mini': { input: 1.1, output: 4.4, batchInput: 0.55, batchOutput: 2.2 },
  'gpt-5': { input: 1.25, output: 10, batchInput: 0.625, batchOutput: 5 },
  'gpt-5-mini': { input: 0.25, output: 2, batchInput: 0.125, batchOutput: 1 },
  'gpt-5-nano': { input: 0.05, output: 0.4, batchInput: 0.025, batchOutput: 0.2 },
});

const PRICE_FIELDS = ['input', 'output'] as const;
/** Optional fields: the Batch API's prices. */
const BATCH_FIELDS = ['batchInput', 'batchOutput'] as const;
const EXPECTED_SHAPE = '{"model-id": {"input": 0.5, "output": 1.5, "batchInput": 0.25, "batchOutput": 0.75}, ...} (USD per 1M prompt / completion tokens; the batch fields are optional)';
/** `<base id>-YYYY-MM-DD`, the way OpenAI names dated snapshots. */
const DATED_SNAPSHOT = /^(.+)-\d{4}-\d{2}-\d{2}$/;

/**
 * Reads a price file and returns {@link DEFAULT_PRICES} extended and overridden by it. The file is
 * JSON: `{"model-id": {"input": 0.5, "output": 1.5}, ...}` with non-negative USD per 1M tokens.
 * Throws `E_INPUT_MISSING` when the file cannot be read and `E_FORMAT_INVALID`, listing every bad
 * entry, when it is not valid JSON of that shape.
 * @param file path of the price file. @default undefined: the built-in prices
 */
export function loadPrices(file?: string): PriceTable {
  if (file === undefined) return DEFAULT_PRICES;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const found = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory' : (error as Error).message;
    throw new TidepoolError('E_INPUT_MISSING', `Cannot read the price file ${file} (--prices): found ${found}. Expected a JSON file like ${EXPECTED_SHAPE}; check the path.`, { file }, { cause: error });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new TidepoolError('E_FORMAT_INVALID', `The price file ${file} is not valid JSON: ${(error as Error).message}. Expected ${EXPECTED_SHAPE}.`, { file }, { cause: error });
  }
  const prices = parsePriceTable(data, file);
  return Object.freeze({ ...DEFAULT_PRICES, ...prices });
}

/** Checks the parsed JSON of a price file; collects every problem and throws once. */
function parsePriceTable(data: unknown, file: string): Record<string, ModelPrice> {
  if (!isPlainObject(data)) {
    const found = Array.isArray(data) ? 'an array' : data === null ? 'null' : `a ${typeof data}`;
    throw new TidepoolError('E_FORMAT_INVALID', `The price file ${file} must hold a JSON object ${EXPECTED_SHAPE}, found ${found}.`, { file });
  }
  const prices: Record<string, ModelPrice> = {};
  const problems: string[] = [];
  for (const [model, entry] of Object.entries(data)) {
    if (model.trim() === '') {
      problems.push('an empty model id');
      continue;
    }
    if (!isPlainObject(entry)) {
      problems.push(`"${model}": expected {"input": number, "output": number}, found ${JSON.stringify(entry)}`);
      continue;
    }
    const entryProblems: string[] = [];
    for (const field of PRICE_FIELDS) {
      const value = entry[field];
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        entryProblems.push(`"${model}".${field}: expected a non-negative number (USD per 1M tokens), found ${value === undefined ? 'nothing' : JSON.stringify(value)}`);
      }
    }
    for (const field of BATCH_FIELDS) {
      const value = entry[field];
      if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value < 0)) {
        entryProblems.push(`"${model}".${field}: expected a non-negative number (USD per 1M tokens through the Batch API) or nothing, found ${JSON.stringify(value)}`);
      }
    }
    const known: readonly string[] = [...PRICE_FIELDS, ...BATCH_FIELDS];
    const unknown = Object.keys(entry).filter((key) => !known.includes(key));
    if (unknown.length > 0) entryProblems.push(`"${model}": unknown field ${unknown.map((k) => `"${k}"`).join(', ')} (only "input", "output", "batchInput" and "batchOutput" are read)`);
    if (entryProblems.length > 0) problems.push(...entryProblems);
    else {
      const price: ModelPrice = { input: entry.input as number, output: entry.output as number };
      if (typeof entry.batchInput === 'number') price.batchInput = entry.batchInput;
      if (typeof entry.batchOutput === 'number') price.batchOutput = entry.batchOutput;
      Object.defineProperty(prices, model, { value: price, enumerable: true });
    }
  }
  if (problems.length > 0) {
    throw new TidepoolError('E_FORMAT_INVALID', `The price file ${file} has ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}: ${problems.join('; ')}. Expected ${EXPECTED_SHAPE}.`, { file, problems });
  }
  return prices;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The price of `model`: its own entry first, then, for a dated snapshot id such as
 * `gpt-4o-mini-2024-07-18`, the entry of its base id (`gpt-4o-mini`); else `undefined`.
 */
export function priceOf(table: PriceTable, model: string): ModelPrice | undefined {
  if (Object.hasOwn(table, model)) return table[model];
  const base = DATED_SNAPSHOT.exec(model)?.[1];
  if (base !== undefined && Object.hasOwn(table, base)) return table[base];
  return undefined;
}

/** USD for one response's usage; `undefined` when `model` has no price in `table`. */
export function costOf(table: PriceTable, model: string, usage: { promptTokens: number; completionTokens: number }): number | undefined {
  const price = priceOf(table, model);
  if (price === undefined) return undefined;
  return (usage.promptTokens * price.input + usage.completionTokens * price.output) / 1_000_000;
}

/**
 * The table a `--batch` run is priced with: every model at its batch column, or at its live price
 * where the table gives no batch price (no discount is assumed that the provider does not list).
 */
export function batchPrices(table: PriceTable): PriceTable {
  return Object.freeze(Object.fromEntries(Object.entries(table).map(([model, price]) => [model, { input: price.batchInput ?? price.input, output: price.batchOutput ?? price.output }])));
}
