import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChunkBuilder, type ChunkOptions, type ChunkResult } from '../../../src/ingest/chunk.js';
import { resolveIngestOptions } from '../../../src/ingest/options.js';
import { ScanChunkBuilder, scannerSupports } from '../../../src/ingest/scan-chunk.js';
import { generateSample } from '../../../src/devkit/sample/index.js';
import { jsonlBytes } from '../../helpers/files.js';

function reference(bytes: Buffer, options: ChunkOptions, firstLine: number): ChunkResult {
  const builder = new ChunkBuilder(options);
  builder.jsonlBlock(bytes, firstLine);
  return builder.finish();
}

function scanned(bytes: Buffer, options: ChunkOptions, firstLine: number): ChunkResult {
  const builder = new ScanChunkBuilder(options);
  builder.jsonlBlock(bytes, firstLine);
  return builder.finish();
}

/** Plain arrays, so a mismatch prints readably. */
function comparable(result: ChunkResult) {
  return {
    read: result.read,
    rows: result.rows,
    rejects: result.rejects,
    filteredByReason: result.filteredByReason,
    lines: Array.from(result.lines),
    hashHi: Array.from(result.hashHi),
    hashLo: Array.from(result.hashLo),
    columns: Object.fromEntries(Object.entries(result.columns).map(([name, c]) => [name, {
      length: c.length,
      nullCount: c.nullCount,
      validity: c.validity === null ? null : Array.from(c.validity),
      offsets: Array.from(c.offsets),
      text: Buffer.from(c.bytes).toString('latin1'),
    }])),
  };
}

function expectSame(bytes: Buffer, options: ChunkOptions, firstLine = 1): ChunkResult {
  const expected = reference(bytes, options, firstLine);
  expect(comparable(scanned(bytes, options, firstLine))).toEqual(comparable(expected));
  return expected;
}

// ---- random jsonl that stresses the scanner -----------------------------------------------------

const tricky = ['"', '\\', '/', '\n', '\r', '\t', '\b', '\f', '\u0000', '\u001f', '\u007f', 'é', '€', '😀', '\u2028', '\u00a0', '\ufeff', '\u3000', ' ', '  ', 'x'];
const text = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: fc.constantFrom(...tricky), maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...tricky, '\ud800', '\udc00'), maxLength: 6 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 16 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
  { weight: 2, arbitrary: fc.constantFrom('def f(x):\n    return x\n', 'a b  c', '', ' Python ', 'GO', 'java', 'ruby') },
);
const fieldValue = fc.oneof({ weight: 30, arbitrary: text }, { weight: 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) });
const names = [['code', 'func_code_string'], ['docstring', 'func_documentation_string'], ['language', 'language'], ['func_name', 'func_name'], ['repo', 'repository_name'], ['path', 'func_path_in_repository'], ['url', 'func_code_url']] as const;
const recordArb = fc.record({
  naming: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 7, maxLength: 7 }), // 0/1: which name, 2: left out
  values: fc.array(fieldValue, { minLength: 7, maxLength: 7 }),
  required: fc.array(text, { minLength: 3, maxLength: 3 }),
  extra: fc.array(fc.tuple(fc.constantFrom('code_tokens', 'partition', 'sha', 'x', 'original_string'), fc.jsonValue({ maxDepth: 3 })), { maxLength: 3 }),
  order: fc.integer({ min: 0, max: 1000 }),
  language: fc.constantFrom(' Python ', 'GO', 'java', 'ruby', 'go', 'python', '', 'Go\t'),
  style: fc.integer({ min: 0, max: 0xffffffff }),
});

/** A small deterministic generator for the serialiser's choices. */
function chooser(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s % n;
  };
}

