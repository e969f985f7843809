/**
 * What `--input` is, and its records as windows: raw pairs from `pairs.arrow` (optionally only a
 * coreset's rows), or generated records from a `generate` output folder or a `.jsonl(.gz)` file. Each
 * record carries the texts the detectors check and how it is written back out. Streaming: one window
 * (plus one Arrow batch or one line) in memory at a time.
 */
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { RecordBatch, Utf8, Vector } from 'apache-arrow';
import { compileTemplate } from '../store/pairs-template.js';
import { openPairs, type PairsInput } from '../store/pairs-input.js';
import { TidepoolError } from '../errors.js';
import type { UnitRange } from '../store/shards.js';
import { looksLikeArrow, readArrowBatches } from '../store/arrow-file.js';
import { utf8Reader as utf8ColumnReader } from '../store/columns.js';
import { describeFile, type ManifestFile } from '../store/manifest.js';
import { PAIRS_FILE } from '../store/pairs.js';
import { CORESET_FILE, readCoresetRowIds } from '../store/coreset.js';

/** File name of `generate`'s accepted records. */
export const INSTRUCTIONS_FILE = 'instructions.jsonl';

/** The input, resolved. */
export type DecontamInput =
  | { kind: 'pairs'; pairs: PairsInput; coreset: { file: ManifestFile; rowIds: Set<number> } | undefined }
  | { kind: 'generated'; path: string };

/** One record: the texts each detector checks, and its output line. */
export interface DecontamRecord {
  /** Text of the exact-substring detector. */
  text: string;
  /** Text of the n-gram detector. */
  code: string;
  /** Text of the embedding detector (unused when vectors come from `--embeddings`). */
  embedText: string;
  /** `row_id` (pairs), or -1. */
  rowId: number;
  /** Where it came from, for messages (`file:line` or `file row N`). */
  where: string;
  /** The `kept.jsonl` line. */
  keptLine(): string;
  /** The `removed.jsonl` line: the record plus its `contamination` list. */
  removedLine(contamination: readonly unknown[]): string;
}

