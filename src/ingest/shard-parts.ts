/**
 * The parts of a sharded ingest (`OUT/.shards/parts/`): for each work unit a shard owns (an input file,
 * or a byte range of one: work-units.ts), its parsed and filtered candidate rows, NOT yet de-duplicated
 * (`<name>.arrow`, one record batch per non-empty chunk, in order, with the content hashes), and
 * `<name>.json`, written last and atomically: the unit's chunk tallies (records read, rejects, filter
 * counts, candidate rows), its checksum, its line count and, when the file was rejected as a whole, why.
 * A range numbers its lines from its own first line; the merge adds the line counts of the ranges before
 * it, so rows and rejects carry the file's true line numbers. The merge replays these chunks through the same in-order core
 * as an unsharded run, so row ids, de-duplication across files and every output byte are the same.
 */
import { existsSync } from 'node:fs';
import type { TypeMap } from 'apache-arrow';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TidepoolError, writeFailure } from '../errors.js';
import { Field, Float64, RecordBatch, Schema, Struct, Uint32, Utf8, makeData } from '../store/arrow.js';
import { ArrowFileSink, readArrowBatches } from '../store/arrow-file.js';
import { utf8Data, type Utf8Buffers } from '../store/columns.js';
import { writeFileAtomically } from '../util/atomic-file.js';
import { CHUNK_STRING_COLUMNS, type ChunkReject, type ChunkResult } from './chunk.js';
import type { FilterReason } from './core.js';
import type { ParsedChunk } from './pool.js';

/** One chunk's tally as the part records it. */
interface PartChunk {
  read: number;
  rows: number;
  rejects: ChunkReject[];
  filteredByReason: Partial<Record<FilterReason, number>>;
}

/** Why a file was rejected as a whole: enough to rebuild the error the merge reports. */
interface PartFailure {
  /** TidepoolError code, or the errno code of a file system error. */
  code: string;
  tidepool: boolean;
  message: string;
}

/** `<name>.json`. */
interface PartIndex {
  chunks: PartChunk[];
  /** The file's checksum; '' for a byte range (the merge checksums the file). */
  sha256: string;
  /** Lines the unit read. */
  lines: number;
  failure?: PartFailure;
}

const partSchema: Schema<TypeMap> = new Schema([
  new Field('line', new Float64(), false),
  ...CHUNK_STRING_COLUMNS.map((name) => new Field(name, new Utf8(), true)),
  new Field('hash_hi', new Uint32(), false),
  new Field('hash_lo', new Uint32(), false),
]);

/** Folder of the parts inside an output folder's `.shards/`. */
export function partsDir(shardsDir: string): string {
  return join(shardsDir, 'parts');
}

/** What a replayed part reports once its chunks are replayed. */
export interface PartDigest {
  sha256: string;
  lines: number;
}

/** Writes the part of one work unit. */
export class PartWriter {
  private readonly chunks: PartChunk[] = [];
  private readonly sink: ArrowFileSink;

  private constructor(private readonly dir: string, private readonly name: string) {
    this.sink = ArrowFileSink.create(join(dir, `${name}.arrow`), partSchema);
  }

  /** Starts the part of the unit `name` in `dir`. */
  static async create(dir: string, name: string): Promise<PartWriter> {
    await mkdir(dir, { recursive: true }).catch((error: unknown) => {
      throw writeFailure(error, dir, false);
    });
    return new PartWriter(dir, name);
  }

  /** Whether the unit `name` already has a complete part in `dir` (a rerun skips it). */
  static isComplete(dir: string, name: string): boolean {
    return existsSync(join(dir, `${name}.json`));
  }

  /** Appends one chunk; resolves once its rows are queued (`release` is called when they are on disk). */
  async add(chunk: ChunkResult, release: () => void): Promise<void> {
    this.chunks.push({ read: chunk.read, rows: chunk.rows, rejects: chunk.rejects, filteredByReason: chunk.filteredByReason });
    if (chunk.rows === 0) {
      release();
      return;
    }
    const c = chunk.columns;
    const children = [
      makeData({ type: new Float64(), length: chunk.rows, nullCount: 0, data: chunk.lines.subarray(0, chunk.rows) }),
      ...CHUNK_STRING_COLUMNS.map((name) => utf8Data(c[name])),
      makeData({ type: new Uint32(), length: chunk.rows, nullCount: 0, data: chunk.hashHi.subarray(0, chunk.rows) }),
      makeData({ type: new Uint32(), length: chunk.rows, nullCount: 0, data: chunk.hashLo.subarray(0, chunk.rows) }),
    ];
    await this.sink.write(new RecordBatch<TypeMap>(partSchema, makeData({ type: new Struct(partSchema.fields), length: chunk.rows, nullCount: 0, children })));
    void this.sink.written().then(release, release);
  }

