/**
 * The I/O shell of ingest: reads every input, parses jsonl blocks on a worker pool, feeds the results
 * in input order to the sequential core, and writes `pairs.arrow`, `rejects.jsonl` and `manifest.json`.
 */
import { rename, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { TidepoolError } from '../errors.js';
import { ArrowFileSink } from '../store/arrow-file.js';
import { describeFile, newManifest, sha256File, type ManifestFile } from '../store/manifest.js';
import { OutputFolder } from '../store/output-folder.js';
import { PAIRS_FILE, pairsBatch, pairsSchema } from '../store/pairs.js';
import { Progress, type ProgressSink } from '../util/progress.js';
import { ChunkBuilder, type ChunkOptions } from './chunk.js';
import { IngestCore, type IngestCounts } from './core.js';
import { discoverInputs, type InputFile } from './discover.js';
import { resolveIngestOptions, resolveIngestThreads, type IngestOptions, type ResolvedIngestOptions } from './options.js';
import { createChunkParser, type ChunkParser, type ParsedChunk } from './pool.js';
import { everyFileRejected, RejectLog, REJECTS_FILE } from './rejects.js';
import { readArrow } from './sources/arrow.js';
import { DEFAULT_BLOCK_BYTES, readJsonlBlocks, type ByteRange, type JsonlDigest } from '../store/jsonl.js';
import { settleInOrder, type ChunkInFlight } from './settle-in-order.js';
import { readParquet } from './sources/parquet.js';
import type { SourceItem } from './sources/types.js';

export { REJECTS_FILE, type FileRejectRecord, type RejectRecord } from './rejects.js';

/** Arguments of {@link runIngest}. */
export interface IngestRun {
  inputs: readonly string[];
  out: string;
  options?: IngestOptions;
  /** Worker threads parsing jsonl; 0 parses on the main thread. @default min(available cores, 4) */
  threads?: number | undefined;
  /** Progress output; quiet when undefined. */
  progress?: ProgressSink | undefined;
  /**
   * Where a warning line goes (an input file left out, and why).
   * @default a line on the progress sink; nowhere when there is none
   */
  warn?: ((message: string) => void) | undefined;
  /** Stops the run between blocks (Ctrl-C). */
  signal?: AbortSignal | undefined;
}

/** The `--json` summary of ingest. */
export interface IngestSummary extends IngestCounts {
  seconds: number;
  out: string;
}

/** An input as the manifest records it; `rejected` says why a file was left out. */
interface IngestInput extends ManifestFile {
  rejected?: string;
}

/** A chunk result on its way, with the file it came from. */
interface Pending {
  result: Promise<ParsedChunk>;
  sourceIndex: number;
  file: string;
  /** Bytes of its file read when the chunk was handed out: done, for progress, once it is settled. */
  bytesRead: number;
}

/** Chunk results for the items of a columnar input (Parquet/Arrow), built on the main thread. */
function chunkFromItems(items: readonly SourceItem[], options: ChunkOptions): ParsedChunk {
  const builder = new ChunkBuilder(options);
  for (const item of items) {
    if (item.kind === 'record') builder.record(item.value, item.line);
    else builder.reject({ line: item.line, reason: item.reason, detail: item.detail, ...(item.raw === undefined ? {} : { raw: item.raw }) });
  }
  return { result: builder.finish(), release: () => undefined };
}

/**
 * Yields every chunk of one input file (or of `range`, a byte range of a plain jsonl file), in order
 * (jsonl blocks go to the parser). Results are wrapped:
 * an async generator would otherwise await each promise before yielding it, losing the parallelism.
 */
export async function* chunksOf(file: InputFile, options: ChunkOptions, parser: ChunkParser, onBytes: (bytes: number) => void, digest: (d: JsonlDigest) => void, range?: ByteRange): AsyncGenerator<ChunkInFlight> {
  if (file.format === 'jsonl') {
    for await (const pieces of readJsonlBlocks(file.path, options.maxLineBytes, { onBytes }, digest, DEFAULT_BLOCK_BYTES, parser.allocate, range)) {
      for (const piece of pieces) {
        if (piece.kind === 'block') yield { result: parser.parse(piece.bytes, piece.firstLine) };
        else yield { result: Promise.resolve(chunkFromItems([piece], options)) };
      }
    }
    return;
  }
  const items = file.format === 'parquet' ? readParquet(file.path, { onBytes }) : readArrow(file.path, file.bytes, { onBytes });
  for await (const batch of items) yield { result: Promise.resolve(chunkFromItems(batch, options)) };
}

/**
 * Where the chunks of input `sourceIndex` come from: parsed from the file (an unsharded run) or replayed
 * from a shard's part (the merge of a sharded run).
 */
export type ChunkSource = (file: InputFile, sourceIndex: number, onBytes: (bytes: number) => void, digest: (d: JsonlDigest) => void) => AsyncGenerator<ChunkInFlight>;

/** Runs ingest end to end and returns its summary (`--shard` / `--merge`: see sharded.ts). */
export async function runIngest(run: IngestRun): Promise<IngestSummary> {
  const started = performance.now();
  const options = resolveIngestOptions(run.options);
  const threads = resolveIngestThreads(run.threads);
  const files = await discoverInputs(run.inputs);
  const folder = await OutputFolder.claim(run.out, 'ingest');
  try {
    return await ingestInto(folder, run, options, threads, files, started);
  } finally {
    folder.release();
  }
}

/** Yields every chunk of one input file, in order; the shape {@link ChunkSource} takes. */
export function parsedChunks(options: ChunkOptions, parser: ChunkParser): ChunkSource {
  return (file, _sourceIndex, onBytes, digest) => chunksOf(file, options, parser, onBytes, digest);
}

/**
 * Ingests `files` into the claimed `folder`.
 * @param source where chunks come from. @default parsed from the files
 * @param extraParameters added to the manifest's parameters (a merge's `shards`).
 */
export async function ingestInto(folder: OutputFolder, run: IngestRun, options: ResolvedIngestOptions, threads: number, files: InputFile[], started: number, source?: ChunkSource, extraParameters: Record<string, unknown> = {}): Promise<IngestSummary> {
  const core = new IngestCore(options);
  const sink = ArrowFileSink.create(join(run.out, PAIRS_FILE), pairsSchema);
  const rejectsPath = join(run.out, REJECTS_FILE);
  const rejects = new RejectLog(`${rejectsPath}.partial`);
  const totalBytes = files.reduce((sum, file) => sum + file.bytes, 0);
  const progress = new Progress({ label: 'ingest', unit: 'rows', total: totalBytes, sink: run.progress ?? { write: () => undefined, isTTY: false }, quiet: run.progress === undefined });
  const progressSink = run.progress;
  const warnTo = run.warn ?? (progressSink === undefined ? () => undefined : (message: string) => {
    progressSink.write(`${message}\n`);
  });
  const warn = (message: string): void => {
    progress.clear(); // a warning gets a line of its own, not the end of the progress line
    warnTo(message);
  };
  const maxInFlight = Math.max(2, threads * 2);
  // Shared slots for blocks in the queue, being read, and whose rows are still being written.
  const parser = createChunkParser(source === undefined && files.some((f) => f.format === 'jsonl') ? threads : 0, options, maxInFlight + 4);
  const chunksFrom = source ?? parsedChunks(options, parser);
  const inputs: IngestInput[] = [];
  const rejectedFiles: { file: string; error: unknown }[] = [];
  let pairsBytes = 0;
  let bytesDone = 0;
  let bytesInFile = 0;
  const note = (): string => {
    const files = core.counts.rejectedFiles;
    return `kept ${core.counts.kept}${files === 0 ? '' : ` | ${files} file${files === 1 ? '' : 's'} rejected`}`;
  };

  /** Takes the oldest chunk: tallies, de-duplicates, writes its rows and rejects. */
  const settle = async (pending: Pending): Promise<void> => {
    const { result: chunk, release } = await pending.result;
    const verdict = core.addChunk(chunk);
    for (const reject of chunk.rejects) await rejects.write({ file: pending.file, ...reject });
    if (verdict.kept > 0) await sink.write(pairsBatch(chunk, verdict.keep, verdict.kept, verdict.firstRowId, pending.sourceIndex));
    // The batch's buffers are the chunk's memory: free it once they are on disk.
    void sink.written().then(release, release);
    if (run.signal?.aborted) throw new TidepoolError('E_INTERRUPTED', 'ingest interrupted; nothing was written. Rerun the same command to start again.');
    // Bytes count once their rows are settled, not when they are read (reading runs ahead).
    progress.update(core.counts.read, bytesDone + pending.bytesRead, note());
  };

  try {
    for (const [sourceIndex, file] of files.entries()) {
      let digest: JsonlDigest | undefined;
      bytesInFile = 0;
      const shown = relative(process.cwd(), file.path) || file.path;
      const onBytes = (bytes: number): void => {
        bytesInFile = bytes;
      };
      const readBefore = core.counts.read;
      const chunks = chunksFrom(file, sourceIndex, onBytes, (d) => (digest = d));
      // A damaged or unreadable file is rejected as a whole; the other inputs go on.
      const failure = await settleInOrder(chunks, maxInFlight, (result): Pending => ({ result, sourceIndex, file: shown, bytesRead: bytesInFile }), settle);
      bytesDone += file.bytes;
      bytesInFile = 0;
      // A file that cannot be read at all has no checksum: '' records that.
      const sha256 = digest?.sha256 ?? (await (failure === undefined ? sha256File(file.path) : sha256File(file.path).catch(() => '')));
      if (failure === undefined) {
        inputs.push({ path: file.path, bytes: file.bytes, sha256 });
      } else {
        const detail = (failure as Error).message;
        const recordsRead = core.counts.read - readBefore;
        core.rejectFile();
        rejectedFiles.push({ file: shown, error: failure });
        // Still listed, so source_index keeps pointing at the right file.
        inputs.push({ path: file.path, bytes: file.bytes, sha256, rejected: detail });
        await rejects.write({ file: shown, reason: 'unreadable_file', detail, recordsRead });
        // With one input the error that follows says it all; with several, the run goes on without this one.
        if (files.length > 1) warn(`warning: input file ${shown} rejected: ${detail}${recordsRead > 0 ? ` (the ${recordsRead} records read before the problem are kept)` : ''}; the other input files are still read`);
      }
      if (rejectedFiles.length < files.length) progress.update(core.counts.read, bytesDone, note());
    }
    if (rejectedFiles.length === files.length) throw everyFileRejected(rejectedFiles);
    // The old manifest goes before the new pairs.arrow replaces the old one: never an old manifest beside new data.
    await folder.uncommit();
    pairsBytes = await sink.close();
    await rejects.close();
    await rename(rejects.path, rejectsPath);
  } catch (error) {
    await sink.abort();
    await rejects.close().catch(() => undefined);
    await rm(rejects.path, { force: true });
    throw error;
  } finally {
    await parser.close();
  }
  progress.finish(note());
  const seconds = (performance.now() - started) / 1000;
  const counts = core.counts;
  await folder.commit(newManifest({
    stage: 'ingest',
    parameters: { ...manifestOptions(options), ...extraParameters },
    inputs,
    outputs: [{ path: join(run.out, PAIRS_FILE), bytes: pairsBytes, sha256: sink.sha256, rows: counts.kept }, await describeFile(rejectsPath, counts.rejected + counts.rejectedFiles)],
    counts: { ...counts },
    timings: { seconds },
  }));
  return { ...counts, seconds, out: run.out };
}

/** The options as the manifest (and a sharded run's plan) records them: JSON has no Infinity. */
export function manifestOptions(options: ResolvedIngestOptions): Record<string, unknown> {
  return { ...options, maxCodeLines: finiteOrNull(options.maxCodeLines), maxCodeChars: finiteOrNull(options.maxCodeChars) };
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}
