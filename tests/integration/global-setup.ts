/**
 * Integration tests run the real CLI (bin/tidepool.js -> dist/) and worker threads (which load dist/),
 * so dist/ must match the sources: build once before they start.
 */
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}
