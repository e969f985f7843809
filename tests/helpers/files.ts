/** Real temp folders and input files in every format, for tests. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { tableFromArrays, tableToIPC } from '../../src/store/arrow.js';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { readArrowBatches } from '../../src/store/arrow-file.js';
import { pairRowAt, type PairRow } from '../../src/store/pairs.js';
import { runIngest } from '../../src/ingest/run.js';

/** Creates a temp folder; `cleanup` removes it. */
export async function tempDir(prefix = 'tidepool-test-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A CodeSearchNet-style record in the original naming. */
export interface CsnRecord {
  code: string;
  docstring: string;
  language: string;
  func_name?: string | null;
  repo?: string | null;
  path?: string | null;
  url?: string | null;
}

/** Lines of a jsonl file (strings or raw bytes), joined with newlines. */
export function jsonlBytes(lines: readonly (string | Buffer)[]): Buffer {
  return Buffer.concat(lines.flatMap((line) => [typeof line === 'string' ? Buffer.from(line) : line, Buffer.from('\n')]));
}

export async function writeJsonl(path: string, lines: readonly (string | Buffer)[], gzip = false): Promise<string> {
  const bytes = jsonlBytes(lines);
  await writeFile(path, gzip ? gzipSync(bytes) : bytes);
  return path;
}

const COLUMNS = ['code', 'docstring', 'language', 'func_name', 'repo', 'path', 'url'] as const;

/** Writes records as a Parquet file (string columns, nullable). */
export async function writeParquet(path: string, records: readonly CsnRecord[], rowGroupSize = 1000): Promise<string> {
  const buffer = parquetWriteBuffer({
    columnData: COLUMNS.map((name) => ({ name, data: records.map((r) => r[name] ?? null), type: 'STRING' as const, nullable: true })),
    rowGroupSize,
  });
  await writeFile(path, new Uint8Array(buffer));
  return path;
}

/** Writes records as an Arrow IPC file. */
export async function writeArrow(path: string, records: readonly CsnRecord[]): Promise<string> {
  const table = tableFromArrays(Object.fromEntries(COLUMNS.map((name) => [name, records.map((r) => r[name] ?? null)])));
  await writeFile(path, tableToIPC(table, 'file'));
  return path;
}

/** Reads every row of a pairs.arrow file. */
export async function readPairs(path: string): Promise<PairRow[]> {
  const rows: PairRow[] = [];
  for await (const batch of readArrowBatches(path)) {
    for (let i = 0; i < batch.numRows; i++) rows.push(pairRowAt(batch, i));
  }
  return rows;
}

/** Reads a jsonl file into objects. */
export async function readJsonlObjects<T = Record<string, unknown>>(path: string): Promise<T[]> {
  const { readFile } = await import('node:fs/promises');
  const text = await readFile(path, 'utf8');
  return text.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as T);
}

/** A deterministic small record. */
export function record(i: number, overrides: Partial<CsnRecord> = {}): CsnRecord {
  return {
    code: `def f${i}(x):\n    return x + ${i}\n`,
    docstring: `Adds ${i} to x.`,
    language: 'python',
    func_name: `f${i}`,
    repo: `org/repo${i % 3}`,
    path: `src/m${i}.py`,
    url: `https://example.com/org/repo/blob/main/src/m${i}.py#L1-L2`,
    ...overrides,
  };
}

/** runIngest on the main thread: unit tests run TypeScript sources, which worker threads cannot load. */
export function ingestInline(run: Parameters<typeof runIngest>[0]): ReturnType<typeof runIngest> {
  return runIngest({ threads: 0, ...run });
}
