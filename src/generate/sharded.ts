/**
 * `generate --shard I/N` and `generate --merge`: many processes (on one machine or many sharing the
 * output folder) generate from one coreset together. Every shard plans the same units (the plan
 * depends only on the coreset, the pairs and the options) and owns a contiguous range of them
 * (store/shards.ts). It runs that range as an ordinary generate job in its part folder
 * `OUT/.shards/parts/I/` (its own journal, state, response cache and case pools, so a killed shard
 * resumes exactly as an unsharded run does), then writes its completion marker
 * (store/shard-folder.ts) once every unit of its range is in its outputs. The merge, run by the shard
 * that finds every marker present or by `--merge`, writes instructions.jsonl and rejected.jsonl as the
 * parts' files in shard order (so in unit order), copies each shard's pools to `pools/shard-I/`, and
 * writes a manifest whose counts and funnel are the parts' sums and which says the run had N shards,
 * each with its own case pools. Prompts of one shard see only its own pools: with few-shot examples
 * on, a sharded run's records differ from an unsharded run's; with pools that cannot reach a prompt
 * (a pool epoch at least half the units, or no examples and a capacity the run never fills) they are the same.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { cp, mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { TidepoolError, writeFailure } from '../errors.js';
import { executionTotal, funnelTotal, type Funnel, type FunnelCounts } from '../store/funnel.js';
import { describeFile, newManifest, readManifest } from '../store/manifest.js';
import { OutputFolder, withOutputFolder } from '../store/output-folder.js';
import { assertNotLocked } from '../store/output-lock.js';
import { ShardFolder, type ShardPlan } from '../store/shard-folder.js';
import { formatShard, shardRange, type Shard } from '../store/shards.js';
import { mergeEndpointReports, type EndpointReport } from './endpoints/report.js';
import { hashConfig, manifestParameters } from './job-config.js';
import type { ResolvedGenerateOptions } from './options.js';
import { GENERATE_FILES, generateInto, manifestInputs, prepareGenerate, runIdentity, type GenerateSummary, type PreparedGenerate } from './run.js';
import { group, tally } from './summary.js';

/** The `--json` summary of a shard or a merge: the generate summary (a shard's counts are its own units') plus what happened. */
export interface GenerateShardSummary extends GenerateSummary {
  /** `I/N` of the shard that ran. */
  shard?: string;
  /** The shard's units (0-based positions in the whole plan), `start <= unit < end`. */
  unitRange?: { start: number; end: number };
  /** The shard had finished before (its marker was there): nothing was asked. */
  alreadyDone?: boolean;
  /** This invocation merged the shards (or found them merged already). */
  merged?: boolean;
  alreadyMerged?: boolean;
  /** Shards still without a completion marker. */
  missingShards?: number[];
}

/**
 * Runs one shard (merging when it finishes last) or, with `resolved.merge`, only the merge.
 * @param epochGiven the user set --pool-epoch
 */
export async function runGenerateSharded(resolved: ResolvedGenerateOptions, epochGiven: boolean): Promise<GenerateShardSummary> {
  await mkdir(resolved.out, { recursive: true }).catch((error: unknown) => {
    throw writeFailure(error, resolved.out, false);
  });
  const shards = new ShardFolder(resolved.out);
  const prepared = await prepareGenerate(resolved);
  const key = runKey(prepared);
  if (resolved.shard === undefined) return { ...(await mergeShards(prepared, key, shards)), merged: true };
  return runShard(prepared, resolved.shard, key, shards, epochGiven);
}

/** What every shard must agree on: everything that shapes the records (inputs, prompts, models, pools) and the plan's length. */
function runKey(prepared: PreparedGenerate): Record<string, unknown> {
  const { resolved, prompts, input, units } = prepared;
  return { config: hashConfig(resolved, prompts, input.coreset.sha256, input.pairs), limit: resolved.limit ?? null, units: units.length };
}

function planOf(key: Record<string, unknown>, shards: number): ShardPlan {
  return { stage: 'generate', shards, identity: createHash('sha256').update(JSON.stringify(key)).digest('hex'), key };
}

function partDir(shards: ShardFolder, index: number): string {
  return join(shards.dir, 'parts', String(index));
}

