/**
 * WebGPU kernels against the CPU reference, on whatever adapter Dawn gives (in CI: SwiftShader, a CPU
 * Vulkan, through VK_ICD_FILENAMES). No adapter is a failure that prints the doctor's advice, never a skip.
 * Sizes are small: SwiftShader runs these kernels at tens of millions of multiply-adds per second.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireDevice } from '../../src/backends/webgpu/device.js';
import { GpuRunner } from '../../src/backends/webgpu/runner.js';
import { argMax, DeviceMatrix } from '../../src/backends/webgpu/selection.js';
import { gatherDoctorFacts } from '../../src/doctor/probe.js';
import { buildDoctorReport, formatDoctorReport } from '../../src/doctor/report.js';
import { kCenterGreedy, type GreedyState } from '../../src/select/greedy.js';
import { ReferenceKernel, type MinDistanceKernel } from '../../src/select/kernel.js';
import { runSelect } from '../../src/select/run.js';
import { readCoresetRowIds } from '../../src/store/coreset.js';
import { WebGpuKernel } from '../../src/select/webgpu-kernel.js';
import { float32ArrayToHalf, halfArrayToFloat32 } from '../../src/store/matrix.js';
import { writeNpy } from '../../src/store/npy.js';
import { tempDir } from '../helpers/files.js';

let runner: GpuRunner;

beforeAll(async () => {
  try {
    runner = await GpuRunner.create();
  } catch (error) {
    const report = formatDoctorReport(buildDoctorReport(await gatherDoctorFacts({ env: process.env })));
    throw new Error(`No WebGPU device for the GPU tests: ${(error as Error).message}\n\n${report}`, { cause: error });
  }
});
afterAll(async () => {
  // Undefined when beforeAll found no device (the runtime can get here without one).
  await (runner as GpuRunner | undefined)?.destroy();
});

function randomMatrix(n: number, d: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n * d }, () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1);
}

/** Clustered unit rows: realistic embeddings, with many near-equal distances late in a run. */
function mixture(n: number, d: number, seed: number): Float32Array {
  const centers = randomMatrix(12, d, seed);
  const noise = randomMatrix(n, d, seed + 1);
  const points = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    let norm = 0;
    for (let j = 0; j < d; j++) norm += (points[i * d + j] = centers[(i % 12) * d + j]! + 0.35 * noise[i * d + j]!) ** 2;
    for (let j = 0; j < d; j++) points[i * d + j]! /= Math.sqrt(norm);
  }
  return points;
}

function expectClose(actual: Float32Array, expected: Float32Array, relative = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const want = expected[i]!;
    if (Math.abs(actual[i]! - want) > relative * Math.max(1e-6, Math.abs(want))) expect.fail(`entry ${i}: ${actual[i]} vs reference ${want}`);
  }
}

async function greedy(kernel: MinDistanceKernel, k: number, poolSize: number, lazy: boolean): Promise<GreedyState> {
  const generator = kCenterGreedy(kernel, { k, first: 0, poolSize, lazy });
  for (;;) {
    const step = await generator.next();
    if (step.done) return step.value;
  }
}

function float64MinDist(points: Float32Array, d: number, row: number, centers: readonly number[]): number {
  let best = Infinity;
  for (const c of centers) {
    let sum = 0;
    for (let j = 0; j < d; j++) sum += (points[row * d + j]! - points[c * d + j]!) ** 2;
    best = Math.min(best, sum);
  }
  return best;
}

/** The exactness contract: each pick is, in float64, the farthest point from the earlier picks up to 1e-6 relative. */
function expectFarthestFirst(points: Float32Array, d: number, picks: readonly number[]): void {
  const n = points.length / d;
  const minDist = new Float64Array(n).fill(Infinity);
  for (let t = 1; t < picks.length; t++) {
    const c = picks[t - 1]!;
    for (let i = 0; i < n; i++) minDist[i] = Math.min(minDist[i]!, float64MinDist(points, d, i, [c]));
    let farthest = 0;
    for (let i = 0; i < n; i++) farthest = Math.max(farthest, minDist[i]!);
    const got = minDist[picks[t]!]!;
    if (got < farthest * (1 - 1e-6)) expect.fail(`pick ${t} (row ${picks[t]}) is at ${got}, the farthest point at ${farthest}`);
  }
}

/** Where two pick sequences first differ, both candidates are float64 near-ties (1e-6 relative). */
function expectSameUpToNearTies(points: Float32Array, d: number, ours: readonly number[], theirs: readonly number[]): void {
  const at = ours.findIndex((row, i) => row !== theirs[i]);
  if (at === -1) return;
  const earlier = ours.slice(0, at);
  const a = float64MinDist(points, d, ours[at]!, earlier);
  const b = float64MinDist(points, d, theirs[at]!, earlier);
  expect(Math.abs(a - b), `picks differ at ${at}: rows ${ours[at]} (${a}) and ${theirs[at]} (${b})`).toBeLessThanOrEqual(1e-6 * Math.max(a, b));
}

