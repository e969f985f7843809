/**
 * Runs units with N in flight and folds finished ones into the outputs and the case pools strictly in
 * plan order, whatever order they finish in. Prompts of epoch e (units [eE, (e+1)E)) see the pools as
 * they were after folding epochs 0..e-2, so what a prompt contains does not depend on timing: a rerun
 * after a crash sends the very same requests (and finds them in the response cache).
 */
import type { CasePools } from './pools.js';
import type { JournalEntry } from './state.js';
import type { WorkUnit } from './units.js';

/** What the scheduler asks of its shell. */
export interface SchedulerHooks {
  /** Runs one unit against a pool snapshot; resolves to its journal entry. Rejections are fatal for the run. */
  execute(unit: WorkUnit, snapshot: CasePools): Promise<JournalEntry>;
  /** Called once per finished unit as soon as it finishes (the shell journals it). */
  finished(entry: JournalEntry): void;
  /**
   * Called for each unit as it is folded, in plan order, once the scheduler's state covers it: the
   * pools took it in, {@link FoldingScheduler.folded} counts it and an epoch boundary it closes has its
   * snapshot. A checkpoint taken here must therefore include the unit's outputs (write them first).
   * A throw ends the run (as a rejection from `execute` does); the unit then counts as folded in
   * memory although its outputs may be missing, so the shell must not checkpoint after such a throw.
   */
  folded(entry: JournalEntry, unit: WorkUnit): void;
  /** Why no new unit may start (budget, interrupt), or undefined. */
  stopReason(): string | undefined;
}

/** The fold-in-order scheduler of one run. */
export class FoldingScheduler {
  /** Units [0, folded) are folded. */
  folded: number;
  /** Finished units not yet folded. */
  readonly pending = new Map<number, JournalEntry>();
  private readonly snapshots: Map<number, CasePools>;
  /** A `folded` hook threw: later units must not be folded past the one whose outputs are missing. */
  private broken = false;

  constructor(
    private readonly units: readonly WorkUnit[],
    private readonly epoch: number,
    folded: number,
    /** The pools after folding [0, folded); changed as units fold. */
    readonly pools: CasePools,
    snapshots: Map<number, CasePools>,
    private readonly hooks: SchedulerHooks,
  ) {
    this.folded = folded;
    this.snapshots = snapshots;
  }

  /** The epoch boundary whose pools unit `index` sees. */
  baseOf(index: number): number {
    return Math.max(0, (Math.floor(index / this.epoch) - 1) * this.epoch);
  }

  /** Snapshots later units may still need (boundary -> pools). */
  neededSnapshots(): Map<number, CasePools> {
    const from = this.baseOf(this.folded);
    return new Map([...this.snapshots].filter(([boundary]) => boundary >= from));
  }

  /** Takes in a unit finished earlier (from the journal). */
  restore(entry: JournalEntry): void {
    if (entry.index >= this.folded) this.pending.set(entry.index, entry);
  }

  /** Folds every finished unit that is next in plan order (nothing more once a `folded` hook threw). */
  fold(): void {
    if (this.broken) return;
    for (let entry = this.pending.get(this.folded); entry !== undefined; entry = this.pending.get(this.folded)) {
      this.pending.delete(this.folded);
      const unit = this.units[entry.index]!;
      if (entry.status === 'done' && entry.outcome.sample !== null) {
        const { outcome } = entry;
        this.pools.add(outcome.accepted ? 'good' : 'bad', {
          unit: unit.key, rowId: unit.rowId, sample: outcome.sample!,
          reasons: outcome.accepted ? [] : outcome.reasons.map((reason) => reason.message),
        });
      }
      this.folded++;
      if (this.folded % this.epoch === 0) this.snapshots.set(this.folded, this.pools.snapshot());
      this.pruneSnapshots();
      // Last, so a checkpoint the hook takes sees the unit in the count as well as in the pools: a
      // checkpoint covering a unit's record but not the unit made a resumed run write it twice.
      try {
        this.hooks.folded(entry, unit);
      } catch (error) {
        this.broken = true;
        throw error;
      }
    }
  }

  /** Drops snapshots no unit from the fold point on can need. */
  private pruneSnapshots(): void {
    const from = this.baseOf(this.folded);
    for (const boundary of this.snapshots.keys()) if (boundary < from) this.snapshots.delete(boundary);
  }

  /**
   * Starts units in plan order, at most `concurrency` at once, until every unit has finished or
   * `stopReason` says stop; resolves when nothing is in flight. A rejection from `execute` stops new
   * starts and is rethrown once the units in flight have settled.
   */
  async run(concurrency: number): Promise<void> {
    this.fold();
    let next = this.folded;
    let running = 0;
    let failure: { error: Error } | undefined;
    await new Promise<void>((resolve, reject) => {
      const pump = (): void => {
        while (failure === undefined && running < concurrency && next < this.units.length && this.hooks.stopReason() === undefined) {
          // Restored units finish out of turn and may fold past `next`.
          if (next < this.folded || this.pending.has(next)) {
            next = Math.max(next + 1, this.folded);
            continue;
          }
          const snapshot = this.snapshots.get(this.baseOf(next));
          if (snapshot === undefined) break;
          const unit = this.units[next++]!;
          running++;
          // A throw from a hook (a full disk while writing) is a failure like a rejected execute.
          this.hooks.execute(unit, snapshot).then((entry) => {
            this.hooks.finished(entry);
            this.pending.set(entry.index, entry);
            this.fold();
          }).catch((error: unknown) => {
            failure ??= { error: error instanceof Error ? error : new Error(String(error)) };
          }).finally(() => {
            running--;
            pump();
          }).catch(reject);
        }
        if (running === 0) {
          if (failure !== undefined) reject(failure.error);
          else resolve();
        }
      };
      pump();
    });
  }
}
