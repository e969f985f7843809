/** The scripted OpenAI-compatible server now ships in `src/llm-sim/` (the demo and benchmarks use it too). */
export * from '../../src/llm-sim/server.js';
