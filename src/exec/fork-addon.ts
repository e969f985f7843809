/**
 * Where the fork server's addon (native/fork, built by `npm run build` with node-gyp) is, when it was
 * built: warm sandboxes run JavaScript programs forked from a started Node with it, and exec a new
 * Node per program without it.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The addon's path on the host (src/exec and dist/exec both sit two folders below the package's root). */
export const FORK_ADDON_PATH = fileURLToPath(new URL('../../native/fork/build/Release/tidepool_fork.node', import.meta.url));

/** The addon's path when it was built, else null. */
export function findForkAddon(): string | null {
  return existsSync(FORK_ADDON_PATH) ? FORK_ADDON_PATH : null;
}
