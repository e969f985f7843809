/**
 * Replay of the journal a killed or stopped run left: what each finished unit becomes on the rerun,
 * so that every unit ends up in the outputs exactly once.
 */
import type { JournalEntry } from './state.js';
import type { WorkUnit } from './units.js';

/** A journal line of a unit that finished with an outcome. */
export type DoneEntry = Extract<JournalEntry, { status: 'done' }>;

/** Where the last checkpoint left the job. */
export interface ReplayPoint {
  /** The planned units (a journal line whose key does not match its unit is from another plan and ignored). */
  units: readonly WorkUnit[];
  /** Units before this index are in the outputs already. */
  folded: number;
  /** Units that had failed by the checkpoint, waiting for a retry. */
  failed: ReadonlySet<number>;
}

/** What to do with the replayed lines. */
export interface ReplayTargets {
  /** Takes a line at or after the fold point back into the scheduler, which folds it in plan order. */
  restore(entry: JournalEntry): void;
  /** Unit index -> the message of its last failed attempt. */
  lastError: Map<number, string>;
}

/**
 * Replays `entries` in journal order. Units folded before the crash are in the outputs already;
 * lines at or after the fold point go back to the scheduler; failed units that a retry finished
 * after the checkpoint are returned (last line per unit wins), for the caller to write now.
 */
export function replayJournal(entries: readonly JournalEntry[], point: ReplayPoint, targets: ReplayTargets): Map<number, DoneEntry> {
  const retried = new Map<number, DoneEntry>();
  for (const entry of entries) {
    if (point.units[entry.index]?.key !== entry.key) continue;
    if (entry.status === 'error') targets.lastError.set(entry.index, entry.error);
    if (entry.index >= point.folded) targets.restore(entry);
    else if (point.failed.has(entry.index) && entry.status === 'done') retried.set(entry.index, entry);
  }
  return retried;
}
