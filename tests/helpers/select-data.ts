/** Data and an independent reference for the select CLI's tests: seeded clustered rows, textbook greedy in float64, Arrow input files. */
import { Field, Int64, RecordBatch, Schema, Struct, makeData } from '../../src/store/arrow.js';
import { ArrowFileSink } from '../../src/store/arrow-file.js';
import { int64Data } from '../../src/store/columns.js';
import { embeddingData, embeddingType } from '../../src/store/embeddings.js';

/** A seeded Gaussian-ish mixture, unit-normalised rows. */
export function mixture(n: number, d: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const random = (): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) - 0.5;
  const centers = Array.from({ length: 8 }, () => Float32Array.from({ length: d }, random));
  const points = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const c = centers[i % 8]!;
    let norm = 0;
    for (let j = 0; j < d; j++) {
      const v = c[j]! + 0.3 * random();
      points[i * d + j] = v;
      norm += v * v;
    }
    for (let j = 0; j < d; j++) points[i * d + j]! /= Math.sqrt(norm);
  }
  return points;
}

/** Textbook greedy in float64, for an independent check of the CLI's picks. */
export function bruteForce(points: Float32Array, d: number, k: number, first: number): number[] {
  const n = points.length / d;
  const minDist = new Float64Array(n).fill(Infinity);
  const picks = [first];
  for (;;) {
    const c = picks.at(-1)!;
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (let j = 0; j < d; j++) sum += (points[i * d + j]! - points[c * d + j]!) ** 2;
      if (sum < minDist[i]!) minDist[i] = sum;
    }
    if (picks.length === k) return picks;
    let best = 0;
    for (let i = 1; i < n; i++) if (minDist[i]! > minDist[best]!) best = i;
    picks.push(best);
  }
}

/** `points` as `tidepool embed` writes them (`row_id` + `embedding`), in two record batches split at row `splitRow`. */
export async function writeArrowEmbeddings(path: string, points: Float32Array, d: number, rowIds: number[], splitRow = Math.floor(rowIds.length / 2)): Promise<void> {
  const schema = new Schema([new Field('row_id', new Int64(), false), new Field('embedding', embeddingType(d, 'fp32'), false)]);
  const sink = ArrowFileSink.create(path, schema);
  const half = splitRow * d;
  for (const [from, to] of [[0, half], [half, points.length]] as const) {
    const ids = rowIds.slice(from / d, to / d);
    const data = makeData({ type: new Struct(schema.fields), length: ids.length, nullCount: 0, children: [int64Data(BigInt64Array.from(ids, BigInt)), embeddingData({ precision: 'fp32', values: points.slice(from, to) }, d)] });
    await sink.write(new RecordBatch(schema, data));
  }
  await sink.close();
}
