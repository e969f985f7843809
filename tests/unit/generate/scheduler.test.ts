import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CasePools } from '../../../src/generate/pools.js';
import { FoldingScheduler } from '../../../src/generate/scheduler.js';
import type { JournalEntry } from '../../../src/generate/state.js';
import type { UnitOutcome } from '../../../src/generate/unit.js';
import type { WorkUnit } from '../../../src/generate/units.js';

const LANGUAGES = ['python', 'go', 'java'];

function units(count: number): WorkUnit[] {
  return Array.from({ length: count }, (_, index) => ({ index, key: `generation:${index}`, rowId: index, task: 'generation' as const, language: LANGUAGES[index % 3]! }));
}

/** The outcome a unit gets, a pure function of its index (so a reference can recompute it). */
function outcomeOf(index: number): UnitOutcome {
  const accepted = index % 3 !== 1;
  return {
    accepted, stage: accepted ? null : 'discriminator', reasons: accepted ? [] : [{ code: 'rule_2', message: `rule 2: unit ${index}` }],
    sample: { task: 'generation', instruction: `Write Python code number ${index} please`, input: '', output: `x = ${index}`, language: LANGUAGES[index % 3]! },
    rules: [], inconsistentVerdict: false, unreadableReply: null, tokens: { prompt: 1, completion: 1 }, usd: 0, requests: 2, cachedRequests: 0,
  };
}

/** Sequential reference: the snapshot id each unit must see, folding units strictly in order. */
function referenceSnapshotIds(count: number, epoch: number, capacity: number): string[] {
  const pools = new CasePools({ capacity });
  const atBoundary = new Map<number, string>([[0, pools.snapshotId()]]);
  for (let i = 0; i < count; i++) {
    const outcome = outcomeOf(i);
    pools.add(outcome.accepted ? 'good' : 'bad', { unit: `generation:${i}`, rowId: i, sample: outcome.sample!, reasons: outcome.reasons.map((r) => r.message) });
    if ((i + 1) % epoch === 0) atBoundary.set(i + 1, pools.snapshotId());
  }
  return Array.from({ length: count }, (_, i) => atBoundary.get(Math.max(0, (Math.floor(i / epoch) - 1) * epoch))!);
}

async function runScheduler(count: number, epoch: number, concurrency: number, delays: readonly number[], stopAfter = Infinity): Promise<{ seen: Map<number, string>; folded: number[]; executed: number[]; maxRunning: number; scheduler: FoldingScheduler }> {
  const plan = units(count);
  const pools = new CasePools({ capacity: 4 });
  const seen = new Map<number, string>();
  const folded: number[] = [];
  const executed: number[] = [];
  let running = 0;
  let maxRunning = 0;
  const scheduler = new FoldingScheduler(plan, epoch, 0, pools, new Map([[0, pools.snapshot()]]), {
    execute: async (unit, snapshot) => {
      executed.push(unit.index);
      seen.set(unit.index, snapshot.snapshotId());
      maxRunning = Math.max(maxRunning, ++running);
      await new Promise((resolve) => setTimeout(resolve, delays[unit.index % delays.length]));
      running--;
      return { index: unit.index, key: unit.key, status: 'done', poolSnapshot: snapshot.snapshotId(), outcome: outcomeOf(unit.index) } satisfies JournalEntry;
    },
    finished: () => {},
    folded: (entry) => folded.push(entry.index),
    stopReason: () => (executed.length >= stopAfter ? 'stop' : undefined),
  });
  await scheduler.run(concurrency);
  return { seen, folded, executed, maxRunning, scheduler };
}

