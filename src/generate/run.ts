/**
 * `tidepool generate`: the I/O shell around the pure cores. Reads the coreset's rows, plans units,
 * restores the checkpoint and journal, runs the scheduler against the LLM through the response cache,
 * rate limits and budget, and writes instructions.jsonl, rejected.jsonl, pools/, manifest.json.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { TidepoolError, writeFailure } from '../errors.js';
import { describeFile, newManifest } from '../store/manifest.js';
import { withOutputFolder, type OutputFolder } from '../store/output-folder.js';
import { Progress, formatCount } from '../util/progress.js';
import { redactUrl } from '../util/redact-url.js';
import { createAsk } from './ask.js';
import { Budget, checkBudgetPriced, type BudgetLimits } from './budget.js';
import { ResponseCache } from './cache.js';
import { funnelTotal, type Funnel } from '../store/funnel.js';
import { addToFunnel, formatFunnel, shortRule } from './funnel.js';
import { readGenerateInput } from './input.js';
import { closeAll, openTruncated, scanLines, type AppendLog } from './jsonl-log.js';
import { LlmClient, TransientLlmError } from './llm.js';
import { resolveGenerateOptions, type GenerateOptions, type ResolvedGenerateOptions } from './options.js';
import { CasePools, formatExamples } from './pools.js';
import { savePools } from './pools-file.js';
import { loadPrices, costOf, type PriceTable } from './prices.js';
import { loadPrompts, type PromptSet } from './prompts.js';
import { RateLimiter } from './limits.js';
import { unitRecord, type RunIdentity } from './records.js';
import { discriminatorPromptName, ruleTexts } from './requests.js';
import { FoldingScheduler } from './scheduler.js';
import { initialState, readState, writeState, type GenerateState, type JournalEntry } from './state.js';
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
  outputFormat: string;
  out: string;
}

/** Rounds of retrying failed units per run. */
const RETRY_ROUNDS = 3;

/** Files of an output folder. */
export const GENERATE_FILES = { instructions: 'instructions.jsonl', rejected: 'rejected.jsonl', pools: 'pools', work: '.generate' } as const;

/** Runs (or resumes) a generation job, holding its output folder for the whole run. */
export async function runGenerate(options: GenerateOptions): Promise<GenerateSummary> {
  return withOutputFolder(options.out, 'generate', (folder) => generateInto(folder, options));
}

async function generateInto(folder: OutputFolder, options: GenerateOptions): Promise<GenerateSummary> {
  const startedAt = performance.now();
  const cpuAtStart = process.cpuUsage();
  const resolved = resolveGenerateOptions(options);
  const prompts = loadPrompts(resolved.prompts);
  const prices = loadPrices(resolved.prices);
  checkBudgetPriced(budgetLimits(resolved), prices, [resolved.model, ...(resolved.discriminatorModel === null ? [] : [resolved.discriminatorModel])]);
  const input = await readGenerateInput(resolved.data, resolved.coreset, resolved.limit);
  const units = planUnits(input.rows, { mode: resolved.mode, tasks: resolved.tasks, seed: resolved.seed, translateTo: resolved.translateTo });
  const rows = new Map<number, SourceRow>(input.rows.map((row) => [row.rowId, row]));

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
  if (options.poolEpoch === undefined && state?.poolEpoch !== undefined && state.poolEpoch !== resolved.poolEpoch &&
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
    summary = await execute({ folder, resolved, prompts, prices, units, rows, state, cache, outputs, journal, journalEntries, paths, startedAt, cpuAtStart, input });
  } catch (error) {
    // The run's own error is the one to report; closing still writes what the other logs hold.
    try {
      closeAll(logs);
    } catch {
      // A second failure (the same full disk) adds nothing to the first.
    }
    throw error;
  }
  closeAll(logs);
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
  input: Awaited<ReturnType<typeof readGenerateInput>>;
}

