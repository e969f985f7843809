/**
 * The native model folder: every file's path and bytes (pure), and a thin writer. The folder has
 * the layout of a sentence-transformers model repository with its ONNX export under `onnx/`, so
 * the code that loads it loads a user's exported model the same way.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { TidepoolError } from '../../errors.js';
import { MINI_BERT_CONFIG, checkMiniBertConfig } from './config.js';
import type { MiniBertConfig } from './config.js';
import { miniBertOnnxModel } from './encoder-graph.js';
import { bertConfigJson, modelCard, modulesJson, poolingConfigJson, sentenceBertConfigJson, sentenceTransformersConfigJson } from './model-files.js';
import { specialTokensMapJson, tokenizerConfigJson, tokenizerJson, vocabTxt } from './tokenizer-files.js';
import { buildVocabulary } from './vocabulary.js';
import { miniBertWeights } from './weights.js';

/** One file of the model folder. */
export interface NativeModelFile {
  /** Path inside the folder, `/`-separated. */
  path: string;
  bytes: Uint8Array;
}

/** Where the ONNX model sits inside the folder (sentence-transformers' ONNX backend layout). */
export const NATIVE_MODEL_ONNX_PATH = 'onnx/model.onnx';

const utf8 = new TextEncoder();

function jsonFile(path: string, value: unknown): NativeModelFile {
  return { path, bytes: utf8.encode(`${JSON.stringify(value, null, 2)}\n`) };
}

/**
 * Every file of the native model folder, sorted by path. Pure and deterministic: the same bytes on
 * every run and machine.
 * @param config - Hyper-parameters. @default MINI_BERT_CONFIG
 */
export function nativeModelFiles(config: Readonly<MiniBertConfig> = MINI_BERT_CONFIG): NativeModelFile[] {
  checkMiniBertConfig(config);
  const vocab = buildVocabulary(config.vocabSize);
  const files: NativeModelFile[] = [
    jsonFile('1_Pooling/config.json', poolingConfigJson(config)),
    { path: 'README.md', bytes: utf8.encode(modelCard(config)) },
    jsonFile('config.json', bertConfigJson(config)),
    jsonFile('config_sentence_transformers.json', sentenceTransformersConfigJson()),
    jsonFile('modules.json', modulesJson()),
    { path: NATIVE_MODEL_ONNX_PATH, bytes: miniBertOnnxModel(config, miniBertWeights(config)) },
    jsonFile('sentence_bert_config.json', sentenceBertConfigJson(config)),
    jsonFile('special_tokens_map.json', specialTokensMapJson()),
    jsonFile('tokenizer.json', tokenizerJson(vocab)),
    jsonFile('tokenizer_config.json', tokenizerConfigJson(vocab, config.maxSeqLength)),
    { path: 'vocab.txt', bytes: utf8.encode(vocabTxt(vocab)) },
  ];
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Writes the native model folder into `dir` (created if missing; files already there with other
 * names are left alone) and returns what it wrote.
 * @param config - Hyper-parameters. @default MINI_BERT_CONFIG
 */
export async function writeNativeModel(dir: string, config: Readonly<MiniBertConfig> = MINI_BERT_CONFIG): Promise<NativeModelFile[]> {
  const files = nativeModelFiles(config);
  for (const file of files) {
    const target = join(dir, ...file.path.split('/'));
    try {
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, file.bytes);
    } catch (error) {
      throw new TidepoolError('E_OUTPUT', `could not write the native model file ${target}: ${(error as Error).message}. Check that the folder is writable and the disk is not full.`, { path: target }, { cause: error });
    }
  }
  return files;
}
