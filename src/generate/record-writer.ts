/**
 * The in-order writer of generate's outputs: each finished unit, in plan order, becomes one line of
 * instructions.jsonl (accepted) or rejected.jsonl, and counts in the funnel.
 */
import type { Funnel } from '../store/funnel.js';
import { addToFunnel } from './funnel.js';
import type { DoneEntry } from './journal-replay.js';
import type { AppendLog } from './jsonl-log.js';
import { unitRecord, type RunIdentity } from './records.js';
import type { WorkUnit } from './units.js';

/** The two output files. */
export interface GenerateOutputs {
  instructions: AppendLog;
  rejected: AppendLog;
}

/** Writes unit records and keeps the counts a checkpoint saves. */
export class RecordWriter {
  /** Records in instructions.jsonl. */
  accepted: number;
  /** Records in rejected.jsonl. */
  rejected: number;
  /**
   * A write failed: no checkpoint may be taken after it, since it could name a record that is not in
   * the file (the journal still holds the unit, and the rerun writes it).
   */
  broken = false;

  constructor(
    private readonly outputs: GenerateOutputs,
    private readonly identity: RunIdentity,
    /** Updated in place: it is the funnel the checkpoint and the manifest hold. */
    private readonly funnel: Funnel,
    counts: { accepted: number; rejected: number },
  ) {
    this.accepted = counts.accepted;
    this.rejected = counts.rejected;
  }

  /** Appends the unit's record to its file, then counts it. */
  write(entry: DoneEntry, unit: WorkUnit): void {
    const made = unitRecord(unit, entry.outcome, this.identity, entry.poolSnapshot);
    try {
      (made.accepted ? this.outputs.instructions : this.outputs.rejected).append(made.record);
    } catch (error) {
      this.broken = true;
      throw error;
    }
    if (made.accepted) this.accepted += 1;
    else this.rejected += 1;
    addToFunnel(this.funnel, unit.task, unit.language, entry.outcome);
  }
}
