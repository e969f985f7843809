/**
 * A static embedding model folder, in either layout model2vec's own loader accepts (MinishLab/model2vec,
 * persistence/datamodels.py): model2vec's (`model.safetensors` with tensor `embeddings` and optional
 * `weights` / `mapping`, `tokenizer.json`, `config.json` with `normalize`) or sentence-transformers'
 * `StaticEmbedding` (tensor `embedding.weight`, at the top or under `0_StaticEmbedding/`, with a
 * Normalize module in modules.json when vectors are unit length).
 */
import { open } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { TidepoolError } from '../../errors.js';
import { isFile, parseModelJson, parseModelJsonObject, readModelText, readOptionalJsonObject, sha256File } from '../onnx/folder-files.js';
import type { JsonObject } from '../onnx/folder-files.js';
import { parseSafetensorsHeader } from './safetensors.js';
import { StaticTokenizer } from './static-tokenizer.js';

/** Tokens averaged per text unless `--max-length` says otherwise: model2vec's `encode(max_length=512)`. */
export const STATIC_DEFAULT_MAX_LENGTH = 512;

/** Everything a worker needs to load a static model; plain data, safe to post to a worker. */
export interface StaticModelFolder {
  dir: string;
  name: string;
  layout: 'model2vec' | 'sentence-transformers';
  safetensorsPath: string;
  /** SHA-256 of the safetensors file, for the manifest and the resume key. */
  safetensorsSha256: string;
  /** Name of the [rows, dim] vectors tensor. */
  embeddingTensor: 'embeddings' | 'embedding.weight';
  tokenizerPath: string;
  /** Element type of the vectors (F32, F16, ...), for the manifest. */
  dtype: string;
  dim: number;
  /** Rows of the vectors tensor (fewer than the vocabulary when a `mapping` shares rows). */
  rows: number;
  hasWeights: boolean;
  hasMapping: boolean;
  normalize: boolean;
  maxLength: number;
}

const LAYOUTS = [
  { layout: 'model2vec', weights: 'model.safetensors', tokenizer: 'tokenizer.json', tensor: 'embeddings' },
  { layout: 'sentence-transformers', weights: 'model.safetensors', tokenizer: 'tokenizer.json', tensor: 'embedding.weight' },
  { layout: 'sentence-transformers', weights: '0_StaticEmbedding/model.safetensors', tokenizer: '0_StaticEmbedding/tokenizer.json', tensor: 'embedding.weight' },
] as const;

/** The tensor header of a safetensors file, read without loading its data. */
async function readHeader(path: string): Promise<ReturnType<typeof parseSafetensorsHeader>> {
  const file = await open(path, 'r');
  try {
    const lengthBytes = new Uint8Array(8);
    const { bytesRead } = await file.read(lengthBytes, 0, 8, 0);
    const length = bytesRead === 8 ? Number(new DataView(lengthBytes.buffer).getBigUint64(0, true)) : 0;
    const size = Math.min(8 + Math.min(length, 100_000_001), (await file.stat()).size);
    const bytes = new Uint8Array(size);
    await file.read(bytes, 0, size, 0);
    return parseSafetensorsHeader(bytes, path);
  } finally {
    await file.close();
  }
}

/** Which layout `dir` has, when it is a static model (a model.safetensors holding a vectors tensor). */
export async function findStaticLayout(dir: string): Promise<{ layout: (typeof LAYOUTS)[number]; header: Awaited<ReturnType<typeof readHeader>> } | undefined> {
  for (const layout of LAYOUTS) {
    const path = join(dir, layout.weights);
    if (!(await isFile(path))) continue;
    const header = await readHeader(path);
    if (header.entries.has(layout.tensor)) return { layout, header };
  }
  return undefined;
}

/**
 * True when `dir` has a safetensors file with static vectors, even beside an ONNX file: model2vec repos
 * ship an `onnx/model.onnx` export of the same lookup (inputs `input_ids` and `offsets`, not a BERT
 * encoder's), and a Hub snapshot of such a repo is taken as static too, so a folder and its Hub id agree.
 */
export async function isStaticModelFolder(dir: string): Promise<boolean> {
  return (await findStaticLayout(dir)) !== undefined;
}

