export * from './greedy.js';
export * from './kernel.js';
export * from './onnx-kernel.js';
export * from './pool.js';
