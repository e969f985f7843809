// Static (model2vec) models against the independent reference in static-reference.ts: the vectors
// tidepool computes equal model2vec's recipe run in float64 on the parsed bytes, within 1e-6.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeStaticModel } from '../../../src/devkit/static-model/index.js';
import type { StaticModelOptions } from '../../../src/devkit/static-model/index.js';
import { StaticEmbedder, isStaticModelFolder, loadStaticModelFolder } from '../../../src/embedders/static/index.js';
import { tempDir } from '../../helpers/files.js';
import { realCodeTexts, referenceStaticVectors } from '../../helpers/static-reference.js';

let dir: string;
let cleanup: () => Promise<void>;
const texts = realCodeTexts(120);

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterAll(async () => cleanup());

async function model(name: string, options: StaticModelOptions): Promise<string> {
  const path = join(dir, name);
  await writeStaticModel(path, options);
  return path;
}

function expectClose(actual: Float32Array, expected: number[][], dim: number): void {
  let worst = 0;
  expected.forEach((row, i) => {
    row.forEach((value, k) => {
      worst = Math.max(worst, Math.abs(actual[i * dim + k]! - value));
    });
  });
  expect(worst).toBeLessThan(1e-6);
}

describe('static embedder (model2vec)', () => {
  it.each([
    ['F32 vectors with weights, normalised', { dtype: 'F32' }],
    ['F16 vectors with weights, normalised', { dtype: 'F16' }],
    ['F32 vectors without weights, not normalised', { weights: false, normalize: false }],
    ['shared rows through a mapping (vocabulary quantisation)', { mappedRows: 97 }],
  ] as [string, StaticModelOptions][])('%s: equal to the reference within 1e-6 on real code', async (_, options) => {
    const path = await model(JSON.stringify(options).replace(/\W/g, ''), options);
    expect(await isStaticModelFolder(path)).toBe(true);
    const folder = await loadStaticModelFolder(path);
    const embedder = await StaticEmbedder.create(folder);
    const result = embedder.embed(texts);
    expectClose(result.vectors, referenceStaticVectors(path, texts), folder.dim);
    expect(result.empty).toBe(2);
    expect(result.zeroVectors).toBeGreaterThanOrEqual(2); // the empty texts (the emoji line may keep known letters)
    expect(result.truncated).toBeGreaterThanOrEqual(1); // the concatenated files
    if (options.normalize !== false) {
      const norm = Math.hypot(...result.vectors.subarray(folder.dim * 5, folder.dim * 6));
      expect(norm).toBeCloseTo(1, 6);
    }
  });

  it('honours a shorter max length, as model2vec encode(max_length=...) does', async () => {
    const path = await model('short', {});
    const embedder = await StaticEmbedder.create(await loadStaticModelFolder(path, { maxLength: 16 }));
    const result = embedder.embed(texts);
    expectClose(result.vectors, referenceStaticVectors(path, texts, 16), 64);
    expect(result.truncated).toBeGreaterThan(texts.length / 2);
  });

  it('reads the sentence-transformers StaticEmbedding layout (vectors under 0_StaticEmbedding/)', async () => {
    const st = await model('st', { layout: 'sentence-transformers', seed: 3 });
    const plain = await model('plain-for-st', { seed: 3, weights: false });
    const folder = await loadStaticModelFolder(st);
    expect(folder.layout).toBe('sentence-transformers');
    expect(folder.normalize).toBe(true); // from the Normalize module in modules.json
    const a = (await StaticEmbedder.create(folder)).embed(texts.slice(0, 20)).vectors;
    expectClose(a, referenceStaticVectors(plain, texts.slice(0, 20)), 64);
  });

  it('names the file when the safetensors header or offsets are damaged', async () => {
    const path = await model('damaged', {});
    const file = join(path, 'model.safetensors');
    const bytes = await readFile(file);
    const headerLength = Number(bytes.readBigUInt64LE(0));
    // Offsets past the end: cut the file in the middle of the data.
    await writeFile(file, bytes.subarray(0, 8 + headerLength + 100));
    await expect(StaticEmbedder.create(await loadStaticModelFolder(path))).rejects.toMatchObject({ code: 'E_MODEL_INVALID', message: expect.stringContaining(file) as unknown });
    // A header that is not JSON.
    const broken = Buffer.from(bytes);
    broken.write('{"embeddings": nope', 8);
    await writeFile(file, broken);
    await expect(loadStaticModelFolder(path)).rejects.toMatchObject({ code: 'E_MODEL_INVALID', message: expect.stringMatching(/model\.safetensors is not a valid safetensors file: its header is not JSON/) as unknown });
    // A header length longer than the file.
    const long = Buffer.from(bytes);
    long.writeBigUInt64LE(BigInt(bytes.length), 0);
    await writeFile(file, long);
    await expect(loadStaticModelFolder(path)).rejects.toMatchObject({ code: 'E_MODEL_INVALID', message: expect.stringContaining('header length field') as unknown });
  });

  it('is taken for a static model beside an ONNX export of it (as model2vec repos ship), and not without a vectors tensor', async () => {
    const path = await model('with-onnx', {});
    await mkdir(join(path, 'onnx'), { recursive: true });
    await writeFile(join(path, 'onnx', 'model.onnx'), 'x');
    expect(await isStaticModelFolder(path)).toBe(true);
    expect(await isStaticModelFolder(join(dir, 'nothing-here'))).toBe(false);
  });
});
