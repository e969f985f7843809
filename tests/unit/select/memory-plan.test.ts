import { describe, expect, it } from 'vitest';
import { BYTES_PER_POINT, DEFAULT_BLOCK_ROWS, FOLD_CENTERS, REFRESH_GATHER_ROWS, gatherSpanBytes, planMemory } from '../../../src/select/memory-plan.js';
import { formatBytes, parseByteSize } from '../../../src/util/byte-size.js';

describe('parseByteSize', () => {
  it('reads bytes and binary units, with or without i/B, any case', () => {
    expect(parseByteSize(65536)).toBe(65536);
    expect(parseByteSize('65536')).toBe(65536);
    expect(parseByteSize('4G')).toBe(4 * 2 ** 30);
    expect(parseByteSize('4GiB')).toBe(4 * 2 ** 30);
    expect(parseByteSize('4gb')).toBe(4 * 2 ** 30);
    expect(parseByteSize('512M')).toBe(512 * 2 ** 20);
    expect(parseByteSize('1.5 KiB')).toBe(1536);
    expect(parseByteSize('2T')).toBe(2 * 2 ** 40);
    expect(parseByteSize('100B')).toBe(100);
    expect(parseByteSize('1_000')).toBe(1000);
  });

  it('refuses what is not a size', () => {
    for (const bad of ['', 'G', '4 lots', '-1', '4X', '5iB', '1e3', -5, 1.5, Number.NaN, true, null, {}]) expect(parseByteSize(bad), JSON.stringify(bad)).toBeUndefined();
  });

  it('formats bytes for people', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(4 * 2 ** 30)).toBe('4.0 GiB');
  });
});

describe('planMemory', () => {
  const base = { n: 1_000_000, d: 768, precision: 'fp32' as const, poolSize: 4000, lazy: false, baseline: false };
  // The same sums, written out independently of the module's helpers.
  const fixed = 1_000_000 * BYTES_PER_POINT + 2 * 4000 * 768 * 4;
  const inMemory = fixed + 1_000_000 * 768 * 4 + DEFAULT_BLOCK_ROWS * (768 * 4 + FOLD_CENTERS * 4);
  const perStreamedRow = 768 * 4 + FOLD_CENTERS * 4 + 2 * 768 * 4;
  // Streaming also keeps the gathers' read buffer.
  const streamed = fixed + gatherSpanBytes(768 * 4);

  it('holds the matrix in memory exactly when it fits with the rest', () => {
    expect(planMemory({ ...base, budget: inMemory })).toEqual({ mode: 'memory', estimate: inMemory });
    expect(planMemory({ ...base, budget: inMemory - 1 }).mode).toBe('stream');
  });

  it('streams in the largest blocks the budget leaves room for, up to the default block', () => {
    expect(planMemory({ ...base, budget: inMemory - 1 })).toEqual({ mode: 'stream', estimate: streamed + DEFAULT_BLOCK_ROWS * perStreamedRow, blockRows: DEFAULT_BLOCK_ROWS });
    const budget = streamed + 100 * perStreamedRow + 7;
    expect(planMemory({ ...base, budget })).toEqual({ mode: 'stream', estimate: streamed + 100 * perStreamedRow, blockRows: 100 });
  });

  it('says the least budget that can stream when the budget is below it', () => {
    expect(planMemory({ ...base, budget: streamed + perStreamedRow })).toMatchObject({ mode: 'stream', blockRows: 1 });
    expect(planMemory({ ...base, budget: streamed + perStreamedRow - 1 })).toEqual({ mode: 'too-small', minimum: streamed + perStreamedRow });
  });

  it('counts float16 values as 2 bytes and lazy refresh gathers', () => {
    const half = planMemory({ ...base, precision: 'fp16', lazy: true, budget: 2 ** 40 });
    expect(half).toEqual({ mode: 'memory', estimate: fixed + REFRESH_GATHER_ROWS * 768 * 4 + 1_000_000 * 768 * 2 + DEFAULT_BLOCK_ROWS * (768 * 4 + FOLD_CENTERS * 4) });
  });

  it('counts one gather block for the random baseline, shared with lazy refresh', () => {
    const gather = REFRESH_GATHER_ROWS * 768 * 4;
    const plain = planMemory({ ...base, budget: 2 ** 40 }).mode === 'memory' ? inMemory : Number.NaN;
    expect(planMemory({ ...base, baseline: true, budget: 2 ** 40 })).toEqual({ mode: 'memory', estimate: plain + gather });
    expect(planMemory({ ...base, baseline: true, lazy: true, budget: 2 ** 40 })).toEqual({ mode: 'memory', estimate: plain + gather });
  });
});
