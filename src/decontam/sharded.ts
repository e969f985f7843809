/**
 * `decontam --shard I/N` and `decontam --merge`: many processes (on one machine or many sharing the
 * output folder) check one input together. Shard I checks only its contiguous range of the input's
 * units (store/shards.ts): lines of generated records, or rows of pairs.arrow (with `--coreset`, the
 * coreset's rows among its own rows: every checked row is in exactly one shard, in file order, as an
 * unsharded run checks them) into its part folder `OUT/.shards/parts/I/` (kept, removed and
 * rejects files plus `part.json` with its counts), then writes its completion marker
 * (store/shard-folder.ts). Every shard builds the same benchmark indexes and embeds the benchmark items
 * itself (a deterministic pass over small files), and with `--embeddings` of the hashing model
 * recounts its IDF over all the pairs, as an unsharded run does. The merge, run by the shard that finds
 * every marker present or by `--merge`, concatenates the parts in shard order, so kept.jsonl,
 * removed.jsonl, candidates.jsonl (its `record` numbers shifted past the earlier shards' records) and
 * rejects.jsonl (generated input only) are byte-identical to an unsharded run's; the
 * manifest differs only in timings and its `shards` and `identity` parameters. A merged folder is not
 * merged again.
 */
import { createHash } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { TidepoolError, writeFailure } from '../errors.js';
import { describeFile, readManifest, type ManifestFile } from '../store/manifest.js';
import { OutputFolder } from '../store/output-folder.js';
import { assertNotLocked } from '../store/output-lock.js';
import { ShardFolder, type ShardPlan } from '../store/shard-folder.js';
import { formatShard, shardRange, type Shard } from '../store/shards.js';
import { resolveEmbeddingsPath } from '../store/embeddings-file.js';
import { writeFileAtomically } from '../util/atomic-file.js';
import { shiftCandidateLine } from './candidates.js';
import { countUnits, inputPath, resolveDecontamInput, type DecontamInput } from './input.js';
import type { ResolvedDecontamOptions } from './options.js';
import { DECONTAM_FILES, checkInput, decontamManifest, decontamPass, type DecontamPass, type DecontamRun, type DecontamSummary } from './run.js';
import { DETECTORS } from './verdict.js';
import { JsonlWriter } from './writer.js';

/** The `--json` summary of a shard or a merge: the decontam summary (a shard's counts are its own lines') plus what happened. */
export interface DecontamShardSummary extends DecontamSummary {
  /** `I/N` of the shard that ran. */
  shard?: string;
  /** Generated input: the shard's lines (0-based), `start <= line < end`. */
  lines?: { start: number; end: number };
  /** Pairs input: the shard's rows of pairs.arrow (0-based, file order), `start <= row < end`. */
  rows?: { start: number; end: number };
  /** The shard had finished before (its marker was there): nothing was checked. */
  alreadyDone?: boolean;
  /** This invocation merged the shards (or found them merged already). */
  merged?: boolean;
  alreadyMerged?: boolean;
  /** Shards still without a completion marker. */
  missingShards?: number[];
}

/** A shard's part, as `part.json` records it. */
type Part = Omit<DecontamPass, 'outputs'> & { outputs: { name: string; rows: number }[] };

/** Runs one shard (merging when it finishes last) or, with `options.merge`, only the merge. */
export async function runDecontamSharded(run: DecontamRun, options: ResolvedDecontamOptions, started: number): Promise<DecontamShardSummary> {
  const input = await resolveDecontamInput(options.input, options.coreset);
  checkInput(input, options);
  await mkdir(options.out, { recursive: true }).catch((error: unknown) => {
    throw writeFailure(error, options.out, false);
  });
  const shards = new ShardFolder(options.out);
  const key = await runKey(options, input);
  if (options.shard === undefined) return { ...(await mergeShards(options, key, shards, started)), merged: true };
  return runShard(run, options, input, options.shard, key, shards, started);
}

