/** The GPU commands as a user runs them: `tidepool doctor` and `tidepool select --backend webgpu` (on SwiftShader in CI). */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCoresetRowIds } from '../../src/store/coreset.js';
import { writeNpy } from '../../src/store/npy.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/files.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await tempDir('tidepool-webgpu-cli-')));
afterAll(async () => cleanup());

describe('GPU commands', () => {
  it('doctor --json lists the WebGPU adapter and the devices embed can use, and exits 0', async () => {
    const result = await runCli(['doctor', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = result.json as { facts: { webgpu: { adapters: unknown[] }; onnx: { available: string[] } } };
    expect(report.facts.webgpu.adapters.length, 'no WebGPU adapter: install chromium and libvulkan1 (SwiftShader) or a GPU driver').toBeGreaterThan(0);
    expect(report.facts.onnx.available).toContain('cpu');
  });

  it('select --backend webgpu picks what --backend cpu picks on the same .npy', async () => {
    let s = 7;
    const random = (): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
    const n = 600;
    const d = 24;
    const points = Float32Array.from({ length: n * d }, random);
    const npy = join(dir, 'points.npy');
    await writeNpy(npy, points, n, d);
    const picks: Record<string, number[]> = {};
    for (const backend of ['cpu', 'webgpu']) {
      const result = await runCli(['select', '--embeddings', npy, '--k', '12', '--first', '0', '--backend', backend, '--out', join(dir, backend), '--json', '-q']);
      expect(result.code, result.stderr).toBe(0);
      expect(result.json).toMatchObject({ backend, k: 12 });
      picks[backend] = await readCoresetRowIds(join(dir, backend, 'coreset.arrow'));
    }
    // Random uniform points have no float64 near-ties at this size: the picks are identical.
    expect(picks.webgpu).toEqual(picks.cpu);
  });
});
