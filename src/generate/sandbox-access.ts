/** The product's sandbox module (`src/exec/`, bubblewrap) as generate's {@link SandboxAccess}. */
import { openSandbox, probeSandbox } from '../exec/index.js';
import type { SandboxAccess } from './sandbox-choice.js';

/** `src/exec`'s probe and sandbox, with its default limits. */
export const SANDBOX: SandboxAccess = {
  probe: () => probeSandbox(),
  open: (options) => openSandbox({ unsafeNoSandbox: options.unsafeNoSandbox, freshSandboxes: options.freshSandboxes === true, warn: options.warn }),
};
