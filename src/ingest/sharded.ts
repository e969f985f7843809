/**
 * `ingest --shard I/N` and `ingest --merge`: several processes ingest one run together. De-duplication
 * and row ids depend on every input in order, so a shard only parses and filters its contiguous range
 * of the ordered work units (store/shards.ts over work-units.ts: input files, or byte ranges of plain
 * jsonl files when files are fewer than shards) into parts (shard-parts.ts), then writes its completion
 * marker (store/shard-folder.ts). The merge, run by the shard that finds every marker present or by
 * `--merge`, replays the parts in input order through the same in-order core as an unsharded run, so
 * `pairs.arrow` and `rejects.jsonl` are byte-identical to one, and the manifest differs only by
 * `shards: N` and its timings. A merged folder is not merged again.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { TidepoolError, writeFailure } from '../errors.js';
import { readManifest, sha256File } from '../store/manifest.js';
import { OutputFolder } from '../store/output-folder.js';
import { assertNotLocked } from '../store/output-lock.js';
import { PAIRS_FILE } from '../store/pairs.js';
import { ShardFolder, type ShardPlan } from '../store/shard-folder.js';
import { formatShard, shardRange, type Shard, type UnitRange } from '../store/shards.js';
import { isGzipFile, type JsonlDigest } from '../store/jsonl.js';
import { discoverInputs, type InputFile } from './discover.js';
import { resolveIngestOptions, resolveIngestThreads, type ResolvedIngestOptions } from './options.js';
import { createChunkParser, type ParsedChunk } from './pool.js';
import { chunksOf, ingestInto, manifestOptions, type IngestRun, type IngestSummary } from './run.js';
import { settleInOrder, type ChunkInFlight } from './settle-in-order.js';
import { planWorkUnits, type WorkUnit } from './work-units.js';
import { PartWriter, partsDir, replayPart } from './shard-parts.js';

/** What `ingest --shard` / `--merge` did (the `--json` summary). */
export interface IngestShardSummary {
  out: string;
  seconds: number;
  /** `I/N` of the shard run; absent for `--merge`. */
  shard?: string;
  /** The input files (indices into the ordered list) the shard owns, whole or in part. */
  files?: UnitRange;
  /** The byte ranges it owns when files were split (fewer files than shards). */
  ranges?: { file: number; start: number; end: number }[];
  /** The shard had already finished: nothing was done. */
  alreadyDone?: boolean;
  /** Records read and candidate rows (before de-duplication) of the files this process parsed. */
  read?: number;
  candidates?: number;
  /** The merge ran here (or the folder was already merged). */
  merged: boolean;
  alreadyMerged?: boolean;
  /** The merged run's counts. */
  merge?: IngestSummary;
  /** Shards still without a completion marker. */
  missingShards?: number[];
}

interface Setup {
  options: ResolvedIngestOptions;
  threads: number;
  files: InputFile[];
  key: Record<string, unknown>;
  identity: string;
}

async function setUp(run: IngestRun): Promise<Setup> {
  const options = resolveIngestOptions(run.options);
  const threads = resolveIngestThreads(run.threads);
  const files = await discoverInputs(run.inputs);
  // Sizes stand in for contents: hashing every input in every shard would read the whole input N times.
  const key = { options: manifestOptions(options), inputs: files.map((file) => ({ path: resolve(file.path), bytes: file.bytes })) };
  const identity = createHash('sha256').update(JSON.stringify(key)).digest('hex');
  return { options, threads, files, key, identity };
}

/** The work units for `shards` shards: only plain jsonl files are split, and only when files are fewer than shards. */
async function workUnits(setup: Setup, shards: number): Promise<WorkUnit[]> {
  const split = setup.files.length < shards;
  const inputs = await Promise.all(setup.files.map(async (file) => ({ bytes: file.bytes, splittable: split && file.format === 'jsonl' && !(await isGzipFile(file.path)) })));
  return planWorkUnits(inputs, shards);
}

