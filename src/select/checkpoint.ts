/**
 * Checkpoints of a selection run: the greedy state at a pass, as a JSON header plus the raw
 * min-distance bounds, their per-point lags and (with pruning) nearest centers in a data file named after the pass. The data file is written first and the
 * header renamed into place last, so a header always points at a complete data file of its own pass,
 * whenever the process dies. A checkpoint is used only by a run with the same key.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomically } from '../util/atomic-file.js';
import type { GreedyState } from './greedy.js';

const HEADER = 'select.checkpoint.json';
const DATA_PREFIX = 'select.checkpoint.';
const DATA_SUFFIX = '.bin';

interface CheckpointHeader {
  key: string;
  state: Omit<GreedyState, 'minDist' | 'lag' | 'nearest'>;
  rows: number;
  data: string;
}

/**
 * Saves the state atomically and removes older data files. A failed write (a full disk: `E_NO_SPACE`,
 * naming the file) leaves the previous checkpoint whole and in use.
 */
export async function saveCheckpoint(dir: string, key: string, state: GreedyState): Promise<void> {
  const { minDist, lag, nearest, ...rest } = state;
  const data = `${DATA_PREFIX}${state.passes}${DATA_SUFFIX}`;
  const bytesOf = (array: Float32Array | Int32Array): Uint8Array => new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  const bytes = Buffer.concat([bytesOf(minDist), bytesOf(lag), ...(nearest === undefined ? [] : [bytesOf(nearest)])]);
  await writeFileAtomically(join(dir, data), bytes);
  const header: CheckpointHeader = { key, state: rest, rows: minDist.length, data };
  try {
    await writeFileAtomically(join(dir, HEADER), JSON.stringify(header));
  } catch (error) {
    // The previous header stays in use; this pass's data file only takes space, unless it is the
    // previous header's own (a resumed run saving the pass it resumed from).
    if (data !== (await previousData(dir))) await rm(join(dir, data), { force: true }).catch(() => undefined);
    throw error;
  }
  for (const name of await readdir(dir)) {
    if (name.startsWith(DATA_PREFIX) && name !== data && name !== HEADER) await rm(join(dir, name), { force: true });
  }
}

/** The data file that the checkpoint in place points at, if there is a readable one. */
async function previousData(dir: string): Promise<string | undefined> {
  try {
    return (JSON.parse(await readFile(join(dir, HEADER), 'utf8')) as CheckpointHeader).data;
  } catch {
    return undefined;
  }
}

/** The saved state when a checkpoint with this key exists and is whole; otherwise null. */
export async function loadCheckpoint(dir: string, key: string, rows: number): Promise<GreedyState | null> {
  let header: CheckpointHeader;
  try {
    header = JSON.parse(await readFile(join(dir, HEADER), 'utf8')) as CheckpointHeader;
  } catch {
    return null;
  }
  if (header.key !== key || header.rows !== rows) return null;
  const bytes = await readFile(join(dir, header.data)).catch(() => null);
  // (a checkpoint from before per-point lags is not used; one without nearest centers prunes once refreshed)
  if (bytes === null || (bytes.length !== rows * 8 && bytes.length !== rows * 12)) return null;
  const minDist = new Float32Array(rows);
  new Uint8Array(minDist.buffer).set(bytes.subarray(0, rows * 4));
  const lag = new Int32Array(rows);
  new Uint8Array(lag.buffer).set(bytes.subarray(rows * 4, rows * 8));
  let nearest: Int32Array | undefined;
  if (bytes.length === rows * 12) {
    nearest = new Int32Array(rows);
    new Uint8Array(nearest.buffer).set(bytes.subarray(rows * 8));
  }
  // JSON has no Infinity (the radius of a first pick with no centers): it comes back as null.
  const radii = (header.state.radii as (number | null)[]).map((r) => r ?? Infinity);
  return { ...header.state, radii, minDist, lag, ...(nearest === undefined ? {} : { nearest }) };
}

/** Removes the checkpoint after a finished run. */
export async function clearCheckpoint(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    if (name.startsWith(DATA_PREFIX)) await rm(join(dir, name), { force: true });
  }
}
