/** Small ingest + select outputs (pairs.arrow, coreset.arrow) for tests of `generate`, written directly. */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { tableFromArrays, tableToIPC } from '../../src/store/arrow.js';
import { writeCoreset } from '../../src/store/coreset.js';

/** A pair of the fixture. */
export interface FixtureRow {
  rowId: number;
  language: string;
  docstring: string;
  code: string;
}

const SNIPPETS: Readonly<Record<string, (i: number) => string>> = {
  python: (i) => `def scale_${i}(values, factor):\n    result = []\n    for value in values:\n        if value > ${i % 7}:\n            result.append(value * factor)\n    return result\n`,
  javascript: (i) => `function countWords${i}(text) {\n  const words = text.split(/\\s+/);\n  let total = 0;\n  for (const word of words) {\n    if (word.length > ${i % 5}) total += 1;\n  }\n  return total;\n}\n`,
  go: (i) => `func sumEven${i}(values []int) int {\n\ttotal := 0\n\tfor _, v := range values {\n\t\tif v%2 == 0 && v > ${i % 3} {\n\t\t\ttotal += v\n\t\t}\n\t}\n\treturn total\n}\n`,
};

/** `count` rows cycling through python, javascript and go, with row ids 1000 + i. */
export function fixtureRows(count: number): FixtureRow[] {
  const languages = Object.keys(SNIPPETS);
  return Array.from({ length: count }, (_, i) => {
    const language = languages[i % languages.length]!;
    return { rowId: 1000 + i, language, docstring: `Helper number ${i}.`, code: SNIPPETS[language]!(i) };
  });
}

/** Writes `dir/ingest/pairs.arrow` with `rows` and `dir/select/coreset.arrow` with `coresetIds` (rank order). */
export async function writeGenerateFixture(dir: string, rows: readonly FixtureRow[], coresetIds: readonly number[] = rows.map((row) => row.rowId)): Promise<{ data: string; coreset: string }> {
  const data = join(dir, 'ingest');
  const coreset = join(dir, 'select');
  mkdirSync(data, { recursive: true });
  mkdirSync(coreset, { recursive: true });
  const table = tableFromArrays({
    row_id: BigInt64Array.from(rows.map((row) => BigInt(row.rowId))),
    language: rows.map((row) => row.language),
    docstring: rows.map((row) => row.docstring),
    code: rows.map((row) => row.code),
  });
  writeFileSync(join(data, 'pairs.arrow'), tableToIPC(table, 'file'));
  await writeCoreset(join(coreset, 'coreset.arrow'), coresetIds, coresetIds.map((_, rank) => 1 / (rank + 1)));
  return { data, coreset };
}

/** What {@link sharedGenerateFixture} made for a test file. */
export interface SharedGenerateFixture {
  /** The file's temporary folder (kept with KEEP=1). */
  dir: string;
  /** The fixture's pairs and coreset folders. */
  fixture: { data: string; coreset: string };
  rows: FixtureRow[];
}

/**
 * A test file's fixture: before its tests, `rowCount` rows written under a new temporary folder (handed
 * to `receive`); after each test, the servers passed to the returned `track` are closed; after all, the
 * folder is removed unless KEEP=1.
 * @returns `track`: registers a server to close after the current test, and returns it.
 */
export function sharedGenerateFixture(name: string, rowCount: number, receive: (made: SharedGenerateFixture) => void): <T extends { close(): Promise<void> }>(server: T) => T {
  let dir: string | undefined;
  const servers: { close(): Promise<void> }[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `tidepool-${name}-`));
    const rows = fixtureRows(rowCount);
    receive({ dir, fixture: await writeGenerateFixture(join(dir, 'fixture'), rows), rows });
  });
  afterAll(() => {
    if (dir !== undefined && process.env.KEEP !== '1') rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
  });
  return (server) => {
    servers.push(server);
    return server;
  };
}

/** The non-empty lines of a file, none when it does not exist. */
export function readLines(path: string): string[] {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((line) => line !== '') : [];
}
