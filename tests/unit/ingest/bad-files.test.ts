import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChunkBuilder } from '../../../src/ingest/chunk.js';
import { resolveIngestOptions } from '../../../src/ingest/options.js';
import { rawJson, toPairFields } from '../../../src/ingest/record.js';
import type { FileRejectRecord, RejectRecord } from '../../../src/ingest/run.js';
import { ScanChunkBuilder } from '../../../src/ingest/scan-chunk.js';
import { tableFromArrays, tableToIPC } from '../../../src/store/arrow.js';
import { ingestInline, jsonlBytes, readJsonlObjects, readPairs, record, tempDir, writeArrow, writeJsonl, writeParquet } from '../../helpers/files.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(async () => cleanup());

const good = (i: number): string => JSON.stringify(record(i));
/** A JSON array nested far deeper than any recursive walk of it can go. */
const DEEP_ARRAY = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;

/** A Parquet file of three rows whose `column` is an INT64 column (values arrive as BigInt). */
function int64Parquet(column: 'code' | 'repo' | 'docstring'): Uint8Array {
  const text = (name: string, values: string[]) => ({ name, data: values, type: 'STRING' as const });
  const strings: Record<string, string[]> = { code: ['x = 1', 'x = 2', 'x = 3'], docstring: ['one', 'two', 'three'], language: ['python', 'python', 'python'], repo: ['a/b', 'a/b', 'a/b'] };
  return new Uint8Array(parquetWriteBuffer({
    columnData: Object.entries(strings).map(([name, values]) => (name === column ? { name, data: [9007199254740993n, 2n, 3n], type: 'INT64' as const } : text(name, values))),
  }));
}

describe('mistyped columns in columnar inputs', () => {
  it.each(['code', 'repo', 'docstring'] as const)('counts each row of an INT64 %s column as a mistyped_field reject, and the good file beside it is kept', async (column) => {
    const bad = join(dir, 'a-int64.parquet');
    await writeFile(bad, int64Parquet(column));
    const next = await writeJsonl(join(dir, 'b-good.jsonl'), [good(1)]);
    const out = join(dir, 'out');
    const summary = await ingestInline({ inputs: [bad, next], out });
    expect(summary).toMatchObject({ read: 4, kept: 1, rejected: 3, rejectedByReason: { mistyped_field: 3 }, rejectedFiles: 0 });
    const rejects = await readJsonlObjects<RejectRecord>(join(out, 'rejects.jsonl'));
    expect(rejects.map((r) => [r.line, r.reason, r.field])).toEqual([[1, 'mistyped_field', column], [2, 'mistyped_field', column], [3, 'mistyped_field', column]]);
    expect(rejects[0]!.detail).toMatch(new RegExp(`"${column}" must be a string.*found integer`));
    // The raw record is kept, the INT64 value written exactly (as a decimal string: JSON has no BigInt).
    expect(JSON.parse(rejects[0]!.raw!)).toMatchObject({ [column]: '9007199254740993' });
    expect((await readPairs(join(out, 'pairs.arrow'))).map((p) => [p.funcName, p.sourceIndex])).toEqual([['f1', 1]]);
  });

  it('rejects the rows of an Arrow Int64 code column the same way', async () => {
    const table = tableFromArrays({ code: BigInt64Array.from([5n, 6n]), docstring: ['d', 'e'], language: ['go', 'go'] });
    const input = join(dir, 'typed.arrow');
    await writeFile(input, tableToIPC(table, 'file'));
    const out = join(dir, 'out');
    const summary = await ingestInline({ inputs: [input], out });
    expect(summary).toMatchObject({ read: 2, kept: 0, rejected: 2, rejectedByReason: { mistyped_field: 2 } });
    const rejects = await readJsonlObjects<RejectRecord>(join(out, 'rejects.jsonl'));
    expect(JSON.parse(rejects[1]!.raw!)).toMatchObject({ code: '6' });
  });
});

describe('the raw text of a rejected record', () => {
  it('writes bigints as decimal strings and describes what JSON cannot hold, instead of throwing', () => {
    expect(rawJson({ code: 12345678901234567890n, repo: null })).toBe('{"code":"12345678901234567890","repo":null}');
    expect(rawJson(JSON.parse(DEEP_ARRAY))).toMatch(/^\(array that cannot be written as JSON: .*\)$/);
  });

  it('names the type found in a mistyped field', () => {
    const base = { code: 'x', docstring: 'd', language: 'go' };
    expect(toPairFields({ ...base, code: 7n })).toMatchObject({ ok: false, problem: { detail: '"code" must be a string, found integer' } });
    expect(toPairFields({ ...base, repo: 1.5 })).toMatchObject({ ok: false, problem: { detail: '"repo" must be a string or null, found number' } });
    expect(toPairFields({ ...base, docstring: new Uint8Array(2) })).toMatchObject({ ok: false, problem: { detail: '"docstring" must be a string, found binary' } });
  });
});

