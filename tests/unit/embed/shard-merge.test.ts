// The merge of a sharded embed run (property): shards writing their window ranges into one journal, in
// any order, assemble into the same bytes as one process writing every window in order, and the file
// holds exactly the source rows (row ids and vectors, checked against the arrays they came from).
import fc from 'fast-check';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbedParts } from '../../../src/embed/parts.js';
import { readArrowBatches } from '../../../src/store/arrow-file.js';
import { embeddingsBatch, embeddingsSchema } from '../../../src/store/embeddings-file.js';
import { embeddingMatrix } from '../../../src/store/embeddings.js';
import { shardRange, windowCount } from '../../../src/store/shards.js';
import { tempDir } from '../../helpers/files.js';

const DIM = 3;
const schema = embeddingsSchema(DIM, 'fp32', 'test-model');
const stats = { tokens: 0, paddedTokens: 0, truncated: 0, empty: 0, zeroVectors: 0, seconds: 0 };

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterAll(async () => cleanup());

async function writeWindow(parts: EmbedParts, window: number, rows: number, windowRows: number, vectors: Float32Array): Promise<void> {
  const start = window * windowRows;
  const end = Math.min(rows, start + windowRows);
  const rowIds = BigInt64Array.from({ length: end - start }, (_, i) => BigInt(start + i));
  await parts.write(window, embeddingsBatch(schema, rowIds, { precision: 'fp32', values: vectors.slice(start * DIM, end * DIM) }, DIM), { ...stats, rows: end - start });
}

let run = 0;
describe('merging the windows of N shards', () => {
  it('equals the unsharded file for any rows, window size, N and order of the shards (property)', async () => {
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 44 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      async (rows, windowRows, shardsAsked, seed) => {
        const count = Math.min(shardsAsked, rows + 2);
        const vectors = Float32Array.from({ length: rows * DIM }, (_, i) => Math.sin(seed + i));
        const windows = windowCount(rows, windowRows);
        const key = { run: ++run };
        const whole = await EmbedParts.open(join(dir, `whole-${run}`), key);
        for (let window = 0; window < windows; window++) await writeWindow(whole, window, rows, windowRows, vectors);
        const sharded = await EmbedParts.open(join(dir, `sharded-${run}`), key);
        // Shards finish in any order: a seeded permutation of 0..count-1.
        const order = Array.from({ length: count }, (_, index) => index).sort((a, b) => Math.sin(seed * (a + 1)) - Math.sin(seed * (b + 1)));
        for (const index of order) {
          const { start, end } = shardRange({ index, count }, windows);
          for (let window = start; window < end; window++) await writeWindow(sharded, window, rows, windowRows, vectors);
        }
        expect([...(await sharded.finished()).keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: windows }, (_, i) => i));
        const wholeFile = join(dir, `whole-${run}.arrow`);
        const shardedFile = join(dir, `sharded-${run}.arrow`);
        await whole.assemble(wholeFile, schema, windows);
        await sharded.assemble(shardedFile, schema, windows);
        expect((await readFile(shardedFile)).equals(await readFile(wholeFile))).toBe(true);
        const ids: number[] = [];
        const values: number[] = [];
        for await (const batch of readArrowBatches(shardedFile)) {
          for (let i = 0; i < batch.numRows; i++) ids.push(Number(batch.getChild('row_id')!.get(i)));
          values.push(...(embeddingMatrix(batch.getChild('embedding')!).values as Float32Array));
        }
        expect(ids).toEqual(Array.from({ length: rows }, (_, i) => i));
        expect(Float32Array.from(values)).toEqual(vectors);
      },
    ), { numRuns: 25 });
  }, 60_000);
});
