/** An OpenAI-compatible `/v1/embeddings` stand-in for tests and benchmarks (no model: vectors are hashes). */
export * from './server.js';
export * from './vectors.js';
