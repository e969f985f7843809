/** A small static (model2vec) embedding model built in code, and a safetensors writer, for tests and benchmarks. */
export { STATIC_MODEL_NAME, staticModelFiles, writeStaticModel } from './files.js';
export type { StaticModelOptions } from './files.js';
export { safetensorsBytes } from './safetensors-writer.js';
export type { TensorToWrite } from './safetensors-writer.js';