describe('FoldingScheduler', () => {
  it('folds in plan order and every prompt sees the pools of two epochs back, whatever order units finish in', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 12 }), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 7 }), async (count, epoch, concurrency, delays) => {
        const { seen, folded, executed, maxRunning } = await runScheduler(count, epoch, concurrency, delays);
        expect(folded).toEqual(Array.from({ length: count }, (_, i) => i));
        expect([...executed].sort((a, b) => a - b)).toEqual(folded);
        expect(maxRunning).toBeLessThanOrEqual(concurrency);
        const reference = referenceSnapshotIds(count, epoch, 4);
        for (let i = 0; i < count; i++) expect(seen.get(i), `unit ${i}`).toBe(reference[i]);
      }),
      { numRuns: 60 },
    );
  });

  it('keeps N units in flight when the epoch window allows it', async () => {
    const { maxRunning } = await runScheduler(64, 16, 8, [2, 1, 3]);
    expect(maxRunning).toBe(8);
  });

  it('stops starting units when told to and folds only what finished', async () => {
    const { executed, folded, scheduler } = await runScheduler(30, 4, 3, [1], 10);
    expect(executed.length).toBe(10);
    expect(folded).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(scheduler.folded).toBe(10);
  });

  it('resumes from restored entries: units already finished are not executed again', async () => {
    const plan = units(12);
    const pools = new CasePools({ capacity: 4 });
    const executed: number[] = [];
    const folded: number[] = [];
    const scheduler = new FoldingScheduler(plan, 4, 0, pools, new Map([[0, pools.snapshot()]]), {
      execute: (unit, snapshot) => {
        executed.push(unit.index);
        return Promise.resolve({ index: unit.index, key: unit.key, status: 'done', poolSnapshot: snapshot.snapshotId(), outcome: outcomeOf(unit.index) } satisfies JournalEntry);
      },
      finished: () => {},
      folded: (entry) => folded.push(entry.index),
      stopReason: () => undefined,
    });
    for (const index of [0, 1, 5, 7]) scheduler.restore({ index, key: `generation:${index}`, status: 'done', poolSnapshot: 'x', outcome: outcomeOf(index) });
    await scheduler.run(2);
    expect(executed.sort((a, b) => a - b)).toEqual([2, 3, 4, 6, 8, 9, 10, 11]);
    expect(folded).toEqual(Array.from({ length: 12 }, (_, i) => i));
  });

  it('a checkpoint taken in the folded hook covers that unit: resuming from any of them writes every unit exactly once', async () => {
    // The shell (run.ts) writes a unit's record and may checkpoint inside `folded`. A checkpoint there
    // must count the unit as folded; otherwise a crash after it replays the unit and writes it twice.
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 24 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 8 }), fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 5 }), async (count, epoch, concurrency, delays) => {
        const plan = units(count);
        const reference = referenceSnapshotIds(count, epoch, 4);
        const journal: JournalEntry[] = [];
        const written: number[] = [];
        interface Checkpoint { folded: number; written: number[]; journal: number; pools: ReturnType<CasePools['toJSON']>; snapshots: [number, ReturnType<CasePools['toJSON']>][] }
        const checkpoints: Checkpoint[] = [];
        const execute = async (unit: WorkUnit, snapshot: CasePools): Promise<JournalEntry> => {
          const delay = delays[unit.index % delays.length]!;
          await new Promise((resolve) => (delay === 0 ? setImmediate(resolve) : setTimeout(resolve, delay)));
          return { index: unit.index, key: unit.key, status: 'done', poolSnapshot: snapshot.snapshotId(), outcome: outcomeOf(unit.index) };
        };
        const pools = new CasePools({ capacity: 4 });
        const scheduler: FoldingScheduler = new FoldingScheduler(plan, epoch, 0, pools, new Map([[0, pools.snapshot()]]), {
          execute,
          finished: (entry) => journal.push(entry),
          folded: (entry) => {
            written.push(entry.index);
            checkpoints.push({
              folded: scheduler.folded, written: [...written], journal: journal.length, pools: pools.toJSON(),
              snapshots: [...scheduler.neededSnapshots()].map(([boundary, pool]) => [boundary, pool.toJSON()]),
            });
          },
          stopReason: () => undefined,
        });
        await scheduler.run(concurrency);
        const finalPools = pools.snapshotId();
        for (const checkpoint of checkpoints) {
          // A crash right after this checkpoint, then a resume from it and the journal as it was then.
          const resumedPools = CasePools.fromJSON(checkpoint.pools);
          const resumedWritten = [...checkpoint.written];
          const seen = new Map<number, string>();
          const resumed = new FoldingScheduler(plan, epoch, checkpoint.folded, resumedPools, new Map(checkpoint.snapshots.map(([boundary, pool]) => [boundary, CasePools.fromJSON(pool)])), {
            execute: (unit, snapshot) => {
              seen.set(unit.index, snapshot.snapshotId());
              return execute(unit, snapshot);
            },
            finished: () => {},
            folded: (entry) => resumedWritten.push(entry.index),
            stopReason: () => undefined,
          });
          for (const entry of journal.slice(0, checkpoint.journal)) resumed.restore(entry);
          await resumed.run(concurrency);
          expect(resumedWritten, `resumed after unit ${checkpoint.written.at(-1)!} was written`).toEqual(Array.from({ length: count }, (_, i) => i));
          expect(resumedPools.snapshotId()).toBe(finalPools);
          for (const [index, id] of seen) expect(id, `unit ${index} after a resume`).toBe(reference[index]);
        }
      }),
      { numRuns: 15 },
    );
  });

  it('a throw from the folded hook ends the run like a failed execute, and nothing after that unit is folded', async () => {
    const plan = units(20);
    const pools = new CasePools({ capacity: 4 });
    const folded: number[] = [];
    const scheduler = new FoldingScheduler(plan, 4, 0, pools, new Map([[0, pools.snapshot()]]), {
      execute: async (unit, snapshot) => {
        await new Promise((resolve) => setTimeout(resolve, unit.index % 3));
        return { index: unit.index, key: unit.key, status: 'done', poolSnapshot: snapshot.snapshotId(), outcome: outcomeOf(unit.index) } satisfies JournalEntry;
      },
      finished: () => {},
      folded: (entry) => {
        if (entry.index === 5) throw new Error('ENOSPC: no space left on device, write');
        folded.push(entry.index);
      },
      stopReason: () => undefined,
    });
    await expect(scheduler.run(4)).rejects.toThrow('ENOSPC');
    expect(folded).toEqual([0, 1, 2, 3, 4]);
  });

  it('rethrows a failure from execute after the units in flight settle, and starts no more', async () => {
    const plan = units(20);
    const pools = new CasePools({ capacity: 4 });
    const executed: number[] = [];
    const scheduler = new FoldingScheduler(plan, 4, 0, pools, new Map([[0, pools.snapshot()]]), {
      execute: async (unit, snapshot) => {
        executed.push(unit.index);
        await new Promise((resolve) => setTimeout(resolve, 2));
        if (unit.index === 3) throw new Error('bad key');
        return { index: unit.index, key: unit.key, status: 'done', poolSnapshot: snapshot.snapshotId(), outcome: outcomeOf(unit.index) } satisfies JournalEntry;
      },
      finished: () => {},
      folded: () => {},
      stopReason: () => undefined,
    });
    await expect(scheduler.run(4)).rejects.toThrow('bad key');
    expect(executed.length).toBeLessThan(20);
  });
});
