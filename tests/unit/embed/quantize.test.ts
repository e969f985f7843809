// `tidepool quantize`'s core and library form: the rewritten graph computes exactly what int8 dynamic
// quantization means (a brute-force reference written here from the ONNX operator definitions, on a
// tiny MatMul), leaves activation x activation MatMuls in float, and on the project's models keeps
// each row's embedding within cosine 0.99 of the fp32 model's on generated code, through the real
// embed path (loadModelFolder + OnnxEmbedder, --variant fp32 against the written file).
import { copyFile, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOnnxModel } from '../../../src/backends/onnx/graph.js';
import { OnnxSession } from '../../../src/backends/onnx/session.js';
import { MINI_BERT_CONFIG, writeNativeModel } from '../../../src/devkit/native-model/index.js';
import { generateSample } from '../../../src/devkit/sample/index.js';
import { OnnxEmbedder, loadModelFolder } from '../../../src/embedders/onnx/index.js';
import { QUANTIZE_OPTIONS, quantizeModelFolder, quantizeOnnxModel, resolveQuantizeOptions, type QuantizeOptions, type WeightFormat } from '../../../src/embedders/onnx/quantize/index.js';
import { namedOptions, usageProblems } from '../../helpers/option-table.js';
import { tempDir } from '../../helpers/files.js';

const { onnx } = onnxProto;
const VNNI = 'qint8_avx512_vnni';
const MINILM_SHAPE = { ...MINI_BERT_CONFIG, hiddenSize: 384, numHiddenLayers: 6, numAttentionHeads: 12, intermediateSize: 1536 };

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('tidepool-quantize-'));
});
afterAll(async () => cleanup());

/** Deterministic values in [-1, 1). */
function values(count: number, seed: number): Float32Array {
  let state = seed;
  return Float32Array.from({ length: count }, () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 1073741824 - 1;
  });
}

/** Round half to even, as ONNX's quantizers round. */
function roundEven(value: number): number {
  const floor = Math.floor(value);
  const diff = value - floor;
  if (diff !== 0.5) return Math.round(value);
  return floor % 2 === 0 ? floor : floor + 1;
}

/** int8 dynamic quantization of X [m, k] @ W [k, n] from the operator definitions, in float64 after float32 scales. */
function referenceInt8MatMul(x: Float32Array, w: Float32Array, m: number, k: number, n: number, format: WeightFormat): Float64Array {
  // DynamicQuantizeLinear: uint8, range widened to include 0.
  const xMin = Math.min(0, ...x);
  const xMax = Math.max(0, ...x);
  const xScale = Math.fround((xMax - xMin) / 255);
  const xZero = Math.min(255, Math.max(0, roundEven(-xMin / xScale)));
  const xq = Array.from(x, (value) => Math.min(255, Math.max(0, roundEven(value / xScale) + xZero)));
  const wScale = (column: number): number => {
    let max = 0;
    for (let row = 0; row < k; row++) for (let c = 0; c < n; c++) if (!format.perChannel || c === column) max = Math.max(max, Math.abs(w[row * n + c]!));
    return Math.fround(max / format.maxLevel);
  };
  const out = new Float64Array(m * n);
  for (let column = 0; column < n; column++) {
    const scale = wScale(column);
    for (let row = 0; row < m; row++) {
      let sum = 0;
      for (let inner = 0; inner < k; inner++) sum += (xq[row * k + inner]! - xZero) * Math.max(-format.maxLevel, Math.min(format.maxLevel, Math.round(w[inner * n + column]! / scale)));
      out[row * n + column] = sum * Math.fround(xScale * scale);
    }
  }
  return out;
}

function tinyMatMul(w: Float32Array, k: number, n: number): Uint8Array {
  return buildOnnxModel({
    name: 'tiny',
    opset: 13,
    inputs: [{ name: 'x', type: 'float32', shape: ['m', k] }, { name: 'y', type: 'float32', shape: ['m', k] }],
    outputs: [{ name: 'out', type: 'float32', shape: ['m', n] }, { name: 'gram', type: 'float32', shape: ['m', 'm'] }],
    nodes: [
      { op: 'MatMul', inputs: ['x', 'w'], outputs: ['out'] },
      // Two computed inputs: stays float.
      { op: 'Transpose', inputs: ['y'], outputs: ['yT'], attributes: { perm: [1, 0] } },
      { op: 'MatMul', inputs: ['x', 'yT'], outputs: ['gram'] },
    ],
    initializers: [{ name: 'w', type: 'float32', dims: [k, n], values: w }],
  });
}

