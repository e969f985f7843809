import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { tableFromIPC } from '../../../src/store/arrow.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasErrorCode } from '../../../src/errors.js';
import { runExport } from '../../../src/export/run.js';
import type { InstructionRecord } from '../../../src/generate/records.js';
import { tempDir } from '../../helpers/files.js';
import { instructionRecord, writeRecords } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('tidepool-export-parquet-')));
afterEach(async () => cleanup());

/** The row every record should become, written out by hand from the record (independent of formats.ts). */
function expectedRow(r: InstructionRecord | { instruction: string; output: string }): Record<string, unknown> {
  const full = r as Partial<InstructionRecord>;
  return {
    id: full.id ?? null, task: full.task ?? null, language: full.language ?? null, target_language: full.targetLanguage ?? null,
    instruction: r.instruction, input: full.input ?? '', output: r.output,
    source_row_id: full.provenance === undefined ? null : BigInt(full.provenance.rowId), generator_model: full.provenance?.generator.model ?? null,
  };
}

async function readBack(path: string): Promise<{ rows: Record<string, unknown>[]; rowGroups: number[]; columns: [string, string | undefined, string | undefined][]; codecs: string[] }> {
  const file = await asyncBufferFromFile(path);
  const metadata = await parquetMetadataAsync(file);
  const rows = await parquetReadObjects({ file, metadata, compressors });
  return {
    rows,
    rowGroups: metadata.row_groups.map((group) => Number(group.num_rows)),
    columns: parquetSchema(metadata).children.map((child) => [child.element.name, child.element.type, child.element.repetition_type]),
    codecs: [...new Set(metadata.row_groups.flatMap((group) => group.columns.map((column) => column.meta_data?.codec ?? '?')))],
  };
}

const sources: (InstructionRecord | { instruction: string; output: string })[] = [
  instructionRecord(1),
  instructionRecord(2, { task: 'translation', targetLanguage: 'rust', input: 'fn main() {}', language: 'go', output: 'fn main() { println!("é 関数 ✓"); }' }, { rowId: 2 ** 40, model: 'other-model' }),
  { instruction: 'bare record', output: 'no id, no provenance' },
  ...Array.from({ length: 25 }, (_, i) => instructionRecord(100 + i, { task: i % 3 === 0 ? 'repair' : 'generation', input: i % 2 === 0 ? '' : `x${i}` })),
];

describe('parquet export', () => {
  it('round-trips every column of every row (read back with hyparquet), in row groups', async () => {
    await writeRecords(join(dir, 'gen'), sources.map((s) => JSON.stringify(s)));
    const summary = await runExport({ input: join(dir, 'gen'), format: 'parquet', out: join(dir, 'train.parquet'), rowGroupRows: 10, card: false });
    expect(summary.records).toBe(sources.length);
    const back = await readBack(summary.out);
    expect(back.rows).toEqual(sources.map(expectedRow));
    expect(back.rowGroups).toEqual([10, 10, 8]);
    expect(back.codecs).toEqual(['SNAPPY']);
    expect(back.columns).toEqual([
      ['id', 'BYTE_ARRAY', 'OPTIONAL'], ['task', 'BYTE_ARRAY', 'OPTIONAL'], ['language', 'BYTE_ARRAY', 'OPTIONAL'], ['target_language', 'BYTE_ARRAY', 'OPTIONAL'],
      ['instruction', 'BYTE_ARRAY', 'REQUIRED'], ['input', 'BYTE_ARRAY', 'REQUIRED'], ['output', 'BYTE_ARRAY', 'REQUIRED'],
      ['source_row_id', 'INT64', 'OPTIONAL'], ['generator_model', 'BYTE_ARRAY', 'OPTIONAL'],
    ]);
  });

  it('an input with no record writes no Parquet file (E_INPUT_EMPTY) but keeps the rejects', async () => {
    await writeRecords(join(dir, 'gen'), ['not json']);
    const out = join(dir, 'empty.parquet');
    const error = await runExport({ input: join(dir, 'gen'), format: 'parquet', out, card: false }).then(() => undefined, (e: unknown) => e);
    expect(hasErrorCode(error, 'E_INPUT_EMPTY')).toBe(true);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.partial`)).toBe(false);
    expect(await readFile(`${out}.rejects.jsonl`, 'utf8')).toContain('"reason":"invalid_json"');
  });

  it('5k records in 1k-row groups', async () => {
    const records = Array.from({ length: 5_000 }, (_, i) => instructionRecord(i));
    await writeRecords(join(dir, 'gen'), records);
    const summary = await runExport({ input: join(dir, 'gen'), format: 'parquet', out: join(dir, 'big.parquet'), rowGroupRows: 1_000, card: false });
    const back = await readBack(summary.out);
    expect(back.rowGroups).toEqual([1000, 1000, 1000, 1000, 1000]);
    expect(back.rows.map((row) => row.source_row_id)).toEqual(records.map((_, i) => BigInt(i)));
  });
});

describe('parquet export read by an independent reader (arrow-rs via parquet-wasm) into apache-arrow', () => {
  it('apache-arrow sees the same rows and types', async () => {
    await writeRecords(join(dir, 'gen'), sources.map((s) => JSON.stringify(s)));
    const summary = await runExport({ input: join(dir, 'gen'), format: 'parquet', out: join(dir, 'train.parquet'), rowGroupRows: 10, card: false });
    // parquet-wasm is the Rust Parquet reader (the one pyarrow's C++ sibling is tested against); it hands back Arrow IPC.
    const { readParquet } = await import('parquet-wasm/node');
    const table = tableFromIPC(readParquet(new Uint8Array(await readFile(summary.out))).intoIPCStream());
    expect(table.schema.fields.map((field) => [field.name, String(field.type), field.nullable])).toEqual([
      ['id', 'Utf8', true], ['task', 'Utf8', true], ['language', 'Utf8', true], ['target_language', 'Utf8', true],
      ['instruction', 'Utf8', false], ['input', 'Utf8', false], ['output', 'Utf8', false], ['source_row_id', 'Int64', true], ['generator_model', 'Utf8', true],
    ]);
    const rows = table.toArray().map((row: { toJSON(): Record<string, unknown> }) => row.toJSON());
    expect(rows).toEqual(sources.map(expectedRow));
  });
});
