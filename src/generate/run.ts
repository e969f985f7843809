/**
 * `tidepool generate`: the I/O shell around the pure cores. Reads the coreset's rows, plans units,
 * restores the checkpoint and journal, runs the scheduler against the LLM through the response cache,
 * rate limits and budget, and writes instructions.jsonl, rejected.jsonl, pools/, manifest.json.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { TidepoolError, writeFailure } from '../errors.js';
import { describeFile, newManifest, type ManifestFile } from '../store/manifest.js';
import { withOutputFolder, type OutputFolder } from '../store/output-folder.js';
import { Progress, formatCount } from '../util/progress.js';
import { createAsk } from './ask.js';
import { BatchStop, type BatchSummary } from './batch/asker.js';
import { createRunBatchAsk } from './batch/run-ask.js';
import { Budget, checkBudgetPriced } from './budget.js';
import { ResponseCache } from './cache.js';
import { funnelTotal, type Funnel } from '../store/funnel.js';
import { formatFunnel } from './funnel.js';
import { readGenerateInput, type GenerateInput } from './input.js';
import { budgetLimits, hashConfig, manifestParameters, spentSoFar } from './job-config.js';
import { replayJournal } from './journal-replay.js';
import { closeAll, openTruncated, scanLines, type AppendLog } from './jsonl-log.js';
import { createRunLlm } from './endpoints/create.js';
import { formatEndpointReports, type EndpointReport } from './endpoints/report.js';
import { TransientLlmError } from './llm.js';
import { resolveGenerateOptions, type GenerateOptions, type ResolvedGenerateOptions } from './options.js';
import { formatExamples } from './pool-examples.js';
import { CasePools } from './pools.js';
import { savePools } from './pools-file.js';
import { batchPrices, loadPrices, type PriceTable } from './prices.js';
import { loadPrompts, type PromptSet } from './prompts.js';
import { RateLimiter } from './limits.js';
import { RecordWriter } from './record-writer.js';
import type { RunIdentity } from './records.js';
import { retryFailedUnits } from './retry-rounds.js';
import { FoldingScheduler } from './scheduler.js';
import { initialState, readState, writeState, type GenerateState, type JournalEntry } from './state.js';
import { cpuSeconds, group, ruleNames, tally } from './summary.js';
import { ExecutionLog, journaledRunner, type ExecutionCounts } from './exec-log.js';
import type { SampleRunner } from './execution.js';
import { chooseRunner, type SandboxAccess } from './sandbox-choice.js';
import { executionTotal } from '../store/funnel.js';
import { processUnit } from './unit.js';
import { planUnits, type SourceRow, type WorkUnit } from './units.js';

/** The `--json` summary. */
export interface GenerateSummary {
  mode: string;
  units: number;
  finished: number;
  accepted: number;
  rejected: number;
  /** Units whose last attempt failed (server errors, broken or oversized answers); a rerun retries them. */
  failed: number;
  /** Why those units failed: each distinct last error and how many units gave it, most frequent first. */
  failedReasons: Record<string, number>;
  acceptRate: number;
  tasks: Record<string, { units: number; accepted: number }>;
  languages: Record<string, { units: number; accepted: number }>;
  tokens: { prompt: number; completion: number };
  /** List-price USD of all units' requests; null when a model has no price. */
  usd: number | null;
  /** This run's requests to the server (cached answers excluded). */
  paidRequests: number;
  cachedRequests: number;
  seconds: number;
  /** CPU seconds this process used (user + system), for the cost of the tool itself. */
  cpuSeconds: number;
  requestsPerSecond: number;
  /** Every unit is in the outputs and none failed. */
  complete: boolean;
  /** Why the run stopped early, or null. */
  stopped: string | null;
  /** `--batch` runs: the folder's batches and the time spent waiting for them. */
  batches?: BatchSummary;
  /** Execution checks: the sandbox (`bubblewrap`, `none` under --unsafe-no-sandbox; null: off), samples per verdict, runs this process made and runs taken from the journal. */
  execution: { sandbox: string | null; verdicts: Record<string, number>; ran: number; journaled: number };
  outputFormat: string;
  /** Each endpoint's requests, errors, latency (p50, p95) and times taken out. */
  endpoints: EndpointReport[];
  out: string;
}

