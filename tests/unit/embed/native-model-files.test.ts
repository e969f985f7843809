// The native model folder: byte-identical on every run (and pinned, so a change to the corpus,
// weights or graph is a visible decision), the Hugging Face / sentence-transformers layout, and an
// ONNX graph with optimum's interface built from standard operators only.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINI_BERT_CONFIG, NATIVE_MODEL_NAME, NATIVE_MODEL_ONNX_PATH, checkMiniBertConfig, nativeModelFiles, writeNativeModel } from '../../../src/devkit/native-model/index.js';
import type { NativeModelFile } from '../../../src/devkit/native-model/index.js';
import { decodeModel, digestFiles, fileBytes, fileJson } from './native-model-helpers.js';

/**
 * SHA-256 of the `sha256sum`-style listing of the folder. When a change to src/devkit/native-model/
 * is meant to change the model, update it here and rebuild native-models/ (npm run build, then
 * node scripts/build-native-models.mjs).
 */
const PINNED_DIGEST = '35c9fa7ac33920a06faf7c5999a0f3925b2351d68ed7fbcc31cc47a6eafc0318';

const NATIVE_MODEL_DIR = join(import.meta.dirname, '..', '..', '..', 'native-models', NATIVE_MODEL_NAME);
const STANDARD_OPS = new Set(['Add', 'Cast', 'Erf', 'Gather', 'LayerNormalization', 'MatMul', 'Mul', 'Reshape', 'Shape', 'Slice', 'Softmax', 'Sub', 'Transpose', 'Unsqueeze']);

let files: NativeModelFile[];
let scratch: string;

beforeAll(async () => {
  files = nativeModelFiles();
  scratch = await mkdtemp(join(tmpdir(), 'tidepool-native-model-'));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function readFolder(dir: string, paths: readonly string[]): Promise<NativeModelFile[]> {
  return Promise.all(paths.map(async (path) => ({ path, bytes: new Uint8Array(await readFile(join(dir, ...path.split('/')))) })));
}

describe('native model folder', () => {
  it('is byte-identical when written twice, and matches the pinned digest', async () => {
    const paths = files.map((file) => file.path);
    await writeNativeModel(join(scratch, 'first'));
    await writeNativeModel(join(scratch, 'second'));
    const first = digestFiles(await readFolder(join(scratch, 'first'), paths));
    const second = digestFiles(await readFolder(join(scratch, 'second'), paths));
    expect(second.listing).toBe(first.listing);
    expect(digestFiles(files).listing).toBe(first.listing);
    expect(first.digest, `files now:\n${first.listing}`).toBe(PINNED_DIGEST);
  });

  it('native-models/ holds the model the builder makes (rebuild it if this fails)', async () => {
    // `npm ci` / `npm run build` writes it; a missing folder is a failure here, not a silent skip.
    expect(existsSync(NATIVE_MODEL_DIR), `${NATIVE_MODEL_DIR} is missing: run \`npm run build\``).toBe(true);
    const onDisk = await readFolder(NATIVE_MODEL_DIR, files.map((file) => file.path));
    expect(digestFiles(onDisk).listing).toBe(digestFiles(files).listing);
  });

  it('has the sentence-transformers layout with the ONNX export under onnx/', () => {
    expect(files.map((file) => file.path)).toEqual([
      '1_Pooling/config.json', 'README.md', 'config.json', 'config_sentence_transformers.json', 'modules.json', NATIVE_MODEL_ONNX_PATH,
      'sentence_bert_config.json', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json', 'vocab.txt',
    ]);
    const modules = JSON.parse(new TextDecoder().decode(fileBytes(files, 'modules.json'))) as { path: string; type: string }[];
    expect(modules.map((module) => module.type)).toEqual(['Transformer', 'Pooling', 'Normalize'].map((name) => `sentence_transformers.models.${name}`));
    expect(fileJson(files, '1_Pooling/config.json')).toMatchObject({ word_embedding_dimension: MINI_BERT_CONFIG.hiddenSize, pooling_mode_mean_tokens: true, pooling_mode_cls_token: false });
    expect(fileJson(files, 'sentence_bert_config.json')).toMatchObject({ max_seq_length: 256 });
    expect(new TextDecoder().decode(fileBytes(files, 'README.md'))).toMatch(/random, not trained/);
  });

  it('describes the same model in config.json, tokenizer.json and vocab.txt', () => {
    const config = fileJson(files, 'config.json');
    expect(config).toMatchObject({ model_type: 'bert', hidden_size: 128, num_hidden_layers: 2, num_attention_heads: 4, intermediate_size: 512, max_position_embeddings: 512, hidden_act: 'gelu' });
    const vocabLines = new TextDecoder().decode(fileBytes(files, 'vocab.txt')).split('\n').slice(0, -1);
    const model = fileJson(files, 'tokenizer.json').model as { vocab: Record<string, number> };
    expect(Object.keys(model.vocab)).toHaveLength(config.vocab_size as number);
    expect(vocabLines).toHaveLength(config.vocab_size as number);
    vocabLines.forEach((token, id) => {
      expect(model.vocab[token]).toBe(id);
    });
    expect(fileJson(files, 'tokenizer.json')).toMatchObject({ truncation: null, padding: null, normalizer: { type: 'BertNormalizer', lowercase: true }, pre_tokenizer: { type: 'BertPreTokenizer' } });
  });

  it('exports optimum\'s BERT interface from standard opset-17 operators, weights shaped by the config', () => {
    const model = decodeModel(fileBytes(files, NATIVE_MODEL_ONNX_PATH));
    expect(model.opsetImport.map((opset) => [opset.domain, Number(opset.version)])).toEqual([['', 17]]);
    const graph = model.graph!;
    expect(graph.input?.map((input) => [input.name, input.type?.tensorType?.elemType])).toEqual([['input_ids', 7], ['attention_mask', 7], ['token_type_ids', 7]]);
    expect(graph.output?.map((output) => output.name)).toEqual(['last_hidden_state']);
    expect([...new Set(graph.node?.map((node) => node.opType))].filter((op) => !STANDARD_OPS.has(op ?? ''))).toEqual([]);
    const dims = new Map(graph.initializer?.map((tensor) => [tensor.name, tensor.dims?.map(Number)]));
    expect(dims.get('embeddings.word_embeddings.weight')).toEqual([4096, 128]);
    expect(dims.get('embeddings.position_embeddings.weight')).toEqual([512, 128]);
    expect(dims.get('encoder.layer.1.intermediate.dense.weight')).toEqual([128, 512]);
    expect(dims.get('encoder.layer.1.output.dense.weight')).toEqual([512, 128]);
    expect(fileBytes(files, NATIVE_MODEL_ONNX_PATH).length).toBeLessThan(5_000_000);
  });
});

describe('checkMiniBertConfig', () => {
  it('lists every problem at once with code E_INTERNAL', () => {
    expect(() => {
      checkMiniBertConfig({ ...MINI_BERT_CONFIG, hiddenSize: 130, maxSeqLength: 1024, vocabSize: 0 });
    }).toThrow(expect.objectContaining({ code: 'E_INTERNAL', message: expect.stringMatching(/vocabSize.*multiple of numAttentionHeads.*maxSeqLength/) as string }) as Error);
  });
});
