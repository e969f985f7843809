/** The scripted OpenAI-compatible server now ships in `src/devkit/llm-sim/` (the demo and benchmarks use it too). */
export * from '../../src/devkit/llm-sim/server.js';
