/**
 * What a `generate` output folder remembers between runs (under `DIR/.generate/`):
 * - `journal.jsonl`: one line per finished unit (done or failed), appended as units finish;
 * - `state.json`: the fold point (units before it are in the outputs, in plan order), the outputs'
 *   byte lengths at that point, the case pools and the snapshots later units still need, the funnel
 *   and the failed units waiting for a retry. Written atomically.
 * On a rerun the outputs are cut back to the lengths in `state.json` and the journal replays the rest,
 * so every unit ends up in the outputs exactly once whatever moment the last run died at.
 */
import { existsSync, readFileSync } from 'node:fs';
import { TidepoolError } from '../errors.js';
import { writeFileAtomicallySync } from '../util/atomic-file.js';
import { emptyFunnel, type Funnel } from '../store/funnel.js';
import type { PoolsState } from './pool-entry.js';
import type { UnitOutcome } from './unit.js';

/** One line of the journal. */
export type JournalEntry =
  | { index: number; key: string; status: 'done'; poolSnapshot: string; outcome: UnitOutcome }
  | { index: number; key: string; status: 'error'; error: string };

/** The checkpoint. */
export interface GenerateState {
  version: 1;
  /** Identity of the parameters that shape the outputs; another hash means another job. */
  configHash: string;
  /** Units per pool epoch of this job (absent in files of older versions): a rerun without --pool-epoch keeps it. */
  poolEpoch?: number;
  /** Units [0, folded) are in the outputs (or in `failed`). */
  folded: number;
  bytes: { instructions: number; rejected: number };
  /** The pools after folding units [0, folded). */
  pools: PoolsState;
  /** Pool snapshots at epoch boundaries that units not yet folded may still need: boundary -> pools. */
  snapshots: Record<string, PoolsState>;
  funnel: Funnel;
  /** Indices of folded units whose last attempt failed; retried after the plan's last unit. */
  failed: number[];
  accepted: number;
  rejected: number;
}

/** A fresh checkpoint for `configHash` and `poolEpoch` with empty `pools`. */
export function initialState(configHash: string, poolEpoch: number, pools: PoolsState): GenerateState {
  return { version: 1, configHash, poolEpoch, folded: 0, bytes: { instructions: 0, rejected: 0 }, pools, snapshots: { 0: pools }, funnel: emptyFunnel(), failed: [], accepted: 0, rejected: 0 };
}

/** Reads `state.json`, or undefined when there is none. */
export function readState(path: string): GenerateState | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const state = JSON.parse(readFileSync(path, 'utf8')) as GenerateState;
    if ((state.version as number) !== 1 || typeof state.folded !== 'number' || typeof state.configHash !== 'string') throw new Error('unknown layout');
    return state;
  } catch (error) {
    throw new TidepoolError('E_FORMAT_INVALID', `${path} is damaged (${(error as Error).message}); delete the .generate folder to start over (cached answers in .generate/responses.jsonl are kept if you delete only state.json and journal.jsonl)`, { path }, { cause: error });
  }
}

/**
 * Writes `state.json` atomically: the previous checkpoint stays in place until the new one is whole.
 * @throws TidepoolError `E_NO_SPACE` / `E_OUTPUT` naming the file.
 */
export function writeState(path: string, state: GenerateState): void {
  writeFileAtomicallySync(path, JSON.stringify(state));
}
