// OnnxEmbedder on the native model against the float64 reference forward pass (which shares nothing
// with onnxruntime or the appended pooling): shuffled texts of very different lengths through several
// sub-batches, truncation, empty text, input order, and the folder layouts a user's export can have.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINI_BERT_CONFIG, NATIVE_MODEL_ONNX_PATH, referenceSentenceEmbedding } from '../../../src/devkit/native-model/index.js';
import { OnnxEmbedder, loadModelFolder } from '../../../src/embedders/onnx/index.js';
import { codeText, copyFolder, rowOf, writeNativeFolder } from './onnx-helpers.js';
import type { NativeFolder } from './onnx-helpers.js';
import { fileBytes, loadTokenizer, maxAbsDiff, readInitializers } from './native-model-helpers.js';
import type { HfTokenizer } from './native-model-helpers.js';

const { onnx } = onnxProto;
const DIM = MINI_BERT_CONFIG.hiddenSize;
const MAX_LENGTH = MINI_BERT_CONFIG.maxSeqLength;
/** Canonical texts: empty, whitespace, one token, prose, code from ~100 B to ~600 B, and one far past max_seq_length. */
const TEXTS = ['', ' \n\t ', 'x', 'Return the sum of two numbers.', codeText(1, 100), codeText(2, 300), codeText(3, 600), codeText(4, 450), codeText(5, 8000)];
/** The order the embedder gets them in. */
const SHUFFLE = [6, 0, 8, 3, 1, 7, 4, 2, 5];

let native: NativeFolder;
let weights: Map<string, Float32Array>;
let tokenizer: HfTokenizer;

/** The ids sentence-transformers feeds for a text: tokenizer output, cut to max_seq_length keeping [SEP]. */
function referenceIds(text: string): number[] {
  const ids = tokenizer.encode(text).ids;
  return ids.length <= MAX_LENGTH ? ids : [...ids.slice(0, MAX_LENGTH - 1), ids.at(-1)!];
}

async function embedAll(dir: string, texts: readonly string[], batchTokens: number): Promise<Float32Array> {
  const embedder = await OnnxEmbedder.create(await loadModelFolder(dir), { device: 'cpu', batchTokens });
  try {
    return (await embedder.embed(texts)).vectors;
  } finally {
    await embedder.release();
  }
}

beforeAll(async () => {
  native = await writeNativeFolder();
  weights = readInitializers(fileBytes(native.files, NATIVE_MODEL_ONNX_PATH));
  tokenizer = loadTokenizer(native.files);
});

afterAll(async () => {
  await native.cleanup();
});

