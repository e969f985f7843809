import { describe, expect, it } from 'vitest';
import { Reservoir } from '../../../src/report/reservoir.js';

function sampleOf(total: number, capacity: number, seed: number) {
  const reservoir = new Reservoir(capacity, 2, seed);
  for (let row = 0; row < total; row++) {
    const slot = reservoir.nextSlot();
    if (slot >= 0) reservoir.store(slot, 1000 + row, [row, -row], 0);
  }
  return reservoir.finish();
}

describe('Reservoir', () => {
  it('keeps min(capacity, rows) distinct rows with their vectors, the same for the same seed', () => {
    const sample = sampleOf(5000, 300, 1);
    expect(sample.count).toBe(300);
    expect(new Set(sample.positions).size).toBe(300);
    for (let i = 0; i < sample.count; i++) {
      const position = sample.positions[i]!;
      expect(sample.rowIds[i]).toBe(1000 + position);
      expect([sample.vectors[2 * i], sample.vectors[2 * i + 1]]).toEqual([position, -position]);
    }
    expect(Array.from(sampleOf(5000, 300, 1).rowIds)).toEqual(Array.from(sample.rowIds));
    expect(Array.from(sampleOf(5000, 300, 2).rowIds)).not.toEqual(Array.from(sample.rowIds));
    expect(sampleOf(40, 300, 1).count).toBe(40);
  });

  it('samples uniformly: every row is kept about capacity/rows of the time, and prefixes are uniform too', () => {
    const rows = 50;
    const kept = new Array<number>(rows).fill(0);
    const firstTen = new Array<number>(rows).fill(0);
    const trials = 4000;
    for (let seed = 0; seed < trials; seed++) {
      const sample = sampleOf(rows, 10, seed);
      for (const position of sample.positions) kept[position]!++;
      for (const position of sample.positions.subarray(0, 2)) firstTen[position]!++;
    }
    // Expected 800 and 160 per row; allow 5 standard deviations.
    for (const count of kept) expect(Math.abs(count - 800)).toBeLessThan(5 * Math.sqrt(800 * 0.8));
    for (const count of firstTen) expect(Math.abs(count - 160)).toBeLessThan(5 * Math.sqrt(160));
  });
});
