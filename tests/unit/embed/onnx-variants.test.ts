// --variant: which ONNX file of a model folder runs. The folder holds the native model's bytes under
// several variant names (the bytes are the same model: what is tested is the choice, which is known
// from the file names, the device and the CPU flags given).
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveEmbedModel } from '../../../src/embedders/model.js';
import { loadModelFolder } from '../../../src/embedders/onnx/index.js';
import { resolveModelOptions } from '../../../src/embedders/options.js';
import { chooseOnnxVariant, listOnnxVariants, variantName, type VariantTarget } from '../../../src/embedders/onnx/variants.js';
import { copyFolder, writeNativeFolder } from './onnx-helpers.js';
import type { NativeFolder } from './onnx-helpers.js';

let native: NativeFolder;
/** onnx/model.onnx, onnx/model_qint8_avx512_vnni.onnx, onnx/model_quint8_avx2.onnx, onnx/model_O2.onnx, model_fp16.onnx (top level, as Xenova ships). */
let variants: string;
/** onnx/model.onnx and onnx/model_qint8_arm64.onnx only. */
let plain: string;

const cpu = (flags: string[], arch = 'x64'): VariantTarget => ({ device: 'cpu', cpu: { arch, flags } });

async function errorOf(promise: Promise<unknown>): Promise<{ code?: string; message: string }> {
  return (await promise.then(
    () => ({ message: 'no error' }),
    (reason: unknown) => reason,
  )) as { code?: string; message: string };
}

beforeAll(async () => {
  native = await writeNativeFolder();
  variants = await copyFolder(native);
  const fp32 = join(variants, 'onnx', 'model.onnx');
  for (const name of ['model_qint8_avx512_vnni.onnx', 'model_quint8_avx2.onnx', 'model_O2.onnx']) await copyFile(fp32, join(variants, 'onnx', name));
  await copyFile(fp32, join(variants, 'model_fp16.onnx'));
  plain = await copyFolder(native);
  await copyFile(join(plain, 'onnx', 'model.onnx'), join(plain, 'onnx', 'model_qint8_arm64.onnx'));
});

afterAll(async () => {
  await native.cleanup();
});

describe('variant names', () => {
  it('name a file by what follows model_, model.onnx as fp32', () => {
    expect(['model_O2.onnx', 'onnx/model_O2.onnx', 'O2'].map(variantName)).toEqual(['O2', 'O2', 'O2']);
    expect(['model.onnx', 'onnx/model.onnx', 'model', 'fp32'].map(variantName)).toEqual(['fp32', 'fp32', 'fp32', 'fp32']);
    expect(variantName('model_qint8_avx512_vnni.onnx')).toBe('qint8_avx512_vnni');
  });

  it('lists the top level and onnx/', async () => {
    expect(await listOnnxVariants(variants)).toEqual([
      { name: 'fp16', file: 'model_fp16.onnx' },
      { name: 'fp32', file: 'onnx/model.onnx' },
      { name: 'O2', file: 'onnx/model_O2.onnx' },
      { name: 'qint8_avx512_vnni', file: 'onnx/model_qint8_avx512_vnni.onnx' },
      { name: 'quint8_avx2', file: 'onnx/model_quint8_avx2.onnx' },
    ]);
  });
});

