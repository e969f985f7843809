import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChunkBuilder } from '../../../src/ingest/chunk.js';
import { resolveIngestOptions } from '../../../src/ingest/options.js';
import { jsonlBytes, record } from '../../helpers/files.js';

const options = resolveIngestOptions({ maxLineBytes: 200 });

function parse(bytes: Buffer, firstLine = 1) {
  const builder = new ChunkBuilder(options);
  builder.jsonlBlock(bytes, firstLine);
  return builder.finish();
}

const line = fc.oneof(
  fc.integer({ min: 0, max: 50 }).map((i) => JSON.stringify(record(i))),
  fc.constantFrom('', '   ', '\t\r', '{"code": ', '[1]', '"x"', '\f', JSON.stringify({ code: 1, docstring: 'd', language: 'go' })),
  fc.string({ unit: 'grapheme', maxLength: 20 }).map((s) => JSON.stringify({ code: s, docstring: s, language: 'go' })),
  fc.integer({ min: 150, max: 400 }).map((n) => JSON.stringify({ code: 'é'.repeat(n), docstring: 'd', language: 'go' })),
);

describe('jsonl blocks', () => {
  it('the whole-block text path and the line-by-line byte path agree on every line', () => {
    fc.assert(fc.property(fc.array(line, { maxLength: 40 }), (lines) => {
      const text = parse(jsonlBytes(lines), 7);
      // One invalid UTF-8 line at the end sends the whole block down the byte path.
      const mixed = parse(jsonlBytes([...lines, Buffer.from([0x7b, 0xff, 0x7d])]), 7);
      expect(mixed.rejects.at(-1)).toMatchObject({ line: 7 + lines.length, reason: 'invalid_utf8' });
      expect(mixed.rejects.slice(0, -1).map((r) => [r.line, r.reason, r.raw])).toEqual(text.rejects.map((r) => [r.line, r.reason, r.raw]));
      expect(mixed.read - 1).toBe(text.read);
      expect(Array.from(mixed.lines)).toEqual(Array.from(text.lines));
      expect(Buffer.from(mixed.columns.code.bytes).equals(Buffer.from(text.columns.code.bytes))).toBe(true);
    }), { numRuns: 300 });
  });

  it('counts multi-byte characters in bytes for the line limit', () => {
    const short = JSON.stringify({ code: 'é'.repeat(60), docstring: 'd', language: 'go' }); // ~160 bytes
    const long = JSON.stringify({ code: 'é'.repeat(90), docstring: 'd', language: 'go' }); // ~220 bytes, 130 characters
    const result = parse(jsonlBytes([short, long]));
    expect(result.rows).toBe(1);
    expect(result.rejects).toMatchObject([{ line: 2, reason: 'line_too_long' }]);
  });
});
