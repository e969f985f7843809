/**
 * Writes case pools to a folder for people and later runs to read: one JSONL file per pool and a
 * `pools.json` summary. Each file is written to `<name>.partial` and renamed into place, and
 * `pools.json` goes last, so it never names counts that its pool files do not hold yet.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFailure } from '../errors.js';
import { writeFileAtomically } from '../util/atomic-file.js';
import type { CasePools } from './pools.js';

/** Name of the summary file {@link savePools} writes. */
export const POOLS_SUMMARY_FILE = 'pools.json';

/** Contents of `pools.json`. */
export interface PoolsSummary {
  /** {@link CasePools.snapshotId} of the pools written. */
  snapshot: string;
  capacity: number;
  version: number;
  /** Entries per pool, keyed `${task}/${kind}`, e.g. `{"generation/good": 12}`. */
  counts: Record<string, number>;
}

/**
 * Writes every pool that exists in `pools` to `dir/<task>.<kind>.jsonl` (one entry per line, oldest
 * first) and then `dir/pools.json`, creating `dir` if missing. The content is taken when the call
 * starts, so adds made while it writes are not mixed in.
 * @throws TidepoolError `E_NO_SPACE` / `E_OUTPUT` naming the file that could not be written.
 */
export async function savePools(dir: string, pools: CasePools): Promise<void> {
  const state = pools.toJSON();
  const summary: PoolsSummary = { snapshot: pools.snapshotId(), capacity: state.capacity, version: state.version, counts: {} };
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw writeFailure(error, dir);
  }
  for (const [key, entries] of Object.entries(state.entries)) {
    await writeFileAtomically(join(dir, `${key.replace('/', '.')}.jsonl`), entries.map((entry) => `${JSON.stringify(entry)}\n`).join(''));
    summary.counts[key] = entries.length;
  }
  await writeFileAtomically(join(dir, POOLS_SUMMARY_FILE), `${JSON.stringify(summary, null, 2)}\n`);
}
