/**
 * The shared state of a sharded run inside its output folder, `OUT/.shards/`: `plan.json` (the number
 * of shards and what the run computes, fixed by the first shard that starts), `claims/I.tidepool.lock`
 * (the process running shard I: one at a time per shard, a dead holder's claim taken over) and
 * `completions/I` (an empty marker, written atomically when shard I's part is complete). Several
 * shards write into one folder at once, so none of them holds the folder's own exclusive lock; the
 * merge does (see output-folder.ts).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { TidepoolError, writeFailure } from '../errors.js';
import { publishFileOnce, writeFileAtomically } from '../util/atomic-file.js';
import { FolderLock, type LockHolder } from './output-lock.js';
import { formatShard, type Shard } from './shards.js';

/** Folder of the shards' state inside an output folder. */
export const SHARDS_DIR = '.shards';

/** What every shard of one run agrees on (`OUT/.shards/plan.json`). */
export interface ShardPlan {
  stage: string;
  /** N of `--shard I/N`. */
  shards: number;
  /** SHA-256 of {@link key}. */
  identity: string;
  /** What the run computes (input checksum, model, window rows...). */
  key: Readonly<Record<string, unknown>>;
}

async function createFolder(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true }).catch((error: unknown) => {
    throw writeFailure(error, dir, false);
  });
}

/** The `.shards/` folder of one output folder. */
export class ShardFolder {
  readonly dir: string;

  constructor(readonly out: string) {
    this.dir = join(out, SHARDS_DIR);
  }

  /** Path of shard `index`'s completion marker. */
  marker(index: number): string {
    return join(this.dir, 'completions', String(index));
  }

  /** The plan the first shard recorded, or undefined when no shard has started. */
  async readPlan(): Promise<ShardPlan | undefined> {
    const text = await readFile(join(this.dir, 'plan.json'), 'utf8').catch(() => undefined);
    return text === undefined ? undefined : (JSON.parse(text) as ShardPlan);
  }

  /**
   * The recorded plan, for a merge.
   * @param run how a shard of this stage is run, e.g. `tidepool embed --shard I/N` (named in the error)
   * @param same what every shard must share, e.g. `flags` or `inputs and flags`
   * @throws TidepoolError `E_USAGE` when no sharded run is in the folder
   */
  async planForMerge(stage: string, run: string, same = 'flags'): Promise<ShardPlan> {
    const plan = await this.readPlan();
    if (plan === undefined) {
      throw new TidepoolError('E_USAGE', `${this.out} holds no sharded ${stage} run (no ${join(this.dir, 'plan.json')}): run the shards first, \`${run}\` for I = 0..N-1 with the same ${same}; the last one merges.`, { path: this.out });
    }
    return plan;
  }

  /**
   * Records `plan` when this is the first shard, else checks that it is the recorded one: the split
   * depends on N, and parts of other inputs or parameters must not be mixed.
   * @throws TidepoolError `E_USAGE` when the folder's run has another N or another key.
   */
  async adopt(plan: ShardPlan, shard: Shard): Promise<void> {
    await createFolder(join(this.dir, 'completions'));
    const path = join(this.dir, 'plan.json');
    if (await publishFileOnce(path, `${JSON.stringify(plan, null, 2)}\n`)) return;
    const recorded = await this.readPlan();
    if (recorded === undefined) throw new TidepoolError('E_USAGE', `${path} cannot be read: delete ${this.out} to start the sharded run over.`, { path });
    this.check(recorded, plan, `--shard ${formatShard(shard)}`);
  }

  /** @throws TidepoolError `E_USAGE` when `recorded` is not `plan` (`what` names the asking command's shards). */
  check(recorded: ShardPlan, plan: ShardPlan, what: string): void {
    const path = join(this.dir, 'plan.json');
    if (recorded.shards !== plan.shards) {
      throw new TidepoolError('E_USAGE', `${this.out} holds a sharded run of ${recorded.stage} split into ${recorded.shards} shards (${path}); ${what} asks for ${plan.shards}. Which rows a shard owns depends on N, so N cannot change once a shard has started: run the remaining shards as --shard I/${recorded.shards}, or delete ${this.out} to start over with ${plan.shards}.`, { path, recorded: recorded.shards, asked: plan.shards });
    }
    if (recorded.identity !== plan.identity) {
      throw new TidepoolError('E_USAGE', `${this.out} holds a sharded ${recorded.stage} run of other inputs or parameters (see ${path}); every shard must run with the same inputs and flags. Rerun with that run's flags, or use another --out (or delete ${this.out}) to start over.`, { path });
    }
  }

  /** True when shard `index` has written its completion marker. */
  isDone(index: number): boolean {
    return existsSync(this.marker(index));
  }

  /** Shards of 0..count-1 with no completion marker, in order. */
  missing(count: number): number[] {
    return Array.from({ length: count }, (_, index) => index).filter((index) => !this.isDone(index));
  }

  /**
   * Throws unless every shard of `plan` has its completion marker, naming the unfinished ones and how to run them.
   * @param same what every shard must share, as the message names it (`flags`, `inputs and flags`)
   * @throws TidepoolError `E_USAGE`
   */
  assertFinished(plan: ShardPlan, same = 'flags'): void {
    const missing = this.missing(plan.shards);
    if (missing.length === 0) return;
    throw new TidepoolError('E_USAGE', `cannot merge ${this.out} yet: shard${missing.length === 1 ? '' : 's'} ${missing.join(', ')} of ${plan.shards} ha${missing.length === 1 ? 's' : 've'} not finished (no completion marker ${this.marker(missing[0]!)}${missing.length > 1 ? ', ...' : ''}). Run ${missing.map((index) => `--shard ${index}/${plan.shards}`).join(', ')} with the same ${same}; the last one to finish merges.`, { path: this.out, missing });
  }

  /** Writes shard `index`'s completion marker (empty, atomically): the shard's part is complete. */
  async markDone(index: number): Promise<void> {
    await createFolder(join(this.dir, 'completions'));
    await writeFileAtomically(this.marker(index), '');
  }

  /**
   * Removes every shard's claim. Only for a cluster executor that has just checked with the scheduler
   * that no task of this run is queued or running: claims left by tasks that died on other hosts (a
   * failed node, a kill) can then not be told from live ones by their pid, and would keep their shards
   * from ever running again.
   */
  async clearClaims(): Promise<void> {
    await rm(join(this.dir, 'claims'), { recursive: true, force: true });
  }

  /**
   * Claims shard `shard` for this process, so two processes of the same shard never both run it (a
   * claim whose holder died is taken over).
   * @throws TidepoolError `E_OUTPUT_LOCKED` naming the live holder.
   */
  async claim(shard: Shard, stage: string): Promise<FolderLock> {
    const dir = join(this.dir, 'claims');
    await createFolder(dir);
    try {
      return FolderLock.acquire(dir, `${stage} --shard ${formatShard(shard)}`, `${shard.index}.tidepool.lock`);
    } catch (error) {
      if (!(error instanceof TidepoolError) || error.code !== 'E_OUTPUT_LOCKED') throw error;
      const holder = error.details.holder as LockHolder | undefined;
      const who = holder === undefined ? 'a claim file that cannot be read' : `pid ${holder.pid} on ${holder.host}, started ${holder.startedAt}`;
      const path = join(dir, `${shard.index}.tidepool.lock`);
      throw new TidepoolError('E_OUTPUT_LOCKED', `shard ${formatShard(shard)} of ${this.out} is already running: ${who}. Wait for it to finish; if no such process is alive (e.g. its machine crashed), delete ${path} and rerun.`, { path, holder });
    }
  }
}
