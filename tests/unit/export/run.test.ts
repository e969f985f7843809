import { existsSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasErrorCode } from '../../../src/errors.js';
import { runExport, type ExportSummary } from '../../../src/export/run.js';
import type { ExportOptions } from '../../../src/export/options.js';
import { tempDir } from '../../helpers/files.js';
import { instructionRecord, writeRecords } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('tidepool-export-')));
afterEach(async () => cleanup());

const three = [
  instructionRecord(1),
  instructionRecord(2, { task: 'translation', targetLanguage: 'go', input: 'x = 1', output: 'x := 1', instruction: 'Translate to Go.' }),
  instructionRecord(3, { task: 'summarization', language: 'java', instruction: 'Summarize "this".', input: 'int f() { return 3; }', output: 'Returns 3.' }),
];

async function exportTo(name: string, options: Partial<ExportOptions> & { format: string }): Promise<{ summary: ExportSummary; text: string; logs: string[] }> {
  const logs: string[] = [];
  const out = join(dir, 'out', name);
  const summary = await runExport({ input: join(dir, 'gen'), out, card: false, log: (line) => logs.push(line), ...options });
  return { summary, text: await readFile(summary.out, 'utf8'), logs };
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<Error> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(hasErrorCode(error, code as never), String(error)).toBe(true);
  return error as Error;
}

describe('runExport formats (golden output)', () => {
  beforeEach(async () => {
    await writeRecords(join(dir, 'gen'), three);
  });

  it('alpaca as JSON Lines', async () => {
    const { summary, text } = await exportTo('train.jsonl', { format: 'alpaca' });
    expect(text).toBe(
      String.raw`{"instruction":"Write a Python function number 1.","input":"","output":"def f1():\n    return 1"}` + '\n' +
      String.raw`{"instruction":"Translate to Go.","input":"x = 1","output":"x := 1"}` + '\n' +
      String.raw`{"instruction":"Summarize \"this\".","input":"int f() { return 3; }","output":"Returns 3."}` + '\n',
    );
    expect(summary).toMatchObject({ format: 'alpaca', records: 3, rejected: 0, card: null, rejects: null, tasks: { generation: 1, translation: 1, summarization: 1 }, languages: { python: 2, java: 1 } });
  });

  it('alpaca as one JSON array when --out ends in .json, with metadata', async () => {
    const { text } = await exportTo('train.json', { format: 'alpaca', withMetadata: true });
    expect(text).toBe(
      '[\n' +
      String.raw`{"instruction":"Write a Python function number 1.","input":"","output":"def f1():\n    return 1","task":"generation","language":"python","id":"row1/generation"}` + ',\n' +
      String.raw`{"instruction":"Translate to Go.","input":"x = 1","output":"x := 1","task":"translation","language":"python","id":"row2/translation"}` + ',\n' +
      String.raw`{"instruction":"Summarize \"this\".","input":"int f() { return 3; }","output":"Returns 3.","task":"summarization","language":"java","id":"row3/summarization"}` +
      '\n]\n',
    );
    expect((JSON.parse(text) as unknown[]).length).toBe(3);
  });

  it('sharegpt', async () => {
    const { text } = await exportTo('train.jsonl', { format: 'sharegpt' });
    expect(text.split('\n')).toEqual([
      String.raw`{"id":"row1/generation","conversations":[{"from":"human","value":"Write a Python function number 1."},{"from":"gpt","value":"def f1():\n    return 1"}]}`,
      String.raw`{"id":"row2/translation","conversations":[{"from":"human","value":"Translate to Go.\n\nx = 1"},{"from":"gpt","value":"x := 1"}]}`,
      String.raw`{"id":"row3/summarization","conversations":[{"from":"human","value":"Summarize \"this\".\n\nint f() { return 3; }"},{"from":"gpt","value":"Returns 3."}]}`,
      '',
    ]);
  });

  it('messages with a system message', async () => {
    const { text } = await exportTo('chat.jsonl', { format: 'messages', system: 'You are a careful programmer.' });
    expect(text.split('\n')).toEqual([
      String.raw`{"messages":[{"role":"system","content":"You are a careful programmer."},{"role":"user","content":"Write a Python function number 1."},{"role":"assistant","content":"def f1():\n    return 1"}]}`,
      String.raw`{"messages":[{"role":"system","content":"You are a careful programmer."},{"role":"user","content":"Translate to Go.\n\nx = 1"},{"role":"assistant","content":"x := 1"}]}`,
      String.raw`{"messages":[{"role":"system","content":"You are a careful programmer."},{"role":"user","content":"Summarize \"this\".\n\nint f() { return 3; }"},{"role":"assistant","content":"Returns 3."}]}`,
      '',
    ]);
  });

  it('an empty input gives an empty JSON array', async () => {
    await writeRecords(join(dir, 'gen'), []);
    const { summary, text } = await exportTo('empty.json', { format: 'alpaca' });
    expect(text).toBe('[]\n');
    expect(summary.records).toBe(0);
  });

  it('leaves no partial file behind', async () => {
    await exportTo('train.jsonl', { format: 'alpaca' });
    expect((await readdir(join(dir, 'out'))).sort()).toEqual(['train.jsonl', 'train.jsonl.tidepool.json']);
  });
});

