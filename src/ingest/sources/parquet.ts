/** Parquet reader: one row group (in slices) at a time, only the columns ingest knows. */
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { TidepoolError } from '../../errors.js';
import { KNOWN_FIELDS } from '../record.js';
import type { ReadHooks, SourceItem } from './types.js';

/** Rows decoded per read call inside a row group. */
const SLICE_ROWS = 16_384;

/** Reads a Parquet file as batches of records; rows are numbered from 1. */
export async function* readParquet(path: string, hooks: ReadHooks = {}): AsyncGenerator<SourceItem[], void, undefined> {
  const file = await asyncBufferFromFile(path);
  let metadata;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (error) {
    throw new TidepoolError('E_FORMAT_INVALID', `${path} is not a readable Parquet file: ${(error as Error).message}`, { path }, { cause: error });
  }
  const present = new Set(parquetSchema(metadata).children.map((child) => child.element.name));
  const columns = KNOWN_FIELDS.filter((name) => present.has(name));
  const totalRows = Number(metadata.num_rows);
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const groupEnd = rowStart + Number(group.num_rows);
    for (let start = rowStart; start < groupEnd; start += SLICE_ROWS) {
      const end = Math.min(start + SLICE_ROWS, groupEnd);
      // Progress counts a slice's bytes as it is handed on (the reader settles them in order).
      hooks.onBytes?.(Math.round((file.byteLength * end) / Math.max(totalRows, 1)));
      let rows: Record<string, unknown>[];
      try {
        rows = await parquetReadObjects({ file, metadata, columns, rowStart: start, rowEnd: end, compressors });
      } catch (error) {
        // A damaged row group: every row in it is counted and rejected, the rest of the file still reads.
        const items: SourceItem[] = [];
        for (let row = start; row < end; row++) {
          items.push({ kind: 'reject', line: row + 1, reason: 'unreadable_row', detail: `Parquet rows ${start + 1}-${end} could not be decoded: ${(error as Error).message}` });
        }
        yield items;
        continue;
      }
      yield rows.map((value, i) => ({ kind: 'record', line: start + i + 1, value }));
    }
    rowStart = groupEnd;
  }
}
