import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { readPairs, record, tempDir, writeJsonl, writeParquet } from '../helpers/files.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(async () => cleanup());

const good = (i: number): string => JSON.stringify(record(i));

/** A Parquet file whose `code` and `repo` columns are INT64. */
async function int64Parquet(path: string): Promise<string> {
  const buffer = parquetWriteBuffer({
    columnData: [
      { name: 'code', data: [1n, 2n], type: 'INT64' },
      { name: 'docstring', data: ['a', 'b'], type: 'STRING' },
      { name: 'language', data: ['go', 'go'], type: 'STRING' },
      { name: 'repo', data: [3n, 4n], type: 'INT64' },
    ],
  });
  await writeFile(path, new Uint8Array(buffer));
  return path;
}

describe('tidepool ingest with bad files', () => {
  it('counts the rows of an INT64 Parquet column as rejects and keeps the good file beside it (exit 0)', async () => {
    const bad = await int64Parquet(join(dir, 'a.parquet'));
    const next = await writeJsonl(join(dir, 'b.jsonl'), [good(1)]);
    const result = await runCli(['ingest', bad, next, '--out', join(dir, 'out'), '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.json).toMatchObject({ read: 3, kept: 1, rejected: 2, rejectedByReason: { mistyped_field: 2 } });
  });

  it.each(['0', '2'])('counts a line nested 100,000 deep as a reject with --threads %s (exit 0)', async (threads) => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const input = await writeJsonl(join(dir, 'deep.jsonl'), [good(1), deep, good(2)]);
    const out = join(dir, 'out');
    const result = await runCli(['ingest', input, '--out', out, '--threads', threads, '--json', '-q']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.json).toMatchObject({ read: 3, kept: 2, rejected: 1, rejectedByReason: { not_an_object: 1 } });
    expect((await readPairs(join(out, 'pairs.arrow'))).map((p) => p.sourceLine)).toEqual([1, 3]);
  });

  it('rejects a damaged file with a warning naming it, keeps the others, and says so in the summary (exit 0)', async () => {
    const parquet = await writeParquet(join(dir, 'a-corrupt.parquet'), [record(1)]);
    await writeFile(parquet, (await readFile(parquet)).subarray(0, 40));
    const next = await writeJsonl(join(dir, 'b.jsonl'), [good(2)]);
    const out = join(dir, 'out');
    const human = await runCli(['ingest', parquet, next, '--out', out]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stderr).toMatch(/warning: input file .*a-corrupt\.parquet rejected: .*not a readable Parquet file/);
    expect(human.stdout).toMatch(/1 kept.*; 1 input file rejected \(reasons in .*rejects\.jsonl\)/);
    const quiet = await runCli(['ingest', parquet, next, '--out', out, '--json', '-q']);
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.json).toMatchObject({ read: 1, kept: 1, rejectedFiles: 1 });
    expect(quiet.stderr).toMatch(/warning: input file .*a-corrupt\.parquet rejected/); // data left out is said even with -q
  });

  it('exits 1 with every reason when no input file can be read', async () => {
    const a = join(dir, 'a.parquet');
    const b = join(dir, 'b.arrow');
    await writeFile(a, 'not parquet');
    await writeFile(b, 'ARROW1 but nothing else');
    const result = await runCli(['ingest', a, b, '--out', join(dir, 'out')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/all 2 input files were rejected:\n.*a\.parquet: .*\n.*b\.arrow: /);
  });

  it('prints output paths without a double slash when --out ends with /', async () => {
    const input = await writeJsonl(join(dir, 'in.jsonl'), [good(1), '{"code": ']);
    const result = await runCli(['ingest', input, '--out', `${join(dir, 'work')}/`]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`${join(dir, 'work', 'rejects.jsonl')} (by reason`);
    expect(result.stdout).toContain(join(dir, 'work', 'pairs.arrow'));
    expect(`${result.stdout}${result.stderr}`).not.toContain('//');
  });
});
