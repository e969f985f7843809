export * from './errors.js';
export * from './version.js';
export * from './store/index.js';
export * from './ingest/index.js';
