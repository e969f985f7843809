/**
 * The `ask` of a `generate --batch` run. Units run as in a live run (the same `processUnit`: parse,
 * prechecks, verdicts, pools), but a request the response cache cannot answer waits: once every unit
 * in flight is waiting, the waiting requests go out together as one batch (an epoch's generator
 * requests, then its discriminator requests and retries as the next), and the answers, put in the
 * response cache first, wake their units. Every step that reaches the provider is preceded and
 * followed by a write of `batches.json`, so a rerun after kill -9 polls the batches already submitted
 * instead of submitting their requests again.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleepFor } from 'node:timers/promises';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InternalError } from '../../errors.js';
import { writeFileAtomicallySync } from '../../util/atomic-file.js';
import { formatCount } from '../../util/progress.js';
import type { Budget, BudgetLimits } from '../budget.js';
import type { ResponseCache } from '../cache.js';
import { TransientLlmError, type ChatResult, type OutputFormat } from '../llm.js';
import { costOf, type PriceTable } from '../prices.js';
import { cacheKey, type ChatSpec } from '../requests.js';
import type { Ask } from '../unit.js';
import { inputFile, maxCost, readResults, type BatchRequest } from './lines.js';
import { FINAL_STATUSES, type BatchProvider, type ProviderBatch } from './provider.js';
import { batchLocalId, openBatches, readBatchState, writeBatchState, type BatchJobState, type BatchRecord } from './state.js';

/** Why a waiting unit cannot go on in this run: no further batch may be sent (budget, interrupt). Not a failure of the unit. */
export class BatchStop extends Error {
  override readonly name = 'BatchStop';
}

/** Metadata key under which a batch carries its tag (`<job id>/<local id>`) at the provider. */
export const BATCH_TAG_KEY = 'tidepool_batch';

/** What {@link createBatchAsk} needs. */
export interface BatchAskDependencies {
  cache: ResponseCache;
  provider: Pick<BatchProvider, 'upload' | 'findFile' | 'create' | 'findBatch' | 'retrieve' | 'download'>;
  budget: Budget;
  limits: BudgetLimits;
  /** Batch prices (see `batchPrices`). */
  prices: PriceTable;
  /** The job's work folder (`DIR/.generate`): `batches.json` and the input files under `batches/`. */
  work: string;
  /** Milliseconds between polls of a running batch. */
  pollIntervalMs: number;
  /** A request that comes back unanswered from this many batches fails its unit (retried like any failed unit). */
  maxAttempts: number;
  format: OutputFormat;
  signal?: AbortSignal | undefined;
  log(line: string): void;
}

/** How the batches of a run went. */
export interface BatchSummary {
  /** Batches of this folder: all, those the provider still works on, finished ones. */
  submitted: number;
  inProgress: number;
  done: number;
  /** Requests sent in batches (all runs of the folder), and answered. */
  requests: number;
  answered: number;
  /** Seconds spent waiting for batches, all runs of the folder. */
  waitedSeconds: number;
}

/** The `ask` of a batch run and its counters. */
export interface BatchAsker {
  ask: Ask;
  readonly paidRequests: number;
  readonly cachedRequests: number;
  /** Why no further batch may be sent, or undefined. */
  stopReason(): string | undefined;
  summary(): BatchSummary;
}

interface Waiting {
  spec: ChatSpec;
  waiters: { resolve: (answer: { result: ChatResult; cached: boolean; usd: number | undefined }) => void; reject: (error: Error) => void }[];
}

