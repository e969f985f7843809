/**
 * `embed --device webgpu`: onnxruntime-node's WebGPU execution provider (its own bundled Dawn) on the
 * same Vulkan drivers as the selection kernels (in CI: SwiftShader). It must embed like the CPU provider.
 * No adapter fails with the doctor's advice, never a skip.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatherDoctorFacts } from '../../src/doctor/probe.js';
import { buildDoctorReport, formatDoctorReport } from '../../src/doctor/report.js';
import { OnnxEmbedder } from '../../src/embedders/onnx/embedder.js';
import { loadModelFolder, type ModelFolder } from '../../src/embedders/onnx/model-folder.js';
import { writeNativeFolder, type NativeFolder } from '../unit/embed/onnx-helpers.js';

let native: NativeFolder;
let folder: ModelFolder;
beforeAll(async () => {
  native = await writeNativeFolder();
  folder = await loadModelFolder(native.dir);
});
afterAll(async () => native.cleanup());

async function embed(device: 'cpu' | 'webgpu', texts: readonly string[]): Promise<Float32Array> {
  let embedder: OnnxEmbedder;
  try {
    embedder = await OnnxEmbedder.create(folder, { device, batchTokens: 512 });
  } catch (error) {
    if (device === 'cpu') throw error;
    const report = formatDoctorReport(buildDoctorReport(await gatherDoctorFacts({ env: process.env })));
    throw new Error(`onnxruntime's WebGPU provider has no device: ${(error as Error).message}\n\n${report}`, { cause: error });
  }
  try {
    return (await embedder.embed(texts)).vectors;
  } finally {
    await embedder.release();
  }
}

describe('onnxruntime WebGPU embeddings', () => {
  it('match the CPU provider within 1e-3 (several sub-batches, texts of different lengths)', async () => {
    const texts = Array.from({ length: 12 }, (_, i) => `def f${i}(values):\n    """Return the ${i}-th scaled sum."""\n    return sum(v * ${i} for v in values)${' + 1'.repeat(i * 3)}`);
    const cpu = await embed('cpu', texts);
    const gpu = await embed('webgpu', texts);
    expect(gpu.length).toBe(cpu.length);
    let worst = 0;
    for (let i = 0; i < cpu.length; i++) worst = Math.max(worst, Math.abs(gpu[i]! - cpu[i]!));
    expect(worst).toBeLessThanOrEqual(1e-3);
  });
});
