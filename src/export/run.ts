/**
 * `tidepool export`: streams a generate / decontam output into Alpaca, ShareGPT, OpenAI messages or
 * Parquet, with a dataset card beside it. The shell: reads and writes files, and hands every record to
 * the pure cores (record.ts, formats.ts, tally.ts, card.ts).
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve, sep } from 'node:path';
import { withOutputFile } from '../store/output-folder.js';
import { TidepoolError, writeFailure } from '../errors.js';
import { Progress, formatCount } from '../util/progress.js';
import { TOOL_VERSION } from '../version.js';
import { renderCard, type CardData, type CardSources } from './card.js';
import { resolveExportInput, readExportItems, type ExportInput } from './input.js';
import { resolveExportOptions, type ExportOptions, type ResolvedExportOptions } from './options.js';
import { claimOutputs, describeOwned, writeOwnedList, type OwnedFile } from './owned.js';
import { summarizeDecontam, summarizeStage } from './provenance.js';
import { countRecord, countReject, countSourceRow, countsObject, newTally, recordsWithSourceRow, sortedCounts, type ExportTally, type SourceRowCounts } from './tally.js';
import { countRepos, tracePipeline, type PipelineTrace } from './upstream.js';
import { BufferedTextFile, JsonRecordSink, PARQUET_CODEC, ParquetRecordSink, type RecordSink } from './writers.js';

/** The `--json` summary of an export. */
export interface ExportSummary {
  format: string;
  records: number;
  rejected: number;
  out: string;
  /** Card path, or null with `--no-card`. */
  card: string | null;
  /** Records per task / language, largest first. */
  tasks: Record<string, number>;
  languages: Record<string, number>;
  seconds: number;
  /** The file read. */
  input: string;
  /** The rejects file, or null when every line was exported. */
  rejects: string | null;
  /** Rejected lines per reason. */
  rejectReasons: Record<string, number>;
}

/** Inputs smaller than this get no progress line (they take well under a second). */
const PROGRESS_MIN_BYTES = 8 * 1024 * 1024;
/** Repositories listed in the card. */
const TOP_REPOS = 20;

const INPUT_KINDS: Record<ExportInput['kind'], string> = {
  kept: 'the records a decontamination kept',
  instructions: 'the accepted samples of a generate run',
  file: 'instruction records',
};

function openSink(resolved: ResolvedExportOptions): Promise<RecordSink> | RecordSink {
  if (resolved.format === 'parquet') return ParquetRecordSink.create(resolved.out, resolved.rowGroupRows);
  const layout = resolved.layout === 'array' ? 'array' : 'lines';
  return JsonRecordSink.create(resolved.out, resolved.format, layout, { withMetadata: resolved.withMetadata, system: resolved.system });
}

/** The rejects file, opened on the first reject; finished, then committed with the other outputs. */
class RejectsFile {
  private file: BufferedTextFile | null = null;
  constructor(private readonly path: string) {}

  async write(entry: Record<string, unknown>): Promise<void> {
    this.file ??= await BufferedTextFile.create(this.path);
    await this.file.append(`${JSON.stringify(entry)}\n`);
  }

  /** The finished partial file to publish, or null when there was no reject. */
  async finish(): Promise<string | null> {
    if (this.file === null) return null;
    await this.file.finish();
    return this.file.partialPath;
  }

  /** Renames the file into place, or removes a stale one from an earlier export (checked to be tidepool's) when there was no reject. */
  async commit(): Promise<string | null> {
    if (this.file === null) {
      await rm(this.path, { force: true });
      return null;
    }
    await this.file.commit();
    return this.path;
  }

  async abort(): Promise<void> {
    await this.file?.abort();
  }
}

/** Streams every input line into the sink and the rejects file, tallying as it goes. */
async function streamRecords(resolved: ResolvedExportOptions, input: ExportInput, sink: RecordSink, rejects: RejectsFile, sourceRows: SourceRowCounts | null): Promise<ExportTally> {
  const tally = newTally();
  const progress = new Progress({ label: 'export', unit: 'records', total: input.bytes, quiet: resolved.progress === undefined || input.bytes < PROGRESS_MIN_BYTES, ...(resolved.progress === undefined ? {} : { sink: resolved.progress }) });
  let bytesRead = 0;
  for await (const items of readExportItems(input.file, resolved.maxLineBytes, (bytes) => (bytesRead = bytes))) {
    for (const item of items) {
      if (item.kind === 'record') {
        await sink.write(item.record);
        countRecord(tally, item.record);
        if (sourceRows !== null) countSourceRow(sourceRows, item.record);
      } else {
        countReject(tally, item.reason);
        await rejects.write({ at: `${input.file}:${item.line}`, file: input.file, line: item.line, reason: item.reason, field: item.field, detail: item.detail, raw: item.raw });
      }
    }
    progress.update(tally.records, bytesRead, tally.rejected > 0 ? `${formatCount(tally.rejected)} rejected` : '');
    if (resolved.signal?.aborted) {
      throw new TidepoolError('E_INTERRUPTED', `export interrupted after ${formatCount(tally.records)} records; nothing was written to ${resolved.out}. Rerun the command to export again.`, { out: resolved.out });
    }
  }
  progress.finish();
  return tally;
}

