import { spawn } from 'node:child_process';
import { mkdir, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readCoresetRowIds } from '../../src/store/coreset.js';
import { float32ArrayToHalf, halfArrayToFloat32 } from '../../src/store/matrix.js';
import { writeNpy } from '../../src/store/npy.js';
import { CLI, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/files.js';
import { bruteForce, mixture, writeArrowEmbeddings } from '../helpers/select-data.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(async () => cleanup());

interface Summary {
  passes: number;
  memory: { mode: string; budget: number; blockRows?: number; bytesRead?: number; mapped?: boolean };
  work: { rowsRead: number };
}

const N = 3000;
const D = 24;
/**
 * Holds the per-point state, one gather block of the random baseline (every row: 288 KB), the gathers'
 * read buffer and a few 24-wide rows per fold block, far from what the matrix in memory needs (its fold
 * block alone is 25 MB).
 */
const TINY = '512K';

describe('select --memory-budget: out of core', () => {
  it('streams a float32 .npy in place in many blocks, picks the in-memory run\'s rows (textbook greedy\'s) and says what each pass read', async () => {
    const points = mixture(N, D, 5);
    await writeNpy(join(dir, 'e.npy'), points, N, D);
    const args = ['select', '-e', join(dir, 'e.npy'), '-k', '60', '--first', '7', '--pool-size', '40', '--json'];
    const memory = await runCli([...args, '-o', join(dir, 'memory'), '-q']);
    expect(memory.code, memory.stderr).toBe(0);
    // In memory, the float32 .npy is the file itself, mapped (native/mmap), not a copy.
    expect((memory.json as Summary).memory).toMatchObject({ mode: 'memory', mapped: true });
    const streamed = await runCli([...args, '-o', join(dir, 'streamed'), '--memory-budget', TINY]);
    expect(streamed.code, streamed.stderr).toBe(0);
    const summary = streamed.json as Summary;
    expect(summary.memory).toMatchObject({ mode: 'stream', budget: 512 * 1024 });
    expect(summary.memory.blockRows).toBeLessThan(N / 10);
    // Every row a pass folds comes from disk (the bounds may leave some out of a pass): at least the
    // rows the passes read, 4 bytes a value.
    expect(summary.work.rowsRead).toBeGreaterThan(0);
    expect(summary.memory.bytesRead).toBeGreaterThanOrEqual(summary.work.rowsRead * D * 4);
    expect(streamed.stderr).toMatch(/read \d+(\.\d)? [KM]iB\/pass at [\d.]+ [KMG]?i?B\/s/);
    const picks = await readCoresetRowIds(join(dir, 'streamed', 'coreset.arrow'));
    expect(picks).toEqual(await readCoresetRowIds(join(dir, 'memory', 'coreset.arrow')));
    expect(picks).toEqual(bruteForce(points, D, 60, 7));
    // Radii too: the coreset files are byte for byte the same.
    expect((await readFile(join(dir, 'streamed', 'coreset.arrow'))).equals(await readFile(join(dir, 'memory', 'coreset.arrow')))).toBe(true);
    expect(await readdir(join(dir, 'streamed'))).not.toContain('select.rows.bin');
  });

  it('--precision fp16 streams a float16 disk copy and picks what the in-memory run on float16-rounded values picks; an Arrow input is copied the same way', async () => {
    const points = mixture(N, D, 11);
    const rounded = halfArrayToFloat32(float32ArrayToHalf(points));
    await writeNpy(join(dir, 'e.npy'), points, N, D);
    await writeNpy(join(dir, 'rounded.npy'), rounded, N, D);
    const common = ['-k', '50', '--first', '3', '--pool-size', '32', '-q', '--json'];
    const reference = await runCli(['select', '-e', join(dir, 'rounded.npy'), ...common, '-o', join(dir, 'reference')]);
    expect(reference.code, reference.stderr).toBe(0);
    const half = await runCli(['select', '-e', join(dir, 'e.npy'), '--precision', 'fp16', '--memory-budget', TINY, ...common, '-o', join(dir, 'half')]);
    expect(half.code, half.stderr).toBe(0);
    const summary = half.json as Summary;
    expect(summary.memory.mode).toBe('stream');
    // Checking rows writes the copy (fp16: 2 bytes a value); the passes then read their rows from it.
    expect(summary.work.rowsRead).toBeGreaterThan(0);
    expect(summary.memory.bytesRead).toBeGreaterThanOrEqual(summary.work.rowsRead * D * 2);
    const expected = await readCoresetRowIds(join(dir, 'reference', 'coreset.arrow'));
    expect(expected).toEqual(bruteForce(rounded, D, 50, 3));
    expect(await readCoresetRowIds(join(dir, 'half', 'coreset.arrow'))).toEqual(expected);
    expect(await readdir(join(dir, 'half'))).not.toContain('select.rows.bin');

    const rowIds = Array.from({ length: N }, (_, i) => 500 + 3 * i);
    await writeArrowEmbeddings(join(dir, 'e.arrow'), points, D, rowIds, 1000);
    const arrow = await runCli(['select', '-e', join(dir, 'e.arrow'), '--memory-budget', TINY, '-k', '50', '--first', String(rowIds[3]), '--pool-size', '32', '-q', '--json', '-o', join(dir, 'arrow')]);
    expect(arrow.code, arrow.stderr).toBe(0);
    expect((arrow.json as Summary).memory.mode).toBe('stream');
    expect(await readCoresetRowIds(join(dir, 'arrow', 'coreset.arrow'))).toEqual(bruteForce(points, D, 50, 3).map((i) => rowIds[i]));
  });

  it('refuses a budget that cannot hold the per-point state, a malformed size, and streaming on webgpu, naming --memory-budget and the fix', async () => {
    await writeNpy(join(dir, 'e.npy'), mixture(N, D, 2), N, D);
    const run = (budget: string, ...extra: string[]) => runCli(['select', '-e', join(dir, 'e.npy'), '-k', '5', '-o', join(dir, `o-${budget}`), '--memory-budget', budget, ...extra]);
    const small = await run('100K');
    expect(small.code).toBe(1);
    expect(small.stderr).toMatch(/E_USAGE.*--memory-budget 100\.0 KiB is too small for .*e\.npy \(3000 x 24\).*needs [\d.]+ KiB.*Give --memory-budget \d+M or more/s);
    const malformed = await run('4 lots');
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toMatch(/--memory-budget.*expected a size in bytes.*"4 lots"/s);
    const zero = await run('0');
    expect(zero.code).toBe(1);
    expect(zero.stderr).toMatch(/--memory-budget must be more than 0 bytes/);
    const gpu = await run(TINY, '--backend', 'webgpu');
    expect(gpu.code).toBe(1);
    expect(gpu.stderr).toMatch(/streaming it from disk runs on --backend cpu only/);
  });

  it('resumes after kill -9 while streaming and yields the same coreset as an uninterrupted run', async () => {
    const n = 20_000;
    const d = 32;
    await writeNpy(join(dir, 'e.npy'), mixture(n, d, 3), n, d);
    const args = ['select', '-e', join(dir, 'e.npy'), '-k', '300', '--first', '0', '--pool-size', '64', '--no-baseline', '--threads', '1', '--precision', 'fp16', '--memory-budget', '2M'];
    const whole = await runCli([...args, '-o', join(dir, 'whole'), '-q', '--json']);
    expect(whole.code, whole.stderr).toBe(0);
    expect((whole.json as Summary).memory.mode).toBe('stream');
    const expected = await readFile(join(dir, 'whole', 'coreset.arrow'));
    const out = join(dir, 'killed');
    await mkdir(out);
    for (const killAfter of [2, 4]) {
      const child = spawn(process.execPath, [CLI, ...args, '-o', out, '--checkpoint-seconds', '0', '-q'], { stdio: 'ignore' });
      const watcher = setInterval(() => {
        readFile(join(out, 'select.checkpoint.json'), 'utf8').then((text) => {
          const header = JSON.parse(text) as { state: { passes: number } };
          if (header.state.passes >= killAfter) child.kill('SIGKILL');
        }, () => undefined);
      }, 5);
      const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, sig) => { resolve(sig); }));
      clearInterval(watcher);
      expect(signal, `run killed after ${killAfter} passes`).toBe('SIGKILL');
    }
    const resumed = await runCli([...args, '-o', out, '--json', '-q']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.json).toMatchObject({ resumed: true, memory: { mode: 'stream' } });
    expect((await readFile(join(out, 'coreset.arrow'))).equals(expected)).toBe(true);
    expect(await readdir(out)).not.toContain('select.rows.bin');
  });
});