/** Files of an output folder. */
export const GENERATE_FILES = { instructions: 'instructions.jsonl', rejected: 'rejected.jsonl', pools: 'pools', work: '.generate' } as const;

/** Runs (or resumes) a generation job, holding its output folder for the whole run; `--shard`/`--merge` runs go to sharded.ts. */
export async function runGenerate(options: GenerateOptions): Promise<GenerateSummary> {
  const resolved = resolveGenerateOptions(options);
  const epochGiven = options.poolEpoch !== undefined;
  if (resolved.shard !== undefined || resolved.merge) {
    const { runGenerateSharded } = await import('./sharded.js');
    return runGenerateSharded(resolved, epochGiven);
  }
  return withOutputFolder(resolved.out, 'generate', async (folder) => generateInto(folder, await prepareGenerate(resolved), epochGiven));
}

/** A job ready to run: its options, prompts, prices, input rows and the units of its plan. */
export interface PreparedGenerate {
  resolved: ResolvedGenerateOptions;
  prompts: PromptSet;
  prices: PriceTable;
  input: GenerateInput;
  /** The units this run works on (a shard's range, renumbered from 0). */
  units: WorkUnit[];
  rows: Map<number, SourceRow>;
  /** The sandbox that runs the samples' tests; null: execution checks off. */
  runner: SampleRunner | null;
  startedAt: number;
  cpuAtStart: NodeJS.CpuUsage;
}

/**
 * Loads what a job needs before any output is touched (prompts, prices, budget check, input, the
 * sandbox: `resolved.execute` is settled here) and plans its units.
 * @param sandbox the sandbox module. @default src/exec
 */
export async function prepareGenerate(resolved: ResolvedGenerateOptions, sandbox?: SandboxAccess): Promise<PreparedGenerate> {
  const startedAt = performance.now();
  const cpuAtStart = process.cpuUsage();
  const prompts = loadPrompts(resolved.prompts);
  const prices = loadPrices(resolved.prices);
  checkBudgetPriced(budgetLimits(resolved), prices, [resolved.model, ...(resolved.discriminatorModel === null ? [] : [resolved.discriminatorModel])]);
  const input = await readGenerateInput(resolved.data, resolved.coreset, resolved.limit);
  const units = planUnits(input.rows, { mode: resolved.mode, tasks: resolved.tasks, seed: resolved.seed, translateTo: resolved.translateTo });
  const rows = new Map<number, SourceRow>(input.rows.map((row) => [row.rowId, row]));
  const runner = await chooseRunner(resolved, sandbox ?? (await import('./sandbox-access.js')).SANDBOX, resolved.log);
  resolved.execute = runner !== null;
  return { resolved, prompts, prices, input, units, rows, runner, startedAt, cpuAtStart };
}

/** Models and prompt versions of a run, as its records' provenance names them. */
export function runIdentity(resolved: ResolvedGenerateOptions, prompts: PromptSet): RunIdentity {
  return {
    mode: resolved.mode, generatorModel: resolved.model, discriminatorModel: resolved.discriminatorModel,
    promptVersions: Object.fromEntries(Object.values(prompts).map((prompt) => [prompt.name, prompt.version])),
  };
}

/** The manifest's `inputs` of a run: the pairs and the coreset. */
export function manifestInputs(input: GenerateInput): ManifestFile[] {
  return [{ path: input.pairs.path, bytes: input.pairs.bytes, sha256: input.pairs.sha256 ?? '', ...(input.pairs.rows === undefined ? {} : { rows: input.pairs.rows }) }, input.coreset];
}

/**
 * Runs (or resumes) `prepared`'s units into `folder` (its `resolved.out`).
 * @param epochGiven the user set --pool-epoch (else a resumed job keeps the epoch it started with)
 */
