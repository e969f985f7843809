/**
 * The I/O shell of `embed`: reads `pairs.arrow` window by window, embeds each window's texts on a
 * worker pool (length-sorted tasks, so padding stays small), journals every finished window (see
 * parts.ts) and finally streams the windows into `embeddings.arrow` with its manifest. Killed at any
 * point, the same command resumes after the last finished window and ends with the same file.
 */
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { TidepoolError } from '../errors.js';
import { float32ArrayToHalf } from '../store/matrix.js';
import { createHash } from 'node:crypto';
import { newManifest, readManifest, sha256File } from '../store/manifest.js';
import { OutputFolder } from '../store/output-folder.js';
import { publishFileOnce, writeFileAtomically } from '../util/atomic-file.js';
import { Progress, type ProgressSink } from '../util/progress.js';
import { DocumentFrequency, documentFrequencyFromBytes, documentFrequencyToBytes, hashingModelKey } from '../embedders/hashing/index.js';
import { openPairs, pairsLineage, readTextWindows, type PairsInput } from '../store/pairs-input.js';
import { resolveEmbedModel, type EmbedModel } from '../embedders/model.js';
import { resolveEmbedOptions, type EmbedOptions, type ResolvedEmbedOptions } from './options.js';
import { EMBEDDINGS_FILE, embeddingsBatch, embeddingsSchema } from '../store/embeddings-file.js';
import type { EmbeddingValues } from '../store/embeddings.js';
import { EmbedParts, type WindowStats } from './parts.js';
import { createEmbedPool, type EmbedPool } from '../embedders/pool.js';
import type { EmbedTask } from '../embedders/protocol.js';
import { ENDPOINT_WINDOW_ROWS, WindowVectors, embedWindowRemote } from './endpoint-window.js';
import { EndpointJournal } from './endpoint-journal.js';

/** Arguments of {@link runEmbed}. */
export interface EmbedRun extends EmbedOptions {
  /** The ingest output folder (or its pairs.arrow). */
  data: string;
  out: string;
  progress?: ProgressSink | undefined;
  /** Stops the run after the window in flight (Ctrl-C), which is journaled first; rerunning resumes. */
  signal?: AbortSignal | undefined;
}

/** The `--json` summary of embed. */
export interface EmbedSummary {
  rows: number;
  dim: number;
  seconds: number;
  /** Rows embedded by this invocation per second (resumed rows excluded). */
  rowsPerSecond: number;
  device: string;
  model: string;
  /** Tokens of every row, resumed rows included. */
  tokens: number;
  /** Tokens embedded by this invocation per second, counted like {@link rowsPerSecond} (resumed rows excluded). */
  tokensPerSecond: number | null;
  /** Share of the tokens fed to the model that were padding. */
  paddingFraction: number | null;
  truncated: number;
  empty: number;
  zeroVectors: number;
  /** Rows found already embedded by an earlier, interrupted run. */
  resumedRows: number;
  /** Remote servers of a priced model (OpenAI's): the estimated cost of every row's tokens, in USD. */
  estimatedCostUSD?: number;
  out: string;
  /** A sharded run (`--shard I/N`): this shard; its counts are its own windows'. */
  shard?: string;
  /** The shard's windows, `start <= window < end`. */
  windows?: { start: number; end: number };
  /** The shard had finished before (its marker was there): nothing was embedded. */
  alreadyDone?: boolean;
  /** This invocation merged the shards into embeddings.arrow (or found them merged already). */
  merged?: boolean;
  /** The folder was merged before: nothing was written. */
  alreadyMerged?: boolean;
  /** Rows of the merged file. */
  mergedRows?: number;
  /** Shards still without a completion marker. */
  missingShards?: number[];
}

/** Texts per worker task: a few model calls' worth, so the pool stays busy and tasks stay cheap to move. */
function taskRows(model: EmbedModel): number {
  // A static model, like hashing, costs microseconds a row: bigger tasks keep the messages few.
  return model.kind === 'onnx' ? 64 : 512;
}