/** The files a shard's units belong to (an empty range where it owns none). */
function ownedFiles(units: readonly WorkUnit[], range: UnitRange): { files: UnitRange } {
  if (range.start === range.end) {
    const at = units[range.start]?.sourceIndex ?? (units.at(-1)?.sourceIndex ?? -1) + 1;
    return { files: { start: at, end: at } };
  }
  return { files: { start: units[range.start]!.sourceIndex, end: units[range.end - 1]!.sourceIndex + 1 } };
}

function ownedRanges(units: readonly WorkUnit[], range: UnitRange): { ranges?: { file: number; start: number; end: number }[] } {
  const ranges = units.slice(range.start, range.end).flatMap((unit) => (unit.range === undefined ? [] : [{ file: unit.sourceIndex, ...unit.range }]));
  return ranges.length === 0 ? {} : { ranges };
}

function planOf(setup: Setup, shards: number): ShardPlan {
  return { stage: 'ingest', shards, identity: setup.identity, key: setup.key };
}

/** Runs shard `shard` (merging when it finishes last) or, when undefined, only the merge. */
export async function runIngestSharded(run: IngestRun, shard: Shard | undefined): Promise<IngestShardSummary> {
  const started = performance.now();
  const setup = await setUp(run);
  await mkdir(run.out, { recursive: true }).catch((error: unknown) => {
    throw writeFailure(error, run.out, false);
  });
  const shards = new ShardFolder(run.out);
  if (shard === undefined) return mergeShards(run, setup, shards, started);
  // An unsharded run or a merge in progress owns the folder: a shard must not write beside it.
  assertNotLocked(run.out);
  const claim = await shards.claim(shard, 'ingest');
  let summary: IngestShardSummary;
  try {
    await shards.adopt(planOf(setup, shard.count), shard);
    const units = await workUnits(setup, shard.count);
    const range = shardRange(shard, units.length);
    const owned = { ...ownedFiles(units, range), ...ownedRanges(units, range) };
    if (shards.isDone(shard.index)) {
      summary = { out: run.out, seconds: (performance.now() - started) / 1000, shard: formatShard(shard), ...owned, alreadyDone: true, merged: false };
    } else {
      const parsed = await parseUnits(run, setup, partsDir(shards.dir), units, range);
      await shards.markDone(shard.index);
      summary = { out: run.out, seconds: (performance.now() - started) / 1000, shard: formatShard(shard), ...owned, alreadyDone: false, ...parsed, merged: false };
    }
  } finally {
    claim.release();
  }
  const missing = shards.missing(shard.count);
  if (missing.length > 0) return { ...summary, missingShards: missing };
  try {
    const merged = await mergeShards(run, setup, shards, started);
    return { ...summary, ...merged, shard: summary.shard!, seconds: (performance.now() - started) / 1000 };
  } catch (error) {
    // Two shards that finish together both find every marker; the one that claims the folder merges.
    if (error instanceof TidepoolError && error.code === 'E_OUTPUT_LOCKED') return { ...summary, missingShards: [] };
    throw error;
  }
}