function normalizeOf(layout: string, config: JsonObject | undefined, modules: unknown): boolean {
  if (layout === 'model2vec' && typeof config?.normalize === 'boolean') return config.normalize;
  // sentence-transformers normalises with a module after the StaticEmbedding.
  return Array.isArray(modules) && modules.some((module) => typeof (module as { type?: unknown }).type === 'string' && (module as { type: string }).type.endsWith('.Normalize'));
}

/**
 * Reads and checks a static model folder: the vectors tensor's shape, the optional `weights` and
 * `mapping` against the tokenizer's vocabulary. Errors name the file and the fix.
 * @param overrides.maxLength - Tokens averaged per text. @default 512
 */
export async function loadStaticModelFolder(dir: string, overrides: { maxLength?: number } = {}): Promise<StaticModelFolder> {
  const folder = resolve(dir);
  const found = await findStaticLayout(folder);
  if (found === undefined) {
    throw new TidepoolError('E_MODEL_MISSING', `${folder} is not a static embedding model: it needs model.safetensors with an "embeddings" tensor (model2vec) or "embedding.weight" (sentence-transformers StaticEmbedding, also under 0_StaticEmbedding/). Save one with StaticModel.save_pretrained(DIR).`, { path: folder });
  }
  const maxLength = overrides.maxLength ?? STATIC_DEFAULT_MAX_LENGTH;
  if (!Number.isInteger(maxLength) || maxLength < 1) throw new TidepoolError('E_USAGE', `max length must be a positive integer, got ${maxLength}.`, { maxLength });
  const { layout, header } = found;
  const safetensorsPath = join(folder, layout.weights);
  const vectors = header.entries.get(layout.tensor)!;
  if (vectors.shape.length !== 2 || vectors.shape[1]! < 1) {
    throw new TidepoolError('E_MODEL_INVALID', `${safetensorsPath}: tensor "${layout.tensor}" should be [vocabulary, dim], found [${vectors.shape.join(', ')}]. Re-save the model.`, { path: safetensorsPath });
  }
  const [rows, dim] = vectors.shape as [number, number];
  const tokenizerPath = join(folder, layout.tokenizer);
  const tokenizerJson = parseModelJsonObject(tokenizerPath, await readModelText(tokenizerPath, 'Copy tokenizer.json from the model repository.'));
  const tokenizer = StaticTokenizer.create(tokenizerJson, maxLength, tokenizerPath);
  const weights = header.entries.get('weights');
  const mapping = header.entries.get('mapping');
  const vocabulary = tokenizer.vocabularySize;
  for (const [name, tensor] of [['weights', weights], ['mapping', mapping]] as const) {
    if (tensor !== undefined && (tensor.shape.length !== 1 || tensor.shape[0]! < vocabulary)) {
      throw new TidepoolError('E_MODEL_INVALID', `${safetensorsPath}: tensor "${name}" should have one entry per token id (${vocabulary} for ${tokenizerPath}), found shape [${tensor.shape.join(', ')}]: the tokenizer and the weights come from different models.`, { path: safetensorsPath });
    }
  }
  if (mapping === undefined && rows < vocabulary) {
    throw new TidepoolError('E_MODEL_INVALID', `${tokenizerPath} can emit ids up to ${vocabulary - 1}, but ${safetensorsPath} has ${rows} vectors and no "mapping": the tokenizer does not belong to these vectors. Copy tokenizer.json from the same model repository.`, { path: tokenizerPath });
  }
  const config = await readOptionalJsonObject(join(folder, layout.layout === 'model2vec' ? 'config.json' : 'config_sentence_transformers.json'));
  const modulesPath = join(folder, 'modules.json');
  const modules = (await isFile(modulesPath)) ? parseModelJson(modulesPath, await readModelText(modulesPath, '')) : undefined;
  return {
    dir: folder,
    name: basename(folder),
    layout: layout.layout,
    safetensorsPath,
    safetensorsSha256: await sha256File(safetensorsPath),
    embeddingTensor: layout.tensor,
    tokenizerPath,
    dtype: vectors.dtype,
    dim,
    rows,
    hasWeights: weights !== undefined,
    hasMapping: mapping !== undefined,
    normalize: normalizeOf(layout.layout, config, modules),
    maxLength,
  };
}