function opsOf(bytes: Uint8Array): string[] {
  return (onnx.ModelProto.decode(bytes).graph?.node ?? []).map((node) => node.opType ?? '');
}

describe('quantizeOnnxModel on a tiny MatMul', () => {
  const m = 3;
  const k = 8;
  const n = 5;
  const x = values(m * k, 7);
  const w = values(k * n, 19);
  const formats: [string, WeightFormat][] = [
    ['int8 per column', { type: 'int8', maxLevel: 127, perChannel: true }],
    ['int8 per tensor', { type: 'int8', maxLevel: 127, perChannel: false }],
    ['int8 7-bit per column', { type: 'int8', maxLevel: 63, perChannel: true }],
    ['uint8 (zero point 128) per column', { type: 'uint8', maxLevel: 127, perChannel: true }],
  ];
  it.each(formats)('%s: equals the brute-force int8 reference, and the activation MatMul stays float', async (_label, format) => {
    const outcome = quantizeOnnxModel(tinyMatMul(w, k, n), format);
    if (!outcome.ok) throw new Error(outcome.message);
    expect(outcome.report).toMatchObject({ quantized: 1, keptFloat: 1, floatWeightBytes: k * n * 4 });
    expect(opsOf(outcome.bytes)).toEqual(['DynamicQuantizeLinear', 'MatMulInteger', 'Cast', 'Mul', 'Mul', 'Transpose', 'MatMul']);
    const session = await OnnxSession.create(outcome.bytes);
    try {
      const result = await session.run({ x: { data: x, dims: [m, k] }, y: { data: x, dims: [m, k] } }, ['out', 'gram']);
      const expected = referenceInt8MatMul(x, w, m, k, n, format);
      for (let index = 0; index < expected.length; index++) expect(result.out![index]).toBeCloseTo(expected[index]!, 5);
      // The float MatMul: x @ x^T exactly as float32 would give it.
      for (let row = 0; row < m; row++) {
        let dot = 0;
        for (let inner = 0; inner < k; inner++) dot += x[row * k + inner]! * x[row * k + inner]!;
        expect(result.gram![row * m + row]).toBeCloseTo(dot, 5);
      }
    } finally {
      await session.release();
    }
  });

  it('refuses a model that is already quantized, and bytes that are no ONNX model', () => {
    const once = quantizeOnnxModel(tinyMatMul(w, k, n), formats[0]![1]);
    if (!once.ok) throw new Error(once.message);
    expect(quantizeOnnxModel(once.bytes, formats[0]![1])).toMatchObject({ ok: false, code: 'E_USAGE', message: expect.stringContaining('already quantized (it has a DynamicQuantizeLinear node)') as unknown });
    expect(quantizeOnnxModel(Uint8Array.of(0xff, 0xff, 0xff, 0x07), formats[0]![1])).toMatchObject({ ok: false, code: 'E_MODEL_INVALID' });
  });
});

/** Generated CodeSearchNet-like pairs (docstring + code, as embed's default template joins them), ~0.3-2 KB each. */
function codeTexts(rows: number): string[] {
  const lines = [...generateSample({ rows, seed: 5, duplicateRate: 0, nearDuplicateRate: 0, badLineRate: 0 })];
  return lines.map((line) => {
    const record = JSON.parse(String(line.bytes)) as { docstring: string; code: string };
    return `${record.docstring}\n${record.code}`;
  });
}

async function embed(model: string, variant: string, texts: readonly string[]): Promise<{ vectors: Float32Array; onnxVariant: string }> {
  const folder = await loadModelFolder(model, { variant });
  const embedder = await OnnxEmbedder.create(folder, { device: 'cpu', batchTokens: 2048 });
  try {
    return { vectors: (await embedder.embed(texts)).vectors, onnxVariant: folder.onnxVariant };
  } finally {
    await embedder.release();
  }
}

function rowCosines(a: Float32Array, b: Float32Array, dim: number): number[] {
  const cosines: number[] = [];
  for (let row = 0; row < a.length / dim; row++) {
    let dot = 0;
    let aa = 0;
    let bb = 0;
    for (let j = row * dim; j < (row + 1) * dim; j++) {
      dot += a[j]! * b[j]!;
      aa += a[j]! * a[j]!;
      bb += b[j]! * b[j]!;
    }
    cosines.push(dot / Math.sqrt(aa * bb));
  }
  return cosines;
}

