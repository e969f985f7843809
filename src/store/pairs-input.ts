/**
 * Reads `pairs.arrow` as windows of rows: their row ids and their texts rendered by the template.
 * Strings are decoded straight from the Utf8 buffers (one slice per value), batch by batch.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordBatch, Utf8, Vector } from 'apache-arrow';
import { TidepoolError } from '../errors.js';
import { readArrowBatches, readArrowSchema } from './arrow-file.js';
import { utf8Reader } from './columns.js';
import { sha256File } from './manifest.js';
import { readUpstream, type Lineage } from './lineage.js';
import { PAIRS_FILE } from './pairs.js';
import { renderTemplate, type TemplateField, type TextTemplate } from './pairs-template.js';

/** A window of consecutive rows. */
export interface TextWindow {
  index: number;
  rowIds: BigInt64Array;
  texts: string[];
}

/** Where the pairs are, and what the ingest manifest says about them (when there is one). */
export interface PairsInput {
  path: string;
  bytes: number;
  rows: number | undefined;
  sha256: string | undefined;
  /** What the pairs derive from, themselves included where their checksum is known. */
  lineage: Lineage;
}

/**
 * Finds `pairs.arrow` (`data` is the ingest output folder or the file itself) and checks that it has
 * `row_id` and the template's fields.
 */
export async function openPairs(data: string, template: TextTemplate): Promise<PairsInput> {
  const path = existsSync(data) && statSync(data).isDirectory() ? join(data, PAIRS_FILE) : data;
  if (!existsSync(path)) {
    throw new TidepoolError('E_INPUT_MISSING', `${path} not found: point --data at the output folder of \`tidepool ingest\` (it holds ${PAIRS_FILE})`, { path });
  }
  const schema = await readArrowSchema(path);
  const names = schema.fields.map((f) => f.name);
  for (const needed of ['row_id', ...template.fields]) {
    if (!names.includes(needed)) {
      throw new TidepoolError('E_SCHEMA', `${path} has no column "${needed}" (columns: ${names.join(', ')}); is it a pairs.arrow from \`tidepool ingest\`?`, { path });
    }
  }
  // The ingest manifest, when there is one, must describe this very file (and saves hashing it again).
  const upstream = await readUpstream(path, 'pairs');
  return { path, bytes: upstream.bytes, rows: upstream.rows, sha256: upstream.sha256, lineage: upstream.lineage };
}

/** The lineage of `input` (its checksum computed now when no manifest gave it). */
export async function pairsLineage(input: PairsInput): Promise<Lineage> {
  input.sha256 ??= await sha256File(input.path);
  return { ...input.lineage, pairs: input.lineage.pairs ?? { path: input.path, sha256: input.sha256 } };
}

function rowIdsOf(batch: RecordBatch): BigInt64Array {
  const column = batch.getChild('row_id');
  const values = column?.data.length === 1 ? (column.data[0]!.values as unknown) : undefined;
  if (values instanceof BigInt64Array) return values.subarray(column!.data[0]!.offset, column!.data[0]!.offset + batch.numRows);
  return BigInt64Array.from({ length: batch.numRows }, (_, i) => BigInt(column?.get(i) as bigint | number));
}

/** Yields windows of `windowRows` rows (the last may be shorter), in file order. */
export async function* readTextWindows(input: PairsInput, template: TextTemplate, windowRows: number): AsyncGenerator<TextWindow> {
  let rowIds = new BigInt64Array(windowRows);
  let texts: string[] = [];
  let index = 0;
  for await (const batch of readArrowBatches(input.path)) {
    const readers = new Map<TemplateField, (row: number) => string | null>(template.fields.map((f) => [f, utf8Reader(batch.getChild(f) as Vector<Utf8>)]));
    const ids = rowIdsOf(batch);
    for (let row = 0; row < batch.numRows; row++) {
      rowIds[texts.length] = ids[row]!;
      texts.push(renderTemplate(template, (field) => readers.get(field)!(row)));
      if (texts.length === windowRows) {
        yield { index: index++, rowIds, texts };
        rowIds = new BigInt64Array(windowRows);
        texts = [];
      }
    }
  }
  if (texts.length > 0) yield { index, rowIds: rowIds.slice(0, texts.length), texts };
}
