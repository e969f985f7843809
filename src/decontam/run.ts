/**
 * `tidepool decontam`: the I/O shell around the detectors. Reads the benchmarks and builds the
 * indexes once, then streams the input window by window: the exact and n-gram detectors run on this
 * thread while the window's vectors are embedded on the workers (one window ahead), then every record
 * goes to `kept.jsonl` or `removed.jsonl` (with its evidence). Outputs are renamed into place at the
 * end, then `manifest.json` is written; an interrupted run leaves no output behind (rerun it: it takes
 * minutes).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { TidepoolError } from '../errors.js';
import { describeFile, newManifest, type Manifest, type ManifestFile } from '../store/manifest.js';
import { withOutputFolder } from '../store/output-folder.js';
import type { UnitRange } from '../store/shards.js';
import { Progress, type ProgressSink } from '../util/progress.js';
import { readBenchmarks, type BenchmarkSet } from './benchmark-files.js';
import { EmbeddingStage } from './embedding-stage.js';
import type { ExactMatch } from './exact.js';
import { CANDIDATES_FILE, floorsFor, formatCandidateLine, passingFindings, type Candidate, type Thresholds } from './candidates.js';
import { embeddingEvidence, exactEvidence, ngramEvidence, type EvidenceSources } from './evidence.js';
import { buildTextIndexes, type TextIndexes } from './indexes.js';
import { inputPath, overwritesInputManifest, recordWindows, resolveDecontamInput, type BadInputLine, type DecontamInput, type DecontamRecord } from './input.js';
import type { NgramMatch } from './ngram.js';
import { resolveDecontamOptions, type DecontamOptions, type ResolvedDecontamOptions } from './options.js';
import type { EmbeddingMatch } from './similarity.js';
import { DETECTORS, DecontamTally, NO_FINDINGS, contaminationList, type Detector } from './verdict.js';
import { JsonlWriter } from './writer.js';
import { truncateEvidence } from './normalize.js';

/** Arguments of {@link runDecontam}. */
export interface DecontamRun extends DecontamOptions {
  /** Progress and notes (stderr in the CLI); silent when undefined. */
  progress?: ProgressSink | undefined;
  /** Stops the run after the window in progress (Ctrl-C); nothing is written. */
  signal?: AbortSignal | undefined;
}

/** Output file names. */
export const DECONTAM_FILES = { kept: 'kept.jsonl', removed: 'removed.jsonl', rejects: 'rejects.jsonl', candidates: CANDIDATES_FILE } as const;

/** The `--json` summary. */
export interface DecontamSummary {
  /** `pairs`, `coreset` (pairs restricted to a coreset) or `generated`. */
  input: 'pairs' | 'coreset' | 'generated';
  records: number;
  kept: number;
  removed: number;
  /** Input lines that were not records (in `rejects.jsonl`, with file, line and reason). */
  rejected: number;
  removedByBenchmark: Record<string, number>;
  removedByDetector: Record<Detector, number>;
  /** Problems read per benchmark file stem. */
  benchmarkItems: Record<string, number>;
  /** Distinct benchmark problems that flagged at least one record. */
  benchmarkItemsHit: number;
  detectors: Detector[];
  /** Model key of the embedding detector, or null when it is off. */
  embeddingModel: string | null;
  seconds: number;
  /** Records per second over the whole run (start-up, benchmark indexing and writing included). */
  rowsPerSecond: number;
  /** Seconds this thread spent in each detector (embedding: waiting for vectors, plus the similarity search). */
  detectorSeconds: Record<Detector, number>;
  out: string;
}

/** A window whose text detectors have run and whose vectors may still be on their way. */
interface PendingWindow {
  records: DecontamRecord[];
  exact: ExactMatch[][];
  ngram: NgramMatch[][];
  vectors: Promise<Float32Array> | undefined;
}

const NONE: never[] = [];