async function execute(job: Job): Promise<GenerateSummary> {
  const { resolved, prompts, prices, units, rows, state, cache, outputs, journal } = job;
  const identity: RunIdentity = {
    mode: resolved.mode, generatorModel: resolved.model, discriminatorModel: resolved.discriminatorModel,
    promptVersions: Object.fromEntries(Object.values(prompts).map((prompt) => [prompt.name, prompt.version])),
  };
  const client = new LlmClient({ baseURL: resolved.baseURL, apiKey: resolved.apiKey, maxRetries: resolved.maxRetries, timeoutMs: resolved.timeoutMs, maxAnswerBytes: resolved.maxAnswerBytes });
  const limiter = new RateLimiter({ ...(resolved.rpm === undefined ? {} : { rpm: resolved.rpm }), ...(resolved.tpm === undefined ? {} : { tpm: resolved.tpm }) });
  const budget = new Budget(budgetLimits(resolved), spentSoFar(cache, prices));
  const asker = createAsk({ cache, client, limiter, budget, prices, unreachableSeconds: resolved.unreachableSeconds, out: resolved.out });
  const { ask } = asker;
  const funnel: Funnel = state.funnel;
  if (resolved.discriminatorModel !== null) funnel.rules = ruleNames(prompts, units);
  const failed = new Set(state.failed);
  /** Unit index -> the message of its last failed attempt (from this run or the journal). */
  const lastError = new Map<number, string>();
  let counts = { accepted: state.accepted, rejected: state.rejected };
  /**
   * What ends the run: `fatal`, the error that stops it (set from callbacks, so read as a field);
   * `outputsBroken`, a write of the outputs failed and no checkpoint may be taken after it (it could
   * cover a missing record).
   */
  const ending: { fatal: Error | undefined; outputsBroken: boolean } = { fatal: undefined, outputsBroken: false };
  const fatalNow = (): Error | undefined => ending.fatal;
  const fail = (error: unknown): void => {
    ending.fatal ??= error instanceof Error ? error : new Error(String(error));
  };

  const write = (entry: Extract<JournalEntry, { status: 'done' }>, unit: WorkUnit): void => {
    const made = unitRecord(unit, entry.outcome, identity, entry.poolSnapshot);
    try {
      (made.accepted ? outputs.instructions : outputs.rejected).append(made.record);
    } catch (error) {
      ending.outputsBroken = true;
      throw error;
    }
    counts = made.accepted ? { ...counts, accepted: counts.accepted + 1 } : { ...counts, rejected: counts.rejected + 1 };
    addToFunnel(funnel, unit.task, unit.language, entry.outcome);
  };

  const pools = CasePools.fromJSON(state.pools);
  const snapshots = new Map(Object.entries(state.snapshots).map(([boundary, pool]) => [Number(boundary), CasePools.fromJSON(pool)] as const));
  const scheduler = new FoldingScheduler(units, resolved.poolEpoch, state.folded, pools, snapshots, {
    execute: (unit, snapshot) => runOne(unit, snapshot),
    finished: (entry) => {
      journal.append(entry);
      progressTick();
    },
    folded: (entry, unit) => {
      if (entry.status === 'done') write(entry, unit);
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
  const retried = new Map<number, Extract<JournalEntry, { status: 'done' }>>();
  for (const entry of job.journalEntries) {
    if (units[entry.index]?.key !== entry.key) continue;
    if (entry.status === 'error') lastError.set(entry.index, entry.error);
    if (entry.index >= state.folded) scheduler.restore(entry);
    else if (failed.has(entry.index) && entry.status === 'done') retried.set(entry.index, entry);
  }
  for (const [index, entry] of retried) {
    write(entry, units[index]!);
    failed.delete(index);
  }
  const resumedFrom = state.folded + scheduler.pending.size;
  if (resumedFrom > 0) resolved.log(`generate: resuming ${resolved.out}: ${formatCount(state.folded)} units in the outputs, ${formatCount(scheduler.pending.size)} more finished, ${formatCount(cache.size)} cached answers`);

  const progress = new Progress({ label: 'generate', unit: 'units', total: units.length, ...(resolved.progress === undefined ? { quiet: true } : { sink: resolved.progress }) });
  function progressTick(): void {
    const done = scheduler.folded + scheduler.pending.size;
    const total = counts.accepted + counts.rejected;
    const rate = total === 0 ? '' : `accepted ${((100 * counts.accepted) / total).toFixed(0)}%`;
    const usd = budget.spent.usd === null ? '' : ` | $${budget.spent.usd.toFixed(3)}`;
    progress.update(done, done, `${rate} | ${formatCount(asker.paidRequests)} requests (${formatCount(asker.cachedRequests)} cached) | ${formatCount(budget.spent.promptTokens + budget.spent.completionTokens)} tokens${usd}`);
  }

  let lastCheckpoint = performance.now();
  let poolsWrite: Promise<void> = Promise.resolve();
  function checkpoint(): void {
    lastCheckpoint = performance.now();
    // The state names output lengths: everything appended before it must be in the files first.
    for (const log of [cache, journal, outputs.instructions, outputs.rejected]) log.flush();
    const needed = scheduler.neededSnapshots();
    writeState(job.paths.state, {
      ...state, folded: scheduler.folded, bytes: { instructions: outputs.instructions.size, rejected: outputs.rejected.size },
      pools: pools.toJSON(), snapshots: Object.fromEntries([...needed].map(([boundary, pool]) => [String(boundary), pool.toJSON()])),
      funnel, failed: [...failed].sort((a, b) => a - b), accepted: counts.accepted, rejected: counts.rejected,
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
    return budget.exhausted();
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
      });
      return { index: unit.index, key: unit.key, status: 'done', poolSnapshot: snapshot.snapshotId(), outcome };
    } catch (error) {
      if (error instanceof TransientLlmError) return { index: unit.index, key: unit.key, status: 'error', error: error.message };
      fail(error);
      throw error;
    }
  }

  try {
    await runAll();
  } catch (error) {
    fail(error);
  } finally {
    client.close();
  }
  if (ending.fatal !== undefined) {
    // Save what finished (a rerun resumes from it), unless an output write failed: then the checkpoint
    // could name a record that is not in the file. A second failure (the same full disk) is dropped.
    if (!ending.outputsBroken) {
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
    await scheduler.run(resolved.concurrency);
    // Units that failed on the server side are tried again after the plan, with the final pools, in
    // rounds while a round gets some of them through (at most RETRY_ROUNDS per run).
    for (let round = 0; round < RETRY_ROUNDS && stopReason() === undefined && scheduler.folded >= units.length && failed.size > 0; round++) {
      const finalPools = pools.snapshot();
      const before = failed.size;
      resolved.log(`generate: retrying ${failed.size} unit(s) whose requests failed`);
      const queue = [...failed].sort((a, b) => a - b);
      const worker = async (): Promise<void> => {
        for (let index = queue.shift(); index !== undefined && stopReason() === undefined; index = queue.shift()) {
          const entry = await runOne(units[index]!, finalPools);
          journal.append(entry);
          if (entry.status === 'done') {
            write(entry, units[index]!);
            failed.delete(index);
          } else lastError.set(index, entry.error);
          progressTick();
          checkpoint();
        }
      };
      await Promise.all(Array.from({ length: Math.min(resolved.concurrency, queue.length) }, worker));
      if (failed.size === before) break;
    }
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
    mode: resolved.mode, units: units.length, finished: counts.accepted + counts.rejected, accepted: counts.accepted, rejected: counts.rejected,
    failed: failed.size, failedReasons: tally([...failed].map((index) => lastError.get(index) ?? 'no reason recorded')), acceptRate: total.units === 0 ? 0 : counts.accepted / total.units,
    tasks: group(funnel, 0), languages: group(funnel, 1),
    tokens: { prompt: total.promptTokens, completion: total.completionTokens }, usd: total.usd,
    paidRequests: asker.paidRequests, cachedRequests: asker.cachedRequests, seconds, cpuSeconds: cpuSeconds(job.cpuAtStart), requestsPerSecond: asker.paidRequests / seconds,
    complete: scheduler.folded >= units.length && failed.size === 0, stopped, outputFormat: client.format, out: resolved.out,
  };
  await job.folder.commit(newManifest({
    stage: 'generate',
    lineage: job.input.lineage,
    parameters: manifestParameters(resolved, identity),
    inputs: [{ path: job.input.pairs.path, bytes: job.input.pairs.bytes, sha256: job.input.pairs.sha256 ?? '', ...(job.input.pairs.rows === undefined ? {} : { rows: job.input.pairs.rows }) }, job.input.coreset],
    outputs: [await describeFile(job.paths.instructions, counts.accepted), await describeFile(job.paths.rejected, counts.rejected)],
    counts: { ...summary, funnel, spentByThisFolder: budget.spent },
    timings: { seconds },
  }));
  resolved.log(formatFunnel(funnel));
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

/** Each distinct text and how often it occurs, most frequent first. */
function tally(texts: readonly string[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const text of texts) counts.set(text, (counts.get(text) ?? 0) + 1);
  return Object.fromEntries([...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
}

/** `task/rule_N` -> the short name of rule N of each planned task's discriminator prompt. */
function ruleNames(prompts: PromptSet, units: readonly WorkUnit[]): Record<string, string> {
  const names: Record<string, string> = {};
  for (const task of new Set(units.map((unit) => unit.task))) {
    for (const [i, text] of ruleTexts(prompts[discriminatorPromptName(task)].text).entries()) names[`${task}/rule_${i + 1}`] = shortRule(text);
  }
  return names;
}

function group(funnel: Funnel, part: 0 | 1): Record<string, { units: number; accepted: number }> {
  const out: Record<string, { units: number; accepted: number }> = {};
  for (const [key, counts] of Object.entries(funnel.groups)) {
    const name = key.split('/')[part] ?? '';
    const entry = (out[name] ??= { units: 0, accepted: 0 });
    entry.units += counts.units;
    entry.accepted += counts.accepted;
  }
  return out;
}

function cpuSeconds(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
}

function budgetLimits(resolved: ResolvedGenerateOptions): BudgetLimits {
  return { ...(resolved.maxUsd === undefined ? {} : { maxUsd: resolved.maxUsd }), ...(resolved.maxTokens === undefined ? {} : { maxTokens: resolved.maxTokens }) };
}

function spentSoFar(cache: ResponseCache, prices: PriceTable): { promptTokens: number; completionTokens: number; usd: number | null; requests: number } {
  let promptTokens = 0;
  let completionTokens = 0;
  let usd: number | null = 0;
  for (const [model, spend] of Object.entries(cache.spend.byModel)) {
    promptTokens += spend.promptTokens;
    completionTokens += spend.completionTokens;
    const cost = costOf(prices, model, spend);
    usd = cost === undefined || usd === null ? null : usd + cost;
  }
  return { promptTokens, completionTokens, usd, requests: cache.spend.requests };
}

/** Everything that shapes the outputs (not the limits, budget, concurrency or row limit). */
function hashConfig(resolved: ResolvedGenerateOptions, prompts: PromptSet, coresetSha: string, pairs: { bytes: number; sha256: string | undefined }): string {
  const shape = {
    mode: resolved.mode, tasks: resolved.tasks, seed: resolved.seed, translateTo: resolved.translateTo,
    model: resolved.model, temperature: resolved.temperature, discriminatorModel: resolved.discriminatorModel,
    discriminatorTemperature: resolved.discriminatorTemperature, replyTokens: resolved.replyTokens,
    poolCapacity: resolved.poolCapacity, poolEpoch: resolved.poolEpoch, goodExamples: resolved.goodExamples, badExamples: resolved.badExamples,
    prompts: Object.values(prompts).map((prompt) => [prompt.name, prompt.version]),
    coreset: coresetSha, pairs: pairs.sha256 ?? `bytes=${pairs.bytes}`,
  };
  return createHash('sha256').update(JSON.stringify(shape)).digest('hex');
}

function manifestParameters(resolved: ResolvedGenerateOptions, identity: RunIdentity): Record<string, unknown> {
  return {
    mode: resolved.mode, tasks: resolved.tasks, model: resolved.model, discriminatorModel: resolved.discriminatorModel,
    baseURL: redactUrl(resolved.baseURL), concurrency: resolved.concurrency, rpm: resolved.rpm ?? null, tpm: resolved.tpm ?? null,
    maxUsd: resolved.maxUsd ?? null, maxTokens: resolved.maxTokens ?? null, limit: resolved.limit ?? null, seed: resolved.seed,
    translateTo: resolved.translateTo, temperature: resolved.temperature, discriminatorTemperature: resolved.discriminatorTemperature,
    replyTokens: resolved.replyTokens, poolCapacity: resolved.poolCapacity, poolEpoch: resolved.poolEpoch,
    goodExamples: resolved.goodExamples, badExamples: resolved.badExamples, prompts: resolved.prompts ?? null,
    promptVersions: identity.promptVersions, prices: resolved.prices ?? null, maxAnswerBytes: resolved.maxAnswerBytes,
  };
}

