/**
 * A Hugging Face / sentence-transformers model folder with an ONNX export: where the files are, what
 * the pipeline is (pooling, normalisation, length), and the cheap consistency checks that catch a
 * tokenizer and a model that do not belong together before any worker starts.
 */
import { basename, join, resolve } from 'node:path';
import { TidepoolError } from '../../errors.js';
import { isFolder, parseModelJsonObject, positiveIntegerField, readModelText, readOptionalJsonObject, sha256File } from './folder-files.js';
import type { JsonObject } from './folder-files.js';
import { readSentencePipeline } from './pipeline-config.js';
import type { PoolingMode } from './pipeline-config.js';
import { TextTokenizer, tokenizerVocabularySize } from './text-tokenizer.js';
import { AUTO_VARIANT, chooseOnnxVariant, listOnnxVariants, type VariantTarget } from './variants.js';

/** Everything a worker needs to embed with the folder's model; plain data, safe to post to a worker. */
export interface ModelFolder {
  dir: string;
  /** `_name_or_path` of config.json when it names a hub repository, else the folder's name. */
  name: string;
  /** The chosen variant's file: model.onnx at the top level, else under onnx/ (see variants.ts). */
  onnxPath: string;
  /** The chosen variant's name (`fp32` for model.onnx, `qint8_avx512_vnni`, `fp16`, ...). */
  onnxVariant: string;
  /** SHA-256 of the ONNX file, for the manifest. */
  onnxSha256: string;
  /** Raw text of tokenizer.json. */
  tokenizerJson: string;
  /** Raw text of tokenizer_config.json (`{}` when the folder has none). */
  tokenizerConfigJson: string;
  /** Width of the token vectors (config.json `hidden_size`), which is the embedding's dimension. */
  hiddenSize: number;
  pooling: PoolingMode;
  /** A Normalize module follows the pooling: vectors have unit length. */
  normalize: boolean;
  /** Tokens per text, special tokens included; longer texts are truncated. */
  maxLength: number;
  /** config.json `vocab_size`, when it has one. */
  vocabSize: number | undefined;
  /** Ids the tokenizer can emit (largest id + 1). */
  tokenizerVocabSize: number;
  /** Defaults that were applied, for the log. */
  notes: string[];
}

export const EXPORT_HINT = 'Export one with `optimum-cli export onnx --model sentence-transformers/all-MiniLM-L6-v2 --task feature-extraction DIR` on a machine with internet, and copy DIR here.';
/** Above this, a tokenizer_config `model_max_length` is transformers' "no limit" placeholder (1e30). */
const NO_LIMIT = 1_000_000;
/** Models whose position ids start after the padding id, so two positions are unusable. */
const OFFSET_POSITION_MODELS = new Set(['roberta', 'xlm-roberta', 'camembert', 'longformer', 'mpnet']);

/** Without a target, `auto` knows nothing of the CPU and takes the fp32 model. */
const PLAIN_CPU: VariantTarget = { device: 'cpu', cpu: { arch: 'unknown', flags: [] } };

async function findOnnx(dir: string, request: string, target: VariantTarget, notes: string[]): Promise<{ path: string; variant: string }> {
  const variants = await listOnnxVariants(dir);
  if (variants.length === 0) throw new TidepoolError('E_MODEL_MISSING', `the model folder ${dir} has neither model.onnx nor onnx/model.onnx. ${EXPORT_HINT}`, { path: dir });
  const choice = chooseOnnxVariant(dir, variants, request, target);
  if (variants.length > 1 || request !== AUTO_VARIANT) notes.push(`ONNX variant ${choice.variant.name} (${choice.variant.file}): ${choice.reason}`);
  return { path: join(dir, choice.variant.file), variant: choice.variant.name };
}

function modelName(dir: string, config: JsonObject): string {
  const named = config._name_or_path;
  return typeof named === 'string' && /^[\w.-]+\/[\w.-]+$/.test(named) && !named.startsWith('.') ? named : basename(dir);
}

function hiddenSizeOf(config: JsonObject, path: string): number {
  const size = positiveIntegerField(config, 'hidden_size', path) ?? positiveIntegerField(config, 'd_model', path) ?? positiveIntegerField(config, 'dim', path);
  if (size === undefined) throw new TidepoolError('E_MODEL_INVALID', `${path} has no "hidden_size" (nor "d_model" or "dim"), so the embedding width is unknown. Restore the file from the model's original repository.`, { path });
  return size;
}