/** What every shard must agree on: the input's and benchmarks' contents and every option that changes a verdict. */
async function runKey(options: ResolvedDecontamOptions, input: DecontamInput): Promise<Record<string, unknown>> {
  const { embedding } = options;
  const pairs = input.kind === 'pairs' ? input : undefined;
  return {
    // The ingest manifest's checksum, when it vouches for pairs.arrow, saves hashing it in every shard.
    input: pairs?.pairs.sha256 ?? (await describeFile(inputPath(input))).sha256,
    coreset: pairs?.coreset?.file.sha256 ?? null,
    embeddings: options.embeddings === undefined ? null : (await describeFile(resolveEmbeddingsPath(options.embeddings))).sha256,
    bench: await Promise.all(options.bench.map(async (file) => (await describeFile(file)).sha256)),
    exact: options.exact, ngram: options.ngram, maxSolutions: options.maxSolutions, windowRows: options.windowRows,
    embedding: embedding.enabled ? { model: embedding.model, threshold: embedding.threshold, variant: embedding.variant, maxLength: embedding.maxLength ?? null, hashing: embedding.hashing } : false,
  };
}

function planOf(key: Record<string, unknown>, shards: number): ShardPlan {
  return { stage: 'decontam', shards, identity: createHash('sha256').update(JSON.stringify(key)).digest('hex'), key };
}

function partDir(shards: ShardFolder, index: number): string {
  return join(shards.dir, 'parts', String(index));
}

async function runShard(run: DecontamRun, options: ResolvedDecontamOptions, input: DecontamInput, shard: Shard, key: Record<string, unknown>, shards: ShardFolder, started: number): Promise<DecontamShardSummary> {
  // An unsharded run or a merge in progress owns the folder: a shard must not write beside it.
  assertNotLocked(options.out);
  const claim = await shards.claim(shard, 'decontam');
  let summary: DecontamShardSummary;
  try {
    await shards.adopt(planOf(key, shard.count), shard);
    const units = shardRange(shard, await countUnits(input));
    const fields = { shard: formatShard(shard), ...(input.kind === 'pairs' ? { rows: units } : { lines: units }) };
    if (shards.isDone(shard.index)) {
      const part = await readPart(shards, shard.index);
      summary = { ...part.summary, ...fields, alreadyDone: true };
    } else {
      const dir = partDir(shards, shard.index);
      rmSync(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
      const pass = await decontamPass(run, options, input, dir, units, started);
      const part: Part = { ...pass, outputs: pass.outputs.map((file) => ({ name: file.path.slice(dir.length + 1), rows: file.rows ?? 0 })) };
      await writeFileAtomically(join(dir, 'part.json'), `${JSON.stringify(part)}\n`);
      await shards.markDone(shard.index);
      summary = { ...pass.summary, ...fields, alreadyDone: false };
    }
  } finally {
    claim.release();
  }
  const missing = shards.missing(shard.count);
  if (missing.length > 0) return { ...summary, merged: false, missingShards: missing };
  try {
    const merged = await mergeShards(options, key, shards, started);
    return { ...summary, merged: true, alreadyMerged: merged.alreadyMerged ?? false };
  } catch (error) {
    // Two shards that finish together both find every marker; the one that claims the folder merges.
    if (error instanceof TidepoolError && error.code === 'E_OUTPUT_LOCKED') return { ...summary, merged: false, missingShards: [] };
    throw error;
  }
}

async function readPart(shards: ShardFolder, index: number): Promise<Part> {
  const path = join(partDir(shards, index), 'part.json');
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) {
    throw new TidepoolError('E_USAGE', `shard ${index} of ${shards.out} is marked finished but its ${path} is missing (files removed by hand?). Delete ${shards.marker(index)} and rerun that shard.`, { path, shard: index });
  }
  return JSON.parse(text) as Part;
}

/**
 * Concatenates the shards' parts into the usual outputs + manifest under the folder's exclusive claim;
 * a folder already merged from the same run is left as it is.
 * @throws TidepoolError `E_USAGE` when no sharded run is in the folder, it is another run's, or shards are unfinished.
 */
