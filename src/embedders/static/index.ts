/**
 * Static embedding models (model2vec, sentence-transformers StaticEmbedding): a safetensors reader,
 * the model folder, model2vec's tokenisation and the per-worker embedder.
 */
export { StaticEmbedder } from './embedder.js';
export type { StaticBatchResult } from './embedder.js';
export { STATIC_DEFAULT_MAX_LENGTH, findStaticLayout, isStaticModelFolder, loadStaticModelFolder } from './model-folder.js';
export type { StaticModelFolder } from './model-folder.js';
export { parseSafetensorsHeader, readSafetensors, tensorToFloat32, tensorToIntegers } from './safetensors.js';
export type { SafetensorsDtype, SafetensorsTensor } from './safetensors.js';
export { StaticTokenizer, firstCodePoints, medianTokenLength, staticTokenizerImplementation } from './static-tokenizer.js';
export type { StaticEncoding } from './static-tokenizer.js';
