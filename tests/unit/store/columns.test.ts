import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Utf8ColumnBuilder, compactUtf8Rows, type Utf8Buffers } from '../../../src/store/columns.js';

function values(column: Utf8Buffers): (string | null)[] {
  return Array.from({ length: column.length }, (_, row) => {
    if (column.validity !== null && ((column.validity[row >> 3]! >> (row & 7)) & 1) === 0) return null;
    return Buffer.from(column.bytes.subarray(column.offsets[row], column.offsets[row + 1])).toString('utf8');
  });
}

describe('compactUtf8Rows', () => {
  it('keeps exactly the marked rows, in order, nulls included, in place', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.option(fc.string({ unit: 'grapheme', maxLength: 6 })), fc.boolean()), { maxLength: 60 }), (rows) => {
      const builder = new Utf8ColumnBuilder(4, 8);
      for (const [value] of rows) builder.append(value);
      const column = builder.finishBuffers();
      const keep = Uint8Array.from(rows.map(([, k]) => (k ? 1 : 0)));
      const expected = rows.filter(([, k]) => k).map(([v]) => v);
      const compacted = compactUtf8Rows(column, keep, expected.length);
      expect(values(compacted)).toEqual(expected);
      expect(compacted.nullCount).toBe(expected.filter((v) => v === null).length);
      expect(compacted.offsets.length).toBe(expected.length + 1);
      if (compacted.validity !== null) expect(compacted.validity.buffer).toBe(column.validity!.buffer);
      expect(compacted.bytes.buffer).toBe(column.bytes.buffer);
    }), { numRuns: 500 });
  });
});