describe('OnnxEmbedder on the native model', () => {
  it('has texts of very different token lengths, one past max_seq_length', () => {
    const lengths = TEXTS.map((text) => tokenizer.encode(text).ids.length);
    expect(lengths.slice(0, 3)).toEqual([2, 2, 3]);
    expect(Math.max(...lengths.slice(0, -1))).toBeGreaterThan(100);
    expect(Math.max(...lengths.slice(0, -1))).toBeLessThanOrEqual(MAX_LENGTH);
    expect(lengths.at(-1)).toBeGreaterThan(2 * MAX_LENGTH);
  });

  it('matches the float64 reference within 1e-4 per row, in input order, through several sub-batches', async () => {
    const embedder = await OnnxEmbedder.create(await loadModelFolder(native.dir), { device: 'cpu', batchTokens: 400 });
    const inputs = SHUFFLE.map((index) => TEXTS[index]!);
    const result = await embedder.embed(inputs);
    await embedder.release();
    expect(embedder.dim).toBe(DIM);
    expect(result.vectors).toHaveLength(inputs.length * DIM);
    const ids = inputs.map(referenceIds);
    inputs.forEach((_, row) => {
      const expected = referenceSentenceEmbedding(MINI_BERT_CONFIG, weights, ids[row]!);
      expect(maxAbsDiff(rowOf(result.vectors, row, DIM), expected), `row ${row}`).toBeLessThan(1e-4);
    });
    expect(result.tokens).toBe(ids.reduce((sum, row) => sum + row.length, 0));
    expect(result.truncated).toBe(1);
    expect(result.empty).toBe(2);
    // Sorted sub-batches pad far less than one batch padded to the longest text would.
    expect(result.paddedTokens).toBeGreaterThanOrEqual(result.tokens);
    expect(result.paddedTokens).toBeLessThan(inputs.length * MAX_LENGTH * 0.6);
  });

  it('embeds a truncated text as the reference embeds its first max_seq_length - 1 tokens plus [SEP]', async () => {
    const long = TEXTS.at(-1)!;
    const embedder = await OnnxEmbedder.create(await loadModelFolder(native.dir), { device: 'cpu' });
    const result = await embedder.embed([long]);
    await embedder.release();
    const ids = tokenizer.encode(long).ids;
    const cut = [...ids.slice(0, MAX_LENGTH - 1), tokenizer.token_to_id('[SEP]')!];
    expect(result.truncated).toBe(1);
    expect(result.tokens).toBe(MAX_LENGTH);
    expect(maxAbsDiff(result.vectors, referenceSentenceEmbedding(MINI_BERT_CONFIG, weights, cut))).toBeLessThan(1e-4);
  });

  it('embeds empty text as [CLS] [SEP]', async () => {
    const vectors = await embedAll(native.dir, ['', 'x'], 16_384);
    const special = [tokenizer.token_to_id('[CLS]')!, tokenizer.token_to_id('[SEP]')!];
    expect(maxAbsDiff(rowOf(vectors, 0, DIM), referenceSentenceEmbedding(MINI_BERT_CONFIG, weights, special))).toBeLessThan(1e-4);
  });

  it('gives the same vectors whatever the batch size and order', async () => {
    const one = await embedAll(native.dir, TEXTS, 1);
    const all = await embedAll(native.dir, TEXTS, 1_000_000);
    expect(maxAbsDiff(one, all)).toBeLessThan(1e-5);
    const reversed = await embedAll(native.dir, [...TEXTS].reverse(), 700);
    TEXTS.forEach((_, row) => {
      expect(maxAbsDiff(rowOf(reversed, TEXTS.length - 1 - row, DIM), rowOf(all, row, DIM))).toBeLessThan(1e-5);
    });
  });

  it('returns no rows for no texts', async () => {
    const embedder = await OnnxEmbedder.create(await loadModelFolder(native.dir), { device: 'cpu' });
    expect(await embedder.embed([])).toEqual({ vectors: new Float32Array(0), tokens: 0, paddedTokens: 0, truncated: 0, empty: 0 });
    await embedder.release();
  });
});

describe('OnnxEmbedder on other folder layouts', () => {
  it('loads model.onnx from the top level of the folder', async () => {
    const dir = await copyFolder(native);
    await rename(join(dir, 'onnx', 'model.onnx'), join(dir, 'model.onnx'));
    await rm(join(dir, 'onnx'), { recursive: true });
    expect((await loadModelFolder(dir)).onnxPath).toBe(join(dir, 'model.onnx'));
    expect(maxAbsDiff(await embedAll(dir, TEXTS, 2048), await embedAll(native.dir, TEXTS, 2048))).toBe(0);
  });

  it('loads a model that keeps its word embeddings in an external data file', async () => {
    const dir = await copyFolder(native);
    const path = join(dir, 'onnx', 'model.onnx');
    const model = onnx.ModelProto.decode(await readFile(path));
    const table = model.graph!.initializer!.find((tensor) => tensor.name === 'embeddings.word_embeddings.weight')!;
    const data = Uint8Array.from(table.rawData!);
    expect(data.byteLength).toBeGreaterThan(0);
    table.rawData = new Uint8Array(0);
    table.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    table.externalData = [
      { key: 'location', value: 'model.onnx_data' },
      { key: 'offset', value: '0' },
      { key: 'length', value: String(data.byteLength) },
    ];
    await mkdir(join(dir, 'onnx'), { recursive: true });
    await writeFile(join(dir, 'onnx', 'model.onnx_data'), data);
    await writeFile(path, onnx.ModelProto.encode(model).finish());
    expect(maxAbsDiff(await embedAll(dir, TEXTS, 2048), await embedAll(native.dir, TEXTS, 2048))).toBe(0);
  });
});