/**
 * A path as the card shows it: relative to the card's folder, with `/` separators (what `configs`
 * needs, and no local home folders in a card that gets published).
 */
function fromCard(card: string, path: string): string {
  return relative(dirname(resolve(card)), resolve(path)).split(sep).join('/') || '.';
}

async function sourcesFor(trace: PipelineTrace, sourceRows: SourceRowCounts | null, log: (line: string) => void): Promise<CardSources | null> {
  if (trace.pairsPath === null || sourceRows === null) return null;
  const repos = await countRepos(trace.pairsPath, sourceRows).catch((error: unknown) => {
    log(`export: could not read source repositories from ${trace.pairsPath}: ${(error as Error).message}`);
    return null;
  });
  if (repos === null) return null;
  return {
    pairsFile: trace.pairsPath,
    distinctRepos: repos.repos.size,
    matchedRecords: repos.matchedRecords,
    recordsWithRow: recordsWithSourceRow(sourceRows),
    top: sortedCounts(repos.repos).slice(0, TOP_REPOS),
  };
}

function generatorsFor(tally: ExportTally, trace: PipelineTrace): string[] {
  const seen = sortedCounts(tally.generators).map(([model]) => model);
  if (seen.length > 0) return seen;
  const generate = [...trace.stages].reverse().find((stage) => stage.stage === 'generate');
  const model = generate?.parameters.model;
  return typeof model === 'string' && model !== '' ? [model] : [];
}

/** Builds the card's data from what the export saw. */
function cardData(resolved: ResolvedExportOptions, card: string, input: ExportInput, tally: ExportTally, trace: PipelineTrace, sources: CardSources | null, rejectsPath: string | null): CardData {
  return {
    toolVersion: TOOL_VERSION,
    createdAt: resolved.now().toISOString(),
    records: tally.records,
    tasks: sortedCounts(tally.tasks),
    languages: sortedCounts(tally.languages),
    generators: generatorsFor(tally, trace),
    export: {
      format: resolved.format,
      layout: resolved.layout,
      dataFile: fromCard(card, resolved.out),
      inputFile: fromCard(card, input.file),
      inputKind: input.kind,
      withMetadata: resolved.withMetadata,
      system: resolved.system,
      rejected: tally.rejected,
      rejectsFile: rejectsPath === null ? null : fromCard(card, rejectsPath),
      parquet: resolved.format === 'parquet' ? { codec: PARQUET_CODEC, rowGroupRows: resolved.rowGroupRows } : null,
    },
    stages: trace.stages.map((stage) => ({ ...summarizeStage(stage), folder: fromCard(card, stage.dir) })),
    decontam: trace.decontam !== null ? { state: 'done', summary: { ...summarizeDecontam(trace.decontam), folder: fromCard(card, trace.decontam.dir) } } : input.kind === 'kept' ? { state: 'no-manifest' } : { state: 'none' },
    sources: sources === null ? null : { ...sources, pairsFile: fromCard(card, sources.pairsFile) },
  };
}

/** A finished output waiting under `<path>.partial` to be renamed into place. */
interface Staged {
  path: string;
  partial: string;
}

/**
 * Publishes the staged files so that every file under an output name is, at every moment, one that
 * `<out>.tidepool.json` names: first a list naming the earlier and the new files, then `commit` (the
 * renames), then a list naming the new files (and earlier ones at paths this export did not write, e.g.
 * a card from an earlier `--card`). A kill anywhere in between leaves files a rerun may replace.
 */
async function publishOutputs<T>(resolved: ResolvedExportOptions, staged: readonly Staged[], targets: readonly string[], earlier: readonly OwnedFile[], commit: () => Promise<T>): Promise<T> {
  const replaced = new Set(targets.map((path) => resolve(path)));
  try {
    const written = await Promise.all(staged.map((file) => describeOwned(file.path, file.partial)));
    await writeOwnedList(resolved.owned, [...earlier, ...written]);
    const committed = await commit();
    await writeOwnedList(resolved.owned, [...written, ...earlier.filter((file) => !replaced.has(file.path))]);
    return committed;
  } catch (error) {
    throw writeFailure(error, resolved.owned, false);
  }
}

/** Writes the card's text to its partial file. */
async function stageCard(card: string, text: string): Promise<Staged> {
  const partial = `${card}.partial`;
  try {
    await mkdir(dirname(card), { recursive: true });
    await writeFile(partial, text);
  } catch (error) {
    throw writeFailure(error, card, false);
  }
  return { path: card, partial };
}

