/** Messages between the embedding pool's main thread and its workers. */
import type { SerializedError } from '../errors.js';
import type { HashingParams } from './hashing/index.js';

/** What an ONNX worker loads (once per worker). */
export interface OnnxModelSpec {
  dir: string;
  maxLength: number | undefined;
  device: 'cpu' | 'webgpu' | 'cuda';
  batchTokens: number;
  /** The ONNX variant the main thread chose (never `auto`, so every worker loads the same file). */
  variant: string;
}

/** What a static-model worker loads (once per worker). */
export interface StaticModelSpec {
  dir: string;
  maxLength: number;
}

/** A batch of texts to embed, or to count for the hashing model's document frequencies. */
export type EmbedTask =
  | { kind: 'onnx'; model: OnnxModelSpec; texts: string[] }
  | { kind: 'static'; model: StaticModelSpec; texts: string[] }
  | { kind: 'hashing'; params: HashingParams; idf: SharedArrayBuffer; idfKey: string; texts: string[] }
  | { kind: 'df'; params: HashingParams; texts: string[] };

/** Vectors of a batch (texts x dim, in task order) and what they cost. */
export interface EmbedReply {
  kind: 'vectors';
  vectors: Float32Array;
  tokens: number;
  paddedTokens: number;
  truncated: number;
  empty: number;
  zeroVectors: number;
}

/** Document frequencies of a batch, sparse: the buckets touched and their counts. */
export interface DfReply {
  kind: 'df';
  buckets: Uint32Array;
  counts: Uint32Array;
  documents: number;
}

/** A worker's answer; errors travel as data (a class posted between threads loses its code). */
export type WorkerReply = EmbedReply | DfReply | { kind: 'error'; error: SerializedError };
