export * from './endpoints.js';
export * from './facts.js';
export * from './probe.js';
export * from './report.js';
