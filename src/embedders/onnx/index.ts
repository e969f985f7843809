/**
 * Sentence embeddings with a user's ONNX encoder (or the project's native model) in onnxruntime:
 * the model folder, the tokenizer, pooling appended to the graph, and the per-worker embedder.
 */
export { DEFAULT_BATCH_TOKENS, OnnxEmbedder } from './embedder.js';
export type { EmbedBatchResult, OnnxEmbedderOptions } from './embedder.js';
export { planBatches } from './batches.js';
export type { BatchPlan, SubBatch } from './batches.js';
export { EXPORT_HINT, loadModelFolder } from './model-folder.js';
export type { ModelFolder } from './model-folder.js';
export type { PoolingMode } from './pipeline-config.js';
export { poolingExtension } from './pooling-graph.js';
export type { PoolingGraphOptions } from './pooling-graph.js';
export { prepareEmbeddingModel } from './prepare-model.js';
export type { PreparedModel } from './prepare-model.js';
export { TextTokenizer, tokenizerVocabularySize } from './text-tokenizer.js';
export type { EncodedText } from './text-tokenizer.js';
