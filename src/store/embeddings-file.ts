/**
 * `embeddings.arrow`: one row per pair, `row_id` and its `embedding` (`FixedSizeList<Float32|Float16>`),
 * written by `embed` and read by `select`, `decontam` and `report`. The model that made the vectors is in
 * the schema metadata (`tidepool.model`).
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Field, Int64, RecordBatch, Schema, Struct, makeData } from './arrow.js';
import { int64Data } from './columns.js';
import { embeddingData, embeddingType, type EmbeddingPrecision, type EmbeddingValues } from './embeddings.js';
import { TidepoolError } from '../errors.js';
import { describeNearby } from '../util/nearby.js';
import { SCHEMA_VERSION } from '../version.js';

/** File name of the embeddings table. */
export const EMBEDDINGS_FILE = 'embeddings.arrow';

/** The Arrow schema of `embeddings.arrow`. */
export function embeddingsSchema(dim: number, precision: EmbeddingPrecision, model: string): Schema {
  return new Schema(
    [new Field('row_id', new Int64(), false), new Field('embedding', embeddingType(dim, precision), false)],
    new Map([['tidepool.table', 'embeddings'], ['tidepool.schema_version', String(SCHEMA_VERSION)], ['tidepool.model', model]]),
  );
}

/** One record batch of `embeddings.arrow`. */
export function embeddingsBatch(schema: Schema, rowIds: BigInt64Array, values: EmbeddingValues, dim: number): RecordBatch {
  const data = makeData({ type: new Struct(schema.fields), length: rowIds.length, nullCount: 0, children: [int64Data(rowIds), embeddingData(values, dim)] });
  return new RecordBatch(schema, data);
}

/**
 * The embeddings file a path names: the output folder of `tidepool embed` stands for its embeddings.arrow.
 * @throws TidepoolError `E_INPUT_MISSING` for a path that does not exist (naming what does, nearby),
 * or a folder without embeddings.arrow.
 */
export function resolveEmbeddingsPath(path: string): string {
  if (!existsSync(path)) {
    // Checked before the format: a mistyped folder name has no extension and is not an "unknown format".
    const nearby = describeNearby(path);
    throw new TidepoolError('E_INPUT_MISSING', `${path} not found${nearby === '' ? '' : ` (${nearby})`}: pass the output folder of \`tidepool embed\` (or its embeddings.arrow), or a .npy file`, { path });
  }
  if (!statSync(path).isDirectory()) return path;
  const inside = join(path, EMBEDDINGS_FILE);
  if (existsSync(inside)) return inside;
  throw new TidepoolError('E_INPUT_MISSING', `${path} is a folder without embeddings.arrow: pass the output folder of \`tidepool embed\`, an Arrow file, or a .npy file`, { path });
}