/** Parses and filters the work units `range` of `units` into parts; a unit whose part is complete is skipped. */
async function parseUnits(run: IngestRun, setup: Setup, dir: string, units: readonly WorkUnit[], range: UnitRange): Promise<{ read: number; candidates: number }> {
  const owned = units.slice(range.start, range.end);
  const maxInFlight = Math.max(2, setup.threads * 2);
  const parser = createChunkParser(owned.some((unit) => setup.files[unit.sourceIndex]!.format === 'jsonl') ? setup.threads : 0, setup.options, maxInFlight + 4);
  let read = 0;
  let candidates = 0;
  try {
    for (const unit of owned) {
      if (PartWriter.isComplete(dir, unit.name)) continue;
      const file = setup.files[unit.sourceIndex]!;
      const writer = await PartWriter.create(dir, unit.name);
      const settle = async (pending: Promise<ParsedChunk>): Promise<void> => {
        const { result, release } = await pending;
        read += result.read;
        candidates += result.rows;
        await writer.add(result, release);
        if (run.signal?.aborted) throw new TidepoolError('E_INTERRUPTED', `ingest shard interrupted; files finished so far are kept. Rerun the same command to go on.`);
      };
      let digest: JsonlDigest | undefined;
      try {
        const chunks = chunksOf(file, setup.options, parser, () => undefined, (d) => (digest = d), unit.range);
        // As in an unsharded run, a file problem rejects the file as a whole, its earlier records kept.
        const failure = await settleInOrder(chunks, maxInFlight, (result) => result, settle);
        // A range's checksum would be of its bytes only: the merge checksums the whole file.
        const sha256 = unit.range !== undefined ? '' : (digest?.sha256 ?? (await (failure === undefined ? sha256File(file.path) : sha256File(file.path).catch(() => ''))));
        await writer.finish(sha256, digest?.lines ?? 0, failure);
      } catch (error) {
        await writer.abort();
        throw error;
      }
    }
  } finally {
    await parser.close();
  }
  return { read, candidates };
}

/**
 * The chunks of input `sourceIndex` replayed from its parts: one part for a whole file, or its ranges'
 * parts in order, each numbered after the lines of the ranges before it.
 */
async function* replayFile(dir: string, file: InputFile, units: readonly WorkUnit[], digest: (d: JsonlDigest) => void): AsyncGenerator<ChunkInFlight> {
  if (units.length === 1 && units[0]!.range === undefined) {
    yield* replayPart(dir, units[0]!.name, (part) => {
      digest({ sha256: part.sha256, bytes: file.bytes, lines: part.lines });
    });
    return;
  }
  let lines = 0;
  for (const unit of units) {
    let partLines = 0;
    yield* replayPart(dir, unit.name, (part) => (partLines = part.lines), lines);
    lines += partLines;
  }
  digest({ sha256: await sha256File(file.path), bytes: file.bytes, lines });
}

/**
 * Replays every part, in input order, into `pairs.arrow`, `rejects.jsonl` and the manifest under the
 * folder's exclusive claim; a folder already merged from the same run is left as it is.
 * @throws TidepoolError `E_USAGE` when no sharded run is in the folder, it is another run's, or shards are unfinished.
 */
async function mergeShards(run: IngestRun, setup: Setup, shards: ShardFolder, started: number): Promise<IngestShardSummary> {
  const out = shards.out;
  const folder = await OutputFolder.claim(out, 'ingest --merge');
  try {
    const plan = await shards.planForMerge('ingest', 'tidepool ingest INPUTS --shard I/N', 'inputs and flags');
    shards.check(plan, planOf(setup, plan.shards), '--merge');
    const manifest = await readManifest(out).catch(() => undefined);
    if (manifest?.stage === 'ingest' && manifest.parameters.shards === plan.shards && existsSync(join(out, PAIRS_FILE))) {
      return { out, seconds: (performance.now() - started) / 1000, merged: true, alreadyMerged: true };
    }
    shards.assertFinished(plan, 'inputs and flags');
    const dir = partsDir(shards.dir);
    const unitsOfFile = new Map<number, WorkUnit[]>();
    for (const unit of await workUnits(setup, plan.shards)) unitsOfFile.set(unit.sourceIndex, [...(unitsOfFile.get(unit.sourceIndex) ?? []), unit]);
    const merge = await ingestInto(folder, run, setup.options, 0, setup.files, started, (file, sourceIndex, _onBytes, digest) => replayFile(dir, file, unitsOfFile.get(sourceIndex) ?? [], digest), { shards: plan.shards });
    // The parts hold as much as pairs.arrow; once it is committed the markers and manifest say all a rerun needs.
    await rm(dir, { recursive: true, force: true });
    return { out, seconds: merge.seconds, merged: true, alreadyMerged: false, merge };
  } finally {
    folder.release();
  }
}
