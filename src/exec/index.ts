export * from './types.js';
export * from './limits.js';
export * from './languages.js';
export * from './verdict.js';
export * from './bwrap-args.js';
export { BubblewrapSandbox, hostLayout, skipped, type SandboxTools } from './bubblewrap.js';
export { WarmSandbox, type WarmOptions } from './warm.js';
export { UnsafeSandbox, UNSAFE_WARNING } from './unsafe.js';
export { openSandbox, probeSandbox, SANDBOX_FIX, type SandboxOptions } from './open.js';
