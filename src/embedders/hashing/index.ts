export * from './df-codec.js';
export * from './document-frequency.js';
export * from './embedder.js';
export * from './hash.js';
export * from './params.js';
export * from './projection.js';
export * from './term-counts.js';
export * from './tokenize.js';
