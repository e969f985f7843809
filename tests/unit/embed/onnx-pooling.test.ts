// The pooling appended to the encoder graph against sentence-transformers' pooling written out in JS
// over the plain encoder's last_hidden_state: mean, cls and max, with and without Normalize, and the
// opset-18 form of the reductions (axes as an input).
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxSession } from '../../../src/backends/onnx/session.js';
import { MINI_BERT_CONFIG, NATIVE_MODEL_ONNX_PATH } from '../../../src/devkit/native-model/index.js';
import { OnnxEmbedder, loadModelFolder } from '../../../src/embedders/onnx/index.js';
import { codeText, copyFolder, editJson, poolRows, rowOf, writeNativeFolder } from './onnx-helpers.js';
import type { NativeFolder } from './onnx-helpers.js';
import { fileBytes, loadTokenizer, maxAbsDiff, padBatch } from './native-model-helpers.js';

const { onnx } = onnxProto;
const DIM = MINI_BERT_CONFIG.hiddenSize;
const TEXTS = ['def add(a, b):\n    return a + b', '', codeText(7, 600), 'Open the config file and parse it.', codeText(8, 250)];

let native: NativeFolder;
let hidden: Float32Array;
let batch: ReturnType<typeof padBatch>;

/** The folder's pooling and normalisation, set in a copy. */
async function variant(mode: 'mean' | 'cls' | 'max', normalize: boolean): Promise<string> {
  const dir = await copyFolder(native);
  await editJson(join(dir, '1_Pooling', 'config.json'), (config) => {
    config.pooling_mode_mean_tokens = mode === 'mean';
    config.pooling_mode_cls_token = mode === 'cls';
    config.pooling_mode_max_tokens = mode === 'max';
  });
  if (!normalize) {
    const modules = JSON.parse(await readFile(join(dir, 'modules.json'), 'utf8')) as { type: string }[];
    await writeFile(join(dir, 'modules.json'), JSON.stringify(modules.filter((module) => !module.type.endsWith('Normalize'))));
  }
  return dir;
}

async function embed(dir: string): Promise<Float32Array> {
  const folder = await loadModelFolder(dir);
  const embedder = await OnnxEmbedder.create(folder, { device: 'cpu', batchTokens: 512 });
  try {
    return (await embedder.embed(TEXTS)).vectors;
  } finally {
    await embedder.release();
  }
}

function expectPooledRows(vectors: Float32Array, mode: 'mean' | 'cls' | 'max', normalize: boolean): void {
  expect(batch.dims[1], 'no text is truncated').toBeLessThanOrEqual(MINI_BERT_CONFIG.maxSeqLength);
  const expected = poolRows(hidden, batch, DIM, mode, normalize);
  TEXTS.forEach((_, row) => {
    expect(maxAbsDiff(rowOf(vectors, row, DIM), expected[row]!), `row ${row}`).toBeLessThan(1e-5);
  });
}

beforeAll(async () => {
  native = await writeNativeFolder();
  const tokenizer = loadTokenizer(native.files);
  batch = padBatch(TEXTS.map((text) => tokenizer.encode(text).ids));
  const session = await OnnxSession.create(fileBytes(native.files, NATIVE_MODEL_ONNX_PATH));
  const dims = batch.dims;
  const feeds = { input_ids: { data: batch.inputIds, dims }, attention_mask: { data: batch.attentionMask, dims }, token_type_ids: { data: batch.tokenTypeIds, dims } };
  hidden = (await session.run(feeds, ['last_hidden_state'])).last_hidden_state!;
  await session.release();
});

afterAll(async () => {
  await native.cleanup();
});

describe('pooling appended to the encoder graph', () => {
  for (const mode of ['mean', 'cls', 'max'] as const) {
    for (const normalize of [true, false]) {
      it(`${mode} pooling${normalize ? ' + Normalize' : ''} equals the JS pooling of last_hidden_state`, async () => {
        const dir = await variant(mode, normalize);
        const folder = await loadModelFolder(dir);
        expect([folder.pooling, folder.normalize]).toEqual([mode, normalize]);
        expectPooledRows(await embed(dir), mode, normalize);
      });
    }
  }

  it('uses the opset-18 form of ReduceSum and ReduceMax on an opset-18 model', async () => {
    const dir = await variant('max', true);
    const path = join(dir, 'onnx', 'model.onnx');
    const model = onnx.ModelProto.decode(await readFile(path));
    model.opsetImport = [{ domain: '', version: 18 }];
    await writeFile(path, onnx.ModelProto.encode(model).finish());
    expectPooledRows(await embed(dir), 'max', true);
  });

  it('returns unit vectors when the folder normalises', async () => {
    const vectors = await embed(native.dir);
    TEXTS.forEach((_, row) => {
      expect(Math.hypot(...rowOf(vectors, row, DIM))).toBeCloseTo(1, 5);
    });
  });
});