async function runShard(prepared: PreparedGenerate, shard: Shard, key: Record<string, unknown>, shards: ShardFolder, epochGiven: boolean): Promise<GenerateShardSummary> {
  const { resolved } = prepared;
  // An unsharded run or a merge in progress owns the folder: a shard must not write beside it.
  assertNotLocked(resolved.out);
  const claim = await shards.claim(shard, 'generate');
  let summary: GenerateShardSummary;
  try {
    await shards.adopt(planOf(key, shard.count), shard);
    const range = shardRange(shard, prepared.units.length);
    const fields = { shard: formatShard(shard), unitRange: range };
    if (shards.isDone(shard.index)) {
      summary = { ...(await readPart(shards, shard.index)).summary, ...fields, alreadyDone: true };
    } else {
      const dir = partDir(shards, shard.index);
      // The part is an ordinary generate folder of the shard's units, renumbered from 0 so the pool
      // epochs and the fold order work as in any run; records carry unit keys, not positions.
      const units = prepared.units.slice(range.start, range.end).map((unit, index) => ({ ...unit, index }));
      const part: PreparedGenerate = { ...prepared, resolved: { ...resolved, out: dir }, units };
      const result = await withOutputFolder(dir, 'generate', (folder) => generateInto(folder, part, epochGiven));
      summary = { ...result, ...fields, out: resolved.out, alreadyDone: false };
      if (!result.complete) {
        // Failed units or a budget stop: the part is not whole, so no marker; the rerun of this shard resumes it.
        resolved.log(`generate: shard ${formatShard(shard)} is not complete (${result.failed} failed${result.stopped === null ? '' : `, stopped: ${result.stopped}`}); rerun the same command to finish it before the merge`);
        return { ...summary, merged: false, missingShards: shards.missing(shard.count) };
      }
      await shards.markDone(shard.index);
    }
  } finally {
    claim.release();
  }
  const missing = shards.missing(shard.count);
  if (missing.length > 0) return { ...summary, merged: false, missingShards: missing };
  try {
    const merged = await mergeShards(prepared, key, shards);
    return { ...summary, merged: true, alreadyMerged: merged.alreadyMerged ?? false };
  } catch (error) {
    // Two shards that finish together both find every marker; the one that claims the folder merges.
    if (error instanceof TidepoolError && error.code === 'E_OUTPUT_LOCKED') return { ...summary, merged: false, missingShards: [] };
    throw error;
  }
}

/** A finished part: its summary and funnel, from the manifest its generate run committed. */
interface Part {
  summary: GenerateSummary;
  funnel: Funnel;
}

async function readPart(shards: ShardFolder, index: number): Promise<Part> {
  const dir = partDir(shards, index);
  const manifest = await readManifest(dir).catch(() => undefined);
  if (manifest === undefined || !existsSync(join(dir, GENERATE_FILES.instructions))) {
    throw new TidepoolError('E_USAGE', `shard ${index} of ${shards.out} is marked finished but its part in ${dir} is missing (files removed by hand?). Delete ${shards.marker(index)} and rerun that shard.`, { path: dir, shard: index });
  }
  const { funnel, ...summary } = manifest.counts as unknown as GenerateSummary & { funnel: Funnel };
  return { summary, funnel };
}

/**
 * Assembles the parts into the usual outputs + manifest under the folder's exclusive claim; a folder
 * already merged from the same run is left as it is.
 * @throws TidepoolError `E_USAGE` when no sharded run is in the folder, it is another run's, or shards are unfinished.
 */
async function mergeShards(prepared: PreparedGenerate, key: Record<string, unknown>, shards: ShardFolder): Promise<GenerateShardSummary> {
  const { resolved } = prepared;
  const out = shards.out;
  const folder = await OutputFolder.claim(out, 'generate --merge');
  try {
    const plan = await shards.planForMerge('generate', 'tidepool generate --shard I/N');
    const asked = planOf(key, plan.shards);
    shards.check(plan, asked, '--merge');
    shards.assertFinished(plan);
    const parts: Part[] = [];
    for (let index = 0; index < plan.shards; index++) parts.push(await readPart(shards, index));
    const funnel = mergeFunnels(parts.map((part) => part.funnel));
    const summary = mergeSummaries(parts.map((part) => part.summary), funnel, prepared);
    const manifest = await readManifest(out).catch(() => undefined);
    if (manifest?.stage === 'generate' && manifest.parameters.identity === asked.identity && manifest.parameters.shards === plan.shards && existsSync(join(out, GENERATE_FILES.instructions))) {
      return { ...summary, alreadyMerged: true };
    }
    await folder.uncommit();
    for (const name of [GENERATE_FILES.instructions, GENERATE_FILES.rejected]) await concatenate(parts.map((_, index) => join(partDir(shards, index), name)), join(out, name));
    await copyPools(shards, plan.shards);
    const seconds = (performance.now() - prepared.startedAt) / 1000;
    await folder.commit(newManifest({
      stage: 'generate',
      lineage: prepared.input.lineage,
      parameters: {
        ...manifestParameters(resolved, runIdentity(resolved, prepared.prompts)), shards: plan.shards, identity: asked.identity,
        // Each shard folded only its own units into its pools, so its prompts saw those alone.
        pools: `per shard: each of the ${plan.shards} shards kept its own case pools (${GENERATE_FILES.pools}/shard-I/)`,
      },
      inputs: manifestInputs(prepared.input),
      outputs: [await describeFile(join(out, GENERATE_FILES.instructions), summary.accepted), await describeFile(join(out, GENERATE_FILES.rejected), summary.rejected)],
      counts: { ...summary, funnel, shards: parts.map((part) => ({ units: part.summary.units, accepted: part.summary.accepted, rejected: part.summary.rejected })) },
      timings: { seconds },
    }));
    return summary;
  } finally {
    folder.release();
  }
}