/** Runs the exact and n-gram detectors over a window, timing each. */
function matchText(records: readonly DecontamRecord[], indexes: TextIndexes, options: ResolvedDecontamOptions, seconds: Record<Detector, number>): Pick<PendingWindow, 'exact' | 'ngram'> {
  const { exact: exactIndex, ngram: ngramIndex } = indexes;
  let exact: ExactMatch[][] = records.map(() => NONE);
  let ngram: NgramMatch[][] = records.map(() => NONE);
  if (exactIndex !== undefined) {
    const started = performance.now();
    exact = records.map((record) => exactIndex.scan(record.text));
    seconds.exact += (performance.now() - started) / 1000;
  }
  if (ngramIndex !== undefined) {
    const started = performance.now();
    // Down to the floor: the candidates file keeps the near misses; the verdict applies the threshold.
    const thresholds = { threshold: floorsFor(thresholdsOf(options)).ngram, minNgrams: options.ngram.minNgrams };
    ngram = records.map((record) => ngramIndex.match(record.code, thresholds));
    seconds.ngram += (performance.now() - started) / 1000;
  }
  return { exact, ngram };
}

/** The thresholds of the scored detectors. */
export function thresholdsOf(options: ResolvedDecontamOptions): Thresholds {
  return { ngram: options.ngram.threshold, embedding: options.embedding.threshold };
}

/** The best of a detector's matches (highest score, then lowest item): the one whose evidence is recorded. */
function bestOf<T extends { item: number; score: number }>(matches: readonly T[]): T | undefined {
  let best: T | undefined;
  for (const match of matches) if (best === undefined || match.score > best.score || (match.score === best.score && match.item < best.item)) best = match;
  return best;
}

/** What a record's detectors found down to the floors. */
interface FoundMatches {
  exact: readonly ExactMatch[];
  ngram: readonly NgramMatch[];
  embedding: readonly EmbeddingMatch[];
}

/**
 * A record's matches above the floors as candidates, in detector order; the best of each detector
 * carries the evidence a person can check (both texts, matching parts marked). The best match of a
 * detector is also its best at any threshold, so the removed record's first entry per detector always has it.
 */
export function candidatesOf(found: FoundMatches, record: Pick<DecontamRecord, 'text' | 'code' | 'embedText'>, itemIds: readonly string[], sources: EvidenceSources): Candidate[] {
  const list: Candidate[] = [];
  const bestExact = bestOf(found.exact);
  for (const match of found.exact) {
    list.push({ item: match.item, benchmark: itemIds[match.item]!, detector: 'exact', score: match.score, evidence: match.evidence, ...(match === bestExact ? { match: exactEvidence(record.text, match, sources) } : {}) });
  }
  const bestNgram = bestOf(found.ngram);
  for (const match of found.ngram) {
    list.push({ item: match.item, benchmark: itemIds[match.item]!, detector: 'ngram', score: match.score, evidence: match.evidence, ...(match === bestNgram ? { match: ngramEvidence(record.code, match, sources) } : {}) });
  }
  const bestEmbedding = bestOf(found.embedding);
  if (bestEmbedding !== undefined) {
    const evidence = truncateEvidence(record.embedText);
    for (const match of found.embedding) {
      list.push({ item: match.item, benchmark: itemIds[match.item]!, detector: 'embedding', score: match.score, evidence, ...(match === bestEmbedding ? { match: embeddingEvidence(record.embedText, match.item, sources) } : {}) });
    }
  }
  return list;
}

/** @throws TidepoolError `E_USAGE` when the input and the options do not fit together. */
export function checkInput(input: DecontamInput, options: ResolvedDecontamOptions): void {
  if (options.embeddings !== undefined && input.kind !== 'pairs') {
    throw new TidepoolError('E_USAGE', `--embeddings gives vectors of pairs.arrow rows, but ${inputPath(input)} holds generated records; drop --embeddings`);
  }
  // With servers, --model names what they serve, and is checked against the manifest's model.
  if (options.embeddings !== undefined && options.embedding.modelGiven && options.embedding.endpoint === undefined) {
    throw new TidepoolError('E_USAGE', '--embeddings brings its own model (named in its manifest); drop --model, or drop --embeddings to embed with --model');
  }
  if (overwritesInputManifest(input, options.out)) {
    throw new TidepoolError('E_USAGE', `--out ${options.out} is the input's own folder, and its manifest.json would be overwritten. Pass another --out folder.`);
  }
}

