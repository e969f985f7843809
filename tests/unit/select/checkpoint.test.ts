import { readdir } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clearCheckpoint, loadCheckpoint, saveCheckpoint } from '../../../src/select/checkpoint.js';
import type { GreedyState } from '../../../src/select/greedy.js';
import { tempDir } from '../../helpers/files.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(async () => cleanup());

function state(passes: number): GreedyState {
  return {
    centers: [4, 1, 7], seeds: 1, radii: [Infinity, 2.5], folded: 2, passes, evaluations: 123,
    minDist: Float32Array.of(0.5, -1, 3.25, Infinity, -1, 0, 1e-7, -1),
    lag: Int32Array.of(2, 0, 1, 0, 3, 2, 2, 1),
  };
}

describe('select checkpoints', () => {
  it('round-trip the whole state, per-point lags included, and keep only the newest data file', async () => {
    await saveCheckpoint(dir, 'key', state(3));
    await saveCheckpoint(dir, 'key', state(4));
    const loaded = await loadCheckpoint(dir, 'key', 8);
    expect(loaded).toEqual(state(4));
    expect((await readdir(dir)).filter((name) => name.endsWith('.bin'))).toEqual(['select.checkpoint.4.bin']);
  });

  it('are ignored for another key or row count, and cleared after a run', async () => {
    await saveCheckpoint(dir, 'key', state(1));
    expect(await loadCheckpoint(dir, 'other', 8)).toBeNull();
    expect(await loadCheckpoint(dir, 'key', 9)).toBeNull();
    await clearCheckpoint(dir);
    expect(await loadCheckpoint(dir, 'key', 8)).toBeNull();
  });
});