describe('deeply nested jsonl lines', () => {
  it.each([
    ['the JavaScript path', (bytes: Buffer) => {
      const builder = new ChunkBuilder(resolveIngestOptions({}));
      builder.jsonlBlock(bytes, 1);
      return builder.finish();
    }],
    ['the WebAssembly scanner', (bytes: Buffer) => {
      const builder = new ScanChunkBuilder(resolveIngestOptions({}));
      builder.jsonlBlock(bytes, 1);
      return builder.finish();
    }],
  ])('are counted rejects on %s, and the lines after them are kept', (_path, parse) => {
    const nestedField = JSON.stringify({ ...record(3), code: 'PLACEHOLDER' }).replace('"PLACEHOLDER"', DEEP_ARRAY);
    const result = parse(jsonlBytes([good(1), DEEP_ARRAY, nestedField, good(4)]));
    expect(result.read).toBe(4);
    expect(result.rows).toBe(2);
    expect(Array.from(result.lines)).toEqual([1, 4]);
    expect(result.rejects.map((r) => [r.line, r.reason, r.field])).toEqual([[2, 'not_an_object', undefined], [3, 'mistyped_field', 'code']]);
    expect(result.rejects[0]!.detail).toBe('expected a JSON object, found array');
    expect(result.rejects[0]!.raw).toBe(DEEP_ARRAY); // the line itself: nothing is lost
  });

  it('is a counted reject in a whole run on the main thread (threads 0)', async () => {
    const input = await writeJsonl(join(dir, 'deep.jsonl'), [good(1), DEEP_ARRAY, good(2)]);
    const out = join(dir, 'out');
    const summary = await ingestInline({ inputs: [input], out });
    expect(summary).toMatchObject({ read: 3, kept: 2, rejected: 1, rejectedByReason: { not_an_object: 1 } });
    const [reject] = await readJsonlObjects<RejectRecord>(join(out, 'rejects.jsonl'));
    expect(reject).toMatchObject({ line: 2, reason: 'not_an_object' });
  });
});

describe('a UTF-8 byte order mark', () => {
  it.each([['.jsonl', false], ['.jsonl.gz', true]] as const)('at the start of a %s file is dropped, not a rejected line', async (suffix, gzip) => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), jsonlBytes([good(1), good(2)])]);
    const input = join(dir, `bom${suffix}`);
    await writeFile(input, gzip ? gzipSync(bytes) : bytes);
    const out = join(dir, 'out');
    const summary = await ingestInline({ inputs: [input], out });
    expect(summary).toMatchObject({ read: 2, kept: 2, rejected: 0 });
    expect((await readPairs(join(out, 'pairs.arrow'))).map((p) => [p.funcName, p.sourceLine, p.code])).toEqual([['f1', 1, record(1).code], ['f2', 2, record(2).code]]);
  });

  it('is the only thing dropped: a file holding just a BOM has no records, one later in the file is data', async () => {
    await writeFile(join(dir, 'a.jsonl'), Buffer.from([0xef, 0xbb, 0xbf]));
    await writeJsonl(join(dir, 'b.jsonl'), [good(1), `\ufeff${good(2)}`]);
    const summary = await ingestInline({ inputs: [join(dir, 'a.jsonl'), join(dir, 'b.jsonl')], out: join(dir, 'out') });
    expect(summary).toMatchObject({ read: 2, kept: 1, rejected: 1, rejectedByReason: { invalid_json: 1 } });
  });
});