async function headBytes(path: string, length: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(length);
    const { bytesRead } = await handle.read(head, 0, length, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * Decides what `input` is: a folder with pairs.arrow or instructions.jsonl, an Arrow file (pairs) or a
 * JSON Lines file (generated records).
 */
export async function resolveDecontamInput(input: string, coreset: string | undefined): Promise<DecontamInput> {
  if (!existsSync(input)) {
    throw new TidepoolError('E_INPUT_MISSING', `${input} not found: pass --input an ingest output folder (or its pairs.arrow), or a generate output folder (or a .jsonl of generated records)`, { path: input });
  }
  let path = input;
  if (statSync(input).isDirectory()) {
    const candidates = [join(input, PAIRS_FILE), join(input, INSTRUCTIONS_FILE)];
    const found = candidates.find((candidate) => existsSync(candidate));
    if (found === undefined) {
      throw new TidepoolError('E_INPUT_MISSING', `${input} holds neither ${PAIRS_FILE} (from \`tidepool ingest\`) nor ${INSTRUCTIONS_FILE} (from \`tidepool generate\`); point --input at one of those outputs or files`, { path: input });
    }
    path = found;
  }
  if (looksLikeArrow(await headBytes(path, 8))) {
    const pairs = await openPairs(path, compileTemplate('{language}{docstring}{code}'));
    return { kind: 'pairs', pairs, coreset: coreset === undefined ? undefined : await readCoreset(coreset) };
  }
  if (coreset !== undefined) {
    throw new TidepoolError('E_USAGE', `--coreset picks rows of a pairs.arrow, but ${path} holds generated records; drop --coreset, or pass the ingest output as --input`, { path });
  }
  return { kind: 'generated', path };
}

async function readCoreset(coreset: string): Promise<{ file: ManifestFile; rowIds: Set<number> }> {
  const path = existsSync(coreset) && statSync(coreset).isDirectory() ? join(coreset, CORESET_FILE) : coreset;
  if (!existsSync(path)) {
    throw new TidepoolError('E_INPUT_MISSING', `${path} not found: point --coreset at the output folder of \`tidepool select\` (it holds ${CORESET_FILE})`, { path });
  }
  const ids = await readCoresetRowIds(path);
  return { file: await describeFile(path, ids.length), rowIds: new Set(ids) };
}

/** A Utf8 column's values, '' for null entries or a missing column. */
function utf8Reader(vector: Vector<Utf8> | null): (row: number) => string {
  if (vector === null) return () => '';
  const read = utf8ColumnReader(vector);
  return (row) => read(row) ?? '';
}

function rowIdReader(batch: RecordBatch): (row: number) => number {
  const column = batch.getChild('row_id');
  const data = column?.data.length === 1 ? column.data[0]! : undefined;
  const values = data?.values as unknown;
  if (data !== undefined && values instanceof BigInt64Array) {
    // Safe integers only: read the low and high 32-bit words instead of making a BigInt per row.
    const words = new Uint32Array(values.buffer, values.byteOffset, values.length * 2);
    return (row) => {
      const at = (data.offset + row) * 2;
      return words[at]! + words[at + 1]! * 0x1_0000_0000;
    };
  }
  return (row) => Number(column?.get(row) as bigint | number);
}

/** A raw pair: detectors see `docstring + "\n" + code` (exact, embedding) and the code (n-grams). */
function pairRecord(rowId: number, language: string, docstring: string, code: string, where: string): DecontamRecord {
  const text = `${docstring}\n${code}`;
  const value = (): { row_id: number; language: string; docstring: string; code: string } => ({ row_id: rowId, language, docstring, code });
  return {
    text, code, embedText: text, rowId, where,
    keptLine: () => JSON.stringify(value()),
    removedLine: (contamination) => JSON.stringify({ ...value(), contamination }),
  };
}

/**
 * The pairs (only the coreset's rows, when given) in windows of `windowRows`, in file order; with
 * `rows`, only those of the file's rows (0-based). Every row's id is still read, so that a coreset
 * row_id missing from the file is found by every shard, as by an unsharded run, before anything is kept.
 * @throws TidepoolError `E_INPUT_MISSING` (at the end) when the coreset names row ids the file lacks.
 */
async function* pairWindows(input: Extract<DecontamInput, { kind: 'pairs' }>, windowRows: number, rows: UnitRange | undefined): AsyncGenerator<DecontamRecord[]> {
  const path = input.pairs.path;
  const wanted = input.coreset?.rowIds;
  const seen = new Set<number>();
  let window: DecontamRecord[] = [];
  let fileRow = 0;
  for await (const batch of readArrowBatches(path)) {
    const rowId = rowIdReader(batch);
    const column = (name: string): Vector<Utf8> | null => batch.getChild(name) as Vector<Utf8> | null;
    const language = utf8Reader(column('language'));
    const docstring = utf8Reader(column('docstring'));
    const code = utf8Reader(column('code'));
    for (let row = 0; row < batch.numRows; row++) {
      fileRow++;
      const id = rowId(row);
      if (wanted !== undefined) {
        if (!wanted.has(id)) continue;
        seen.add(id);
      }
      // A shard reads past the rows of other shards without decoding their texts.
      if (rows !== undefined && (fileRow <= rows.start || fileRow > rows.end)) continue;
      window.push(pairRecord(id, language(row), docstring(row), code(row), `${path} row ${fileRow}`));
      if (window.length === windowRows) {
        yield window;
        window = [];
      }
    }
  }
  if (input.coreset !== undefined && wanted !== undefined && seen.size < wanted.size) {
    const missing = [...wanted].filter((id) => !seen.has(id));
    throw new TidepoolError('E_INPUT_MISSING', `${input.coreset.file.path} names ${missing.length} row_id(s) not in ${path} (first: ${missing.slice(0, 5).join(', ')}); select the coreset from embeddings of this very pairs.arrow`, { missing: missing.length });
  }
  if (window.length > 0) yield window;
}

/** Lines of a JSON Lines file, gunzipped when it starts with the gzip magic bytes. */
async function jsonlLines(path: string): Promise<AsyncIterable<string>> {
  const head = await headBytes(path, 2);
  let stream: Readable = createReadStream(path, { highWaterMark: 1 << 20 });
  if (head[0] === 0x1f && head[1] === 0x8b) {
    const gunzip = createGunzip();
    stream.on('error', (error) => gunzip.destroy(error));
    stream = stream.pipe(gunzip);
  }
  return createInterface({ input: stream, crlfDelay: Infinity });
}

function badLine(path: string, line: number, problem: string): TidepoolError {
  return new TidepoolError('E_BAD_RECORD', `${path}:${line}: ${problem}. Generated records need string fields "instruction" and "output" (and "input", possibly empty), as \`tidepool generate\` writes them; for raw pairs, run \`tidepool ingest\` and pass its folder.`, { path, line });
}

/** One generated record: detectors see instruction, input and output; kept as the very same line. */
function generatedRecord(path: string, line: number, raw: string): DecontamRecord {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw badLine(path, line, `not valid JSON (${(error as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badLine(path, line, 'not a JSON object');
  const record = value as Record<string, unknown>;
  const field = (name: string, required: boolean): string => {
    const found = record[name];
    if (typeof found === 'string') return found;
    if (found === undefined && !required) return '';
    throw badLine(path, line, found === undefined ? `missing field "${name}" (fields: ${Object.keys(record).join(', ')})` : `field "${name}" is ${found === null ? 'null' : typeof found}, not a string`);
  };
  const instruction = field('instruction', true);
  const input = field('input', false);
  const output = field('output', true);
  const text = [instruction, input, output].filter((part) => part !== '').join('\n');
  return {
    text, code: text, embedText: text, rowId: -1, where: `${path}:${line}`,
    keptLine: () => raw,
    removedLine: (contamination) => JSON.stringify({ ...record, contamination }),
  };
}

/** An input line that is not a record: where, why, and the line itself (for the reject file). */
export interface BadInputLine {
  file: string;
  line: number;
  reason: string;
  raw: string;
}

/**
 * Generated records in windows of `windowRows`, in file order (blank lines skipped). A line that is
 * not a record goes to `onBad` (counted and written to the reject file by the caller), not into a window.
 */
async function* generatedWindows(path: string, windowRows: number, onBad: (bad: BadInputLine) => void, lines: UnitRange | undefined): AsyncGenerator<DecontamRecord[]> {
  let window: DecontamRecord[] = [];
  let line = 0;
  try {
    for await (const raw of await jsonlLines(path)) {
      line++;
      // A shard reads past the lines of other shards without parsing them.
      if (lines !== undefined && (line <= lines.start || line > lines.end)) continue;
      if (raw.trim() === '') continue;
      const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      let record: DecontamRecord;
      try {
        record = generatedRecord(path, line, text);
      } catch (error) {
        if (!(error instanceof TidepoolError) || error.code !== 'E_BAD_RECORD') throw error;
        onBad({ file: path, line, reason: error.message, raw: text });
        continue;
      }
      window.push(record);
      if (window.length === windowRows) {
        yield window;
        window = [];
      }
    }
  } catch (error) {
    if (error instanceof TidepoolError) throw error;
    throw new TidepoolError('E_FORMAT_INVALID', `${path}: cannot read line ${line + 1}: ${(error as Error).message}. Is it a complete .jsonl or .jsonl.gz file?`, { path, line: line + 1 }, { cause: error });
  }
  if (window.length > 0) yield window;
}

/**
 * The input's records in windows of at most `windowRows`, in input order; with `units` (a shard's
 * split, 0-based), just the records of those lines of a generated input, or of those rows of pairs.arrow.
 */
export function recordWindows(input: DecontamInput, windowRows: number, onBad: (bad: BadInputLine) => void = () => undefined, units?: UnitRange): AsyncGenerator<DecontamRecord[]> {
  return input.kind === 'pairs' ? pairWindows(input, windowRows, units) : generatedWindows(input.path, windowRows, onBad, units);
}

/**
 * Number of units a sharded run splits: the lines of a generated input (blank ones included), or the
 * rows of pairs.arrow (all of them, also with a coreset: a shard checks the coreset's rows among its own).
 */
export async function countUnits(input: DecontamInput): Promise<number> {
  if (input.kind === 'pairs') {
    if (input.pairs.rows !== undefined) return input.pairs.rows;
    let rows = 0;
    for await (const batch of readArrowBatches(input.pairs.path)) rows += batch.numRows;
    return rows;
  }
  let lines = 0;
  const iterator = (await jsonlLines(input.path))[Symbol.asyncIterator]();
  while ((await iterator.next()).done !== true) lines++;
  return lines;
}

/** The file the input's records are read from. */
export function inputPath(input: DecontamInput): string {
  return input.kind === 'pairs' ? input.pairs.path : input.path;
}

/** True when `out` is the input's own folder and holds another stage's manifest, which would be overwritten. */
export function overwritesInputManifest(input: DecontamInput, out: string): boolean {
  const folder = resolve(join(inputPath(input), '..'));
  if (folder !== resolve(out)) return false;
  try {
    return (JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8')) as { stage?: unknown }).stage !== 'decontam';
  } catch {
    return existsSync(join(folder, 'manifest.json'));
  }
}
