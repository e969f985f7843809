import { readdir, readFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
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

  it('round-trip the nearest centers of triangle-inequality pruning when the state has them', async () => {
    const withNearest = { ...state(6), nearest: Int32Array.of(0, -1, 2, -1, -1, 1, 0, -1) };
    await saveCheckpoint(dir, 'key', withNearest);
    expect(await loadCheckpoint(dir, 'key', 8)).toEqual(withNearest);
  });

  it('a full disk while saving is E_NO_SPACE naming the file, and the previous checkpoint stays whole and in use', async () => {
    await saveCheckpoint(dir, 'key', state(3));
    const header = await readFile(join(dir, 'select.checkpoint.json'), 'utf8');
    // A file whose partial name links to /dev/full fails every write with ENOSPC, as a full disk does.
    for (const [file, passes] of [['select.checkpoint.4.bin', 4], ['select.checkpoint.json', 5], ['select.checkpoint.json', 3]] as const) {
      await symlink('/dev/full', join(dir, `${file}.partial`));
      const error = (await saveCheckpoint(dir, 'key', state(passes)).then(() => undefined, (caught: unknown) => caught)) as { code?: string; message?: string } | undefined;
      expect(error?.code, `saving pass ${passes}: ${error?.message}`).toBe('E_NO_SPACE');
      expect(error?.message).toContain(join(dir, file));
      expect(await readFile(join(dir, 'select.checkpoint.json'), 'utf8')).toBe(header);
      expect(await loadCheckpoint(dir, 'key', 8)).toEqual(state(3));
      // Only the checkpoint in use is left: no partial file, no data file of the failed save.
      expect((await readdir(dir)).sort()).toEqual(['select.checkpoint.3.bin', 'select.checkpoint.json']);
    }
  });

  it('are ignored for another key or row count, and cleared after a run', async () => {
    await saveCheckpoint(dir, 'key', state(1));
    expect(await loadCheckpoint(dir, 'other', 8)).toBeNull();
    expect(await loadCheckpoint(dir, 'key', 9)).toBeNull();
    await clearCheckpoint(dir);
    expect(await loadCheckpoint(dir, 'key', 8)).toBeNull();
  });
});