/** Builds the run's batch `ask` over the folder's `batches.json`. */
export function createBatchAsk(deps: BatchAskDependencies): BatchAsker {
  const statePath = join(deps.work, 'batches.json');
  const inputDir = join(deps.work, 'batches');
  const state: BatchJobState = readBatchState(statePath);
  mkdirSync(inputDir, { recursive: true });
  const save = (): void => {
    writeBatchState(statePath, state);
  };
  /** Requests waiting for an answer, by cache key. */
  const waiting = new Map<string, Waiting>();
  /** Keys of the open batches, to their batch. */
  const keyBatch = new Map<string, BatchRecord>();
  /** Records this process created: no earlier process can have sent them, so nothing need be looked up. */
  const fresh = new Set<BatchRecord>();
  let asks = 0;
  let driving = false;
  let stopped: string | undefined;
  let paidRequests = 0;
  let cachedRequests = 0;

  // A batch whose answers all reached the cache before a kill has nothing left to give.
  for (const record of openBatches(state)) {
    if (record.phase === 'submitted' && record.keys.every((key) => deps.cache.get(key) !== undefined)) finish(record, record.keys.length);
    else for (const key of record.keys) keyBatch.set(key, record);
  }
  save();

  const usdOf = (spec: ChatSpec, result: ChatResult): number | undefined => costOf(deps.prices, spec.model, result);

  const ask: Ask = (spec) => {
    const key = cacheKey(spec);
    const hit = deps.cache.get(key);
    if (hit !== undefined) {
      cachedRequests++;
      return Promise.resolve({ result: hit, cached: true, usd: usdOf(spec, hit) });
    }
    if (stopped !== undefined) return Promise.reject(new BatchStop(stopped));
    return new Promise((resolve, reject) => {
      let entry = waiting.get(key);
      if (entry === undefined) waiting.set(key, (entry = { spec, waiters: [] }));
      entry.waiters.push({ resolve, reject });
      asks++;
      if (!driving) {
        driving = true;
        void drive();
      }
    });
  };

  /** Resolves once a turn of the event loop passed with no new request: every unit in flight waits. */
  async function idle(): Promise<void> {
    let seen;
    do {
      seen = asks;
      await new Promise((resolve) => setImmediate(resolve));
    } while (asks !== seen);
  }

  async function drive(): Promise<void> {
    try {
      for (;;) {
        await idle();
        if (waiting.size === 0) {
          driving = false;
          return;
        }
        // Submissions a killed run left half done, where a unit waits for them (one never uploaded is checked against the budget first).
        for (const record of openBatches(state)) {
          if (record.phase === 'submitted' || !record.keys.some((key) => waiting.has(key)) || stopped !== undefined) continue;
          const over = record.phase === 'preparing' ? overBudget(record.keys.length, { usd: record.maxUsd, tokens: record.maxTokens }) : undefined;
          if (over === undefined) await submitRecord(record);
          else stop(over);
        }
        const unsent = [...waiting].filter(([key]) => !keyBatch.has(key)).map(([key, entry]): BatchRequest => ({ key, spec: entry.spec }));
        if (unsent.length > 0 && stopped === undefined) {
          const over = overBudget(unsent.length, maxCost(unsent, deps.prices));
          if (over === undefined) await submit(unsent);
          else stop(over);
        }
        // Stopped: only units whose answers the provider is already working on may go on.
        if (stopped !== undefined) release((key) => keyBatch.get(key)?.phase !== 'submitted');
        const awaited = openBatches(state).filter((record) => record.phase === 'submitted' && record.keys.some((key) => waiting.has(key)));
        if (awaited.length === 0) {
          if (waiting.size > 0) throw new InternalError(`generate --batch: ${waiting.size} request(s) wait but no batch holds them`);
          continue;
        }
        await pollUntilOneFinishes(awaited);
      }
    } catch (error) {
      driving = false;
      const failure = error instanceof Error ? error : new Error(String(error));
      if (!(failure instanceof BatchStop)) stopped ??= failure.message;
      release(() => true, failure);
    }
  }

  /** Rejects the waiters of the keys `which` selects with a {@link BatchStop} (or `error`). */
  function release(which: (key: string) => boolean, error?: Error): void {
    for (const [key, entry] of [...waiting]) {
      if (!which(key)) continue;
      waiting.delete(key);
      for (const waiter of entry.waiters) waiter.reject(error ?? new BatchStop(stopped ?? 'stopped'));
    }
  }

  function stop(reason: string): void {
    if (stopped !== undefined) return;
    stopped = reason;
    deps.log(`generate --batch: no further batch is sent: ${reason}`);
  }

  /**
   * Why a batch of `requests` requests costing at most `cost` may not be sent: it could pass a budget,
   * counting the batches the provider may be running at their most (a batch still `preparing` was never created).
   */
  function overBudget(requests: number, cost: { usd: number | null; tokens: number }): string | undefined {
    const spentReason = deps.budget.exhausted();
    if (spentReason !== undefined) return spentReason;
    const running = openBatches(state).filter((record) => record.phase !== 'preparing');
    const spent = deps.budget.spent;
    const { maxUsd, maxTokens } = deps.limits;
    if (maxUsd !== undefined) {
      const reserved = running.reduce<number | null>((sum, record) => (sum === null || record.maxUsd === null ? null : sum + record.maxUsd), 0);
      if (cost.usd === null || reserved === null || spent.usd === null) return `the USD budget (--max-usd ${maxUsd}) cannot be enforced: a model has no known price; add its price with --prices FILE`;
      if (spent.usd + reserved + cost.usd > maxUsd) {
        return `the next batch (${formatCount(requests)} requests) could cost up to $${cost.usd.toFixed(4)} at batch prices; with $${spent.usd.toFixed(4)} spent and up to $${reserved.toFixed(4)} in ${running.length} batch(es) still running, that could pass --max-usd ${maxUsd}. Rerun with a larger --max-usd to continue`;
      }
    }
    if (maxTokens !== undefined) {
      const reserved = running.reduce((sum, record) => sum + record.maxTokens, 0);
      const used = spent.promptTokens + spent.completionTokens;
      if (used + reserved + cost.tokens > maxTokens) {
        return `the next batch (${formatCount(requests)} requests) could use up to ${formatCount(cost.tokens)} tokens; with ${formatCount(used)} spent and up to ${formatCount(reserved)} in batches still running, that could pass --max-tokens ${maxTokens}. Rerun with a larger --max-tokens to continue`;
      }
    }
    return undefined;
  }

  /** Records a new batch of `requests` (input file, then state), then submits it. */
  async function submit(requests: readonly BatchRequest[]): Promise<void> {
    const id = batchLocalId(state.batches.length + 1);
    const cost = maxCost(requests, deps.prices);
    writeFileAtomicallySync(join(inputDir, `${id}.jsonl`), inputFile(requests, deps.format));
    const record: BatchRecord = { id, phase: 'preparing', keys: requests.map((request) => request.key), maxUsd: cost.usd, maxTokens: cost.tokens };
    state.batches.push(record);
    fresh.add(record);
    for (const key of record.keys) keyBatch.set(key, record);
    save();
    await submitRecord(record);
  }

  /** Takes `record` from where it is to `submitted`; a record from an earlier run is first looked for at the provider. */
  async function submitRecord(record: BatchRecord): Promise<void> {
    const tag = `${state.jobId}/${record.id}`;
    const filename = `tidepool-${state.jobId}-${record.id}.jsonl`;
    const resumed = !fresh.has(record);
    if (record.phase === 'preparing') {
      const found = resumed ? await deps.provider.findFile(filename) : undefined;
      record.fileId = found ?? (await deps.provider.upload(filename, readFileSync(join(inputDir, `${record.id}.jsonl`), 'utf8')));
      record.phase = 'uploaded';
      save();
    }
    if (record.phase === 'uploaded') {
      const found = resumed ? await deps.provider.findBatch(BATCH_TAG_KEY, tag) : undefined;
      record.batchId = found ?? (await deps.provider.create(record.fileId!, { [BATCH_TAG_KEY]: tag }));
      record.phase = 'submitted';
      record.submittedAt = Date.now();
      save();
      const cost = record.maxUsd === null ? '' : `, at most $${record.maxUsd.toFixed(4)}`;
      deps.log(`generate --batch: ${found === undefined ? 'submitted' : 'found again'} batch ${record.id} (${record.batchId}): ${formatCount(record.keys.length)} requests${cost}; ${progressLine()}`);
    }
  }

  /** Polls `records` every poll interval until at least one has ended, and takes in what ended. */
  async function pollUntilOneFinishes(records: readonly BatchRecord[]): Promise<void> {
    const started = performance.now();
    try {
      for (;;) {
        let ended = false;
        for (const record of records) {
          const batch = await deps.provider.retrieve(record.batchId!);
          if (batch.status !== record.status) {
            record.status = batch.status;
            save();
            deps.log(`generate --batch: batch ${record.id} (${batch.id}) is ${batch.status}: ${batch.counts.completed}/${batch.counts.total} requests done; ${progressLine()}`);
          }
          if (FINAL_STATUSES.has(batch.status)) {
            await collect(record, batch);
            ended = true;
          }
        }
        if (ended) return;
        if (deps.signal?.aborted === true) throw interrupted();
        try {
          await sleepFor(deps.pollIntervalMs, undefined, deps.signal === undefined ? {} : { signal: deps.signal });
        } catch {
          throw interrupted();
        }
      }
    } finally {
      state.waitedSeconds += (performance.now() - started) / 1000;
    }
  }

  function interrupted(): BatchStop {
    stopped ??= 'interrupted';
    return new BatchStop('interrupted');
  }

  /** Takes in an ended batch: its answers into the cache (waking their units), its unanswered requests back to the queue. */
  async function collect(record: BatchRecord, batch: ProviderBatch): Promise<void> {
    const answered = new Map<string, ChatResult>();
    const errors = new Map<string, string>();
    const modelOf = (key: string): string | undefined => waiting.get(key)?.spec.model;
    for (const fileId of [batch.outputFileId, batch.errorFileId]) {
      if (fileId === null) continue;
      const { answers } = readResults(await deps.provider.download(fileId), modelOf);
      for (const answer of answers) {
        if (answer.ok) answered.set(answer.key, answer.result);
        else errors.set(answer.key, answer.error);
      }
    }
    const keys = new Set(record.keys);
    let count = 0;
    for (const [key, result] of answered) {
      if (!keys.has(key)) continue;
      count++;
      const entry = waiting.get(key);
      const model = entry?.spec.model ?? result.model;
      // An answer already cached was taken in by a run killed before it marked the batch finished.
      if (deps.cache.get(key) === undefined) {
        deps.cache.put(key, model, result);
        paidRequests++;
        deps.budget.record(result, entry === undefined ? costOf(deps.prices, model, result) : usdOf(entry.spec, result));
      }
      if (entry !== undefined) {
        waiting.delete(key);
        for (const waiter of entry.waiters) waiter.resolve({ result, cached: false, usd: usdOf(entry.spec, result) });
      }
    }
    const reason = batch.status === 'completed' ? undefined : `batch ${batch.status}${batch.errors.length > 0 ? `: ${batch.errors.slice(0, 3).join('; ')}` : ''}`;
    const givenUp: string[] = [];
    for (const key of record.keys) {
      if (answered.has(key)) continue;
      const attempts = (state.unanswered[key] ?? 0) + 1;
      if (attempts < deps.maxAttempts) state.unanswered[key] = attempts;
      else {
        // Back to no attempts: a retry of its unit (or a rerun) may send it in batches again.
        state.unanswered[key] = 0;
        givenUp.push(key);
      }
    }
    finish(record, count);
    save();
    const unanswered = record.keys.length - count;
    deps.log(`generate --batch: batch ${record.id} (${batch.id}) ${batch.status}: ${formatCount(count)} answered${unanswered > 0 ? `, ${formatCount(unanswered)} unanswered (${reason ?? 'errors'}; sent again unless they failed ${deps.maxAttempts} times)` : ''}; ${progressLine()}`);
    for (const key of givenUp) {
      const entry = waiting.get(key);
      if (entry === undefined) continue;
      waiting.delete(key);
      const why = errors.get(key) ?? reason ?? 'no answer';
      for (const waiter of entry.waiters) waiter.reject(new TransientLlmError(`no answer in ${deps.maxAttempts} batches (last: ${why})`, 'server'));
    }
  }

  function finish(record: BatchRecord, answered: number): void {
    record.phase = 'finished';
    record.finishedAt = Date.now();
    record.answered = answered;
    record.unanswered = record.keys.length - answered;
    for (const key of record.keys) if (keyBatch.get(key) === record) keyBatch.delete(key);
  }

  function summary(): BatchSummary {
    const open = openBatches(state).length;
    return {
      submitted: state.batches.length, inProgress: open, done: state.batches.length - open,
      requests: state.batches.reduce((sum, record) => sum + record.keys.length, 0),
      answered: state.batches.reduce((sum, record) => sum + (record.answered ?? 0), 0),
      waitedSeconds: Math.round(state.waitedSeconds),
    };
  }

  function progressLine(): string {
    const s = summary();
    return `batches: ${s.submitted} submitted, ${s.inProgress} in progress, ${s.done} done; ${formatCount(s.answered)}/${formatCount(s.requests)} requests answered; waited ${formatWait(s.waitedSeconds)}`;
  }

  return {
    ask,
    get paidRequests() {
      return paidRequests;
    },
    get cachedRequests() {
      return cachedRequests;
    },
    stopReason: () => stopped,
    summary,
  };
}

/** `1h 02m 05s`-style duration. */
function formatWait(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.round(seconds % 60);
  return h > 0 ? `${h}h ${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m ${String(s).padStart(2, '0')}s` : `${s}s`;
}
