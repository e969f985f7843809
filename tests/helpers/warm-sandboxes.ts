/** Warm sandboxes opened by a test file, closed after each test (so none is left between tests). */
import { openSandbox, WarmSandbox, type SandboxOptions, type WarmOptions } from '../../src/exec/index.js';

export interface OpenedWarmSandboxes {
  /** Opens warm sandboxes with `options` (fails when openSandbox gives another kind); `warn` receives openSandbox's warnings. */
  open(options?: WarmOptions, warn?: SandboxOptions['warn']): Promise<WarmSandbox>;
  /** Closes every sandbox opened since the last call. */
  closeAll(): Promise<void>;
}

export function warmSandboxes(): OpenedWarmSandboxes {
  let opened: WarmSandbox[] = [];
  return {
    async open(options = {}, warn) {
      const sandbox = await openSandbox(warn === undefined ? { warm: options } : { warm: options, warn });
      if (!(sandbox instanceof WarmSandbox)) throw new Error(`openSandbox gave ${sandbox.kind}, not warm sandboxes`);
      opened.push(sandbox);
      return sandbox;
    },
    async closeAll() {
      for (const sandbox of opened) await sandbox.close();
      opened = [];
    },
  };
}
