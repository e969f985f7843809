// Work units of a sharded ingest: files are split only when they are fewer than the shards, only plain
// jsonl ones, into ranges of whole blocks that cover every byte exactly once, in order; checked against
// a byte-by-byte count.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planWorkUnits } from '../../../src/ingest/work-units.js';

describe('planWorkUnits', () => {
  it('keeps whole files when there are at least as many files as shards', () => {
    const units = planWorkUnits([{ bytes: 100, splittable: true }, { bytes: 5, splittable: false }], 2, 10);
    expect(units).toEqual([{ sourceIndex: 0, name: '0' }, { sourceIndex: 1, name: '1' }]);
  });

  it('splits plain jsonl files into block-aligned ranges that own every byte once, in order (property)', () => {
    fc.assert(fc.property(fc.array(fc.record({ bytes: fc.nat({ max: 500 }), splittable: fc.boolean() }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 64 }), (files, shards, blockBytes) => {
      const units = planWorkUnits(files, shards, blockBytes);
      const split = files.length < shards;
      files.forEach((file, sourceIndex) => {
        const own = units.filter((unit) => unit.sourceIndex === sourceIndex);
        const blocks = Math.ceil(file.bytes / blockBytes);
        if (!split || !file.splittable || Math.min(shards, blocks) <= 1) {
          expect(own).toEqual([{ sourceIndex, name: String(sourceIndex) }]);
          return;
        }
        expect(own.length).toBe(Math.min(shards, blocks));
        const owner = new Array<number>(file.bytes).fill(-1);
        own.forEach((unit, piece) => {
          expect(unit.name).toBe(`${sourceIndex}.${piece}`);
          expect(unit.range!.start % blockBytes).toBe(0);
          expect(unit.range!.end).toBeGreaterThan(unit.range!.start); // no empty range
          for (let byte = unit.range!.start; byte < unit.range!.end; byte++) {
            expect(owner[byte]).toBe(-1);
            owner[byte] = piece;
          }
        });
        expect(owner.every((piece, byte) => piece >= 0 && (byte === 0 || piece >= owner[byte - 1]!))).toBe(true);
      });
      // Units stay in input order.
      expect(units.map((unit) => unit.sourceIndex)).toEqual([...units.map((unit) => unit.sourceIndex)].sort((a, b) => a - b));
    }), { numRuns: 300 });
  });
});
