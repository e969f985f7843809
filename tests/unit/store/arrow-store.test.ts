import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Field, Int32, RecordBatch, Schema, Struct, makeData, tableFromIPC } from '../../../src/store/arrow.js';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArrowFileSink, readArrowBatches, readArrowSchema } from '../../../src/store/arrow-file.js';
import { int32Data, Utf8ColumnBuilder } from '../../../src/store/columns.js';
import { embeddingData, embeddingMatrix, embeddingType, type EmbeddingValues } from '../../../src/store/embeddings.js';
import { newManifest, readManifest, writeManifest } from '../../../src/store/manifest.js';
import { tempDir } from '../../helpers/files.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(async () => cleanup());

const idSchema = new Schema([new Field('id', new Int32(), false)]);
const idBatch = (values: number[]): RecordBatch => {
  const data = makeData({ type: new Struct(idSchema.fields), length: values.length, nullCount: 0, children: [int32Data(Int32Array.from(values))] });
  return new RecordBatch(idSchema, data);
};

describe('Arrow store', () => {
  it('writes batches as a stream and reads them back batch by batch; pyarrow-style readers see one table', async () => {
    const path = join(dir, 't.arrow');
    const sink = ArrowFileSink.create(path, idSchema);
    await sink.write(idBatch([1, 2, 3]));
    await sink.write(idBatch([4, 5]));
    expect(sink.rows).toBe(5);
    await sink.close();
    const batches: number[][] = [];
    for await (const batch of readArrowBatches(path)) batches.push(Array.from(batch.getChild('id')!.toArray() as Int32Array));
    expect(batches).toEqual([[1, 2, 3], [4, 5]]);
    expect(tableFromIPC(await readFile(path)).numRows).toBe(5);
  });

  it('a file with zero rows still carries its schema', async () => {
    const path = join(dir, 'empty.arrow');
    await ArrowFileSink.create(path, idSchema).close();
    expect((await readArrowSchema(path)).fields.map((f) => f.name)).toEqual(['id']);
  });

  it('nothing appears under the final name until close, and abort removes the partial file', async () => {
    const { access } = await import('node:fs/promises');
    const path = join(dir, 'x.arrow');
    const sink = ArrowFileSink.create(path, idSchema);
    await sink.write(idBatch([1]));
    await expect(access(path)).rejects.toThrow();
    await sink.abort();
    await expect(access(`${path}.partial`)).rejects.toThrow();
  });

  it('rejects files that are not Arrow with a clear error', async () => {
    const path = join(dir, 'not.arrow');
    await writeFile(path, 'hello world, not arrow');
    const error = await readArrowSchema(path).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_FORMAT_INVALID' });
    expect((error as Error).message).toContain('not.arrow');
    await expect(readArrowSchema(join(dir, 'missing.arrow'))).rejects.toMatchObject({ code: 'E_INPUT_MISSING' });
  });

  it('Utf8ColumnBuilder round-trips any strings and nulls', () => {
    fc.assert(fc.property(fc.array(fc.option(fc.string({ unit: 'grapheme' }), { nil: null }), { maxLength: 300 }), (values) => {
      const builder = new Utf8ColumnBuilder(2, 4);
      for (const value of values) builder.append(value);
      const data = builder.finish();
      expect(data.length).toBe(values.length);
      expect(data.nullCount).toBe(values.filter((v) => v === null).length);
      const decoded = values.map((_, i) => (data.getValid(i) ? Buffer.from(data.values.subarray(data.valueOffsets[i], data.valueOffsets[i + 1])).toString('utf8') : null));
      expect(decoded).toEqual(values);
    }));
  });
});

describe('embedding columns', () => {
  it.each(['fp32', 'fp16'] as const)('exposes %s values without copying, after a file round trip too', async (precision) => {
    const dim = 4;
    const stored: EmbeddingValues = precision === 'fp32' ? { precision, values: Float32Array.from({ length: 12 }, (_, i) => i / 2) } : { precision, values: Uint16Array.from({ length: 12 }, (_, i) => 0x3c00 + i) };
    const { values } = stored;
    const schema = new Schema([new Field('embedding', embeddingType(dim, precision), false)]);
    const data = makeData({ type: new Struct(schema.fields), length: 3, nullCount: 0, children: [embeddingData(stored, dim)] });
    const batch = new RecordBatch(schema, data);
    const view = embeddingMatrix(batch.getChild('embedding')!);
    expect(view).toMatchObject({ rows: 3, dim, precision });
    expect(view.values.buffer).toBe(values.buffer); // same memory: no copy
    const path = join(dir, 'e.arrow');
    const sink = ArrowFileSink.create(path, schema);
    await sink.write(batch);
    await sink.close();
    for await (const read of readArrowBatches(path)) {
      const back = embeddingMatrix(read.getChild('embedding')!);
      expect(Array.from(back.values)).toEqual(Array.from(values));
      expect(back.values.constructor).toBe(values.constructor);
    }
  });

  it('names the column and the expected type when it is not an embedding', () => {
    const batch = idBatch([1, 2]);
    expect(() => embeddingMatrix(batch.getChild('id')!, 'id')).toThrow(/column "id" has type Int32; expected FixedSizeList<Float32>/);
  });
});

describe('manifest', () => {
  it('round-trips and refuses other schema versions or non-manifests', async () => {
    const manifest = newManifest({ stage: 'test', parameters: { k: 1 }, inputs: [], outputs: [], counts: { rows: 2 }, timings: { seconds: 0.5 } });
    await writeManifest(dir, manifest);
    expect(await readManifest(dir)).toEqual(manifest);
    await writeFile(join(dir, 'manifest.json'), JSON.stringify({ ...manifest, schemaVersion: 99 }));
    await expect(readManifest(dir)).rejects.toMatchObject({ code: 'E_MANIFEST', message: expect.stringMatching(/schema version 99/) as unknown });
    await writeFile(join(dir, 'manifest.json'), '{');
    await expect(readManifest(dir)).rejects.toMatchObject({ code: 'E_MANIFEST' });
    await expect(readManifest(join(dir, 'nope'))).rejects.toMatchObject({ code: 'E_MANIFEST', message: expect.stringMatching(/no manifest at/) as unknown });
  });
});
