export * from './chunk.js';
export * from './content-hash.js';
export * from './core.js';
export * from './dedup.js';
export * from './discover.js';
export * from './options.js';
export * from './record.js';
export * from './run.js';
