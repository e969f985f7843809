/** `tidepool decontam`: remove records that copy or paraphrase benchmark problems. */
export * from './benchmark-files.js';
export * from './canonical.js';
export * from './embedder.js';
export * from './embedding-stage.js';
export * from './embeddings-input.js';
export * from './exact.js';
export * from './indexes.js';
export * from './input.js';
export * from './layouts.js';
export * from './ngram.js';
export * from './normalize.js';
export * from './options.js';
export * from './postings.js';
export * from './run.js';
export * from './similarity.js';
export * from './verdict.js';
export * from './writer.js';
