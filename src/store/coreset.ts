/** `coreset.arrow`: the picks in order, with the radius each had when it was picked. */
import { Field, Float32, Int32, Int64, RecordBatch, Schema, Struct, makeData } from './arrow.js';
import { ArrowFileSink, readArrowBatches } from './arrow-file.js';
import { int32Data, int64Data } from './columns.js';
import { TidepoolError } from '../errors.js';
import { SCHEMA_VERSION } from '../version.js';

/** File name of the coreset table. */
export const CORESET_FILE = 'coreset.arrow';

/** Arrow schema of `coreset.arrow`. */
export const coresetSchema = new Schema(
  [new Field('rank', new Int32(), false), new Field('row_id', new Int64(), false), new Field('radius', new Float32(), true)],
  new Map([['tidepool.table', 'coreset'], ['tidepool.schema_version', String(SCHEMA_VERSION)]]),
);

/**
 * Writes the coreset: `radius` is the Euclidean min-distance at pick time (null for a first pick with no
 * centers). A failed write (full disk: `E_NO_SPACE`) leaves no partial file behind.
 */
export async function writeCoreset(path: string, rowIds: readonly number[], radii: readonly number[]): Promise<void> {
  const n = rowIds.length;
  const radius = new Float32Array(n);
  const validity = new Uint8Array(Math.ceil(n / 8));
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    const r = radii[i]!;
    if (Number.isFinite(r)) {
      radius[i] = Math.sqrt(Math.max(r, 0));
      validity[i >> 3]! |= 1 << (i & 7);
    } else {
      nulls++;
    }
  }
  const children = [
    int32Data(Int32Array.from({ length: n }, (_, i) => i)),
    int64Data(BigInt64Array.from(rowIds, (id) => BigInt(id))),
    makeData({ type: new Float32(), length: n, nullCount: nulls, nullBitmap: nulls > 0 ? validity : null, data: radius }),
  ];
  const sink = ArrowFileSink.create(path, coresetSchema);
  try {
    await sink.write(new RecordBatch(coresetSchema, makeData({ type: new Struct(coresetSchema.fields), length: n, nullCount: 0, children })));
    await sink.close();
  } catch (error) {
    await sink.abort();
    throw error;
  }
}

/** Reads the `row_id` column of a coreset (or any Arrow file with one), in order. */
export async function readCoresetRowIds(path: string): Promise<number[]> {
  const ids: number[] = [];
  for await (const batch of readArrowBatches(path)) {
    const column = batch.getChild('row_id');
    if (column === null) throw new TidepoolError('E_SCHEMA', `${path} has no "row_id" column; pass a coreset.arrow written by \`tidepool select\``, { path });
    for (const id of column.toArray() as BigInt64Array) ids.push(Number(id));
  }
  return ids;
}
