/**
 * A small static embedding model (model2vec layout, random vectors: for tests and speed figures
 * only), on the WordPiece vocabulary of the project's native model, so its tokenizer.json is one the
 * project already builds. Pure and deterministic: the same bytes for the same options.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { seededRandom } from '../../util/random.js';
import { floatToHalf } from '../../store/matrix.js';
import type { NativeModelFile } from '../native-model/files.js';
import { tokenizerJson } from '../native-model/tokenizer-files.js';
import { safetensorsBytes } from './safetensors-writer.js';
import type { TensorToWrite } from './safetensors-writer.js';
import { staticVocabulary } from './vocabulary.js';

/** Name of the folder the devkit writes by default. */
export const STATIC_MODEL_NAME = 'tidepool-static-mini';

/** What {@link staticModelFiles} builds. */
export interface StaticModelOptions {
  /** Width of the vectors. @default 64 */
  dim?: number;
  /** Element type of the vectors. @default 'F32' */
  dtype?: 'F32' | 'F16';
  /** Write a per-token `weights` tensor (F64, in (0.1, 1.1)). @default true */
  weights?: boolean;
  /** Share rows: write `rows` vectors and a `mapping` (I64) from every token id to one of them. @default undefined (one row per token) */
  mappedRows?: number;
  /** config.json `normalize`. @default true */
  normalize?: boolean;
  /** Seed of the random vectors. @default 7 */
  seed?: number;
  /** model2vec's layout, or sentence-transformers' with the vectors under `0_StaticEmbedding/`. @default 'model2vec' */
  layout?: 'model2vec' | 'sentence-transformers';
  /** Tokens in the WordPiece vocabulary (potion-base-8M has ~30K). @default 4096 (the native model's) */
  vocabularySize?: number;
}

const utf8 = new TextEncoder();

function jsonFile(path: string, value: unknown): NativeModelFile {
  return { path, bytes: utf8.encode(`${JSON.stringify(value, null, 2)}\n`) };
}

function bytesOf(values: Float32Array | Float64Array | Uint16Array | BigInt64Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

/** Every file of the static model folder. */
export function staticModelFiles(options: StaticModelOptions = {}): NativeModelFile[] {
  const dim = options.dim ?? 64;
  const vocab = staticVocabulary(options.vocabularySize);
  const rows = options.mappedRows ?? vocab.length;
  const random = seededRandom(options.seed ?? 7);
  const values = new Float32Array(rows * dim);
  for (let i = 0; i < values.length; i++) values[i] = random() * 2 - 1;
  const vectorsTensor: TensorToWrite = options.dtype === 'F16'
    ? { name: '', dtype: 'F16', shape: [rows, dim], data: bytesOf(Uint16Array.from(values, floatToHalf)) }
    : { name: '', dtype: 'F32', shape: [rows, dim], data: bytesOf(values) };
  const st = options.layout === 'sentence-transformers';
  const tensors: TensorToWrite[] = [{ ...vectorsTensor, name: st ? 'embedding.weight' : 'embeddings' }];
  if (!st && options.weights !== false) {
    tensors.push({ name: 'weights', dtype: 'F64', shape: [vocab.length], data: bytesOf(Float64Array.from(vocab, () => 0.1 + random())) });
  }
  if (!st && options.mappedRows !== undefined) {
    tensors.push({ name: 'mapping', dtype: 'I64', shape: [vocab.length], data: bytesOf(BigInt64Array.from(vocab, () => BigInt(Math.floor(random() * rows)))) });
  }
  const normalize = options.normalize ?? true;
  const modules: unknown[] = [{ idx: 0, name: '0', path: st ? '0_StaticEmbedding' : '.', type: 'sentence_transformers.models.StaticEmbedding' }];
  if (normalize) modules.push({ idx: 1, name: '1', path: '1_Normalize', type: 'sentence_transformers.models.Normalize' });
  const prefix = st ? '0_StaticEmbedding/' : '';
  const files = [
    { path: `${prefix}model.safetensors`, bytes: safetensorsBytes(tensors) },
    jsonFile(`${prefix}tokenizer.json`, tokenizerJson(vocab)),
    st ? jsonFile('config_sentence_transformers.json', { __version__: { sentence_transformers: '3.3.0' } }) : jsonFile('config.json', { model_type: 'model2vec', architectures: ['StaticModel'], hidden_dim: dim, normalize }),
    jsonFile('modules.json', modules),
  ];
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

/** Writes {@link staticModelFiles} into `dir` (created if needed). */
export async function writeStaticModel(dir: string, options: StaticModelOptions = {}): Promise<NativeModelFile[]> {
  const files = staticModelFiles(options);
  for (const file of files) {
    await mkdir(dirname(join(dir, file.path)), { recursive: true });
    await writeFile(join(dir, file.path), file.bytes);
  }
  return files;
}