export async function generateInto(folder: OutputFolder, prepared: PreparedGenerate, epochGiven: boolean): Promise<GenerateSummary> {
  const { resolved, prompts, prices, input, units, rows, startedAt, cpuAtStart } = prepared;

  const work = join(resolved.out, GENERATE_FILES.work);
  try {
    mkdirSync(work, { recursive: true });
  } catch (error) {
    throw writeFailure(error, work);
  }
  const paths = {
    state: join(work, 'state.json'), journal: join(work, 'journal.jsonl'), cache: join(work, 'responses.jsonl'),
    instructions: join(resolved.out, GENERATE_FILES.instructions), rejected: join(resolved.out, GENERATE_FILES.rejected),
  };
  let state = readState(paths.state);
  // The default epoch follows --concurrency; a rerun of the same job with another concurrency keeps
  // the job's epoch, so it resumes instead of starting over.
  if (!epochGiven && state?.poolEpoch !== undefined && state.poolEpoch !== resolved.poolEpoch &&
    hashConfig({ ...resolved, poolEpoch: state.poolEpoch }, prompts, input.coreset.sha256, input.pairs) === state.configHash) {
    resolved.poolEpoch = state.poolEpoch;
  }
  const configHash = hashConfig(resolved, prompts, input.coreset.sha256, input.pairs);
  if (state !== undefined && state.configHash !== configHash) {
    resolved.log(`generate: parameters, prompts or inputs changed since the last run in ${resolved.out}; starting the outputs over (answers already paid for are reused from the response cache)`);
    rmSync(paths.journal, { force: true });
    state = undefined;
  }
  if (state === undefined) {
    // Written before any work, so a journal never outlives the state that names its epoch.
    state = initialState(configHash, resolved.poolEpoch, new CasePools({ capacity: resolved.poolCapacity }).toJSON());
    writeState(paths.state, state);
  }

  const logs: { close(): void }[] = [];
  let summary: GenerateSummary;
  try {
    const cache = ResponseCache.open(paths.cache);
    logs.push(cache);
    // From here the outputs change: the folder's manifest describes them again only once this run writes it.
    await folder.uncommit();
    const outputs = { instructions: openTruncated(paths.instructions, state.bytes.instructions), rejected: openTruncated(paths.rejected, state.bytes.rejected) };
    logs.push(outputs.instructions, outputs.rejected);
    const journalEntries: JournalEntry[] = [];
    const journalSize = scanLines(paths.journal, (text) => journalEntries.push(JSON.parse(text) as JournalEntry));
    const journal = openTruncated(paths.journal, journalSize);
    logs.push(journal);
    const executions = prepared.runner === null ? null : ExecutionLog.open(join(work, 'executions.jsonl'));
    if (executions !== null) logs.push(executions);
    summary = await execute({ folder, resolved, prompts, prices, units, rows, state, cache, outputs, journal, journalEntries, paths, startedAt, cpuAtStart, input, runner: prepared.runner, executions });
  } catch (error) {
    // The run's own error is the one to report; closing still writes what the other logs hold.
    try {
      closeAll(logs);
    } catch {
      // A second failure (the same full disk) adds nothing to the first.
    }
    await prepared.runner?.close?.();
    throw error;
  }
  closeAll(logs);
  await prepared.runner?.close?.();
  return summary;
}

interface Job {
  folder: OutputFolder;
  resolved: ResolvedGenerateOptions;
  prompts: PromptSet;
  prices: PriceTable;
  units: WorkUnit[];
  rows: Map<number, SourceRow>;
  state: GenerateState;
  cache: ResponseCache;
  outputs: { instructions: AppendLog; rejected: AppendLog };
  journal: AppendLog;
  journalEntries: JournalEntry[];
  paths: Record<'state' | 'journal' | 'cache' | 'instructions' | 'rejected', string>;
  startedAt: number;
  cpuAtStart: NodeJS.CpuUsage;
  input: GenerateInput;
  runner: SampleRunner | null;
  executions: ExecutionLog | null;
}

