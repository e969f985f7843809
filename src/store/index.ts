export * from './arrow-file.js';
export * from './columns.js';
export * from './embeddings.js';
export * from './manifest.js';
export * from './matrix.js';
export * from './npy.js';
export * from './pairs.js';