describe('quantizeModelFolder on the project\'s models', () => {
  it.each([
    ['tidepool-mini-bert', MINI_BERT_CONFIG, 64, 2],
    ['MiniLM-L6 shape', MINILM_SHAPE, 16, 6],
  ] as const)('%s: every row within cosine 0.99 of fp32 on generated code', async (name, config, rows, layers) => {
    const model = join(dir, name.replace(/\W+/g, '-'));
    await writeNativeModel(model, config);
    const result = await quantizeModelFolder({ model, variant: VNNI, cpu: { arch: 'x64', flags: [] } });
    // Q, K, V, attention output, FFN in and out per layer; the two attention MatMuls stay float.
    expect(result).toMatchObject({ quantized: 6 * layers, keptFloat: 2 * layers, variant: VNNI, output: join(model, 'onnx', `model_${VNNI}.onnx`) });
    expect(result.bytesAfter).toBeLessThan(result.bytesBefore);
    const texts = codeTexts(rows);
    const fp32 = await embed(model, 'fp32', texts);
    const int8 = await embed(model, VNNI, texts);
    expect(int8.onnxVariant).toBe(VNNI);
    const cosines = rowCosines(fp32.vectors, int8.vectors, config.hiddenSize);
    expect(cosines).toHaveLength(rows);
    expect(Math.min(...cosines)).toBeGreaterThanOrEqual(0.99);
  }, 120_000);

  it('writes for the CPU it is given, refuses to overwrite without force, and names the file it cannot use', async () => {
    const model = join(dir, 'errors');
    await writeNativeModel(model);
    const avx2 = { arch: 'x64', flags: ['avx2'] };
    const first = await quantizeModelFolder({ model, cpu: avx2 });
    expect(first.output).toBe(join(model, 'onnx', 'model_quint8_avx2.onnx'));
    await expect(quantizeModelFolder({ model, cpu: avx2 })).rejects.toMatchObject({ code: 'E_OUTPUT', message: expect.stringContaining('already exists. Pass --force') as unknown });
    await expect(quantizeModelFolder({ model, cpu: avx2, force: true })).resolves.toMatchObject({ variant: 'quint8_avx2' });
    await expect(quantizeModelFolder({ model, cpu: { arch: 'x64', flags: [] } })).rejects.toMatchObject({ code: 'E_USAGE', message: expect.stringContaining('has no int8 target') as unknown });
    // An int8 file put in place of the fp32 one.
    const fp32Path = join(model, 'onnx', 'model.onnx');
    const original = await readFile(fp32Path);
    await copyFile(first.output, fp32Path);
    await expect(quantizeModelFolder({ model, cpu: avx2, force: true })).rejects.toMatchObject({ code: 'E_USAGE', message: expect.stringContaining(`${fp32Path} is already quantized`) as unknown });
    await writeFile(fp32Path, 'not a model');
    await expect(quantizeModelFolder({ model, cpu: avx2, force: true })).rejects.toMatchObject({ code: 'E_MODEL_INVALID', message: expect.stringContaining(fp32Path) as unknown });
    await writeFile(fp32Path, original);
    await rm(fp32Path);
    await expect(quantizeModelFolder({ model, cpu: avx2 })).rejects.toMatchObject({ code: 'E_MODEL_MISSING', message: expect.stringContaining('has no fp32 model.onnx') as unknown });
  }, 60_000);
});

describe('resolveQuantizeOptions', () => {
  it('names every bad option by its flag, in one E_USAGE error', () => {
    const bad = { model: '', out: 5, force: 'yes', perChannel: 1, variant: 3, cpu: { arch: 'x64', flags: [] } } as unknown as QuantizeOptions;
    const problems = usageProblems('quantize', () => resolveQuantizeOptions(bad));
    expect(namedOptions(problems)).toEqual(Object.values(QUANTIZE_OPTIONS).map((spec) => spec.flag!).sort());
  });

  it('defaults: no --out, no --force, per-column scales', () => {
    expect(resolveQuantizeOptions({ model: 'm', cpu: { arch: 'x64', flags: [] } })).toMatchObject({ model: 'm', out: undefined, force: false, perChannel: true, variant: undefined });
  });
});
