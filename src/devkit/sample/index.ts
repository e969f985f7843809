/** `tidepool sample`: deterministic CodeSearchNet-like JSON Lines for demos, tests and benchmarks. */
export * from './generate.js';
export * from './run.js';