describe('WebGPU selection kernels vs the CPU reference', () => {
  const n = 1500;
  const d = 67; // not a multiple of the 32-dimension chunk

  it('folds several center blocks like the reference; chosen points stay negative, centers get exactly 0', async () => {
    const points = randomMatrix(n, d, 7);
    const kernel = await WebGpuKernel.create({ precision: 'fp32', values: points }, d, { runner });
    const reference = new ReferenceKernel(points, d);
    const gpu = new Float32Array(n).fill(Infinity);
    gpu[17] = -1;
    gpu[1499] = -1;
    const cpu = gpu.slice();
    for (const block of [Int32Array.of(3), Int32Array.from({ length: 37 }, (_, i) => 40 * i + 5), Int32Array.from({ length: 70 }, (_, i) => (i * 211) % n)]) {
      await kernel.foldCenters(block, gpu);
      await reference.foldCenters(block, cpu);
      expectClose(gpu, cpu);
    }
    expect([gpu[17], gpu[1499]]).toEqual([-1, -1]);
    expect(gpu[3]).toBe(0);
    await kernel.release();
  });

  it('pool distances equal the reference, and equal the fold of the same center bit for bit', async () => {
    const points = randomMatrix(n, d, 11);
    const kernel = await WebGpuKernel.create({ precision: 'fp32', values: points }, d, { runner });
    const reference = new ReferenceKernel(points, d);
    const rows = Int32Array.from({ length: 300 }, (_, j) => (j * 7 + 1) % n);
    const gpu = new Float32Array(rows.length);
    const cpu = new Float32Array(rows.length);
    await kernel.openPool(rows).distancesTo(42, gpu);
    await reference.openPool(rows).distancesTo(42, cpu);
    expectClose(gpu, cpu);
    const folded = new Float32Array(n).fill(Infinity);
    await kernel.foldCenters(Int32Array.of(42), folded);
    expect(Array.from(gpu)).toEqual(Array.from(rows, (row) => folded[row]!));
    await kernel.release();
  });

  it('subsets fold against rows of the full matrix', async () => {
    const points = randomMatrix(n, d, 13);
    const kernel = await WebGpuKernel.create({ precision: 'fp32', values: points }, d, { runner });
    const rows = Int32Array.from({ length: 200 }, (_, j) => (j * 13 + 2) % n);
    const gpu = new Float32Array(rows.length).fill(Infinity);
    const cpu = gpu.slice();
    const centers = Int32Array.of(0, 999, 1234);
    await kernel.subset(rows).foldCenters(centers, gpu);
    await new ReferenceKernel(points, d).subset(rows).foldCenters(centers, cpu);
    expectClose(gpu, cpu);
    await kernel.release();
  });

  it('float16 storage (odd d: halves straddle u32 words) folds like the reference on the stored values', async () => {
    const half = float32ArrayToHalf(randomMatrix(900, 33, 23));
    const kernel = await WebGpuKernel.create({ precision: 'fp16', values: half }, 33, { runner });
    const reference = new ReferenceKernel(halfArrayToFloat32(half), 33);
    const gpu = new Float32Array(900).fill(Infinity);
    const cpu = gpu.slice();
    await kernel.foldCenters(Int32Array.of(5, 450, 899), gpu);
    await reference.foldCenters(Int32Array.of(5, 450, 899), cpu);
    expectClose(gpu, cpu);
    await kernel.release();
  });

  it('splits across buffers, grid dimensions and dispatches under small limits, with the same results', async () => {
    const small = await GpuRunner.create({ limits: { maxStorageBufferBindingSize: 4 * d * 100, maxComputeWorkgroupsPerDimension: 2 }, maxWorkPerDispatch: 100 * 100 * d });
    try {
      const rows = 650;
      const points = randomMatrix(rows, d, 17);
      const matrix = DeviceMatrix.upload(small, points, d);
      expect(matrix.shardCount).toBe(7);
      // 7 buffers of at most 100 rows; 130 centers in blocks of at most 100 (the binding limit); a fold of
      // 100 centers takes dispatches of 96 rows (the work limit), 3 workgroups on a 2 x 2 grid.
      const centers = Int32Array.from({ length: 130 }, (_, i) => (i * 10 + 1) % rows);
      const centerValues = new Float32Array(centers.length * d);
      centers.forEach((c, i) => {
        centerValues.set(points.subarray(c * d, (c + 1) * d), i * d);
      });
      const gpu = new Float32Array(rows).fill(Infinity);
      const cpu = gpu.slice();
      await matrix.foldCenters(centerValues, gpu);
      await new ReferenceKernel(points, d).foldCenters(centers, cpu);
      expectClose(gpu, cpu);
      const pool = new Float32Array(rows);
      await matrix.distancesTo(points.subarray(5 * d, 6 * d), pool);
      const want = new Float32Array(rows);
      await new ReferenceKernel(points, d).openPool(Int32Array.from({ length: rows }, (_, i) => i)).distancesTo(5, want);
      expectClose(pool, want);
      matrix.destroy();
    } finally {
      await small.destroy();
    }
  });

  it('arg-max: the largest value, the lowest index among ties, never a negative entry', async () => {
    const values = Float32Array.from({ length: 5000 }, (_, i) => (i * 7919) % 97);
    values[4000] = -1;
    expect(await argMax(runner, values)).toEqual({ index: values.indexOf(96), value: 96 });
    expect(await argMax(runner, Float32Array.of(-1, -1))).toBeNull();
    expect(await argMax(runner, Float32Array.of(-1, 0, 0))).toEqual({ index: 1, value: 0 });
  });
});