/** What the record loop needs. */
interface LoopContext {
  input: DecontamInput;
  options: ResolvedDecontamOptions;
  indexes: TextIndexes;
  stage: EmbeddingStage | undefined;
  itemIds: readonly string[];
  /** Benchmark texts shown beside a record's as evidence. */
  sources: EvidenceSources;
  tally: DecontamTally;
  seconds: Record<Detector, number>;
  progress: Progress;
  signal: AbortSignal | undefined;
  /** Input lines that were not records. */
  rejected: { count: number };
  /** Folder the record files are written to (the --out folder, or a shard's part folder). */
  dir: string;
  /** A shard's split (0-based lines of a generated input, rows of pairs.arrow); all when undefined. */
  units: UnitRange | undefined;
}

/** Streams the input through the detectors into kept.jsonl, removed.jsonl and candidates.jsonl; returns the files. */
async function checkRecords(context: LoopContext): Promise<ManifestFile[]> {
  const { input, options, indexes, stage, itemIds, sources, tally, seconds, progress, dir } = context;
  const writers: JsonlWriter[] = [];
  try {
    const keptFile = JsonlWriter.create(join(dir, DECONTAM_FILES.kept));
    writers.push(keptFile);
    const removedFile = JsonlWriter.create(join(dir, DECONTAM_FILES.removed));
    writers.push(removedFile);
    const candidatesFile = JsonlWriter.create(join(dir, DECONTAM_FILES.candidates));
    writers.push(candidatesFile);
    const thresholds = thresholdsOf(options);
    // Input lines that are not records: counted and kept in rejects.jsonl (created on the first one) with
    // file, line and reason, never dropped.
    rmSync(join(dir, DECONTAM_FILES.rejects), { force: true });
    let rejectsFile: JsonlWriter | undefined;
    const onBad = (bad: BadInputLine): void => {
      context.rejected.count++;
      if (rejectsFile === undefined) writers.push((rejectsFile = JsonlWriter.create(join(dir, DECONTAM_FILES.rejects))));
      rejectsFile.write(JSON.stringify({ file: bad.file, line: bad.line, reason: bad.reason, raw: bad.raw.length > 4000 ? `${bad.raw.slice(0, 4000)}… (truncated)` : bad.raw }));
    };
    const finish = async (window: PendingWindow): Promise<void> => {
      let embedding: EmbeddingMatch[][] | undefined;
      if (window.vectors !== undefined && stage !== undefined) {
        const waited = performance.now();
        embedding = await stage.matches(await window.vectors);
        seconds.embedding += (performance.now() - waited) / 1000;
      }
      window.records.forEach((record, i) => {
        const found = { exact: window.exact[i]!, ngram: window.ngram[i]!, embedding: embedding?.[i] ?? NONE };
        if (found.exact.length + found.ngram.length + found.embedding.length === 0) {
          tally.add(NO_FINDINGS);
          keptFile.write(record.keptLine());
          return;
        }
        // The verdict is taken from the candidates, as --rethreshold takes it: the same files either way.
        const candidates = candidatesOf(found, record, itemIds, sources);
        const passing = passingFindings(candidates, thresholds);
        const removed = tally.add(passing);
        if (removed) removedFile.write(record.removedLine(contaminationList(passing, itemIds)));
        else keptFile.write(record.keptLine());
        candidatesFile.write(formatCandidateLine({
          record: tally.records - 1, ...(record.rowId >= 0 ? { row_id: record.rowId } : {}), removed,
          candidates, ...(removed ? { kept: record.keptLine() } : {}),
        }));
      });
      progress.update(tally.records, tally.records, `${tally.removed} removed`);
    };
    const pending: PendingWindow[] = [];
    for await (const records of recordWindows(input, options.windowRows, onBad, context.units)) {
      if (context.signal?.aborted) throw new TidepoolError('E_INTERRUPTED', `decontam interrupted after ${tally.records} records; nothing was written to ${dir}. Rerun the same command.`);
      const vectors = stage?.vectors(records);
      vectors?.catch(() => undefined); // awaited in finish(); an error before then must not go unhandled
      pending.push({ records, ...matchText(records, indexes, options, seconds), vectors });
      // One window ahead: its vectors are embedded while this thread matches the next one's text.
      if (pending.length > 1) await finish(pending.shift()!);
    }
    for (const window of pending.splice(0)) await finish(window);
    progress.finish(`${tally.removed} removed`);
    return [keptFile.close(), removedFile.close(), candidatesFile.close(), ...(rejectsFile === undefined ? [] : [rejectsFile.close()])];
  } catch (error) {
    for (const writer of writers) writer.abort();
    throw error;
  }
}