/** Writes `target` as the `sources` one after the other (through a `.partial` file renamed into place). */
async function concatenate(sources: readonly string[], target: string): Promise<void> {
  const partial = `${target}.partial`;
  try {
    const sink = createWriteStream(partial);
    for (const [index, source] of sources.entries()) await pipeline(createReadStream(source), sink, { end: index === sources.length - 1 });
    if (sources.length === 0) sink.end();
    await rename(partial, target);
  } catch (error) {
    await rm(partial, { force: true });
    throw writeFailure(error, target);
  }
}

/** `pools/shard-I/` = shard I's pools, for people to read: the shards' pools are separate and not merged into one. */
async function copyPools(shards: ShardFolder, count: number): Promise<void> {
  const pools = join(shards.out, GENERATE_FILES.pools);
  await rm(pools, { recursive: true, force: true });
  for (let index = 0; index < count; index++) {
    const source = join(partDir(shards, index), GENERATE_FILES.pools);
    if (!existsSync(source)) continue;
    await cp(source, join(pools, `shard-${index}`), { recursive: true }).catch((error: unknown) => {
      throw writeFailure(error, join(pools, `shard-${index}`));
    });
  }
}

/** The funnel of the whole run: every group's and reason's counts summed over the shards. */
export function mergeFunnels(funnels: readonly Funnel[]): Funnel {
  const merged: Funnel = { groups: {}, reasons: {} };
  for (const funnel of funnels) {
    for (const [key, counts] of Object.entries(funnel.groups)) {
      const into = merged.groups[key];
      if (into === undefined) {
        merged.groups[key] = { ...counts };
        continue;
      }
      for (const field of ['units', 'generated', 'prefiltered', 'judged', 'accepted', 'promptTokens', 'completionTokens'] as const) into[field] += counts[field];
      into.usd = into.usd === null || counts.usd === null ? null : into.usd + counts.usd;
    }
    for (const [key, count] of Object.entries(funnel.reasons)) merged.reasons[key] = (merged.reasons[key] ?? 0) + count;
    if (funnel.rules !== undefined) merged.rules = { ...merged.rules, ...funnel.rules };
    for (const [key, verdicts] of Object.entries(funnel.execution ?? {})) {
      const into = ((merged.execution ??= {})[key] ??= {});
      for (const [verdict, count] of Object.entries(verdicts)) into[verdict] = (into[verdict] ?? 0) + count;
    }
    for (const [key, count] of Object.entries(funnel.skipped ?? {})) {
      const skipped = (merged.skipped ??= {});
      skipped[key] = (skipped[key] ?? 0) + count;
    }
  }
  return merged;
}

/** The summary of the whole run from the parts' (requests: the sums of what the parts' last runs asked). */
function mergeSummaries(summaries: readonly GenerateSummary[], funnel: Funnel, prepared: PreparedGenerate): GenerateSummary {
  const sum = (pick: (summary: GenerateSummary) => number): number => summaries.reduce((total, summary) => total + pick(summary), 0);
  const total: FunnelCounts = funnelTotal(funnel);
  const accepted = sum((summary) => summary.accepted);
  const seconds = (performance.now() - prepared.startedAt) / 1000;
  const failedReasons = tally(summaries.flatMap((summary) => Object.entries(summary.failedReasons).flatMap(([reason, count]) => Array<string>(count).fill(reason))));
  return {
    mode: prepared.resolved.mode, units: sum((summary) => summary.units), finished: sum((summary) => summary.finished), accepted, rejected: sum((summary) => summary.rejected),
    failed: sum((summary) => summary.failed), failedReasons, acceptRate: total.units === 0 ? 0 : accepted / total.units,
    tasks: group(funnel, 0), languages: group(funnel, 1), tokens: { prompt: total.promptTokens, completion: total.completionTokens }, usd: total.usd,
    paidRequests: sum((summary) => summary.paidRequests), cachedRequests: sum((summary) => summary.cachedRequests),
    seconds, cpuSeconds: sum((summary) => summary.cpuSeconds), requestsPerSecond: 0,
    complete: summaries.every((summary) => summary.complete), stopped: null, outputFormat: summaries[0]?.outputFormat ?? '',
    // A part's summary from before several endpoints existed has no reports.
    endpoints: mergeEndpointReports(summaries.map((summary) => (summary.endpoints as EndpointReport[] | undefined) ?? [])), out: prepared.resolved.out,
    execution: {
      sandbox: prepared.runner?.kind ?? null, verdicts: executionTotal(funnel),
      ran: sum((summary) => summary.execution.ran), journaled: sum((summary) => summary.execution.journaled),
    },
  };
}
