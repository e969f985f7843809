// `tidepool quantize` through the built CLI: it writes the int8 file this CPU's `--variant auto` looks
// for, `embed --variant auto` then runs it (the manifest says so) with vectors within cosine 0.99 of
// --variant fp32's, and a second quantize refuses to overwrite without --force.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCpuFeatures } from '../../src/backends/cpu-features.js';
import { writeNativeModel } from '../../src/devkit/native-model/index.js';
import { quantTargetOf } from '../../src/embedders/onnx/quantize/index.js';
import { readArrowBatches } from '../../src/store/arrow-file.js';
import { embeddingMatrix } from '../../src/store/embeddings.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/files.js';

let dir: string;
let cleanup: () => Promise<void>;
let data: string;
let model: string;
// The CLI reads the same /proc/cpuinfo; a CPU with no int8 target (no AVX2) is where quantize must refuse.
const target = quantTargetOf(readCpuFeatures());

async function vectorsOf(out: string): Promise<Float32Array> {
  const parts: number[] = [];
  for await (const batch of readArrowBatches(join(out, 'embeddings.arrow'))) parts.push(...(embeddingMatrix(batch.getChild('embedding')!).values as Float32Array));
  return Float32Array.from(parts);
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  const sample = await runCli(['sample', '--rows', '80', '--seed', '6', '--out', join(dir, 'sample.jsonl'), '-q']);
  expect(sample.code, sample.stderr).toBe(0);
  data = join(dir, 'ingested');
  const ingest = await runCli(['ingest', join(dir, 'sample.jsonl'), '--out', data, '-q']);
  expect(ingest.code, ingest.stderr).toBe(0);
  model = join(dir, 'mini-bert');
  await writeNativeModel(model);
}, 120_000);
afterAll(async () => cleanup());

describe('tidepool quantize', () => {
  it('writes the file embed --variant auto picks on this CPU', async () => {
    if (target === undefined) {
      // No AVX2, AVX-512 or arm64: auto picks no int8 file here, so quantize says so instead of writing one.
      const refused = await runCli(['quantize', '--model', model]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('has no int8 target');
      return;
    }
    const variant = target.variant;
    const quantized = await runCli(['quantize', '--model', model, '--json']);
    expect(quantized.code, quantized.stderr).toBe(0);
    const expectedFile = join(model, 'onnx', `model_${variant}.onnx`);
    expect(quantized.json).toMatchObject({ variant, output: expectedFile, quantized: 12, keptFloat: 4 });
    const human = await runCli(['quantize', '--model', model]);
    expect(human.code).toBe(1);
    expect(human.stderr).toContain(`${expectedFile} already exists. Pass --force`);
    const forced = await runCli(['quantize', '--model', model, '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toMatch(new RegExp(`quantized 12 MatMuls to ${variant} .*MiB -> .*MiB`));

    const auto = join(dir, 'auto');
    const fp32 = join(dir, 'fp32');
    const int8 = await runCli(['embed', '--data', data, '--model', model, '--variant', 'auto', '--out', auto, '--threads', '2', '--json']);
    expect(int8.code, int8.stderr).toBe(0);
    expect(int8.stderr).toContain(`ONNX variant ${variant} (onnx/model_${variant}.onnx): auto: ${variant} suits this CPU`);
    const manifest = JSON.parse(await readFile(join(auto, 'manifest.json'), 'utf8')) as { parameters: { model: Record<string, unknown> } };
    expect(manifest.parameters.model).toMatchObject({ variant, onnx: expectedFile });
    const plain = await runCli(['embed', '--data', data, '--model', model, '--variant', 'fp32', '--out', fp32, '--threads', '2', '--json']);
    expect(plain.code, plain.stderr).toBe(0);
    const [a, b] = [await vectorsOf(auto), await vectorsOf(fp32)];
    const dim = a.length / (plain.json as { rows: number }).rows;
    for (let row = 0; row < a.length / dim; row++) {
      let dot = 0;
      for (let j = row * dim; j < (row + 1) * dim; j++) dot += a[j]! * b[j]!;
      expect(dot).toBeGreaterThanOrEqual(0.99); // unit vectors: the dot product is the cosine
    }
  }, 180_000);

  it('fails with the folder named when it has no fp32 model', async () => {
    const result = await runCli(['quantize', '--model', join(dir, 'nowhere')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`the model folder ${join(dir, 'nowhere')} does not exist`);
  }, 60_000);
});