async function mergeShards(options: ResolvedDecontamOptions, key: Record<string, unknown>, shards: ShardFolder, started: number): Promise<DecontamShardSummary> {
  const out = shards.out;
  const folder = await OutputFolder.claim(out, 'decontam --merge');
  try {
    const plan = await shards.planForMerge('decontam', 'tidepool decontam --shard I/N');
    const asked = planOf(key, plan.shards);
    shards.check(plan, asked, '--merge');
    shards.assertFinished(plan);
    const parts: Part[] = [];
    for (let index = 0; index < plan.shards; index++) parts.push(await readPart(shards, index));
    const manifest = await readManifest(out).catch(() => undefined);
    const merged = mergeSummaries(parts.map((part) => part.summary), parts.map((part) => part.itemsHit), options.out, started);
    if (manifest?.stage === 'decontam' && manifest.parameters.identity === asked.identity && manifest.parameters.shards === plan.shards && existsSync(join(out, DECONTAM_FILES.kept))) {
      return { ...merged, alreadyMerged: true };
    }
    await folder.uncommit();
    const outputs = await concatenateParts(shards, parts, merged.rejected > 0);
    const first = parts[0]!;
    await folder.commit(decontamManifest({ summary: merged, outputs, parameters: first.parameters, inputs: first.inputs, indexStats: first.indexStats }, { shards: plan.shards, identity: asked.identity }));
    return merged;
  } finally {
    folder.release();
  }
}

/** Writes each output file as the parts' files in shard order (rejects.jsonl only when a line was bad, as an unsharded run does). */
async function concatenateParts(shards: ShardFolder, parts: readonly Part[], withRejects: boolean): Promise<ManifestFile[]> {
  const names = [DECONTAM_FILES.kept, DECONTAM_FILES.removed, DECONTAM_FILES.candidates, ...(withRejects ? [DECONTAM_FILES.rejects] : [])];
  rmSync(join(shards.out, DECONTAM_FILES.rejects), { force: true });
  const files: ManifestFile[] = [];
  for (const name of names) {
    const writer = JsonlWriter.create(join(shards.out, name));
    try {
      let recordsBefore = 0;
      for (const [index, part] of parts.entries()) {
        const rows = part.outputs.find((output) => output.name === name)?.rows;
        const data = rows === undefined ? undefined : await readFile(join(partDir(shards, index), name));
        if (rows !== undefined && data !== undefined) {
          // A shard numbers its candidates' records from 0: renumber them as one run would have.
          writer.writeLines(name === DECONTAM_FILES.candidates && recordsBefore > 0 ? shiftCandidateLines(data, recordsBefore) : data, rows);
        }
        recordsBefore += part.summary.records;
      }
    } catch (error) {
      writer.abort();
      throw error;
    }
    files.push(writer.close());
  }
  return files;
}

/** candidates.jsonl lines with their `record` moved by `offset`. */
function shiftCandidateLines(data: Buffer, offset: number): Buffer {
  const text = data.toString('utf8');
  if (text === '') return data;
  return Buffer.from(`${text.slice(0, -1).split('\n').map((line) => shiftCandidateLine(line, offset)).join('\n')}\n`);
}

/** The summary of the whole run from the shards' summaries (distinct benchmark items hit: their union). */
function mergeSummaries(summaries: readonly DecontamSummary[], itemsHit: readonly number[][], out: string, started: number): DecontamSummary {
  const first = summaries[0]!;
  const sum = (pick: (summary: DecontamSummary) => number): number => summaries.reduce((total, summary) => total + pick(summary), 0);
  const seconds = (performance.now() - started) / 1000;
  const records = sum((summary) => summary.records);
  return {
    ...first,
    records, kept: sum((summary) => summary.kept), removed: sum((summary) => summary.removed), rejected: sum((summary) => summary.rejected),
    removedByBenchmark: Object.fromEntries(Object.keys(first.removedByBenchmark).map((stem) => [stem, sum((summary) => summary.removedByBenchmark[stem] ?? 0)])),
    removedByDetector: Object.fromEntries(DETECTORS.map((detector) => [detector, sum((summary) => summary.removedByDetector[detector])])) as DecontamSummary['removedByDetector'],
    benchmarkItemsHit: new Set(itemsHit.flat()).size,
    detectorSeconds: Object.fromEntries(DETECTORS.map((detector) => [detector, sum((summary) => summary.detectorSeconds[detector])])) as DecontamSummary['detectorSeconds'],
    seconds, rowsPerSecond: records / Math.max(seconds, 1e-9), out,
  };
}