/** JSON text with random (valid) escapes and whitespace. */
function serialise(value: unknown, pick: (n: number) => number, escapeOneIn = 10): string {
  const space = (): string => ['', '', ' ', '\t', ' \r '][pick(5)]!;
  if (typeof value === 'string') {
    let out = '';
    for (const ch of JSON.stringify(value).slice(1, -1).match(/\\u[0-9a-f]{4}|\\.|[\s\S]/gu) ?? []) {
      if (ch.length === 1 && pick(escapeOneIn) === 0) {
        const unit = ch.charCodeAt(0);
        out += '\\u' + unit.toString(16).padStart(4, '0')[pick(2) === 0 ? 'toUpperCase' : 'toLowerCase']();
      } else if (ch.length === 2 && ch.codePointAt(0)! > 0xffff && pick(3) === 0) {
        out += '\\u' + ch.charCodeAt(0).toString(16) + '\\u' + ch.charCodeAt(1).toString(16);
      } else {
        out += ch === '/' && pick(2) === 0 ? '\\/' : ch;
      }
    }
    return `"${out}"`;
  }
  if (Array.isArray(value)) return `[${space()}${value.map((v) => serialise(v, pick)).join(`${space()},${space()}`)}${space()}]`;
  if (value !== null && typeof value === 'object') {
    return `{${space()}${Object.entries(value).map(([k, v]) => `${serialiseKey(k, pick)}${space()}:${space()}${serialise(v, pick)}`).join(`${space()},${space()}`)}${space()}}`;
  }
  return JSON.stringify(value);
}

export /** Keys are rarely escaped (the scanner leaves such lines to JavaScript). */
function serialiseKey(key: string, pick: (n: number) => number): string {
  return serialise(key, pick, pick(30) === 0 ? 3 : 1e9);
}

export const goodLineForTest = recordArb.map((r) => {
  const entries: [string, unknown][] = [];
  for (let field = 0; field < 7; field++) {
    const choice = r.naming[field]!;
    if (choice === 2 && field >= 3) continue;
    const value = field === 2 && r.order % 4 !== 0 ? r.language : field < 3 && r.values[field] !== null && typeof r.values[field] !== 'string' && r.order % 3 !== 0 ? r.required[field] : r.values[field];
    entries.push([names[field]![choice === 2 ? 0 : choice]!, value]);
  }
  entries.push(...r.extra);
  const pick = chooser(r.style);
  for (let i = entries.length - 1; i > 0; i--) {
    const j = pick(i + 1);
    [entries[i], entries[j]] = [entries[j]!, entries[i]!];
  }
  // Duplicate keys (JSON.parse keeps the last) are written by hand.
  const body = entries.map(([k, v]) => `${serialiseKey(k, pick)}:${serialise(v, pick)}`).join(',');
  return `${['', ' ', '\t'][pick(3)]!}{${body}}${['', '', ' ', '\r'][pick(4)]!}`;
});

const badLine = fc.oneof(
  fc.constantFrom('', '   ', '\t\r', '{}', '[]', '{"code":"x"', '{"code":"x","docstring":"d","language":"go"} x', '{"code":"x","docstring":"d","language":"go"}}',
    '{"code":"\\ud800","docstring":"d","language":"go"}', '{"code":"x","docstring":"d","language":"go","n":01}', '{"code":"x","docstring":"d","language":"go","n":-}',
    '{"code":"x","docstring":"d","language":"go","n":1.}', '{"code":"x","docstring":"d","language":"go","n":[1,]}', '{"co\\u0064e":"x","docstring":"d","language":"go"}',
    '{"code":"x","docstring":"d","language":"GO\\u0130"}', '{"code":"a\tb","docstring":"d","language":"go"}', '{"code":"x","docstring":"d","language":"go","n":nul}',
    '{"code":"x","docstring":"d","language":"go","n":{"a":1,}}', '{"code":"x","docstring":"d","language":"go","n":1e5,"m":-0.5E-3,"t":true,"f":false}',
    '{"code":"x","docstring":"d","language":"go","code":"y"}', '{"code":"x","docstring":"d","language":"go","func_code_string":"y"}', '{"code":null,"docstring":"d","language":"go"}',
    '{"code":"x","docstring":"d","language":"go","repo":7}', '{"code":"x","docstring":"d","language":"go","path":null,"url":null,"func_name":null,"repo":null}',
    '\ufeff{"code":"x","docstring":"d","language":"go"}', '{"code":"x","docstring":"d","language":" Go\\u00a0"}', `{"code":"x","docstring":"d","language":"go","deep":${'['.repeat(300)}${']'.repeat(300)}}`),
  fc.constant(Buffer.from('{"code":"\xff","docstring":"d","language":"go"}', 'latin1')),
  fc.constant(Buffer.from('{"code":"\xed\xa0\x80","docstring":"d","language":"go"}', 'latin1')),
  fc.constant(Buffer.from('{"code":"\xe0\x80\xaf","docstring":"d","language":"go"}', 'latin1')),
  fc.constant(Buffer.from('{"code":"\xf4\x90\x80\x80","docstring":"d","language":"go"}', 'latin1')),
);