/** Runs decontam end to end (or one shard of it, or the shards' merge), and returns its summary. */
export async function runDecontam(run: DecontamRun): Promise<DecontamSummary> {
  const started = performance.now();
  const options = resolveDecontamOptions(run);
  if (options.shard !== undefined || options.merge) {
    const { runDecontamSharded } = await import('./sharded.js');
    return runDecontamSharded(run, options, started);
  }
  return withOutputFolder(options.out, 'decontam', async (folder) => {
    const input = await resolveDecontamInput(options.input, options.coreset);
    checkInput(input, options);
    // An older manifest must not vouch for outputs this run is about to replace.
    await folder.uncommit();
    const pass = await decontamPass(run, options, input, options.out, undefined, started);
    await folder.commit(decontamManifest(pass, {}));
    return pass.summary;
  });
}

/** Records a pass will check, for its progress line, when known before reading (not for generated input). */
function recordsToCheck(input: DecontamInput, units: UnitRange | undefined): number | undefined {
  if (input.kind !== 'pairs') return undefined;
  // A shard of a coreset run does not know how many of the coreset's rows fall among its own.
  if (input.coreset !== undefined) return units === undefined ? input.coreset.rowIds.size : undefined;
  return units === undefined ? input.pairs.rows : units.end - units.start;
}

/** What one pass over the records found, and what the manifest says about it. */
export interface DecontamPass {
  summary: DecontamSummary;
  /** kept.jsonl, removed.jsonl (and rejects.jsonl when a line was bad), as written. */
  outputs: ManifestFile[];
  parameters: Record<string, unknown>;
  inputs: ManifestFile[];
  indexStats: { exactIndex: unknown; ngramIndex: unknown };
  /** Distinct benchmark items (indexes) that flagged a record: a merge counts their union. */
  itemsHit: number[];
}

/**
 * Checks the input's records (only a shard's `units` when given: lines of a generated input, rows of pairs.arrow) into `dir`.
 * @param started when the run started (performance.now()), for its timings.
 */
export async function decontamPass(run: DecontamRun, options: ResolvedDecontamOptions, input: DecontamInput, dir: string, units: UnitRange | undefined, started: number): Promise<DecontamPass> {
  const benchmarks = await readBenchmarks(options.bench, options.maxSolutions);
  const { items } = benchmarks;
  const indexStarted = performance.now();
  const indexes = buildTextIndexes(items, options);
  run.progress?.write(`decontam: ${items.length} benchmark problems from ${benchmarks.files.map((f) => `${f.stem} (${f.layout}, ${f.items})`).join(', ')} indexed in ${((performance.now() - indexStarted) / 1000).toFixed(1)}s\n`);
  const stage = options.embedding.enabled ? await EmbeddingStage.open(options, input, items, run.progress) : undefined;
  const tally = new DecontamTally(benchmarks.files.map((f) => f.stem), items.map((item) => item.benchmark));
  const seconds: Record<Detector, number> = { exact: 0, ngram: 0, embedding: 0 };
  const progress = new Progress({ label: 'decontam', unit: 'records', total: recordsToCheck(input, units), sink: run.progress ?? { write: () => undefined, isTTY: false }, quiet: run.progress === undefined });
  let outputs: ManifestFile[];
  const rejected = { count: 0 };
  try {
    outputs = await checkRecords({ input, options, indexes, stage, itemIds: items.map((item) => item.id), sources: evidenceSources(benchmarks, indexes, options), tally, seconds, progress, signal: run.signal, rejected, dir, units });
  } finally {
    await stage?.close();
  }
  const elapsed = (performance.now() - started) / 1000;
  const summary: DecontamSummary = {
    input: input.kind === 'pairs' ? (input.coreset === undefined ? 'pairs' : 'coreset') : 'generated',
    records: tally.records, kept: tally.kept, removed: tally.removed, rejected: rejected.count,
    removedByBenchmark: tally.removedByBenchmark, removedByDetector: tally.removedByDetector,
    benchmarkItems: Object.fromEntries(benchmarks.files.map((f) => [f.stem, f.items])),
    benchmarkItemsHit: tally.benchmarkItemsHit,
    detectors: DETECTORS.filter((d) => (d === 'embedding' ? options.embedding.enabled : options[d].enabled)),
    embeddingModel: stage?.model.key ?? null,
    seconds: elapsed, rowsPerSecond: tally.records / Math.max(elapsed, 1e-9), detectorSeconds: seconds, out: options.out,
  };
  const parameters = {
    input: { kind: summary.input, path: inputPath(input) },
    exact: options.exact,
    ngram: options.ngram,
    embedding: stage === undefined
      ? { enabled: false }
      : { enabled: true, threshold: options.embedding.threshold, model: stage.model.describe, modelKey: stage.model.key, idf: stage.idfSource, vectors: stage.source === undefined ? 'embedded' : stage.source.path },
    maxSolutions: options.maxSolutions,
    benchmarks: benchmarks.files.map((f) => ({ path: f.path, stem: f.stem, layout: f.layout, items: f.items })),
    windowRows: options.windowRows,
    threads: options.threads,
    candidates: { file: CANDIDATES_FILE, floors: floorsFor(thresholdsOf(options)) },
  };
  const inputs = [
    await inputFile(input),
    ...(input.kind === 'pairs' && input.coreset !== undefined ? [input.coreset.file] : []),
    ...(stage?.source === undefined ? [] : [stage.source.file]),
    ...benchmarks.files.map((f) => f.file),
  ];
  return { summary, outputs, parameters, inputs, indexStats: { exactIndex: indexes.exact?.stats ?? null, ngramIndex: indexes.ngram?.stats ?? null }, itemsHit: tally.hitItems() };
}