async function execute(job: Job): Promise<GenerateSummary> {
  const { resolved, prompts, units, rows, state, cache, outputs, journal } = job;
  // A --batch run is priced at the table's batch column.
  const prices = resolved.batch ? batchPrices(job.prices) : job.prices;
  const identity = runIdentity(resolved, prompts);
  const client = createRunLlm({
    endpoints: resolved.endpoints, concurrency: resolved.concurrency, log: resolved.log,
    client: { maxRetries: resolved.maxRetries, timeoutMs: resolved.timeoutMs, maxAnswerBytes: resolved.maxAnswerBytes },
  });
  const limiter = new RateLimiter({ ...(resolved.rpm === undefined ? {} : { rpm: resolved.rpm }), ...(resolved.tpm === undefined ? {} : { tpm: resolved.tpm }) });
  const budget = new Budget(budgetLimits(resolved), spentSoFar(cache, prices));
  const batch = resolved.batch ? createRunBatchAsk(resolved, { cache, budget, prices, work: join(resolved.out, GENERATE_FILES.work), format: client.format }) : undefined;
  const asker = batch ?? createAsk({ cache, client, limiter, budget, prices, unreachableSeconds: resolved.unreachableSeconds, out: resolved.out });
  const { ask } = asker;
  /** Units in flight: --concurrency on each endpoint; a batch run starts a whole pool epoch, whose requests then go out as batches. */
  const inFlight = batch === undefined ? resolved.concurrency * resolved.endpoints.length : resolved.poolEpoch;
  const funnel: Funnel = state.funnel;
  if (resolved.discriminatorModel !== null) funnel.rules = ruleNames(prompts, units);
  const failed = new Set(state.failed);
  /** Unit index -> the message of its last failed attempt (from this run or the journal). */
  const lastError = new Map<number, string>();
  const writer = new RecordWriter(outputs, identity, funnel, state);
  /** What ends the run: `fatal`, the error that stops it (set from callbacks, so read as a field). */
  const ending: { fatal: Error | undefined } = { fatal: undefined };
  const fatalNow = (): Error | undefined => ending.fatal;
  const fail = (error: unknown): void => {
    ending.fatal ??= error instanceof Error ? error : new Error(String(error));
  };

  // Stops sandbox runs still going when the run ends on an error (an interrupt lets them finish with their units).
  const executionStop = new AbortController();
  const executionCounts: ExecutionCounts = { ran: 0, journaled: 0 };
  const executeSample = job.runner === null || job.executions === null ? null : journaledRunner(job.runner, job.executions, resolved.execConcurrency, executionStop.signal, executionCounts);

  const pools = CasePools.fromJSON(state.pools);
  const snapshots = new Map(Object.entries(state.snapshots).map(([boundary, pool]) => [Number(boundary), CasePools.fromJSON(pool)] as const));
  const scheduler = new FoldingScheduler(units, resolved.poolEpoch, state.folded, pools, snapshots, {
    execute: (unit, snapshot) => runOne(unit, snapshot),
    finished: (entry) => {
      journal.append(entry);
      progressTick();
    },
    folded: (entry, unit) => {
      if (entry.status === 'done') writer.write(entry, unit);
      else {
        failed.add(entry.index);
        lastError.set(entry.index, entry.error);
      }
      // After the write: the scheduler already counts this unit as folded, so a checkpoint now covers
      // both its record and the unit (see FoldingScheduler's `folded` hook).
      maybeCheckpoint();
    },
    stopReason: () => stopReason(),
  });

  // Replay the journal: units folded before the crash are in the outputs already; failed units that a
  // retry finished go out now; everything else waits in the scheduler to be folded in order.
  const retried = replayJournal(job.journalEntries, { units, folded: state.folded, failed }, {
    restore: (entry) => {
      scheduler.restore(entry);
    },
    lastError,
  });
  for (const [index, entry] of retried) {
    writer.write(entry, units[index]!);
    failed.delete(index);
  }
  const resumedFrom = state.folded + scheduler.pending.size;
  if (resumedFrom > 0) resolved.log(`generate: resuming ${resolved.out}: ${formatCount(state.folded)} units in the outputs, ${formatCount(scheduler.pending.size)} more finished, ${formatCount(cache.size)} cached answers`);

  const progress = new Progress({ label: 'generate', unit: 'units', total: units.length, ...(resolved.progress === undefined ? { quiet: true } : { sink: resolved.progress }) });
  function progressTick(): void {
    const done = scheduler.folded + scheduler.pending.size;
    const total = writer.accepted + writer.rejected;
    const rate = total === 0 ? '' : `accepted ${((100 * writer.accepted) / total).toFixed(0)}%`;
    const usd = budget.spent.usd === null ? '' : ` | $${budget.spent.usd.toFixed(3)}`;
    progress.update(done, done, `${rate} | ${formatCount(asker.paidRequests)} requests (${formatCount(asker.cachedRequests)} cached) | ${formatCount(budget.spent.promptTokens + budget.spent.completionTokens)} tokens${usd}`);
  }

  let lastCheckpoint = performance.now();
  let poolsWrite: Promise<void> = Promise.resolve();
  function checkpoint(): void {
    lastCheckpoint = performance.now();
    // The state names output lengths: everything appended before it must be in the files first.
    for (const log of [cache, journal, outputs.instructions, outputs.rejected, ...(job.executions === null ? [] : [job.executions])]) log.flush();
    const needed = scheduler.neededSnapshots();
    writeState(job.paths.state, {
      ...state, folded: scheduler.folded, bytes: { instructions: outputs.instructions.size, rejected: outputs.rejected.size },
      pools: pools.toJSON(), snapshots: Object.fromEntries([...needed].map(([boundary, pool]) => [String(boundary), pool.toJSON()])),
      funnel, failed: [...failed].sort((a, b) => a - b), accepted: writer.accepted, rejected: writer.rejected,
    });
    const snapshot = pools.snapshot();
    // A failed pools write stops the run (like any fatal error) and is reported once the units in flight settle.
    poolsWrite = poolsWrite.then(() => savePools(join(resolved.out, GENERATE_FILES.pools), snapshot)).catch((error: unknown) => {
      fail(error);
    });
  }
  function maybeCheckpoint(): void {
    if (performance.now() - lastCheckpoint >= resolved.checkpointSeconds * 1000) checkpoint();
  }

  function stopReason(): string | undefined {
    if (ending.fatal !== undefined) return ending.fatal.message;
    if (resolved.signal?.aborted === true) return 'interrupted';
    return budget.exhausted() ?? batch?.stopReason();
  }

  async function runOne(unit: WorkUnit, snapshot: CasePools): Promise<JournalEntry> {
    const row = rows.get(unit.rowId)!;
    const examples = (good: number, bad: number): string =>
      formatExamples(snapshot.examples(unit.task, 'good', good, unit.key, unit.language), snapshot.examples(unit.task, 'bad', bad, unit.key, unit.language));
    try {
      const outcome = await processUnit(unit, row.code, {
        prompts, ask, prechecks: {},
        generator: { model: resolved.model, temperature: resolved.temperature, maxTokens: resolved.replyTokens },
        discriminator: resolved.discriminatorModel === null ? null : { model: resolved.discriminatorModel, temperature: resolved.discriminatorTemperature, maxTokens: resolved.replyTokens },
        generatorExamples: examples(resolved.goodExamples, resolved.badExamples),
        discriminatorExamples: resolved.discriminatorModel === null ? '' : examples(1, 1),
        execute: executeSample, requirePass: resolved.requirePass,
      });
      return { index: unit.index, key: unit.key, status: 'done', poolSnapshot: snapshot.snapshotId(), outcome };
    } catch (error) {
      if (error instanceof TransientLlmError) return { index: unit.index, key: unit.key, status: 'error', error: error.message };
      // A batch run that may send no further batch: the unit is left for the rerun, not failed.
      if (error instanceof BatchStop) throw error;
      fail(error);
      throw error;
    }
  }

  try {
    await runAll();
  } catch (error) {
    if (!(error instanceof BatchStop)) fail(error);
  } finally {
    executionStop.abort();
    client.close();
  }
  if (ending.fatal !== undefined) {
    // Save what finished (a rerun resumes from it), unless an output write failed: then the checkpoint
    // could name a record that is not in the file. A second failure (the same full disk) is dropped.
    if (!writer.broken) {
      try {
        checkpoint();
      } catch {
        // The journal still holds every finished unit: the rerun replays it.
      }
    }
    await poolsWrite;
    throw ending.fatal;
  }
  async function runAll(): Promise<void> {
    await scheduler.run(inFlight);
    // Only a plan that went through to its end retries (a stopped run leaves its failures to the rerun).
    if (scheduler.folded < units.length) return;
    await retryFailedUnits({
      failed, concurrency: inFlight, pools, stopReason, log: resolved.log,
      attempt: async (index, finalPools) => {
        const entry = await runOne(units[index]!, finalPools);
        journal.append(entry);
        if (entry.status === 'done') {
          writer.write(entry, units[index]!);
          failed.delete(index);
        } else lastError.set(index, entry.error);
        progressTick();
        checkpoint();
      },
    });
  }
  checkpoint();
  await poolsWrite;
  // A pools write may have failed while the last one was awaited.
  const late = fatalNow();
  if (late !== undefined) throw late;
  progress.finish();

  const seconds = (performance.now() - job.startedAt) / 1000;
  const stopped = stopReason() ?? null;
  const total = funnelTotal(funnel);
  const summary: GenerateSummary = {
    mode: resolved.mode, units: units.length, finished: writer.accepted + writer.rejected, accepted: writer.accepted, rejected: writer.rejected,
    failed: failed.size, failedReasons: tally([...failed].map((index) => lastError.get(index) ?? 'no reason recorded')), acceptRate: total.units === 0 ? 0 : writer.accepted / total.units,
    tasks: group(funnel, 0), languages: group(funnel, 1),
    tokens: { prompt: total.promptTokens, completion: total.completionTokens }, usd: total.usd,
    paidRequests: asker.paidRequests, cachedRequests: asker.cachedRequests, seconds, cpuSeconds: cpuSeconds(job.cpuAtStart), requestsPerSecond: asker.paidRequests / seconds,
    complete: scheduler.folded >= units.length && failed.size === 0, stopped, outputFormat: client.format, endpoints: client.report(), out: resolved.out,
    ...(batch === undefined ? {} : { batches: batch.summary() }),
    execution: { sandbox: job.runner?.kind ?? null, verdicts: executionTotal(funnel), ...executionCounts },
  };
  await job.folder.commit(newManifest({
    stage: 'generate',
    lineage: job.input.lineage,
    parameters: manifestParameters(resolved, identity),
    inputs: manifestInputs(job.input),
    outputs: [await describeFile(job.paths.instructions, writer.accepted), await describeFile(job.paths.rejected, writer.rejected)],
    counts: { ...summary, funnel, spentByThisFolder: budget.spent },
    timings: { seconds },
  }));
  resolved.log(formatFunnel(funnel));
  if (resolved.endpoints.length > 1) for (const line of formatEndpointReports(summary.endpoints)) resolved.log(line);
  if (stopped === 'interrupted') {
    throw new TidepoolError('E_INTERRUPTED', `generate interrupted with ${formatCount(summary.finished)} of ${formatCount(units.length)} units done; rerun the same command to resume`, { out: resolved.out });
  }
  if (stopped !== null) resolved.log(`generate: stopped early: ${stopped}; rerun with a larger budget to continue where it stopped`);
  if (failed.size > 0) {
    const reasons = Object.entries(summary.failedReasons).slice(0, 3).map(([reason, count]) => `${reason} (x${count})`);
    resolved.log(`generate: ${failed.size} unit(s) failed after retries: ${reasons.join('; ')}; rerun the same command to retry them`);
  }
  return summary;
}