/**
 * Exports the records of a generate or decontam output (see {@link ExportOptions}). Memory stays
 * bounded by one output buffer or Parquet row group, plus one count per distinct source row when the
 * card lists source repositories. Files are published together at the end, each only where no file
 * tidepool did not write is in the way (see owned.ts).
 * @throws TidepoolError `E_USAGE` for bad options, `E_INPUT_MISSING` when the input is not there,
 *   `E_INPUT_EMPTY` for a Parquet export with no record, `E_OUTPUT` when a file cannot be written or
 *   an existing output, card or rejects file was not written by tidepool (without `force`),
 *   `E_INTERRUPTED` when `signal` fires (partial files are removed). Bad input lines are not errors:
 *   they are counted and written to `<out>.rejects.jsonl`.
 */
export async function runExport(options: ExportOptions): Promise<ExportSummary> {
  const started = performance.now();
  const resolved = resolveExportOptions(options);
  // One export at a time writes this file (and its card, rejects and ownership list beside it).
  return withOutputFile(resolved.out, 'export', () => exportTo(resolved, started));
}

async function exportTo(resolved: ReturnType<typeof resolveExportOptions>, started: number): Promise<ExportSummary> {
  const input = await resolveExportInput(resolved.input);
  for (const [flag, path] of [['--out', resolved.out], ['--card', resolved.card]] as const) {
    if (path !== null && resolve(path) === resolve(input.file)) {
      throw new TidepoolError('E_USAGE', `${flag} ${path} is the input file this export reads; writing it would replace the records. Pass another path.`, { path });
    }
  }
  // Before anything is written: refuse to replace a file tidepool did not write (e.g. a project's README.md).
  const targets = [resolved.out, resolved.rejects, ...(resolved.card === null ? [] : [resolved.card])];
  const earlier = await claimOutputs(targets, resolved.owned, resolved.force);
  resolved.log(`export: reading ${input.file} (${INPUT_KINDS[input.kind]})`);
  const trace: PipelineTrace = resolved.card === null ? { stages: [], decontam: null, pairsPath: null, notes: [] } : await tracePipeline(input.dir, resolved.cwd);
  for (const note of trace.notes) resolved.log(`export: ${note}`);
  const sourceRows: SourceRowCounts | null = trace.pairsPath === null ? null : new Map();

  await mkdir(dirname(resolved.out), { recursive: true });
  const sink = await openSink(resolved);
  const rejects = new RejectsFile(resolved.rejects);
  const staged: Staged[] = [];
  let tally: ExportTally;
  let rejectsPath: string | null;
  try {
    tally = await streamRecords(resolved, input, sink, rejects, sourceRows);
    const rejectsPartial = await rejects.finish();
    if (rejectsPartial !== null) staged.push({ path: resolved.rejects, partial: rejectsPartial });
    // hyparquet-writer types the empty row-group list of a row-less file as bytes, which strict readers
    // (arrow-rs, parquet-wasm) refuse: write no file rather than one some readers cannot open.
    const empty = tally.records === 0 && resolved.format === 'parquet';
    if (empty) {
      await sink.abort();
    } else {
      await sink.finish();
      staged.push({ path: resolved.out, partial: sink.partialPath });
      if (resolved.card !== null) {
        const sources = await sourcesFor(trace, sourceRows, resolved.log);
        staged.push(await stageCard(resolved.card, renderCard(cardData(resolved, resolved.card, input, tally, trace, sources, rejectsPartial === null ? null : resolved.rejects))));
      }
    }
    rejectsPath = await publishOutputs(resolved, staged, empty ? [resolved.rejects] : targets, earlier, async () => {
      const published = await rejects.commit();
      if (empty) return published;
      await sink.commit();
      for (const file of staged.filter((entry) => entry.path === resolved.card)) {
        await rename(file.partial, file.path).catch((error: unknown) => {
          throw writeFailure(error, file.path, false);
        });
      }
      return published;
    });
    if (empty) {
      throw new TidepoolError('E_INPUT_EMPTY', `${input.file} has no exportable record (${tally.rejected} line(s) rejected${rejectsPath === null ? '' : `, see ${rejectsPath}`}); no Parquet file was written to ${resolved.out}. Export a folder whose instructions.jsonl or kept.jsonl has records.`, { path: input.file, rejected: tally.rejected });
    }
  } catch (error) {
    await sink.abort();
    await rejects.abort();
    for (const file of staged) await rm(file.partial, { force: true });
    throw error;
  }
  if (rejectsPath !== null) resolved.log(`export: ${tally.rejected} line(s) not exported; see ${rejectsPath}`);

  return {
    format: resolved.format,
    records: tally.records,
    rejected: tally.rejected,
    out: resolved.out,
    card: resolved.card,
    tasks: countsObject(tally.tasks),
    languages: countsObject(tally.languages),
    seconds: (performance.now() - started) / 1000,
    input: input.file,
    rejects: rejectsPath,
    rejectReasons: countsObject(tally.rejectReasons),
  };
}