/**
 * Task order of a window: indexes sorted by text length, longest first (ties by position), so each task
 * pads little and the window ends on its shortest tasks: the workers finish it nearly together, where
 * ending on the longest tasks left one worker idle while the other ran the last one.
 */
function lengthOrder(texts: readonly string[]): Uint32Array {
  const order = Uint32Array.from(texts.keys());
  return order.sort((a, b) => texts[b]!.length - texts[a]!.length || a - b);
}

const DF_FILE = 'hashing-df.bin';

/** The hashing model's document frequencies: from the journal, or a first pass over every text. */
async function documentFrequencies(model: Extract<EmbedModel, { kind: 'hashing' }>, parts: EmbedParts, input: PairsInput, options: ResolvedEmbedOptions, windowRows: number, pool: EmbedPool, sink: ProgressSink | undefined, signal: AbortSignal | undefined, shared: boolean): Promise<DocumentFrequency> {
  const path = join(parts.dir, DF_FILE);
  const saved = await readFile(path).catch(() => undefined);
  if (saved !== undefined) return documentFrequencyFromBytes(saved, path);
  const df = new DocumentFrequency(model.params.buckets);
  const progress = new Progress({ label: 'embed: document frequencies', unit: 'rows', total: input.rows, sink: sink ?? { write: () => undefined, isTTY: false }, quiet: sink === undefined });
  let rows = 0;
  for await (const window of readTextWindows(input, options.template, windowRows)) {
    if (signal?.aborted) throw interrupted(0, parts.dir);
    const tasks: Promise<void>[] = [];
    for (let at = 0; at < window.texts.length; at += 2048) {
      const task: EmbedTask = { kind: 'df', params: model.params, texts: window.texts.slice(at, at + 2048) };
      tasks.push(pool.documentFrequencies(task).then((reply) => {
        for (let i = 0; i < reply.buckets.length; i++) df.counts[reply.buckets[i]!]! += reply.counts[i]!;
        df.documents += reply.documents;
      }));
    }
    await Promise.all(tasks);
    rows += window.texts.length;
    progress.update(rows);
  }
  progress.finish();
  // The shards of a sharded run each count the same frequencies (a deterministic pass) and may finish
  // together: one file each to stage, the first to finish publishes. A whole run owns the folder alone.
  if (shared) await publishFileOnce(path, documentFrequencyToBytes(df));
  else await writeFileAtomically(path, documentFrequencyToBytes(df));
  return df;
}

/**
 * Embeds one window on the pool; vectors in window order. Every task of the window is awaited, even
 * when one fails or the user presses Ctrl-C: a worker must never be terminated while onnxruntime runs
 * inside it (the native call then throws into a dying thread and aborts the whole process), and a
 * finished window is journaled, so an interrupt stops after it without losing it.
 */
