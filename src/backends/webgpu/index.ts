export * from './device.js';
export * from './program.js';
export * from './runner.js';
export * from './selection.js';
export * from './wgsl/arg-max.js';
export * from './wgsl/common.js';
export * from './wgsl/min-distance.js';
export * from './wgsl/pool-distance.js';
