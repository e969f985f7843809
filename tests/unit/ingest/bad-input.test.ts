import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RejectRecord } from '../../../src/ingest/run.js';
import { jsonlBytes, readJsonlObjects, readPairs, record, tempDir, writeJsonl, ingestInline } from '../../helpers/files.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(async () => cleanup());

const good = (i: number): string => JSON.stringify(record(i));

describe('ingest bad input', () => {
  it('rejects each kind of bad line with file, line and reason, and keeps every good line', async () => {
    const lines: (string | Buffer)[] = [
      good(1), //                                               line 1
      '{"code": "def broken(', //                               line 2 invalid_json
      JSON.stringify({ docstring: 'no code', language: 'go' }), // line 3 missing_field code
      JSON.stringify({ ...record(4), code: 42 }), //            line 4 mistyped_field code
      Buffer.concat([Buffer.from('{"code": "x = 1", "docstring": "caf'), Buffer.from([0xc3, 0x28]), Buffer.from('", "language": "python"}')]), // line 5 invalid_utf8
      '', //                                                    line 6 blank: not a record
      `${good(7)}\r`, //                                        line 7 CRLF line is fine
      '[1, 2, 3]', //                                           line 8 not_an_object
      JSON.stringify({ ...record(9), func_name: ['a'] }), //    line 9 mistyped_field func_name
      JSON.stringify({ ...record(10), docstring: 'x'.repeat(400) }), // line 10 line_too_long (limit 300)
      good(11), //                                              line 11
    ];
    const input = await writeJsonl(join(dir, 'in.jsonl'), lines);
    const out = join(dir, 'out');
    const summary = await ingestInline({ inputs: [input], out, options: { maxLineBytes: 300 } });

    expect(summary).toMatchObject({
      read: 10, kept: 3, duplicates: 0, filtered: 0, rejected: 7,
      rejectedByReason: { invalid_json: 1, missing_field: 1, mistyped_field: 2, invalid_utf8: 1, not_an_object: 1, line_too_long: 1 },
    });
    const rejects = await readJsonlObjects<RejectRecord>(join(out, 'rejects.jsonl'));
    expect(rejects.map((r) => [r.line, r.reason, r.field])).toEqual([
      [2, 'invalid_json', undefined],
      [3, 'missing_field', 'code'],
      [4, 'mistyped_field', 'code'],
      [5, 'invalid_utf8', undefined],
      [8, 'not_an_object', undefined],
      [9, 'mistyped_field', 'func_name'],
      [10, 'line_too_long', undefined],
    ]);
    expect(rejects.every((r) => r.file.endsWith('in.jsonl'))).toBe(true);
    // Nothing is lost: the bad line itself (or its start, when too long) is in the reject file.
    expect(rejects[0]!.raw).toBe('{"code": "def broken(');
    expect(rejects[6]!.raw!.length).toBeGreaterThan(100);
    const pairs = await readPairs(join(out, 'pairs.arrow'));
    expect(pairs.map((p) => [p.funcName, p.sourceLine])).toEqual([['f1', 1], ['f7', 7], ['f11', 11]]);
  });

  it('keeps the lines before a truncated gzip and rejects the cut record', async () => {
    const whole = gzipSync(jsonlBytes(Array.from({ length: 200 }, (_, i) => good(i))));
    const input = join(dir, 'cut.jsonl.gz');
    await writeFile(input, whole.subarray(0, Math.floor(whole.length * 0.6)));
    const out = join(dir, 'out');
    const summary = await ingestInline({ inputs: [input], out });
    expect(summary.rejected).toBe(1);
    expect(summary.rejectedByReason).toEqual({ truncated_gzip: 1 });
    expect(summary.kept).toBeGreaterThan(50);
    expect(summary.kept).toBeLessThan(200);
    expect(summary.read).toBe(summary.kept + 1);
    const [reject] = await readJsonlObjects<RejectRecord>(join(out, 'rejects.jsonl'));
    expect(reject).toMatchObject({ reason: 'truncated_gzip', line: summary.kept + 1 });
    const pairs = await readPairs(join(out, 'pairs.arrow'));
    expect(pairs.map((p) => p.funcName)).toEqual(Array.from({ length: summary.kept }, (_, i) => `f${i}`));
  });

  it('reports corrupt gzip data as a reject and goes on with the next file', async () => {
    const whole = gzipSync(jsonlBytes(Array.from({ length: 200 }, (_, i) => good(i))));
    const corrupt = Buffer.from(whole);
    for (let i = 200; i < 260; i++) corrupt[i] = 0xff - (corrupt[i] ?? 0);
    const bad = join(dir, 'a-corrupt.jsonl.gz');
    await writeFile(bad, corrupt);
    const next = await writeJsonl(join(dir, 'b-next.jsonl'), [JSON.stringify(record(1000))]);
    const summary = await ingestInline({ inputs: [bad, next], out: join(dir, 'out') });
    expect(summary.rejectedByReason).toEqual({ corrupt_gzip: 1 });
    const pairs = await readPairs(join(dir, 'out', 'pairs.arrow'));
    expect(pairs.at(-1)!.funcName).toBe('f1000');
  });

  it('counts a file without a final newline and an empty file correctly', async () => {
    const a = join(dir, 'a.jsonl');
    await writeFile(a, `${good(1)}\n${good(2)}`);
    await writeFile(join(dir, 'b.jsonl'), '');
    const summary = await ingestInline({ inputs: [dir], out: join(dir, 'out') });
    expect(summary).toMatchObject({ read: 2, kept: 2, rejected: 0 });
  });

  it.each([
    ['a missing path', (d: string) => [join(d, 'nope.jsonl')], 'E_INPUT_MISSING', /input not found: .*nope\.jsonl/],
    ['an unknown format', (d: string) => [join(d, 'data.csv')], 'E_FORMAT_UNKNOWN', /unknown input format: .*data\.csv.*\.jsonl\.gz.*\.parquet/],
    ['a folder of nothing usable', (d: string) => [join(d, 'empty')], 'E_INPUT_EMPTY', /holds no input files \(1 other files ignored\).*\.parquet/],
    ['no input at all', () => [], 'E_USAGE', /no input given/],
  ])('fails clearly on %s', async (_name, inputs, code, message) => {
    await writeFile(join(dir, 'data.csv'), 'a,b\n');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(dir, 'empty'));
    await writeFile(join(dir, 'empty', 'notes.txt'), 'hi');
    const error = await ingestInline({ inputs: inputs(dir), out: join(dir, 'out') }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code });
    expect((error as Error).message).toMatch(message);
  });

  it('rejects invalid options all at once', async () => {
    const input = await writeJsonl(join(dir, 'in.jsonl'), [good(1)]);
    const error = await ingestInline({ inputs: [input], out: join(dir, 'out'), options: { minCodeLines: 5, maxCodeLines: 2, maxLineBytes: -1 } }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_USAGE' });
    expect((error as Error).message).toMatch(/--max-line-bytes.*\n.*--min-code-lines \(5\) exceeds --max-code-lines \(2\)/s);
  });

  it('leaves no partial outputs behind when it fails', async () => {
    const { readdir } = await import('node:fs/promises');
    const input = await writeJsonl(join(dir, 'in.jsonl'), [good(1)]);
    const controller = new AbortController();
    controller.abort();
    const error = await ingestInline({ inputs: [input], out: join(dir, 'out'), signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_INTERRUPTED' });
    expect(await readdir(join(dir, 'out'))).toEqual([]);
    await expect(readFile(join(dir, 'out', 'pairs.arrow'))).rejects.toThrow();
  });
});
