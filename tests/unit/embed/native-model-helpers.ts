// Helpers shared by the native-model tests: reading an ONNX file back, loading the tokenizer the way
// a user of the folder would, padding a batch, and the pooling the sentence-transformers pipeline does.
import { createHash } from 'node:crypto';
import * as tokenizers from '@huggingface/tokenizers';
import onnxProto from 'onnx-proto';
import type { NativeModelFile } from '../../../src/devkit/native-model/index.js';

const { onnx } = onnxProto;

/** The bytes of one file of a built folder. */
export function fileBytes(files: readonly NativeModelFile[], path: string): Uint8Array {
  const file = files.find((candidate) => candidate.path === path);
  if (!file) throw new Error(`the native model has no ${path}; it has ${files.map((f) => f.path).join(', ')}`);
  return file.bytes;
}

/** A JSON file of a built folder, parsed. */
export function fileJson(files: readonly NativeModelFile[], path: string): Record<string, unknown> {
  return JSON.parse(new TextDecoder().decode(fileBytes(files, path))) as Record<string, unknown>;
}

/**
 * The part of `@huggingface/tokenizers`' Tokenizer the tests use. Its own declarations do not
 * resolve under `moduleResolution: NodeNext` (0.2.0's .d.ts files re-export extensionless relative
 * paths), so the type is restated here.
 */
export interface HfTokenizer {
  encode(text: string): { ids: number[]; tokens: string[]; attention_mask: number[] };
  tokenize(text: string, options?: { add_special_tokens?: boolean }): string[];
  token_to_id(token: string): number | undefined;
}

const { Tokenizer } = tokenizers as unknown as { Tokenizer: new (tokenizerJson: object, tokenizerConfig: object) => HfTokenizer };

/** The tokenizer as `@huggingface/tokenizers` loads it from the folder's two JSON files. */
export function loadTokenizer(files: readonly NativeModelFile[]): HfTokenizer {
  return new Tokenizer(fileJson(files, 'tokenizer.json'), fileJson(files, 'tokenizer_config.json'));
}

/** The decoded ONNX model. */
export function decodeModel(bytes: Uint8Array): ReturnType<typeof onnx.ModelProto.decode> {
  return onnx.ModelProto.decode(bytes);
}

/** Every float initializer of an ONNX model, read back from the file (not from the builder). */
export function readInitializers(bytes: Uint8Array): Map<string, Float32Array> {
  const weights = new Map<string, Float32Array>();
  for (const tensor of decodeModel(bytes).graph?.initializer ?? []) {
    if (tensor.dataType !== onnx.TensorProto.DataType.FLOAT) continue;
    const raw = tensor.rawData;
    // raw_data (little-endian bytes) as the builder writes weights, or float_data.
    weights.set(tensor.name ?? '', raw && raw.length > 0 ? new Float32Array(Uint8Array.from(raw).buffer) : Float32Array.from(tensor.floatData ?? []));
  }
  return weights;
}

/** SHA-256 of every file, `path  digest` per line (like `sha256sum`), plus the digest of that listing. */
export function digestFiles(files: readonly NativeModelFile[]): { listing: string; digest: string } {
  const listing = files.map((file) => `${file.path}  ${createHash('sha256').update(file.bytes).digest('hex')}\n`).join('');
  return { listing, digest: createHash('sha256').update(listing).digest('hex') };
}

/** A right-padded batch as the encoder's three int64 inputs. */
export interface PaddedBatch {
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
  tokenTypeIds: BigInt64Array;
  dims: [number, number];
}

/** Pads `sequences` with [PAD] (id 0) to the longest one. */
export function padBatch(sequences: readonly (readonly number[])[]): PaddedBatch {
  const length = Math.max(...sequences.map((ids) => ids.length));
  const inputIds = new BigInt64Array(sequences.length * length);
  const attentionMask = new BigInt64Array(sequences.length * length);
  sequences.forEach((ids, row) => {
    ids.forEach((id, position) => {
      inputIds[row * length + position] = BigInt(id);
      attentionMask[row * length + position] = 1n;
    });
  });
  return { inputIds, attentionMask, tokenTypeIds: new BigInt64Array(sequences.length * length), dims: [sequences.length, length] };
}

/** Attention-masked mean of `last_hidden_state` per row, then L2 normalisation, in float64. */
export function meanPoolNormalize(hidden: Float32Array, batch: PaddedBatch, width: number): Float64Array[] {
  const [rows, length] = batch.dims;
  const out: Float64Array[] = [];
  for (let row = 0; row < rows; row++) {
    const sum = new Float64Array(width);
    let count = 0;
    for (let position = 0; position < length; position++) {
      if (batch.attentionMask[row * length + position] === 0n) continue;
      count++;
      const offset = (row * length + position) * width;
      for (let i = 0; i < width; i++) sum[i] = sum[i]! + hidden[offset + i]!;
    }
    const norm = Math.sqrt(sum.reduce((a, b) => a + (b / count) ** 2, 0));
    out.push(sum.map((value) => value / count / norm));
  }
  return out;
}

/** Largest absolute difference between two equal-length vectors. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}
