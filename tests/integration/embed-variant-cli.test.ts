// `tidepool embed --variant` through the built CLI and its workers: the named ONNX file is the one that
// runs (the workers load the file the main thread chose), the manifest and the model key name it, and a
// missing variant fails with the list of what the folder has. The variant files hold the fp32 model's
// bytes, so the right vectors are known: those of --variant fp32.
import { copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeNativeModel } from '../../src/devkit/native-model/index.js';
import { readArrowBatches } from '../../src/store/arrow-file.js';
import { embeddingMatrix } from '../../src/store/embeddings.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/files.js';

let dir: string;
let cleanup: () => Promise<void>;
let data: string;
let model: string;

async function vectorsOf(out: string): Promise<Float32Array[]> {
  const rows: Float32Array[] = [];
  for await (const batch of readArrowBatches(join(out, 'embeddings.arrow'))) rows.push(embeddingMatrix(batch.getChild('embedding')!).values as Float32Array);
  return rows;
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  const sample = await runCli(['sample', '--rows', '120', '--seed', '4', '--out', join(dir, 'sample.jsonl'), '-q']);
  expect(sample.code, sample.stderr).toBe(0);
  data = join(dir, 'ingested');
  const ingest = await runCli(['ingest', join(dir, 'sample.jsonl'), '--out', data, '-q']);
  expect(ingest.code, ingest.stderr).toBe(0);
  model = join(dir, 'mini-bert');
  await writeNativeModel(model);
  await copyFile(join(model, 'onnx', 'model.onnx'), join(model, 'onnx', 'model_qint8_avx512_vnni.onnx'));
}, 120_000);
afterAll(async () => cleanup());

describe('tidepool embed --variant', () => {
  it('runs the named file, names it in the manifest and the key, and gives that file\'s vectors', async () => {
    const fp32 = join(dir, 'fp32');
    const int8 = join(dir, 'int8');
    const plain = await runCli(['embed', '--data', data, '--model', model, '--variant', 'fp32', '--out', fp32, '--threads', '2', '--json']);
    expect(plain.code, plain.stderr).toBe(0);
    const named = await runCli(['embed', '--data', data, '--model', model, '--variant', 'qint8_avx512_vnni', '--out', int8, '--threads', '2', '--json']);
    expect(named.code, named.stderr).toBe(0);
    expect(named.stderr).toContain('ONNX variant qint8_avx512_vnni (onnx/model_qint8_avx512_vnni.onnx): variant qint8_avx512_vnni was requested');
    expect((named.json as { model: string }).model).toMatch(/:variant=qint8_avx512_vnni$/);
    expect((plain.json as { model: string }).model).not.toContain('variant=');
    const manifest = JSON.parse(await readFile(join(int8, 'manifest.json'), 'utf8')) as { parameters: { model: Record<string, unknown> } };
    expect(manifest.parameters.model).toMatchObject({ variant: 'qint8_avx512_vnni', onnx: join(model, 'onnx', 'model_qint8_avx512_vnni.onnx') });
    expect(await vectorsOf(int8)).toEqual(await vectorsOf(fp32));
  }, 120_000);

  it('fails on a variant the folder lacks, listing the ones it has', async () => {
    const result = await runCli(['embed', '--data', data, '--model', model, '--variant', 'O4', '--out', join(dir, 'none')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`the model folder ${model} has no ONNX variant "O4"`);
    expect(result.stderr).toContain('fp32 (onnx/model.onnx), qint8_avx512_vnni (onnx/model_qint8_avx512_vnni.onnx)');
  }, 60_000);
});