describe('a damaged input file among others', () => {
  async function damagedFiles(): Promise<{ parquet: string; arrow: string }> {
    const parquet = await writeParquet(join(dir, 'a-corrupt.parquet'), [record(1), record(2)]);
    const whole = await readFile(parquet);
    await writeFile(parquet, whole.subarray(0, whole.length - 20)); // the footer is gone
    const arrow = await writeArrow(join(dir, 'b-truncated.arrow'), Array.from({ length: 50 }, (_, i) => record(100 + i)));
    const full = await readFile(arrow);
    await writeFile(arrow, full.subarray(0, Math.floor(full.length * 0.6)));
    return { parquet, arrow };
  }

  it('rejects that file with a reason, counts it, warns, and keeps the other files', async () => {
    const { parquet, arrow } = await damagedFiles();
    const goodFile = await writeJsonl(join(dir, 'c-good.jsonl'), [good(7), good(8)]);
    const out = join(dir, 'out');
    const warnings: string[] = [];
    const summary = await ingestInline({ inputs: [parquet, arrow, goodFile], out, warn: (message) => warnings.push(message) });

    expect(summary).toMatchObject({ read: 2, kept: 2, rejected: 0, rejectedFiles: 2 });
    const pairs = await readPairs(join(out, 'pairs.arrow'));
    expect(pairs.map((p) => [p.funcName, p.sourceIndex])).toEqual([['f7', 2], ['f8', 2]]);
    const rejects = await readJsonlObjects<FileRejectRecord>(join(out, 'rejects.jsonl'));
    expect(rejects).toEqual([
      { file: expect.stringMatching(/a-corrupt\.parquet$/) as unknown, reason: 'unreadable_file', detail: expect.stringMatching(/not a readable Parquet file/) as unknown, recordsRead: 0 },
      { file: expect.stringMatching(/b-truncated\.arrow$/) as unknown, reason: 'unreadable_file', detail: expect.stringMatching(/not a readable Arrow IPC file/) as unknown, recordsRead: 0 },
    ]);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^warning: input file .*a-corrupt\.parquet rejected: .*not a readable Parquet file/);
    expect(warnings[1]).toMatch(/^warning: input file .*b-truncated\.arrow rejected: .*not a readable Arrow IPC file/);

    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as { counts: { rejectedFiles: number }; inputs: { path: string; rejected?: string }[]; outputs: { path: string; rows?: number }[] };
    expect(manifest.counts.rejectedFiles).toBe(2);
    // Every input is still listed, in order, so source_index 2 is still the good file.
    expect(manifest.inputs.map((i) => [i.path, i.rejected !== undefined])).toEqual([[parquet, true], [arrow, true], [goodFile, false]]);
    expect(manifest.outputs.find((o) => o.path.endsWith('rejects.jsonl'))!.rows).toBe(2);
  });

  it('keeps the records read before a problem found mid-file, and says how many', async () => {
    // An Arrow stream of five batches, cut inside the fourth: the first three batches read fine.
    const batches = Array.from({ length: 5 }, (_, b) => {
      const rows = Array.from({ length: 100 }, (_, i) => record(b * 100 + i));
      return tableFromArrays({ code: rows.map((r) => r.code), docstring: rows.map((r) => r.docstring), language: rows.map((r) => r.language) });
    });
    const stream = tableToIPC(batches[0]!.concat(...batches.slice(1)), 'stream');
    const cut = join(dir, 'a-cut.arrow');
    await writeFile(cut, stream.subarray(0, Math.floor(stream.length * 0.7)));
    const next = await writeJsonl(join(dir, 'b.jsonl'), [good(9999)]);
    const out = join(dir, 'out');
    const warnings: string[] = [];
    const summary = await ingestInline({ inputs: [cut, next], out, warn: (message) => warnings.push(message) });
    const [fileReject] = await readJsonlObjects<FileRejectRecord>(join(out, 'rejects.jsonl'));
    expect(fileReject).toMatchObject({ reason: 'unreadable_file', recordsRead: expect.any(Number) as unknown });
    const before = fileReject!.recordsRead;
    expect(before % 100).toBe(0); // whole batches
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(500);
    expect(summary).toMatchObject({ read: before + 1, kept: before + 1, rejectedFiles: 1 });
    expect((await readPairs(join(out, 'pairs.arrow'))).map((p) => p.code)).toEqual([...Array.from({ length: before }, (_, i) => record(i).code), record(9999).code]);
    expect(warnings[0]).toMatch(new RegExp(`a-cut\\.arrow rejected: .*\\(the ${before} records read before the problem are kept\\)`));
  });

  it('fails with every reason, and writes nothing, when all input files are rejected', async () => {
    const { parquet, arrow } = await damagedFiles();
    const out = join(dir, 'out');
    const error = await ingestInline({ inputs: [parquet, arrow], out, warn: () => undefined }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_FORMAT_INVALID' });
    expect((error as Error).message).toMatch(/all 2 input files were rejected:\n.*a-corrupt\.parquet: .*not a readable Parquet file.*\n.*b-truncated\.arrow: .*not a readable Arrow IPC file/);
    expect(await readdir(out)).toEqual([]);
  });

  it('keeps the clear error of a single bad input file', async () => {
    const { parquet } = await damagedFiles();
    const error = await ingestInline({ inputs: [parquet], out: join(dir, 'out'), warn: () => undefined }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_FORMAT_INVALID' });
    expect((error as Error).message).toMatch(/a-corrupt\.parquet is not a readable Parquet file: .*PAR1/);
  });
});
