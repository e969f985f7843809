import { spawn } from 'node:child_process';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeNpy } from '../../src/store/npy.js';
import { float32ArrayToHalf, halfArrayToFloat32 } from '../../src/store/matrix.js';
import { readCoresetRowIds } from '../../src/store/coreset.js';
import { CLI, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/files.js';
import { bruteForce, mixture, writeArrowEmbeddings } from '../helpers/select-data.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(async () => cleanup());

describe('tidepool select', () => {
  it('picks what textbook greedy picks, from .npy and Arrow inputs alike, with radius and random baseline', async () => {
    const n = 3000;
    const d = 24;
    const points = mixture(n, d, 5);
    await writeNpy(join(dir, 'e.npy'), points, n, d);
    const rowIds = Array.from({ length: n }, (_, i) => 1000 + i * 2);
    await writeArrowEmbeddings(join(dir, 'e.arrow'), points, d, rowIds);
    const npy = await runCli(['select', '--embeddings', join(dir, 'e.npy'), '--k', '50', '--first', '7', '--out', join(dir, 'a'), '--json', '--pool-size', '40']);
    expect(npy.code, npy.stderr).toBe(0);
    expect(npy.json).toMatchObject({ k: 50, n, d, backend: 'cpu' });
    const summary = npy.json as { radius: number; randomBaselineRadius: number; passes: number };
    expect(summary.radius).toBeLessThan(summary.randomBaselineRadius);
    expect(summary.passes).toBeLessThan(50);
    const reference = bruteForce(points, d, 50, 7);
    expect(await readCoresetRowIds(join(dir, 'a', 'coreset.arrow'))).toEqual(reference);
    // The work against n·k is in the summary and the manifest; --bounds adds center-center distances, with the same picks.
    const work = (npy.json as { work: { folds: number; pool: number; centers: number; share: number } }).work;
    expect(work.share).toBeCloseTo((work.folds + work.pool + work.centers) / (n * 50), 12);
    const manifest = JSON.parse(await readFile(join(dir, 'a', 'manifest.json'), 'utf8')) as { counts: { work: unknown; bounds: boolean } };
    expect(manifest.counts).toMatchObject({ work, bounds: false });
    expect(work.centers).toBe(0);
    const pruned = await runCli(['select', '--embeddings', join(dir, 'e.npy'), '--k', '50', '--first', '7', '--out', join(dir, 'u'), '--json', '--pool-size', '40', '--bounds']);
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(await readCoresetRowIds(join(dir, 'u', 'coreset.arrow'))).toEqual(reference);
    expect((pruned.json as { work: { centers: number } }).work.centers).toBeGreaterThan(0);
    const arrow = await runCli(['select', '--embeddings', join(dir, 'e.arrow'), '--k', '50', '--first', String(rowIds[7]), '--out', join(dir, 'b'), '--json']);
    expect(arrow.code, arrow.stderr).toBe(0);
    expect(await readCoresetRowIds(join(dir, 'b', 'coreset.arrow'))).toEqual(reference.map((i) => rowIds[i]));
  });

  it('--precision fp16 picks what textbook greedy picks on the float16-rounded values, in half the working memory; out-of-range values are named', async () => {
    const n = 2000;
    const d = 16;
    const points = mixture(n, d, 13);
    await writeNpy(join(dir, 'e.npy'), points, n, d);
    const result = await runCli(['select', '-e', join(dir, 'e.npy'), '-k', '40', '--first', '3', '--precision', 'fp16', '--pool-size', '32', '-o', join(dir, 'h'), '--json', '-q']);
    expect(result.code, result.stderr).toBe(0);
    const manifest = JSON.parse(await readFile(join(dir, 'h', 'manifest.json'), 'utf8')) as { parameters: { precision: string } };
    expect(manifest.parameters.precision).toBe('fp16');
    expect(await readCoresetRowIds(join(dir, 'h', 'coreset.arrow'))).toEqual(bruteForce(halfArrayToFloat32(float32ArrayToHalf(points)), d, 40, 3));
    const big = points.slice();
    big[7 * d + 2] = 1e6;
    await writeNpy(join(dir, 'big.npy'), big, n, d);
    const overflow = await runCli(['select', '-e', join(dir, 'big.npy'), '-k', '5', '--precision', 'fp16', '-o', join(dir, 'o'), '-q']);
    expect(overflow.code).toBe(1);
    expect(overflow.stderr).toMatch(/row 7 has a value beyond the float16 range/);
  });

  it('warm-starts from an existing coreset', async () => {
    const points = mixture(800, 8, 9);
    await writeNpy(join(dir, 'e.npy'), points, 800, 8);
    const whole = await runCli(['select', '-e', join(dir, 'e.npy'), '-k', '30', '--first', '0', '-o', join(dir, 'whole'), '--json', '-q']);
    expect(whole.code, whole.stderr).toBe(0);
    const all = await readCoresetRowIds(join(dir, 'whole', 'coreset.arrow'));
    const part = await runCli(['select', '-e', join(dir, 'e.npy'), '-k', '10', '--first', '0', '-o', join(dir, 'part'), '-q']);
    expect(part.code, part.stderr).toBe(0);
    const rest = await runCli(['select', '-e', join(dir, 'e.npy'), '-k', '20', '--already-selected', join(dir, 'part', 'coreset.arrow'), '-o', join(dir, 'rest'), '-q']);
    expect(rest.code, rest.stderr).toBe(0);
    expect([...(await readCoresetRowIds(join(dir, 'part', 'coreset.arrow'))), ...(await readCoresetRowIds(join(dir, 'rest', 'coreset.arrow')))]).toEqual(all);
  });

  it('resumes after kill -9 and yields the same coreset as an uninterrupted run', async () => {
    const n = 60_000;
    const d = 64;
    await writeNpy(join(dir, 'e.npy'), mixture(n, d, 3), n, d);
    const args = ['select', '-e', join(dir, 'e.npy'), '-k', '400', '--first', '0', '--pool-size', '64', '--no-baseline', '--threads', '1'];
    const whole = await runCli([...args, '-o', join(dir, 'whole'), '-q']);
    expect(whole.code, whole.stderr).toBe(0);
    const expected = await readFile(join(dir, 'whole', 'coreset.arrow'));
    const out = join(dir, 'killed');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(out);
    for (const killAfter of [2, 5]) {
      // Kill as soon as the checkpoint shows `killAfter` full passes: mid-run, at a known point.
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
    expect(resumed.json).toMatchObject({ resumed: true });
    expect((await readFile(join(out, 'coreset.arrow'))).equals(expected)).toBe(true);
  });

  it('a full disk while a checkpoint or the coreset is written is E_NO_SPACE naming the file (exit 1); after freeing space the rerun resumes to the uninterrupted coreset', async () => {
    const n = 4000;
    const d = 16;
    await writeNpy(join(dir, 'e.npy'), mixture(n, d, 7), n, d);
    const args = ['select', '-e', join(dir, 'e.npy'), '-k', '200', '--first', '0', '--pool-size', '16', '--no-baseline', '--threads', '1', '-q'];
    const whole = await runCli([...args, '-o', join(dir, 'whole')]);
    expect(whole.code, whole.stderr).toBe(0);
    const out = join(dir, 'full');
    const { mkdir, rm, symlink } = await import('node:fs/promises');
    await mkdir(out);
    const header = join(out, 'select.checkpoint.json');
    // A file whose partial name links to /dev/full fails every write with ENOSPC, as a full disk does.
    const attempt = async (file: string): Promise<void> => {
      await symlink('/dev/full', `${file}.partial`);
      const result = await runCli([...args, '-o', out, '--checkpoint-seconds', '0']);
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toMatch(/error \[E_NO_SPACE\]: cannot write \S+ the disk is full \(ENOSPC\)\. Nothing written so far is lost: free space/);
      expect(result.stderr).toContain(file);
      await rm(`${file}.partial`, { force: true }); // space freed
    };
    await attempt(header); // the first checkpoint
    await attempt(join(out, 'coreset.arrow')); // every pass checkpointed, then the coreset
    const saved = await readFile(header, 'utf8');
    await attempt(header); // the resumed run's first checkpoint: the one in place stays
    expect(await readFile(header, 'utf8')).toBe(saved);
    const resumed = await runCli([...args, '-o', out, '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.json).toMatchObject({ resumed: true, k: 200 });
    expect((await readFile(join(out, 'coreset.arrow'))).equals(await readFile(join(dir, 'whole', 'coreset.arrow')))).toBe(true);
  });

  it.each([
    ['k larger than n', ['--k', '101'], /--k 101 is more than the 100 rows left/],
    ['k = 0', ['--k', '0'], /expected a positive integer, got "0"/],
    ['an unknown first row', ['--k', '3', '--first', '100'], /--first row_id 100 is not in/],
    ['--first with --already-selected', ['--k', '3', '--first', '1', '--already-selected', 'x.arrow'], /--first and --already-selected exclude each other/],
  ])('refuses %s with a clear message', async (_name, extra, message) => {
    await writeNpy(join(dir, 'e.npy'), mixture(100, 4, 1), 100, 4);
    const result = await runCli(['select', '-e', join(dir, 'e.npy'), '-o', join(dir, 'o'), ...extra]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
  });

  it('names the row holding NaN/Inf, and rejects wrong dtypes and shapes', async () => {
    const points = mixture(50, 4, 1);
    points[17 * 4 + 2] = Number.NaN;
    await writeNpy(join(dir, 'nan.npy'), points, 50, 4);
    const nan = await runCli(['select', '-e', join(dir, 'nan.npy'), '-k', '3', '-o', join(dir, 'o')]);
    expect(nan.code).toBe(1);
    expect(nan.stderr).toMatch(/E_BAD_RECORD.*row 17 holds NaN or Inf/);
    const fixtures = new URL('../fixtures/npy/', import.meta.url).pathname;
    await copyFile(join(fixtures, 'f64_2x2.npy'), join(dir, 'f64.npy'));
    const f64 = await runCli(['select', '-e', join(dir, 'f64.npy'), '-k', '1', '-o', join(dir, 'o')]);
    expect(f64.code).toBe(1);
    expect(f64.stderr).toMatch(/E_SCHEMA.*float32/);
    await copyFile(join(fixtures, 'f32_1d.npy'), join(dir, 'flat.npy'));
    const flat = await runCli(['select', '-e', join(dir, 'flat.npy'), '-k', '1', '-o', join(dir, 'o')]);
    expect(flat.code).toBe(1);
    expect(flat.stderr).toMatch(/E_SCHEMA.*reshape/);
    await writeFile(join(dir, 'e.csv'), '1,2\n');
    const csv = await runCli(['select', '-e', join(dir, 'e.csv'), '-k', '1', '-o', join(dir, 'o')]);
    expect(csv.stderr).toMatch(/E_FORMAT_UNKNOWN/);
  });
});
