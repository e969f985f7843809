// loadModelFolder and OnnxEmbedder.create on the native model folder and on copies broken in one
// place each: every error has its code and names the file it is about.
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINI_BERT_CONFIG } from '../../../src/devkit/native-model/index.js';
import { OnnxEmbedder, loadModelFolder } from '../../../src/embedders/onnx/index.js';
import { copyFolder, editJson, writeNativeFolder } from './onnx-helpers.js';
import type { NativeFolder } from './onnx-helpers.js';

let native: NativeFolder;

/** Expects `promise` to reject with `code` and a message matching every pattern. */
async function expectError(promise: Promise<unknown>, code: string, ...patterns: (string | RegExp)[]): Promise<void> {
  const error = (await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  )) as { code?: string; message?: string } | undefined;
  expect(error, 'expected an error').toBeDefined();
  expect(error!.code, error!.message).toBe(code);
  for (const pattern of patterns) expect(error!.message).toMatch(pattern);
}

async function createEmbedder(dir: string): Promise<void> {
  const embedder = await OnnxEmbedder.create(await loadModelFolder(dir), { device: 'cpu' });
  await embedder.release();
}

beforeAll(async () => {
  native = await writeNativeFolder();
});

afterAll(async () => {
  await native.cleanup();
});

describe('loadModelFolder on the native model', () => {
  it('reads the pipeline, sizes and length from the folder', async () => {
    const folder = await loadModelFolder(native.dir);
    expect(folder).toMatchObject({
      dir: native.dir,
      name: 'tidepool-mini-bert',
      onnxPath: join(native.dir, 'onnx', 'model.onnx'),
      hiddenSize: MINI_BERT_CONFIG.hiddenSize,
      pooling: 'mean',
      normalize: true,
      maxLength: MINI_BERT_CONFIG.maxSeqLength,
      vocabSize: MINI_BERT_CONFIG.vocabSize,
      tokenizerVocabSize: MINI_BERT_CONFIG.vocabSize,
      notes: [],
    });
    expect(folder.onnxSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.parse(folder.tokenizerJson)).toHaveProperty('model.type', 'WordPiece');
  });

  it('takes the length from an override, then tokenizer_config, then the model, capped at its positions', async () => {
    expect((await loadModelFolder(native.dir, { maxLength: 64 })).maxLength).toBe(64);
    const capped = await loadModelFolder(native.dir, { maxLength: 4096 });
    expect(capped.maxLength).toBe(MINI_BERT_CONFIG.maxPositionEmbeddings);
    expect(capped.notes.join('\n')).toMatch(/more than the model's 512 positions/);
    const dir = await copyFolder(native);
    await rm(join(dir, 'sentence_bert_config.json'));
    await editJson(join(dir, 'tokenizer_config.json'), (config) => (config.model_max_length = 128));
    expect((await loadModelFolder(dir)).maxLength).toBe(128);
    await editJson(join(dir, 'tokenizer_config.json'), (config) => (config.model_max_length = 1e30));
    const fromModel = await loadModelFolder(dir);
    expect(fromModel.maxLength).toBe(MINI_BERT_CONFIG.maxPositionEmbeddings);
    expect(fromModel.notes.join('\n')).toMatch(/512 positions/);
    await expectError(loadModelFolder(dir, { maxLength: 1.5 }), 'E_USAGE', /max length/);
  });

  it('defaults to mean pooling without normalisation when there is no modules.json, and says so', async () => {
    const dir = await copyFolder(native);
    await rm(join(dir, 'modules.json'));
    const folder = await loadModelFolder(dir);
    expect([folder.pooling, folder.normalize]).toEqual(['mean', false]);
    expect(folder.notes.join('\n')).toMatch(/no modules\.json/);
  });
});

describe('loadModelFolder errors', () => {
  it('a missing folder', async () => {
    await expectError(loadModelFolder(join(native.root, 'nowhere')), 'E_MODEL_MISSING', /nowhere/, /does not exist/);
  });

  it('no model.onnx nor onnx/model.onnx, with the export command', async () => {
    const dir = await copyFolder(native);
    await rm(join(dir, 'onnx'), { recursive: true });
    await expectError(loadModelFolder(dir), 'E_MODEL_MISSING', dir, /model\.onnx nor onnx\/model\.onnx/, /optimum-cli export onnx --model sentence-transformers\/all-MiniLM-L6-v2 --task feature-extraction/);
  });

  for (const file of ['tokenizer.json', 'config.json', '1_Pooling/config.json']) {
    it(`a missing ${file}`, async () => {
      const dir = await copyFolder(native);
      await rm(join(dir, file));
      await expectError(loadModelFolder(dir), 'E_MODEL_MISSING', join(dir, file), /does not exist/);
    });

    it(`an unparseable ${file}, with the parser's message`, async () => {
      const dir = await copyFolder(native);
      await writeFile(join(dir, file), '{"hidden_size": 128,');
      await expectError(loadModelFolder(dir), 'E_MODEL_INVALID', join(dir, file), /not valid JSON: .*JSON/);
    });
  }

  it('an unknown pooling mode', async () => {
    const dir = await copyFolder(native);
    await editJson(join(dir, '1_Pooling', 'config.json'), (config) => {
      config.pooling_mode_mean_tokens = false;
      config.pooling_mode_lasttoken = true;
    });
    await expectError(loadModelFolder(dir), 'E_MODEL_INVALID', join(dir, '1_Pooling', 'config.json'), /unknown pooling mode \(pooling_mode_lasttoken\)/);
  });

  it('a module tidepool cannot run', async () => {
    const dir = await copyFolder(native);
    await writeFile(join(dir, 'modules.json'), JSON.stringify([{ idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' }, { idx: 1, name: '1', path: '2_Dense', type: 'sentence_transformers.models.Dense' }]));
    await expectError(loadModelFolder(dir), 'E_MODEL_INVALID', join(dir, 'modules.json'), /Dense/);
  });

  it('a tokenizer with more ids than config.json vocab_size', async () => {
    const dir = await copyFolder(native);
    await editJson(join(dir, 'config.json'), (config) => (config.vocab_size = 1000));
    await expectError(loadModelFolder(dir), 'E_MODEL_INVALID', join(dir, 'tokenizer.json'), join(dir, 'config.json'), /ids up to 4095.*vocab_size 1000/);
  });

  it('a Pooling dimension that is not the hidden size', async () => {
    const dir = await copyFolder(native);
    await editJson(join(dir, 'config.json'), (config) => (config.hidden_size = 256));
    await expectError(loadModelFolder(dir), 'E_MODEL_INVALID', join(dir, 'config.json'), /word_embedding_dimension 128.*hidden_size 256/);
  });
});

describe('OnnxEmbedder.create errors', () => {
  it('a tokenizer with more ids than the ONNX word-embedding table has rows', async () => {
    const dir = await copyFolder(native);
    await editJson(join(dir, 'tokenizer.json'), (tokenizer) => ((tokenizer.model as { vocab: Record<string, number> }).vocab.zzzextra = 4999));
    await editJson(join(dir, 'config.json'), (config) => (config.vocab_size = 5000));
    await expectError(createEmbedder(dir), 'E_MODEL_INVALID', join(dir, 'tokenizer.json'), join(dir, 'onnx', 'model.onnx'), /ids up to 4999.*4096 rows/);
  });

  it('a config.json hidden size that is not the model output width', async () => {
    const dir = await copyFolder(native);
    await editJson(join(dir, 'config.json'), (config) => (config.hidden_size = 256));
    await editJson(join(dir, '1_Pooling', 'config.json'), (config) => (config.word_embedding_dimension = 256));
    await expectError(createEmbedder(dir), 'E_MODEL_INVALID', join(dir, 'config.json'), join(dir, 'onnx', 'model.onnx'), /hidden_size 256.*128 values per token/);
  });

  it('a model.onnx that is not an ONNX model', async () => {
    const dir = await copyFolder(native);
    await writeFile(join(dir, 'onnx', 'model.onnx'), 'not a model at all, just text\n');
    await expectError(createEmbedder(dir), 'E_MODEL_INVALID', join(dir, 'onnx', 'model.onnx'));
  });

  it('a batch token budget that is not a positive integer', async () => {
    await expectError(OnnxEmbedder.create(await loadModelFolder(native.dir), { device: 'cpu', batchTokens: 0 }), 'E_USAGE', /batch tokens/);
  });
});
