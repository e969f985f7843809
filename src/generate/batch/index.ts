/** `generate --batch`: the Batch API ask, its provider client and its state file. */
export * from './asker.js';
export * from './lines.js';
export * from './provider.js';
export * from './state.js';
