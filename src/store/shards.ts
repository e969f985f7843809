/**
 * Shard arithmetic: the contract between the processes of one sharded run (`--shard I/N`). Shard I of
 * N owns a contiguous range of a stage's units (embed's windows), so its part files are whole units and
 * the merge is a concatenation of the units in order. Ranges are balanced (sizes differ by at most one)
 * and depend only on I, N and the number of units, so every process computes the same split. With more
 * shards than units some shards are empty: they own nothing and only write their completion marker.
 * Pure: no file access.
 */
import { TidepoolError } from '../errors.js';
import type { OptionProblems } from '../util/options.js';

/** One shard of a sharded run: `index` in 0..count-1. */
export interface Shard {
  index: number;
  count: number;
}

/** A half-open range of units, `start <= unit < end`. */
export interface UnitRange {
  start: number;
  end: number;
}

/** `I/N`, as `--shard` takes it. */
export function formatShard(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}

/**
 * Parses `I/N` (0-based: `0/4` .. `3/4`).
 * @param flag how the message names the option. @default '--shard'
 * @throws TidepoolError `E_USAGE` naming what is wrong and the expected form.
 */
export function parseShard(text: string, flag = '--shard'): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (match === null) {
    throw new TidepoolError('E_USAGE', `${flag} must be I/N (shard I of N, 0-based: 0/4, 1/4, 2/4, 3/4), got ${JSON.stringify(text)}`, { value: text });
  }
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (!Number.isSafeInteger(count) || count < 1) {
    throw new TidepoolError('E_USAGE', `${flag} ${text}: the number of shards N must be at least 1`, { value: text });
  }
  if (!Number.isSafeInteger(index) || index >= count) {
    throw new TidepoolError('E_USAGE', `${flag} ${text}: shards are numbered from 0, so I must be 0..${count - 1}`, { value: text });
  }
  return { index, count };
}

/**
 * The units shard `shard.index` of `shard.count` owns out of `units` (in order): unit u belongs to the
 * shard i with floor(i*units/N) <= u < floor((i+1)*units/N).
 */
export function shardRange(shard: Shard, units: number): UnitRange {
  // Products stay exact below 2^53: units and shard counts are far smaller than 2^26 each.
  return { start: Math.floor((shard.index * units) / shard.count), end: Math.floor(((shard.index + 1) * units) / shard.count) };
}

/** Number of windows of `windowRows` rows over `rows` rows (the last may be shorter). */
export function windowCount(rows: number, windowRows: number): number {
  return Math.ceil(rows / windowRows);
}

/**
 * Resolves a stage's `shard` option (`I/N`) into `problems` (its table must have a `shard` entry);
 * undefined when it is not set or not valid (the problem is recorded).
 */
export function resolveShardOption(value: string | undefined, problems: OptionProblems): Shard | undefined {
  if (problems.value('shard', value) === undefined || typeof value !== 'string') return undefined;
  try {
    return parseShard(value, problems.name('shard'));
  } catch (error) {
    problems.add((error as Error).message);
    return undefined;
  }
}
