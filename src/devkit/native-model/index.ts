/**
 * The project's own small BERT-architecture embedding model (random weights), built in code: the
 * model folder (ONNX encoder, WordPiece tokenizer, sentence-transformers metadata) and a float64
 * reference forward pass to test onnxruntime's output against.
 */
export { MINI_BERT_CONFIG, NATIVE_MODEL_NAME, checkMiniBertConfig } from './config.js';
export type { MiniBertConfig } from './config.js';
export { corpusSections, corpusWordCounts } from './corpus.js';
export type { CorpusSection } from './corpus.js';
export { MASKED_SCORE, miniBertOnnxModel } from './encoder-graph.js';
export { NATIVE_MODEL_ONNX_PATH, nativeModelFiles, writeNativeModel } from './files.js';
export type { NativeModelFile } from './files.js';
export { erf, gelu, referenceHiddenStates, referenceSentenceEmbedding } from './reference.js';
export type { WeightLookup } from './reference.js';
export { specialTokensMapJson, tokenizerConfigJson, tokenizerJson, vocabTxt } from './tokenizer-files.js';
export { CONTINUATION_PREFIX, SPECIAL_TOKENS, buildVocabulary } from './vocabulary.js';
export { WEIGHT_SCALES, miniBertWeights } from './weights.js';
export type { MiniBertWeights, WeightTensor } from './weights.js';
