// The parts of a sharded ingest: chunks written by PartWriter and replayed by replayPart must give
// the in-order core and pairs.arrow exactly what the chunks themselves give (an unsharded run): the
// same verdicts, counts, rejects and file bytes, for any split of any records into chunks (empty
// chunks, null fields, duplicates, bad records included). The reference is the unsharded path itself,
// fed the original chunks; the code under test only stores and replays them.
import fc from 'fast-check';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChunkBuilder, type ChunkResult } from '../../../src/ingest/chunk.js';
import { IngestCore } from '../../../src/ingest/core.js';
import { resolveIngestOptions } from '../../../src/ingest/options.js';
import { PartWriter, replayPart } from '../../../src/ingest/shard-parts.js';
import { ArrowFileSink } from '../../../src/store/arrow-file.js';
import { pairsBatch, pairsSchema } from '../../../src/store/pairs.js';
import { tempDir } from '../../helpers/files.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await tempDir()));
afterAll(async () => cleanup());

const options = resolveIngestOptions({ minCodeChars: 2 });

const recordArb = fc.oneof(
  fc.record({ docstring: fc.string({ maxLength: 12 }), code: fc.constantFrom('x', 'def f(): pass', 'return 1', 'a = b', 'print(1)  # é'), language: fc.constantFrom('python', 'go'), repo: fc.option(fc.constantFrom('r/a', 'r/b'), { nil: undefined }), path: fc.option(fc.string({ maxLength: 6 }), { nil: undefined }) }),
  fc.constant({ docstring: 7 }),
);

/** Builds chunks from `records` cut at `cuts` (sizes of consecutive chunks). */
function buildChunks(records: readonly unknown[], sizes: readonly number[]): ChunkResult[] {
  const chunks: ChunkResult[] = [];
  let at = 0;
  for (const size of [...sizes, records.length]) {
    const builder = new ChunkBuilder(options);
    for (const record of records.slice(at, at + size)) builder.record(record, ++at);
    chunks.push(builder.finish());
    if (at >= records.length) break;
  }
  return chunks;
}

/** Feeds chunks to the core in order and writes the kept rows as pairs.arrow; returns its bytes and the tallies. */
async function unshardedPath(chunks: Iterable<ChunkResult> | AsyncIterable<ChunkResult>, path: string): Promise<{ bytes: Buffer; counts: unknown; rejects: unknown[] }> {
  const core = new IngestCore(options);
  const sink = ArrowFileSink.create(path, pairsSchema);
  const rejects: unknown[] = [];
  for await (const chunk of chunks) {
    const verdict = core.addChunk(chunk);
    rejects.push(...chunk.rejects);
    if (verdict.kept > 0) await sink.write(pairsBatch(chunk, verdict.keep, verdict.kept, verdict.firstRowId, 3));
  }
  await sink.close();
  return { bytes: await readFile(path), counts: core.counts, rejects };
}

async function* replayed(partDir: string): AsyncGenerator<ChunkResult> {
  let sha = '';
  for await (const { result } of replayPart(partDir, '3', (digest) => (sha = digest.sha256))) yield (await result).result;
  expect(sha).toBe('abc');
}

describe('ingest shard parts', () => {
  it('replaying a part gives the core and pairs.arrow exactly what the original chunks give', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(recordArb, { maxLength: 40 }), fc.array(fc.nat({ max: 6 }), { maxLength: 8 }), async (records, sizes) => {
        const runDir = join(dir, String(run++));
        await mkdir(runDir);
        const reference = await unshardedPath(buildChunks(records, sizes), join(runDir, 'whole.arrow'));
        const writer = await PartWriter.create(join(runDir, 'parts'), '3');
        for (const chunk of buildChunks(records, sizes)) await writer.add(chunk, () => undefined);
        await writer.finish('abc', records.length, undefined);
        const merged = await unshardedPath(replayed(join(runDir, 'parts')), join(runDir, 'merged.arrow'));
        expect(merged.counts).toEqual(reference.counts);
        expect(merged.rejects).toEqual(reference.rejects);
        expect(merged.bytes.equals(reference.bytes)).toBe(true);
      }),
      { numRuns: 30 },
    );
  });

  it('a file rejected as a whole replays its chunks, then its error', async () => {
    const partDir = join(dir, 'failed');
    const writer = await PartWriter.create(partDir, '0');
    await writer.add(buildChunks([{ docstring: 'd', code: 'def f(): pass', language: 'python' }], [])[0]!, () => undefined);
    await writer.finish('', 1, Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' }));
    const seen: number[] = [];
    const replay = async () => {
      for await (const { result } of replayPart(partDir, '0', () => undefined)) seen.push((await result).result.rows);
    };
    await expect(replay()).rejects.toMatchObject({ code: 'EACCES', message: 'EACCES: permission denied' });
    expect(seen).toEqual([1]);
  });
});