/** The benchmark texts in the order the indexes hold them (see indexes.ts), for evidence. */
function evidenceSources(benchmarks: BenchmarkSet, indexes: TextIndexes, options: ResolvedDecontamOptions): EvidenceSources {
  const paths = new Map(benchmarks.files.map((file) => [file.stem, file.path]));
  const ngram = indexes.ngram;
  return {
    pieces: benchmarks.items.flatMap((item) => item.exactPieces),
    units: benchmarks.items.flatMap((item) => item.codeUnits),
    items: benchmarks.items.map((item) => ({ path: paths.get(item.benchmark) ?? item.benchmark, line: item.line, embedText: item.embedText })),
    n: options.ngram.n,
    counted: ngram === undefined ? () => true : (hash) => ngram.countsNgram(hash),
  };
}

/** The manifest of a pass (or of merged shards); `extra` parameters (a merge's `shards`) are added last. */
export function decontamManifest(pass: Omit<DecontamPass, 'itemsHit'>, extra: Record<string, unknown>): Manifest {
  const { summary } = pass;
  return newManifest({
    stage: 'decontam',
    parameters: { ...pass.parameters, ...extra },
    inputs: pass.inputs,
    outputs: pass.outputs,
    counts: {
      records: summary.records, kept: summary.kept, removed: summary.removed, rejected: summary.rejected,
      removedByBenchmark: summary.removedByBenchmark, removedByDetector: summary.removedByDetector,
      benchmarkItems: summary.benchmarkItems, benchmarkItemsHit: summary.benchmarkItemsHit,
      exactIndex: pass.indexStats.exactIndex, ngramIndex: pass.indexStats.ngramIndex,
    },
    timings: { seconds: summary.seconds, exactSeconds: summary.detectorSeconds.exact, ngramSeconds: summary.detectorSeconds.ngram, embeddingSeconds: summary.detectorSeconds.embedding },
  });
}

/** The input file for the manifest (pairs: checksum from the ingest manifest when it has one). */
async function inputFile(input: DecontamInput): Promise<ManifestFile> {
  if (input.kind === 'generated') return describeFile(input.path);
  const { pairs } = input;
  if (pairs.sha256 === undefined) return describeFile(pairs.path, pairs.rows);
  return { path: pairs.path, bytes: pairs.bytes, sha256: pairs.sha256, ...(pairs.rows === undefined ? {} : { rows: pairs.rows }) };
}
