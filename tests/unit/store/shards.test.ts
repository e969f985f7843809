// Shard arithmetic: every unit in exactly one shard, in order, for any N (more shards than units
// included), checked against an independent count; and `I/N` parsing with its errors.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatShard, parseShard, shardRange, windowCount } from '../../../src/store/shards.js';

/** Owner of each unit, from the ranges of shards 0..count-1 (each unit must be claimed exactly once). */
function owners(units: number, count: number): number[] {
  const owner = new Array<number>(units).fill(-1);
  for (let index = 0; index < count; index++) {
    const { start, end } = shardRange({ index, count }, units);
    for (let unit = start; unit < end; unit++) {
      expect(owner[unit], `unit ${unit} of ${units} claimed by shards ${owner[unit]} and ${index} of ${count}`).toBe(-1);
      owner[unit] = index;
    }
  }
  return owner;
}

describe('shardRange', () => {
  it('puts every row of every window in exactly one shard, shards in order, for N = 1..rows+2 and various window sizes', () => {
    for (const rows of [0, 1, 2, 7, 64, 100]) {
      for (const windowRows of [1, 3, 8, 64, 1000]) {
        const windows = windowCount(rows, windowRows);
        expect(windows).toBe(rows === 0 ? 0 : Math.floor((rows - 1) / windowRows) + 1);
        for (let count = 1; count <= rows + 2; count++) {
          const owner = owners(windows, count);
          const rowOwner = Array.from({ length: rows }, (_, row) => owner[Math.floor(row / windowRows)]);
          expect(rowOwner.every((index) => index !== undefined && index >= 0 && index < count)).toBe(true);
          // Contiguous and in shard order: a later row never belongs to an earlier shard.
          for (let row = 1; row < rows; row++) expect(rowOwner[row]!).toBeGreaterThanOrEqual(rowOwner[row - 1]!);
        }
      }
    }
  });

  it('balances: shard sizes differ by at most one unit (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 1, max: 5000 }), (units, count) => {
      const sizes = Array.from({ length: count }, (_, index) => { const { start, end } = shardRange({ index, count }, units); return end - start; });
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(units);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      expect(shardRange({ index: 0, count }, units).start).toBe(0);
      expect(shardRange({ index: count - 1, count }, units).end).toBe(units);
    }));
  });

  it('gives empty shards when there are more shards than windows', () => {
    expect(owners(2, 5)).toEqual([2, 4]);
    expect(shardRange({ index: 0, count: 5 }, 2)).toEqual({ start: 0, end: 0 });
  });
});

describe('parseShard', () => {
  it('reads I/N, 0-based', () => {
    expect(parseShard('0/4')).toEqual({ index: 0, count: 4 });
    expect(parseShard('3/4')).toEqual({ index: 3, count: 4 });
    expect(parseShard(' 0 / 1 ')).toEqual({ index: 0, count: 1 });
    expect(formatShard({ index: 2, count: 8 })).toBe('2/8');
  });

  it.each([
    ['4/4', /I must be 0\.\.3/],
    ['1/0', /N must be at least 1/],
    ['-1/4', /must be I\/N/],
    ['1', /must be I\/N/],
    ['a/b', /must be I\/N/],
    ['1.5/4', /must be I\/N/],
  ])('refuses %s with E_USAGE', (text, message) => {
    expect(() => parseShard(text)).toThrow(message);
    try {
      parseShard(text);
    } catch (error) {
      expect((error as { code: string }).code).toBe('E_USAGE');
    }
  });
});
