import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Field, Int64, RecordBatch, Schema, Struct, makeData, tableFromArrays, tableToIPC } from '../../../src/store/arrow.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scanEmbeddings } from '../../../src/report/scan-embeddings.js';
import { scanPairs } from '../../../src/report/scan-pairs.js';
import { ArrowFileSink } from '../../../src/store/arrow-file.js';
import { int64Data } from '../../../src/store/columns.js';
import { embeddingData, embeddingType } from '../../../src/store/embeddings.js';
import { float32ArrayToHalf, halfToFloat } from '../../../src/store/matrix.js';
import { ingestInline, record, tempDir, writeJsonl } from '../../helpers/files.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('tidepool-report-scan-')));
afterEach(async () => cleanup());

/** An fp16 embeddings.arrow in three record batches, row ids 500 + i, row i = [i, -i, i/8]. */
async function writeHalfEmbeddings(path: string, rows: number): Promise<void> {
  const d = 3;
  const schema = new Schema([new Field('row_id', new Int64(), false), new Field('embedding', embeddingType(d, 'fp16'), false)]);
  const sink = ArrowFileSink.create(path, schema);
  for (const [from, to] of [[0, 100], [100, 250], [250, rows]] as const) {
    const values = float32ArrayToHalf(Float32Array.from({ length: (to - from) * d }, (_, k) => {
      const i = from + Math.floor(k / d);
      return [i, -i, i / 8][k % d]!;
    }));
    const ids = BigInt64Array.from({ length: to - from }, (_, k) => BigInt(500 + from + k));
    await sink.write(new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: to - from, nullCount: 0, children: [int64Data(ids), embeddingData({ precision: 'fp16', values }, d)] })));
  }
  await sink.close();
}

describe('scanEmbeddings', () => {
  it('keeps a sample, random centers and the highlighted rows (fp16 widened exactly) across batches', async () => {
    const path = join(dir, 'embeddings.arrow');
    await writeHalfEmbeddings(path, 400);
    const scan = await scanEmbeddings({ path, sampleSize: 50, centerCount: (dim) => (dim === 3 ? 20 : 0), seed: 4, highlight: [820, 500, 99_999, 899] });
    expect([scan.rows, scan.dim, scan.sample.count, scan.centers.count]).toEqual([400, 3, 50, 20]);
    expect(scan.highlighted.rowIds).toEqual([820, 500, 899]); // 99,999 is not there
    expect(Array.from(scan.highlighted.vectors)).toEqual([320, -320, 40, 0, -0, 0, 399, -399, halfToFloat(float32ArrayToHalf(Float32Array.of(399 / 8))[0]!)]);
    for (const rows of [scan.sample, scan.centers]) {
      for (let i = 0; i < rows.count; i++) {
        const position = rows.positions[i]!;
        expect(rows.rowIds[i]).toBe(500 + position);
        expect(rows.vectors[i * 3]).toBe(position);
      }
    }
    const again = await scanEmbeddings({ path, sampleSize: 50, centerCount: () => 20, seed: 4, highlight: [] });
    expect(Array.from(again.sample.rowIds)).toEqual(Array.from(scan.sample.rowIds));
  });

  it('names the missing column of a file that is not embeddings', async () => {
    const path = join(dir, 'other.arrow');
    await writeFile(path, tableToIPC(tableFromArrays({ row_id: Int32Array.of(1, 2), vector: Float32Array.of(1, 2) }), 'file'));
    await expect(scanEmbeddings({ path, sampleSize: 5, centerCount: () => 0, seed: 0, highlight: [] })).rejects.toMatchObject({ code: 'E_SCHEMA', message: expect.stringContaining('no "embedding" column (columns: row_id, vector)') as unknown });
  });
});

describe('scanPairs', () => {
  it('counts languages of all pairs and of the coreset, and looks up the rows asked for (pairs.arrow from ingest)', async () => {
    const languages = ['python', 'go', 'java', 'go'];
    await writeJsonl(join(dir, 'in.jsonl'), Array.from({ length: 40 }, (_, i) => JSON.stringify(record(i, { language: languages[i % 4]! }))));
    await ingestInline({ inputs: [join(dir, 'in.jsonl')], out: join(dir, 'ingest') });
    const scan = await scanPairs(join(dir, 'ingest', 'pairs.arrow'), new Set([0, 1, 3, 5, 1000]), new Set([2, 7, 1000]));
    expect(scan.rows).toBe(40);
    expect(scan.languages).toEqual({ python: 10, go: 20, java: 10 });
    expect(scan.coresetLanguages).toEqual({ python: 1, go: 3 });
    expect([...scan.lookup].sort((a, b) => a[0] - b[0])).toEqual([[2, 'java'], [7, 'go']]);
  });

  it('reads dictionary-encoded language columns too (files from other writers)', async () => {
    const path = join(dir, 'pairs.arrow');
    await writeFile(path, tableToIPC(tableFromArrays({ row_id: BigInt64Array.of(10n, 11n, 12n), language: ['rust', 'c++', 'rust'] }), 'file'));
    const scan = await scanPairs(path, new Set([12]), new Set([11]));
    expect(scan.languages).toEqual({ rust: 2, 'c++': 1 });
    expect(scan.coresetLanguages).toEqual({ rust: 1 });
    expect(scan.lookup.get(11)).toBe('c++');
  });
});