  /** Closes the part: the rows first, then the index that marks it complete. */
  async finish(sha256: string, lines: number, failure: unknown): Promise<void> {
    await this.sink.close();
    const index: PartIndex = { chunks: this.chunks, sha256, lines };
    if (failure !== undefined) index.failure = describeFailure(failure);
    await writeFileAtomically(join(this.dir, `${this.name}.json`), `${JSON.stringify(index)}\n`);
  }

  /** Drops an unfinished part. */
  async abort(): Promise<void> {
    await this.sink.abort();
  }
}

function describeFailure(error: unknown): PartFailure {
  if (error instanceof TidepoolError) return { code: error.code, tidepool: true, message: error.message };
  return { code: String((error as NodeJS.ErrnoException).code), tidepool: false, message: (error as Error).message };
}

function rebuildFailure(failure: PartFailure, path: string): Error {
  if (failure.tidepool) return new TidepoolError(failure.code as TidepoolError['code'], failure.message, { path });
  return Object.assign(new Error(failure.message), { code: failure.code });
}

function utf8Buffers(data: RecordBatch['data']['children'][number]): Utf8Buffers {
  const nullCount = data.nullCount;
  return { length: data.length, nullCount, validity: nullCount === 0 ? null : data.nullBitmap, offsets: data.valueOffsets as Int32Array, bytes: data.values as Uint8Array };
}

function chunkOf(entry: PartChunk, batch: RecordBatch | undefined, lineOffset: number): ChunkResult {
  const children = batch?.data.children;
  const empty: Utf8Buffers = { length: 0, nullCount: 0, validity: null, offsets: new Int32Array(1), bytes: new Uint8Array(0) };
  const columns = Object.fromEntries(CHUNK_STRING_COLUMNS.map((name, at) => [name, children === undefined ? empty : utf8Buffers(children[at + 1]!)])) as ChunkResult['columns'];
  const last = CHUNK_STRING_COLUMNS.length + 1;
  return {
    read: entry.read, filteredByReason: entry.filteredByReason, rows: entry.rows,
    rejects: lineOffset === 0 ? entry.rejects : entry.rejects.map((reject) => ({ ...reject, line: reject.line + lineOffset })),
    lines: children === undefined ? new Float64Array(0) : (children[0]!.values as Float64Array).map((line) => line + lineOffset),
    hashHi: children === undefined ? new Uint32Array(0) : (children[last]!.values as Uint32Array),
    hashLo: children === undefined ? new Uint32Array(0) : (children[last + 1]!.values as Uint32Array),
    columns,
  };
}

/**
 * Replays the part of the unit `name` as the chunks an unsharded run would parse from its bytes, in
 * order, `lineOffset` added to its line numbers (the lines of the ranges of its file before it); reports
 * the recorded checksum and line count through `digest`, then throws the file's recorded rejection, if any.
 * @throws TidepoolError `E_USAGE` when the part is missing (its shard is marked finished but the files are gone).
 */
export async function* replayPart(dir: string, name: string, digest: (part: PartDigest) => void, lineOffset = 0): AsyncGenerator<{ result: Promise<ParsedChunk> }> {
  const indexPath = join(dir, `${name}.json`);
  const text = await readFile(indexPath, 'utf8').catch(() => undefined);
  if (text === undefined) {
    throw new TidepoolError('E_USAGE', `cannot merge: the part ${name} (input file ${name.split('.')[0]!}) is missing (${indexPath}) though its shard is marked finished (files removed by hand?). Delete that shard's completion marker and rerun it.`, { path: indexPath });
  }
  const index = JSON.parse(text) as PartIndex;
  const batches = readArrowBatches(join(dir, `${name}.arrow`));
  try {
    for (const entry of index.chunks) {
      let batch: RecordBatch | undefined;
      if (entry.rows > 0) {
        const next = await batches.next();
        if (next.done === true || next.value.numRows !== entry.rows) throw new TidepoolError('E_USAGE', `cannot merge: ${join(dir, `${name}.arrow`)} does not match ${indexPath} (damaged part?). Delete both and that shard's completion marker, then rerun the shard.`, { path: indexPath });
        batch = next.value;
      }
      yield { result: Promise.resolve({ result: chunkOf(entry, batch, lineOffset), release: () => undefined }) };
    }
  } finally {
    await batches.return(undefined);
  }
  digest({ sha256: index.sha256, lines: index.lines });
  if (index.failure !== undefined) throw rebuildFailure(index.failure, indexPath);
}