/** The length limit: explicit override, else the sentence-transformers setting, else the tokenizer's, else the model's. */
function maxLengthOf(dir: string, config: JsonObject, sentenceBert: JsonObject | undefined, tokenizerConfig: JsonObject, override: number | undefined, notes: string[]): number {
  const configPath = join(dir, 'config.json');
  const positions = positiveIntegerField(config, 'max_position_embeddings', configPath);
  const usable = positions !== undefined && OFFSET_POSITION_MODELS.has(String(config.model_type)) ? positions - 2 : positions;
  const fromSentenceBert = sentenceBert === undefined ? undefined : positiveIntegerField(sentenceBert, 'max_seq_length', join(dir, 'sentence_bert_config.json'));
  const fromTokenizer = tokenizerConfig.model_max_length;
  let length: number;
  if (override !== undefined) length = override;
  else if (fromSentenceBert !== undefined) length = fromSentenceBert;
  else if (typeof fromTokenizer === 'number' && Number.isInteger(fromTokenizer) && fromTokenizer > 0 && fromTokenizer < NO_LIMIT) {
    length = fromTokenizer;
    notes.push(`no sentence_bert_config.json max_seq_length: using tokenizer_config.json model_max_length ${length}`);
  } else if (usable !== undefined) {
    length = usable;
    notes.push(`no max_seq_length or model_max_length: using the model's ${length} positions`);
  } else {
    length = 512;
    notes.push('no max_seq_length, model_max_length or max_position_embeddings: using 512 tokens (override with --max-length)');
  }
  if (usable !== undefined && length > usable) {
    notes.push(`max length ${length} is more than the model's ${usable} positions: using ${usable}`);
    length = usable;
  }
  return length;
}

function checkVocabulary(dir: string, vocabSize: number | undefined, tokenizerVocabSize: number): void {
  if (vocabSize === undefined || tokenizerVocabSize <= vocabSize) return;
  throw new TidepoolError(
    'E_MODEL_INVALID',
    `${join(dir, 'tokenizer.json')} can emit ids up to ${tokenizerVocabSize - 1}, but ${join(dir, 'config.json')} says the model has vocab_size ${vocabSize}: the tokenizer does not belong to this model. Copy tokenizer.json from the same model repository as the ONNX export.`,
    { path: join(dir, 'tokenizer.json'), vocabSize, tokenizerVocabSize },
  );
}

/**
 * Reads and checks a model folder (the files of a sentence-transformers repository plus an ONNX
 * export). Errors name the file and say how to fix it.
 * @param overrides.maxLength - Tokens per text, instead of the folder's setting (still capped at the model's positions).
 * @param overrides.variant - `auto` or a variant name (`qint8_avx512_vnni`, `model_O2.onnx`, `fp32`). @default 'auto'
 * @param overrides.target - The device and CPU that `auto` chooses for. @default the CPU with no known flags (so the fp32 model)
 */
export async function loadModelFolder(dir: string, overrides: { maxLength?: number; variant?: string; target?: VariantTarget } = {}): Promise<ModelFolder> {
  const folder = resolve(dir);
  if (!(await isFolder(folder))) {
    throw new TidepoolError('E_MODEL_MISSING', `the model folder ${folder} does not exist (or is not a folder). Pass the folder of an exported model, or build the project's own with \`node scripts/build-native-models.mjs\`.`, { path: folder });
  }
  if (overrides.maxLength !== undefined && (!Number.isInteger(overrides.maxLength) || overrides.maxLength < 2)) {
    throw new TidepoolError('E_USAGE', `max length must be an integer of at least 2, got ${overrides.maxLength}.`, { maxLength: overrides.maxLength });
  }
  const variantNotes: string[] = [];
  const { path: onnxPath, variant: onnxVariant } = await findOnnx(folder, overrides.variant ?? AUTO_VARIANT, overrides.target ?? PLAIN_CPU, variantNotes);
  const configPath = join(folder, 'config.json');
  const config = parseModelJsonObject(configPath, await readModelText(configPath, `Copy config.json from the model's repository (optimum-cli writes it next to model.onnx).`));
  const tokenizerPath = join(folder, 'tokenizer.json');
  const tokenizerJson = await readModelText(tokenizerPath, `Save a fast tokenizer into the folder (AutoTokenizer.from_pretrained(...).save_pretrained(DIR)); optimum-cli writes it too.`);
  const tokenizer = parseModelJsonObject(tokenizerPath, tokenizerJson);
  const tokenizerConfig = (await readOptionalJsonObject(join(folder, 'tokenizer_config.json'))) ?? {};
  const sentenceBert = await readOptionalJsonObject(join(folder, 'sentence_bert_config.json'));
  const pipeline = await readSentencePipeline(folder);
  const notes = [...variantNotes, ...pipeline.notes];
  const hiddenSize = hiddenSizeOf(config, configPath);
  if (pipeline.poolingDimension !== undefined && pipeline.poolingDimension !== hiddenSize) {
    throw new TidepoolError('E_MODEL_INVALID', `the Pooling config says word_embedding_dimension ${pipeline.poolingDimension}, but ${configPath} says hidden_size ${hiddenSize}: the files come from different models.`, { path: configPath });
  }
  const vocabSize = positiveIntegerField(config, 'vocab_size', configPath);
  const tokenizerVocabSize = tokenizerVocabularySize(tokenizer);
  checkVocabulary(folder, vocabSize, tokenizerVocabSize);
  const maxLength = maxLengthOf(folder, config, sentenceBert, tokenizerConfig, overrides.maxLength, notes);
  TextTokenizer.create(tokenizer, tokenizerConfig, maxLength, tokenizerPath); // fails here, before any worker starts
  return {
    dir: folder,
    name: modelName(folder, config),
    onnxPath,
    onnxVariant,
    onnxSha256: await sha256File(onnxPath),
    tokenizerJson,
    tokenizerConfigJson: JSON.stringify(tokenizerConfig),
    hiddenSize,
    pooling: pipeline.pooling,
    normalize: pipeline.normalize,
    maxLength,
    vocabSize,
    tokenizerVocabSize,
    notes,
  };
}
