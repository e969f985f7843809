/**
 * What a case pool holds: its entries, their dedup id and the pools' plain-data form, shared by the
 * pools themselves (pools.ts), the check of a saved state (pools-state.ts) and the prompt text made
 * from entries (pool-examples.ts).
 */
import { createHash } from 'node:crypto';
import { GENERATE_TASKS, type GenerateTask, type InstructionSample } from './tasks.js';

/** Which pool of a task: accepted (`good`) or rejected (`bad`) samples. */
export type PoolKind = 'good' | 'bad';

/** Pool kinds, in canonical order. */
export const POOL_KINDS: readonly PoolKind[] = ['good', 'bad'];

/** One sample in a pool. Entries held by {@link CasePools} are frozen. */
export interface PoolEntry {
  /** sha256 hex (first 16 chars) of the normalised sample: task + instruction + input + output with whitespace runs collapsed and trimmed. Dedup key. */
  id: string;
  /** Work unit that produced it, e.g. "generation:12345". */
  unit: string;
  rowId: number;
  sample: InstructionSample;
  /** Bad entries: why rejected, e.g. ["rule 3: the output does not handle empty lists"]. Good entries: []. */
  reasons: string[];
}


/** Pools as plain, JSON-serialisable data. `entries` is keyed by `${task}/${kind}`, each array oldest first. */
export interface PoolsState {
  capacity: number;
  version: number;
  entries: Record<string, PoolEntry[]>;
}

/** A pool's name: `${task}/${kind}`. */
export type PoolKey = `${GenerateTask}/${PoolKind}`;
/** Every pool, in canonical order: tasks as in `GENERATE_TASKS`, good before bad. */
export const POOL_KEYS: readonly PoolKey[] = GENERATE_TASKS.flatMap((task) => POOL_KINDS.map((kind): PoolKey => `${task}/${kind}`));

/** sha256 of `text`, as hex. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** `text` with whitespace runs collapsed to one space and trimmed. */
export function normalise(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** The dedup id of a sample: first 16 hex of sha256 over its task, instruction, input and output, whitespace runs collapsed and trimmed. */
export function sampleId(sample: Pick<InstructionSample, 'task' | 'instruction' | 'input' | 'output'>): string {
  const fields = [sample.task, normalise(sample.instruction), normalise(sample.input), normalise(sample.output)];
  return sha256Hex(JSON.stringify(fields)).slice(0, 16);
}
