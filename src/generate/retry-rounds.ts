/**
 * Retry rounds: units whose requests failed on the server side are tried again once the plan is
 * through, with the final pools, in rounds while a round gets some of them through.
 */
import type { CasePools } from './pools.js';

/** Rounds of retrying failed units per run. */
export const RETRY_ROUNDS = 3;

/** What the rounds work on. */
export interface RetryRounds {
  /** Failed unit indexes; `attempt` removes the ones that get through. */
  failed: ReadonlySet<number>;
  /** Units retried at once. */
  concurrency: number;
  /** The live pools; each round prompts with a snapshot of them. */
  pools: CasePools;
  /** Why the run must stop now (fatal error, interrupt, budget), or undefined. */
  stopReason(): string | undefined;
  log(line: string): void;
  /** Runs unit `index` once more against `pools`, then records the result. */
  attempt(index: number, pools: CasePools): Promise<void>;
}

/** Retries the failed units, at most {@link RETRY_ROUNDS} rounds, stopping after a round that gets none through. */
export async function retryFailedUnits(rounds: RetryRounds): Promise<void> {
  for (let round = 0; round < RETRY_ROUNDS && rounds.stopReason() === undefined && rounds.failed.size > 0; round++) {
    const finalPools = rounds.pools.snapshot();
    const before = rounds.failed.size;
    rounds.log(`generate: retrying ${rounds.failed.size} unit(s) whose requests failed`);
    const queue = [...rounds.failed].sort((a, b) => a - b);
    const worker = async (): Promise<void> => {
      for (let index = queue.shift(); index !== undefined && rounds.stopReason() === undefined; index = queue.shift()) await rounds.attempt(index, finalPools);
    };
    await Promise.all(Array.from({ length: Math.min(rounds.concurrency, queue.length) }, worker));
    if (rounds.failed.size === before) break;
  }
}
