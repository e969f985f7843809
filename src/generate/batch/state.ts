/**
 * The batch part of a generate job's state (`DIR/.generate/batches.json`, written atomically): every
 * batch this folder ever started, with its requests' cache keys and how far its submission got. It
 * is written before each step that reaches the provider (upload, create), and again once the step's
 * answer is known, so a run killed at any moment finds on its rerun every batch the provider may
 * hold and polls it instead of paying for its requests again. It outlives changes of the job's
 * parameters: a batch's answers are responses to requests, cached under the requests' own keys.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { TidepoolError } from '../../errors.js';
import { writeFileAtomicallySync } from '../../util/atomic-file.js';

/**
 * How far a batch got: `preparing` (its input file is written locally; an upload may be under way),
 * `uploaded` (the provider holds its input file; a create may be under way), `submitted` (the provider
 * runs it), `finished` (its answers are in the response cache, its unanswered requests released).
 */
export type BatchPhase = 'preparing' | 'uploaded' | 'submitted' | 'finished';

/** One batch of the job. */
export interface BatchRecord {
  /** Local id, `b0001` ...: names the input file (`.generate/batches/b0001.jsonl`) and tags the provider's objects. */
  id: string;
  phase: BatchPhase;
  /** Cache keys of its requests (each line's `custom_id`). */
  keys: string[];
  /** Most it can cost at batch prices, USD (null: a model has no price), and most tokens. */
  maxUsd: number | null;
  maxTokens: number;
  fileId?: string;
  batchId?: string;
  /** The provider's last status seen (validating, in_progress, ...). */
  status?: string;
  /** Unix ms: submitted, finished. */
  submittedAt?: number;
  finishedAt?: number;
  /** Requests answered, and not answered (errors, expired), once finished. */
  answered?: number;
  unanswered?: number;
}

/** `batches.json`. */
export interface BatchJobState {
  version: 1;
  /** Random id of this output folder's batch work: the provider's objects are found again by it. */
  jobId: string;
  batches: BatchRecord[];
  /** Cache key -> batches it was sent in without an answer (a request is given up after too many). */
  unanswered: Record<string, number>;
  /** Seconds spent waiting for batches, over all runs. */
  waitedSeconds: number;
}

/** A fresh batch state with a new job id. */
export function initialBatchState(): BatchJobState {
  return { version: 1, jobId: randomUUID(), batches: [], unanswered: {}, waitedSeconds: 0 };
}

/** Reads `batches.json`, or a fresh state when there is none. */
export function readBatchState(path: string): BatchJobState {
  if (!existsSync(path)) return initialBatchState();
  try {
    const state = JSON.parse(readFileSync(path, 'utf8')) as BatchJobState;
    if ((state.version as number) !== 1 || typeof state.jobId !== 'string' || !Array.isArray(state.batches)) throw new Error('unknown layout');
    return state;
  } catch (error) {
    throw new TidepoolError('E_FORMAT_INVALID', `${path} is damaged (${(error as Error).message}). It lists the batches this folder submitted: restore it, or cancel the batches still running at the provider and delete it to start the batch work over (answers already downloaded stay in .generate/responses.jsonl)`, { path }, { cause: error });
  }
}

/** Writes `batches.json` atomically. @throws TidepoolError `E_NO_SPACE` / `E_OUTPUT` naming the file. */
export function writeBatchState(path: string, state: BatchJobState): void {
  writeFileAtomicallySync(path, JSON.stringify(state));
}

/** The local id of the `n`-th batch (1-based). */
export function batchLocalId(n: number): string {
  return `b${String(n).padStart(4, '0')}`;
}

/** Batches the provider may still be working on (everything not finished). */
export function openBatches(state: BatchJobState): BatchRecord[] {
  return state.batches.filter((batch) => batch.phase !== 'finished');
}