const optionsArb = fc.record({
  languages: fc.option(fc.subarray(['go', 'python', 'java', 'ruby', 'x'], { minLength: 1 }), { nil: undefined }),
  minCodeLines: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
  maxCodeLines: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
  minCodeChars: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
  maxCodeChars: fc.option(fc.integer({ min: 4, max: 40 }), { nil: undefined }),
  minDocstringWords: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
  maxLineBytes: fc.option(fc.integer({ min: 64, max: 400 }), { nil: undefined }),
}).filter((o) => (o.minCodeLines ?? 1) <= (o.maxCodeLines ?? Infinity) && (o.minCodeChars ?? 1) <= (o.maxCodeChars ?? Infinity));

describe('WebAssembly jsonl scanner', () => {
  it('gives exactly the JavaScript path result (rows, columns, hashes, rejects, filters) on random jsonl', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof({ weight: 4, arbitrary: goodLineForTest }, { weight: 1, arbitrary: badLine }), { maxLength: 30 }), optionsArb, fc.boolean(), fc.integer({ min: 1, max: 1e6 }), (lines, raw, trailingNewline, firstLine) => {
        const options = resolveIngestOptions(raw);
        expect(scannerSupports(options)).toBe(true);
        let bytes = jsonlBytes(lines);
        if (!trailingNewline && bytes.length > 0) bytes = bytes.subarray(0, -1);
        expectSame(bytes, options, firstLine);
      }),
      { numRuns: 400 },
    );
  });

  it('gives exactly the JavaScript path result on the sample generator (both namings, bad lines)', () => {
    for (const naming of ['original', 'hf'] as const) {
      const lines = [...generateSample({ rows: 3000, seed: 11, naming, badLineRate: 0.02 })].map((l) => l.bytes);
      const expected = expectSame(jsonlBytes(lines), resolveIngestOptions({}), 1);
      expect(expected.rows).toBeGreaterThan(2900);
      expect(expected.rejects.length).toBe(60);
      const filtered = expectSame(jsonlBytes(lines), resolveIngestOptions({ languages: ['python', 'go'], minCodeLines: 4, maxCodeChars: 900, minDocstringWords: 5 }), 1);
      expect(Object.keys(filtered.filteredByReason).length).toBeGreaterThanOrEqual(3);
      // Only the bad lines leave the fast path.
      const builder = new ScanChunkBuilder(resolveIngestOptions({}));
      builder.jsonlBlock(jsonlBytes(lines), 1);
      expect(builder.fallbacks).toBe(60);
    }
  });

  it('takes only ASCII, lower-case language filters it can compare byte for byte', () => {
    expect(scannerSupports(resolveIngestOptions({ languages: ['Python', 'go'] }))).toBe(true); // resolved to lower case
    expect(scannerSupports(resolveIngestOptions({ languages: ['café'] }))).toBe(false);
  });

  it('the embedded module is up to date with assembly/jsonl-scan.ts (run `npm run build:wasm` after editing it)', async () => {
    const run = promisify(execFile);
    const root = new URL('../../../', import.meta.url);
    await expect(run(process.execPath, ['scripts/build-wasm.mjs', '--check'], { cwd: root })).resolves.toBeDefined();
  }, 60_000);
});