describe('greedy selection on WebGPU', () => {
  it('each pick is the float64 farthest point (pool path and lazy refresh both exercised)', async () => {
    const d = 24;
    const points = mixture(1200, d, 3);
    const kernel = await WebGpuKernel.create({ precision: 'fp32', values: points }, d, { runner });
    const state = await greedy(kernel, 80, 24, true);
    await kernel.release();
    expect(new Set(state.centers).size).toBe(80);
    expect(state.passes).toBeLessThan(80);
    expectFarthestFirst(points, d, state.centers);
  });

  it('`select --backend webgpu` (in process) picks what the CPU backend picks, up to float64 near-ties', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const d = 48;
      const n = 1000;
      const points = mixture(n, d, 5);
      await writeNpy(join(dir, 'e.npy'), points, n, d);
      const common = { embeddings: join(dir, 'e.npy'), k: 60, first: 4, poolSize: 32 };
      const gpu = await runSelect({ ...common, out: join(dir, 'gpu'), backend: 'webgpu' });
      const cpu = await runSelect({ ...common, out: join(dir, 'cpu'), backend: 'cpu', threads: 1 });
      expect(gpu.backend).toBe('webgpu');
      const gpuPicks = await readCoresetRowIds(join(dir, 'gpu', 'coreset.arrow'));
      const cpuPicks = await readCoresetRowIds(join(dir, 'cpu', 'coreset.arrow'));
      expect(gpuPicks).toHaveLength(60);
      expectFarthestFirst(points, d, gpuPicks);
      expectSameUpToNearTies(points, d, gpuPicks, cpuPicks);
      expect(Math.abs(gpu.radius - cpu.radius)).toBeLessThanOrEqual(1e-5 * cpu.radius);
    } finally {
      await cleanup();
    }
  });
});

describe('device lifetime and errors', () => {
  it('no matching adapter is E_DEVICE_UNAVAILABLE with what to install', async () => {
    const error = await acquireDevice({ dawnFlags: ['adapter=tidepool-no-such-adapter'] }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'E_DEVICE_UNAVAILABLE' });
    expect((error as Error).message).toContain('tidepool doctor');
    expect((error as Error).message).toContain('VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json');
  });

  it('the doctor lists the adapter the runner uses, and the Vulkan setup it runs on', async () => {
    const facts = await gatherDoctorFacts({ env: process.env });
    if (!facts.webgpu.loaded) return expect.fail(`webgpu did not load: ${facts.webgpu.error}`);
    expect(facts.webgpu.preferred).toMatchObject({ description: runner.adapter.description, limits: runner.adapter.limits });
    expect(facts.webgpu.adapters.map((adapter) => adapter.details)).toContainEqual(expect.objectContaining({ description: runner.adapter.description }));
    if (process.env.VK_ICD_FILENAMES !== undefined) expect(facts.vulkan?.override).toEqual({ name: 'VK_ICD_FILENAMES', value: process.env.VK_ICD_FILENAMES });
    const report = buildDoctorReport(facts);
    expect(report.status.webgpu).toBe(runner.adapter.isFallbackAdapter ? 'software' : 'gpu');
  });

  it('a process that awaits destroy() and exits ends cleanly, with or without work done (no Dawn teardown race)', async () => {
    // Without the wait in destroy() the no-work case died 6 times in 6 here (SIGSEGV, abort).
    const script = `
      import { GpuRunner } from './dist/backends/webgpu/runner.js';
      import { DeviceMatrix } from './dist/backends/webgpu/selection.js';
      const runner = await GpuRunner.create();
      const points = Float32Array.from({ length: 256 * 16 }, (_, i) => Math.sin(i));
      const minDist = new Float32Array(256).fill(Infinity);
      if (process.argv[1] === 'work') await DeviceMatrix.upload(runner, points, 16).foldCenters(points.slice(0, 16 * 4), minDist);
      await runner.destroy();
      process.stdout.write(String(minDist[0]));
    `;
    for (const mode of ['idle', 'idle', 'idle', 'work']) {
      const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script, mode], { cwd: process.cwd() });
      expect(stdout).toBe(mode === 'work' ? '0' : 'Infinity');
    }
  });
});