describe('--variant auto', () => {
  it('picks the int8 file this CPU runs fastest, from its flags', async () => {
    expect((await loadModelFolder(variants, { target: cpu(['sse4_2', 'avx2', 'avx512f', 'avx512_vnni']) })).onnxPath).toBe(join(variants, 'onnx', 'model_qint8_avx512_vnni.onnx'));
    expect((await loadModelFolder(variants, { target: cpu(['avx512_vnni']) })).onnxVariant).toBe('qint8_avx512_vnni');
    expect((await loadModelFolder(variants, { target: cpu(['sse4_2', 'avx2']) })).onnxPath).toBe(join(variants, 'onnx', 'model_quint8_avx2.onnx'));
    // An AVX-512 CPU without VNNI has no qint8_avx512 file here: the AVX2 export runs on it.
    expect((await loadModelFolder(variants, { target: cpu(['avx2', 'avx512f']) })).onnxVariant).toBe('quint8_avx2');
  });

  it('takes model.onnx when no int8 file suits the CPU', async () => {
    const folder = await loadModelFolder(variants, { target: cpu([]) });
    expect(folder.onnxPath).toBe(join(variants, 'onnx', 'model.onnx'));
    expect(folder.onnxVariant).toBe('fp32');
    expect(folder.notes.some((note) => note.includes('fp32'))).toBe(true);
    // The arm64 export on an x64 CPU with AVX2 is not a match either.
    expect((await loadModelFolder(plain, { target: cpu(['avx2']) })).onnxVariant).toBe('fp32');
    expect((await loadModelFolder(plain, { target: cpu([], 'arm64') })).onnxVariant).toBe('qint8_arm64');
    // Without a target (as before variants existed): model.onnx.
    expect((await loadModelFolder(variants)).onnxVariant).toBe('fp32');
  });

  it('takes fp16 on a GPU when the folder has it, else fp32', async () => {
    expect((await loadModelFolder(variants, { target: { device: 'webgpu', cpu: { arch: 'x64', flags: ['avx512_vnni'] } } })).onnxPath).toBe(join(variants, 'model_fp16.onnx'));
    expect(chooseOnnxVariant(variants, await listOnnxVariants(variants), 'auto', { device: 'cuda', cpu: { arch: 'x64', flags: [] } }).variant.name).toBe('fp16');
    expect((await loadModelFolder(plain, { target: { device: 'webgpu', cpu: { arch: 'arm64', flags: [] } } })).onnxVariant).toBe('fp32');
  });

  it('says which variants a folder has when none suits and there is no model.onnx', async () => {
    const only = await copyFolder(native);
    await copyFile(join(only, 'onnx', 'model.onnx'), join(only, 'onnx', 'model_quantized.onnx'));
    await rm(join(only, 'onnx', 'model.onnx'));
    const error = await errorOf(loadModelFolder(only, { target: cpu(['avx2']) }));
    expect(error.code).toBe('E_MODEL_MISSING');
    expect(error.message).toContain(only);
    expect(error.message).toContain('quantized (onnx/model_quantized.onnx)');
    expect((await loadModelFolder(only, { variant: 'quantized' })).onnxVariant).toBe('quantized');
  });
});

describe('--variant NAME', () => {
  it('runs the named file whatever the CPU', async () => {
    expect((await loadModelFolder(variants, { variant: 'O2', target: cpu(['avx512_vnni']) })).onnxPath).toBe(join(variants, 'onnx', 'model_O2.onnx'));
    expect((await loadModelFolder(variants, { variant: 'model_fp16.onnx' })).onnxPath).toBe(join(variants, 'model_fp16.onnx'));
    expect((await loadModelFolder(variants, { variant: 'fp32', target: cpu(['avx512_vnni']) })).onnxPath).toBe(join(variants, 'onnx', 'model.onnx'));
  });

  it('must exist: the error names the folder and lists what it has', async () => {
    const error = await errorOf(loadModelFolder(variants, { variant: 'qint8_arm64' }));
    expect(error.code).toBe('E_MODEL_MISSING');
    expect(error.message).toContain(variants);
    expect(error.message).toContain('"qint8_arm64"');
    for (const name of ['fp16', 'O2', 'fp32', 'qint8_avx512_vnni', 'quint8_avx2']) expect(error.message).toContain(name);
  });

  it('still says how to export when the folder has no ONNX file at all', async () => {
    const empty = await copyFolder(native);
    await rm(join(empty, 'onnx'), { recursive: true });
    await mkdir(join(empty, 'onnx'));
    const error = await errorOf(loadModelFolder(empty));
    expect(error.code).toBe('E_MODEL_MISSING');
    expect(error.message).toContain('optimum-cli export onnx');
  });
});

describe('the model key and the manifest', () => {
  it('name the file and the variant that ran', async () => {
    const model = await resolveEmbedModel(resolveModelOptions({ model: variants, device: 'cpu', cpu: { arch: 'x64', flags: ['avx2', 'avx512_vnni'] } }), undefined);
    expect(model.kind).toBe('onnx');
    expect(model.describe).toMatchObject({ onnx: join(variants, 'onnx', 'model_qint8_avx512_vnni.onnx'), variant: 'qint8_avx512_vnni' });
    expect(model.key).toMatch(/:variant=qint8_avx512_vnni$/);
    if (model.kind === 'onnx') expect(model.spec.variant).toBe('qint8_avx512_vnni');
    // model.onnx keeps the key it had before variants (no suffix), so earlier runs resume.
    const fp32 = await resolveEmbedModel(resolveModelOptions({ model: variants, device: 'cpu', variant: 'fp32' }), undefined);
    expect(fp32.key).not.toContain('variant=');
    expect(fp32.describe).toMatchObject({ variant: 'fp32', onnx: join(variants, 'onnx', 'model.onnx') });
  });

  it('an unknown variant is reported by --variant before anything loads', async () => {
    const error = await errorOf(resolveEmbedModel(resolveModelOptions({ model: variants, device: 'cpu', variant: 'O4' }), undefined));
    expect(error.code).toBe('E_MODEL_MISSING');
    expect(error.message).toContain('--variant');
  });
});