async function embedWindow(texts: readonly string[], model: Exclude<EmbedModel, { kind: 'endpoint' }>, pool: EmbedPool, idf: { buffer: SharedArrayBuffer; key: string } | undefined, onTask: (rows: number) => void): Promise<{ vectors: Float32Array; stats: Omit<WindowStats, 'seconds'> }> {
  const dim = model.dim;
  const vectors = new Float32Array(texts.length * dim);
  const order = lengthOrder(texts);
  const stats = { rows: texts.length, tokens: 0, paddedTokens: 0, truncated: 0, empty: 0, zeroVectors: 0 };
  const size = taskRows(model);
  const tasks: Promise<void>[] = [];
  for (let at = 0; at < order.length; at += size) {
    const indexes = order.subarray(at, at + size);
    const batch = Array.from(indexes, (i) => texts[i]!);
    const task: Exclude<EmbedTask, { kind: 'df' }> = model.kind === 'hashing'
      ? { kind: 'hashing', params: model.params, idf: idf!.buffer, idfKey: idf!.key, texts: batch }
      : model.kind === 'static' ? { kind: 'static', model: model.spec, texts: batch } : { kind: 'onnx', model: model.spec, texts: batch };
    tasks.push(pool.embed(task).then((reply) => {
      for (let j = 0; j < indexes.length; j++) vectors.set(reply.vectors.subarray(j * dim, (j + 1) * dim), indexes[j]! * dim);
      stats.tokens += reply.tokens;
      stats.paddedTokens += reply.paddedTokens;
      stats.truncated += reply.truncated;
      stats.empty += reply.empty;
      stats.zeroVectors += reply.zeroVectors;
      onTask(indexes.length);
    }));
  }
  const failed = (await Promise.allSettled(tasks)).find((result) => result.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  return { vectors, stats };
}

/** A window whose embedding has started: `done` resolves with its vectors and the time it ended. */
interface InFlightWindow {
  index: number;
  rowIds: Parameters<typeof embeddingsBatch>[1];
  startedAt: number;
  done: Promise<{ embedded: Awaited<ReturnType<typeof embedWindow>>; at: number }>;
}

/** The error of a run stopped by Ctrl-C: every window up to here is journaled. */
function interrupted(rows: number, journal: string): TidepoolError {
  return new TidepoolError('E_INTERRUPTED', `embed interrupted after ${rows} rows; finished windows are kept in ${journal}. Rerun the same command to resume.`, { path: journal });
}

/** Runs embed end to end (resuming a journaled run), or one shard of it, or the shards' merge, and returns its summary. */
export async function runEmbed(run: EmbedRun): Promise<EmbedSummary> {
  const started = performance.now();
  if (run.shard !== undefined || run.merge === true) {
    const { runEmbedSharded } = await import('./sharded.js');
    return runEmbedSharded(run, started);
  }
  const folder = await OutputFolder.claim(run.out, 'embed');
  try {
    return await embedInto(folder, run, started);
  } finally {
    folder.release();
  }
}

/**
 * Refuses to replace finished embeddings of other inputs or parameters (a rerun of the same command
 * into a finished folder runs again and writes the same file).
 */
export async function assertNotOtherRun(folder: { dir: string }, identity: string, input: PairsInput): Promise<void> {
  // No manifest (a new or unfinished folder) or an unreadable one: nothing finished to protect.
  const manifest = await readManifest(folder.dir).catch(() => undefined);
  if (manifest === undefined || manifest.stage !== 'embed') return;
  const previous = manifest.parameters.identity;
  const sameInput = manifest.inputs[0]?.sha256 === input.sha256;
  if (previous === identity || (previous === undefined && sameInput)) return;
  const what = sameInput ? 'the same pairs with other parameters (model, device, text template, precision or window size)' : `other pairs (${manifest.inputs[0]?.path ?? '?'}, sha256 ${manifest.inputs[0]?.sha256.slice(0, 12) ?? '?'}…)`;
  throw new TidepoolError('E_INPUT_MISMATCH', `${folder.dir} already holds finished embeddings of ${what}, written ${manifest.createdAt}; this run would replace them with embeddings of ${input.path} (sha256 ${input.sha256?.slice(0, 12) ?? '?'}…). Use another --out, or delete ${folder.dir} to replace them.`, { path: folder.dir });
}

/** What a run (whole, one shard or the merge) derives from its options before it embeds anything. */
export interface EmbedSetup {
  options: ResolvedEmbedOptions;
  input: PairsInput & { sha256: string };
  model: EmbedModel;
  threads: number;
  windowRows: number;
  /** What the embeddings are computed from: the journal's key.json, and the manifest's parameters. */
  key: Record<string, unknown>;
  /** SHA-256 of {@link key}. */
  identity: string;
}

/** Resolves the options, opens the pairs and the model, and derives the run's key. */
export async function setUpEmbed(run: EmbedRun): Promise<EmbedSetup> {
  const options = resolveEmbedOptions(run);
  const input = await openPairs(run.data, options.template);
  input.sha256 ??= await sha256File(input.path);
  const model = await resolveEmbedModel(options, run.progress);
  // One GPU is fed best by one session; several WebGPU sessions in worker threads also crashed Dawn
  // (SwiftShader: segfault with 2+ workers). CPU and CUDA keep a worker per core.
  // Remote servers need no worker: one idle thread stands in for the pool.
  const threads = options.threads ?? (model.device === 'webgpu' || model.kind === 'endpoint' ? 1 : Math.min(availableParallelism(), 4));
  // Windows are the unit of resume: a few seconds of work each for a model, more for hashing. Remote
  // servers resume per batch (the window's journal), and every window end drains the requests in flight
  // before the next window starts, so their windows are long: at 2,048 rows, 2 servers x 16 requests x 32
  // texts drained twice a window and sent 60-75% of what the servers could answer (bench/endpoint.mjs).
  const windowRows = options.windowRows ?? (model.kind === 'endpoint' ? ENDPOINT_WINDOW_ROWS : model.kind === 'onnx' ? 2048 : 8192);
  const key = {
    stage: 'embed', input: { sha256: input.sha256, bytes: input.bytes }, model: model.key, device: model.device, text: options.template.source,
    precision: options.precision, windowRows, batchTokens: model.kind === 'onnx' ? model.spec.batchTokens : null,
  };
  const identity = createHash('sha256').update(JSON.stringify(key)).digest('hex');
  return { options, input: { ...input, sha256: input.sha256 }, model, threads, windowRows, key, identity };
}

/** Running totals of a run. */
export interface EmbedTotals {
  rows: number; tokens: number; paddedTokens: number; truncated: number; empty: number; zeroVectors: number;
  resumedRows: number; embeddedRows: number; embeddedTokens: number; embedSeconds: number;
}

/** Totals with nothing counted yet. */
export function emptyTotals(): EmbedTotals {
  return { rows: 0, tokens: 0, paddedTokens: 0, truncated: 0, empty: 0, zeroVectors: 0, resumedRows: 0, embeddedRows: 0, embeddedTokens: 0, embedSeconds: 0 };
}

async function embedInto(folder: OutputFolder, run: EmbedRun, started: number): Promise<EmbedSummary> {
  const setup = await setUpEmbed(run);
  await assertNotOtherRun(folder, setup.identity, setup.input);
  const parts = await EmbedParts.open(run.out, setup.key);
  const { totals, windows } = await embedWindows(setup, parts, run);
  return commitEmbeddings(folder, setup, parts, totals, windows, started, {});
}

/**
 * Embeds every window of `windowRange` (default: all) that the journal does not hold yet, journaling
 * each; returns the totals of the range's windows and the number of windows read.
 */
export async function embedWindows(setup: EmbedSetup, parts: EmbedParts, run: EmbedRun, windowRange?: { start: number; end: number }): Promise<{ totals: EmbedTotals; windows: number }> {
  const { options, input, model, threads, windowRows } = setup;
  const inRange = (index: number): boolean => windowRange === undefined || (index >= windowRange.start && index < windowRange.end);
  const finished = await parts.finished();
  const pool = createEmbedPool(threads);
  const totals = emptyTotals();
  let windows = 0;
  try {
    let idf: { buffer: SharedArrayBuffer; key: string } | undefined;
    if (model.kind === 'hashing') {
      const df = await documentFrequencies(model, parts, input, options, windowRows, pool, run.progress, run.signal, windowRange !== undefined);
      const weights = df.idf();
      const buffer = new SharedArrayBuffer(weights.byteLength);
      new Float32Array(buffer).set(weights);
      idf = { buffer, key: `${hashingModelKey(model.params)}:${input.sha256}` };
    }
    for (const [index, stats] of finished) if (inRange(index)) totals.resumedRows += stats.rows;
    const rangeRows = input.rows === undefined || windowRange === undefined ? input.rows : Math.min(input.rows, windowRange.end * windowRows) - Math.min(input.rows, windowRange.start * windowRows);
    const remaining = rangeRows === undefined ? undefined : rangeRows - totals.resumedRows;
    const progress = new Progress({ label: 'embed', unit: 'rows', total: remaining, sink: run.progress ?? { write: () => undefined, isTTY: false }, quiet: run.progress === undefined });
    const schema = embeddingsSchema(model.dim, options.precision, model.key);
    // Remote windows overlap: the next one's requests start once every request of this one is sent, so no
    // request slot idles while a window's last answers come in, its part is written and the next texts are
    // read (at 2 x 16 slots those gaps cost ~6% of each 16,384-row window). Two arrays, used in turn: a
    // window's vectors are written to its part (settle) before the window after next starts.
    const remoteVectors = [new WindowVectors(), new WindowVectors()];
    let started = 0;
    let pendingRows = 0;
    let lastDoneAt = 0;
    let inFlight: InFlightWindow | undefined;
    let stoppedEarly = false;
    const note = (): string => (totals.embedSeconds > 0 && totals.embeddedTokens > 0 ? `${Math.round(totals.embeddedTokens / totals.embedSeconds)} tokens/s` : '');
    const onTask = (rows: number): void => {
      pendingRows += rows;
      progress.update(totals.embeddedRows + pendingRows, totals.embeddedRows + pendingRows, note());
    };
    /** Waits for a window, writes its part and counts it. */
    const settle = async (flight: InFlightWindow): Promise<void> => {
      const { embedded: { vectors, stats }, at } = await flight.done;
      const values: EmbeddingValues = options.precision === 'fp16' ? { precision: 'fp16', values: float32ArrayToHalf(vectors) } : { precision: 'fp32', values: vectors };
      // Overlapping windows: a window's time runs from the end of the one before it (or its own start).
      const windowStats: WindowStats = { ...stats, seconds: (at - Math.max(flight.startedAt, lastDoneAt)) / 1000 };
      lastDoneAt = at;
      await parts.write(flight.index, embeddingsBatch(schema, flight.rowIds, values, model.dim), windowStats);
      if (model.kind === 'endpoint') await EndpointJournal.remove(parts.dir, flight.index);
      accumulate(totals, windowStats);
      // This run's rates count only what it embedded: the resumed windows' rows and tokens took no time here.
      pendingRows -= stats.rows;
      totals.embeddedRows += stats.rows;
      totals.embeddedTokens += stats.tokens;
      totals.embedSeconds += windowStats.seconds;
      progress.update(totals.embeddedRows + pendingRows, totals.embeddedRows + pendingRows, note());
    };
    // The next window's texts are read while this one is embedded: read after a remote window drained,
    // they held up its successor's first requests (0.1-1 s a window on a loaded machine).
    const reader = readTextWindows(input, options.template, windowRows)[Symbol.asyncIterator]();
    const read = (): ReturnType<typeof reader.next> => {
      const next = reader.next();
      // Awaited in turn below; until then a failed read must not count as unhandled.
      next.catch(() => undefined);
      return next;
    };
    try {
      for (let upcoming = read(); ;) {
        const item = await upcoming;
        if (item.done === true) break;
        const window = item.value;
        upcoming = read();
        windows = window.index + 1;
        // A shard reads past the windows before its own (their texts are cheap to read) and stops after its last.
        if (windowRange !== undefined && window.index >= windowRange.end) break;
        if (!inRange(window.index)) continue;
        const done = finished.get(window.index);
        if (done !== undefined && done.rows === window.texts.length) {
          accumulate(totals, done);
          continue;
        }
        // Ctrl-C: no new window; the one in flight is finished and written below.
        if (run.signal?.aborted) {
          stoppedEarly = true;
          break;
        }
        let onDrained = (): void => undefined;
        const drained = new Promise<void>((resolve) => { onDrained = resolve; });
        const startedAt = performance.now();
        const embedding = model.kind === 'endpoint' ? embedWindowRemote(window.texts, window.index, model, parts.dir, onTask, remoteVectors[started % 2], onDrained) : embedWindow(window.texts, model, pool, idf, onTask);
        started++;
        const flight: InFlightWindow = { index: window.index, rowIds: window.rowIds, startedAt, done: embedding.then((embedded) => ({ embedded, at: performance.now() })) };
        // A window that ends (or fails) before it drains, e.g. one resumed whole from its journal, is drained too.
        // This handler also keeps its failure from counting as unhandled until settle awaits it.
        flight.done.then(onDrained, onDrained);
        const previous = inFlight;
        inFlight = flight;
        if (previous !== undefined) await settle(previous);
        await drained;
        // Workers' windows do not overlap (the pool is busy until a window ends): written before the next one.
        if (model.kind !== 'endpoint') {
          inFlight = undefined;
          await settle(flight);
        }
      }
      const last = inFlight;
      inFlight = undefined;
      if (last !== undefined) await settle(last);
    } catch (error) {
      // The window still in flight finishes its requests (journaling their answers) before the error is thrown.
      await inFlight?.done.catch(() => undefined);
      throw error;
    } finally {
      await reader.return(undefined);
    }
    // As before windows overlapped: stopped before a window, or after one embedded here.
    if (run.signal?.aborted === true && (stoppedEarly || started > 0)) throw interrupted(totals.rows, parts.dir);
    progress.finish();
  } finally {
    await pool.close();
  }
  return { totals, windows };
}

/**
 * Streams the journal's windows 0..windows-1 into `embeddings.arrow`, commits its manifest (with
 * `extraParameters`, e.g. the shards) and removes the journal; returns the summary.
 */
export async function commitEmbeddings(folder: OutputFolder, setup: EmbedSetup, parts: EmbedParts, totals: EmbedTotals, windows: number, started: number, extraParameters: Record<string, unknown>): Promise<EmbedSummary> {
  const { options, input, model, threads, key, identity } = setup;
  const outPath = join(folder.dir, EMBEDDINGS_FILE);
  await folder.uncommit();
  const written = await parts.assemble(outPath, embeddingsSchema(model.dim, options.precision, model.key), windows);
  const seconds = (performance.now() - started) / 1000;
  const summary: EmbedSummary = {
    rows: totals.rows, dim: model.dim, seconds, rowsPerSecond: totals.embeddedRows / Math.max(totals.embedSeconds, 1e-9), device: model.device, model: model.key,
    tokens: totals.tokens, tokensPerSecond: model.kind === 'hashing' ? null : totals.embeddedTokens / Math.max(totals.embedSeconds, 1e-9),
    paddingFraction: totals.paddedTokens > 0 ? 1 - totals.tokens / totals.paddedTokens : null,
    truncated: totals.truncated, empty: totals.empty, zeroVectors: totals.zeroVectors, resumedRows: totals.resumedRows, out: folder.dir,
  };
  const cost = model.kind === 'endpoint' && model.pricePerMillion !== null ? { estimatedCostUSD: (totals.tokens / 1e6) * model.pricePerMillion } : {};
  Object.assign(summary, cost);
  await folder.commit(newManifest({
    stage: 'embed',
    parameters: { ...key, model: model.describe, maxLength: model.maxLength, threads, identity, ...extraParameters },
    lineage: await pairsLineage(input),
    inputs: [{ path: input.path, bytes: input.bytes, sha256: input.sha256, ...(input.rows === undefined ? {} : { rows: input.rows }) }],
    outputs: [{ path: outPath, bytes: written.bytes, sha256: written.sha256, rows: totals.rows }],
    counts: { rows: totals.rows, tokens: totals.tokens, truncated: totals.truncated, empty: totals.empty, zeroVectors: totals.zeroVectors, resumedRows: totals.resumedRows, ...cost },
    timings: { seconds, embedSeconds: totals.embedSeconds },
  }));
  await parts.remove();
  return summary;
}

/** Adds one window's statistics to `totals`. */
export function accumulate(totals: { rows: number; tokens: number; paddedTokens: number; truncated: number; empty: number; zeroVectors: number }, stats: WindowStats): void {
  totals.rows += stats.rows;
  totals.tokens += stats.tokens;
  totals.paddedTokens += stats.paddedTokens;
  totals.truncated += stats.truncated;
  totals.empty += stats.empty;
  totals.zeroVectors += stats.zeroVectors;
}
