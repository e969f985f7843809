/**
 * `pairs.arrow`: one row per (docstring, code) pair, written by `ingest`. `row_id` is assigned once
 * here and follows the pair through every later file.
 */
import { Field, Int32, Int64, RecordBatch, Schema, Struct, Utf8, makeData } from './arrow.js';
import { int32Data, int64Data, compactUtf8Rows, utf8Data, type Utf8Buffers } from './columns.js';
import { SCHEMA_VERSION } from '../version.js';

/** One pair as ingest keeps it. */
export interface PairRow {
  rowId: number;
  language: string;
  repo: string | null;
  path: string | null;
  funcName: string | null;
  url: string | null;
  docstring: string;
  code: string;
  /** 16 hex digits: 64-bit hash of the whitespace-stripped code (the de-duplication key). */
  contentHash: string;
  /** Index of the input file in the manifest's `inputs`. */
  sourceIndex: number;
  /** 1-based line (jsonl) or row (parquet/arrow) in that file. */
  sourceLine: number;
}

/** File name of the pairs table. */
export const PAIRS_FILE = 'pairs.arrow';

/** Columns of `pairs.arrow`, in order. */
export const PAIRS_COLUMNS = [
  'row_id', 'language', 'repo', 'path', 'func_name', 'url', 'docstring', 'code', 'content_hash', 'source_index', 'source_line',
] as const;

/** Arrow schema of `pairs.arrow`. */
export const pairsSchema = new Schema(
  [
    new Field('row_id', new Int64(), false),
    new Field('language', new Utf8(), false),
    new Field('repo', new Utf8(), true),
    new Field('path', new Utf8(), true),
    new Field('func_name', new Utf8(), true),
    new Field('url', new Utf8(), true),
    new Field('docstring', new Utf8(), false),
    new Field('code', new Utf8(), false),
    new Field('content_hash', new Utf8(), false),
    new Field('source_index', new Int32(), false),
    new Field('source_line', new Int64(), false),
  ],
  new Map([['tidepool.table', 'pairs'], ['tidepool.schema_version', String(SCHEMA_VERSION)]]),
);

/** Candidate rows laid out as column buffers (see `ingest/chunk.ts`). */
export interface PairColumns {
  rows: number;
  lines: Float64Array;
  columns: Record<'language' | 'repo' | 'path' | 'funcName' | 'url' | 'docstring' | 'code' | 'contentHash', Utf8Buffers>;
}

/**
 * Stores a non-negative safe integer into slot `index` of an int64 array seen as 32-bit words
 * (little-endian, as on every platform Node supports), without allocating a BigInt per value.
 */
function setInt64(words: Uint32Array, index: number, value: number): void {
  words[index * 2] = value >>> 0;
  words[index * 2 + 1] = Math.floor(value / 0x1_0000_0000);
}

/**
 * Builds a `pairs.arrow` record batch from candidate rows, keeping those marked in `keep`
 * (`kept` of them) and numbering them from `firstRowId`. The chunk's string columns are compacted in
 * place (no copy, no allocation): the chunk must not be used afterwards.
 */
export function pairsBatch(chunk: PairColumns, keep: Uint8Array, kept: number, firstRowId: number, sourceIndex: number): RecordBatch {
  const rowIds = new BigInt64Array(kept);
  const rowIdWords = new Uint32Array(rowIds.buffer);
  for (let i = 0; i < kept; i++) setInt64(rowIdWords, i, firstRowId + i);
  const lines = new BigInt64Array(kept);
  const lineWords = new Uint32Array(lines.buffer);
  for (let row = 0, out = 0; row < chunk.rows; row++) if (keep[row] === 1) setInt64(lineWords, out++, chunk.lines[row]!);
  const c = chunk.columns;
  const pick = (column: Utf8Buffers) => utf8Data(compactUtf8Rows(column, keep, kept));
  const children = [
    int64Data(rowIds),
    pick(c.language), pick(c.repo), pick(c.path), pick(c.funcName), pick(c.url), pick(c.docstring), pick(c.code), pick(c.contentHash),
    int32Data(new Int32Array(kept).fill(sourceIndex)),
    int64Data(lines),
  ];
  const data = makeData({ type: new Struct(pairsSchema.fields), length: kept, nullCount: 0, children });
  return new RecordBatch(pairsSchema, data);
}

/** Reads one row of a pairs batch back into a {@link PairRow}. */
export function pairRowAt(batch: RecordBatch, index: number): PairRow {
  const get = (name: string): unknown => batch.getChild(name)?.get(index);
  const str = (name: string): string | null => {
    const value = get(name);
    return typeof value === 'string' ? value : null;
  };
  return {
    rowId: Number(get('row_id')),
    language: str('language') ?? '',
    repo: str('repo'),
    path: str('path'),
    funcName: str('func_name'),
    url: str('url'),
    docstring: str('docstring') ?? '',
    code: str('code') ?? '',
    contentHash: str('content_hash') ?? '',
    sourceIndex: Number(get('source_index')),
    sourceLine: Number(get('source_line')),
  };
}