describe('runExport input', () => {
  it('prefers kept.jsonl over instructions.jsonl and says which it read', async () => {
    await writeRecords(join(dir, 'gen'), three);
    await writeRecords(join(dir, 'gen'), [three[0]!], 'kept.jsonl');
    const { summary, logs } = await exportTo('train.jsonl', { format: 'alpaca' });
    expect(summary.records).toBe(1);
    expect(summary.input).toBe(join(dir, 'gen', 'kept.jsonl'));
    expect(logs[0]).toContain(`reading ${join(dir, 'gen', 'kept.jsonl')}`);
  });

  it('reads a .jsonl file given directly, and a gzipped one', async () => {
    const file = await writeRecords(join(dir, 'any'), three, 'mine.jsonl');
    const plain = await runExport({ input: file, format: 'alpaca', out: join(dir, 'a.jsonl'), card: false });
    expect(plain.records).toBe(3);
    await writeFile(join(dir, 'mine.jsonl.gz'), gzipSync(await readFile(file)));
    const zipped = await runExport({ input: join(dir, 'mine.jsonl.gz'), format: 'alpaca', out: join(dir, 'b.jsonl'), card: false });
    expect(zipped.records).toBe(3);
    expect(await readFile(join(dir, 'b.jsonl'), 'utf8')).toBe(await readFile(join(dir, 'a.jsonl'), 'utf8'));
  });

  it('streams 20k records and keeps every one', async () => {
    const records = Array.from({ length: 20_000 }, (_, i) => instructionRecord(i, { task: i % 4 === 0 ? 'repair' : 'generation' }));
    await writeRecords(join(dir, 'gen'), records);
    const lines = await exportTo('big.jsonl', { format: 'sharegpt' });
    expect(lines.summary.records).toBe(20_000);
    expect(lines.summary.tasks).toEqual({ generation: 15_000, repair: 5_000 });
    expect(lines.text.split('\n').filter((line) => line !== '')).toHaveLength(20_000);
    const array = await exportTo('big.json', { format: 'alpaca' });
    const parsed = JSON.parse(array.text) as { instruction: string }[];
    expect(parsed).toHaveLength(20_000);
    expect(parsed[19_999]!.instruction).toBe('Write a Python function number 19999.');
  });

  it('counts bad lines and writes them to <out>.rejects.jsonl with file:line and reason', async () => {
    const input = await writeRecords(join(dir, 'gen'), [
      three[0]!,
      '{"instruction": "no closing brace"',
      '',
      JSON.stringify({ instruction: 'no output' }),
      three[1]!,
      '[1, 2]',
      JSON.stringify({ instruction: 'x', output: 7 }),
      three[2]!,
    ]);
    const { summary } = await exportTo('train.jsonl', { format: 'alpaca' });
    expect(summary).toMatchObject({ records: 3, rejected: 4, rejects: join(dir, 'out', 'train.jsonl.rejects.jsonl'), rejectReasons: { invalid_json: 1, missing_field: 1, not_an_object: 1, mistyped_field: 1 } });
    const rejects = (await readFile(summary.rejects!, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(rejects.map((r) => [r.at, r.line, r.reason, r.field])).toEqual([
      [`${input}:2`, 2, 'invalid_json', ''],
      [`${input}:4`, 4, 'missing_field', 'output'],
      [`${input}:6`, 6, 'not_an_object', ''],
      [`${input}:7`, 7, 'mistyped_field', 'output'],
    ]);
    expect(rejects[0]!.raw).toBe('{"instruction": "no closing brace"');
  });

  it('removes a stale rejects file when a rerun has no bad line', async () => {
    await writeRecords(join(dir, 'gen'), [three[0]!, 'not json']);
    const first = await runExport({ input: join(dir, 'gen'), format: 'alpaca', out: join(dir, 'out.jsonl'), card: false });
    expect(first.rejects).toBe(join(dir, 'out.jsonl.rejects.jsonl'));
    await writeRecords(join(dir, 'gen'), three);
    const summary = await runExport({ input: join(dir, 'gen'), format: 'alpaca', out: join(dir, 'out.jsonl'), card: false });
    expect(summary.rejects).toBeNull();
    expect(existsSync(join(dir, 'out.jsonl.rejects.jsonl'))).toBe(false);
  });
});

describe('runExport errors', () => {
  it('E_INTERRUPTED when the signal fires, leaving no output or partial file', async () => {
    await writeRecords(join(dir, 'gen'), three);
    const controller = new AbortController();
    controller.abort();
    await expectCode(runExport({ input: join(dir, 'gen'), format: 'parquet', out: join(dir, 'out', 'x.parquet'), signal: controller.signal }), 'E_INTERRUPTED');
    expect(await readdir(join(dir, 'out'))).toEqual([]);
  });

  it('E_INPUT_MISSING names the folder and what it holds', async () => {
    await expectCode(runExport({ input: join(dir, 'nope'), format: 'alpaca', out: join(dir, 'o.jsonl') }), 'E_INPUT_MISSING');
    await writeFile(join(dir, 'other.txt'), 'x');
    const error = await expectCode(runExport({ input: dir, format: 'alpaca', out: join(dir, 'o.jsonl') }), 'E_INPUT_MISSING');
    expect(error.message).toContain('holds neither kept.jsonl nor instructions.jsonl (it holds other.txt)');
  });

  it('E_USAGE when --out would overwrite the input file it reads', async () => {
    await writeRecords(join(dir, 'gen'), three);
    const error = await expectCode(runExport({ input: join(dir, 'gen'), format: 'alpaca', out: join(dir, 'gen', 'instructions.jsonl') }), 'E_USAGE');
    expect(error.message).toContain('is the input file this export reads');
    expect((await readFile(join(dir, 'gen', 'instructions.jsonl'), 'utf8')).split('\n')).toHaveLength(4);
  });

  it('E_USAGE lists every bad option at once', async () => {
    const error = await expectCode(runExport({ input: dir, format: 'alpaca', out: join(dir, 'o.txt'), system: 'hi', rowGroupRows: 0 }), 'E_USAGE');
    expect(error.message).toContain('must end in .json (one JSON array) or .jsonl');
    expect(error.message).toContain('--system applies only to --format messages');
    expect(error.message).toContain('--row-group-rows');
    await expectCode(runExport({ input: dir, format: 'csv', out: join(dir, 'o.jsonl') }), 'E_USAGE');
    await expectCode(runExport({ input: dir, format: 'messages', out: join(dir, 'o.json') }), 'E_USAGE');
    await expectCode(runExport({ input: dir, format: 'messages', out: join(dir, 'o.jsonl'), withMetadata: true }), 'E_USAGE');
    await expectCode(runExport({ input: dir, format: 'parquet', out: join(dir, 'o.jsonl') }), 'E_USAGE');
  });
});
