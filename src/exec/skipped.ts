/** The result of a run that did not happen. Pure. */
import type { ExecResult } from './types.js';

/** A `skipped` {@link ExecResult} with `reason`. */
export function skipped(reason: string): ExecResult {
  return { verdict: 'skipped', exitCode: null, signal: null, output: '', outputTruncated: false, seconds: 0, reason };
}
