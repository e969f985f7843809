import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { contentHash } from '../../../src/ingest/content-hash.js';
import { readPairs, record, tempDir, writeArrow, writeJsonl, writeParquet, type CsnRecord, ingestInline } from '../../helpers/files.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(async () => cleanup());

/** 2,500 records over several languages, with some nulls, so Parquet/Arrow span several row groups/batches. */
function records(): CsnRecord[] {
  const languages = ['python', 'go', 'java', 'Ruby'];
  return Array.from({ length: 2500 }, (_, i) =>
    record(i, { language: languages[i % 4]!, ...(i % 7 === 0 ? { repo: null, url: null } : {}), docstring: `Doc ${i} — ünïcödé ✓` }));
}

function toHf(r: CsnRecord): Record<string, unknown> {
  return {
    func_code_string: r.code, func_documentation_string: r.docstring, language: r.language, func_name: r.func_name,
    repository_name: r.repo, func_path_in_repository: r.path, func_code_url: r.url, whole_func_string: `${r.docstring}\n${r.code}`,
  };
}

describe('ingest formats and namings', () => {
  it('reads the same pairs from jsonl, jsonl.gz, parquet and arrow, in both namings', async () => {
    const rows = records();
    const inputs = {
      jsonl: await writeJsonl(join(dir, 'a.jsonl'), rows.map((r) => JSON.stringify(r))),
      gz: await writeJsonl(join(dir, 'a.jsonl.gz'), rows.map((r) => JSON.stringify(r)), true),
      hf: await writeJsonl(join(dir, 'hf.jsonl'), rows.map((r) => JSON.stringify(toHf(r)))),
      parquet: await writeParquet(join(dir, 'a.parquet'), rows, 700),
      arrow: await writeArrow(join(dir, 'a.arrow'), rows),
    };
    const expected = rows.map((r, i) => ({
      rowId: i, language: r.language.toLowerCase(), repo: r.repo ?? null, path: r.path ?? null, funcName: r.func_name ?? null, url: r.url ?? null,
      docstring: r.docstring, code: r.code, contentHash: contentHash(r.code), sourceIndex: 0, sourceLine: i + 1,
    }));
    for (const [name, input] of Object.entries(inputs)) {
      const out = join(dir, `out-${name}`);
      const summary = await ingestInline({ inputs: [input], out });
      expect(summary, name).toMatchObject({ read: 2500, kept: 2500, rejected: 0 });
      expect(await readPairs(join(out, 'pairs.arrow')), name).toEqual(expected);
    }
  });

  it('reads a folder recursively in path order and records each source file', async () => {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(dir, 'in', 'sub'), { recursive: true });
    await writeJsonl(join(dir, 'in', 'sub', 'b.jsonl'), [JSON.stringify(record(2))]);
    await writeJsonl(join(dir, 'in', 'a.jsonl.gz'), [JSON.stringify(record(1))], true);
    await writeParquet(join(dir, 'in', 'c.parquet'), [record(3)]);
    const out = join(dir, 'out');
    await ingestInline({ inputs: [join(dir, 'in')], out });
    const pairs = await readPairs(join(out, 'pairs.arrow'));
    expect(pairs.map((p) => [p.funcName, p.sourceIndex])).toEqual([['f1', 0], ['f3', 1], ['f2', 2]]);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as { inputs: { path: string; sha256: string }[]; stage: string; counts: { kept: number } };
    expect(manifest.stage).toBe('ingest');
    expect(manifest.inputs.map((i) => i.path.slice(dir.length))).toEqual(['/in/a.jsonl.gz', '/in/c.parquet', '/in/sub/b.jsonl']);
    const { createHash } = await import('node:crypto');
    for (const input of manifest.inputs) {
      expect(input.sha256).toBe(createHash('sha256').update(await readFile(input.path)).digest('hex'));
    }
    expect(manifest.counts.kept).toBe(3);
  });

  it('rejects Parquet rows with mistyped fields like any other bad record', async () => {
    const { parquetWriteBuffer } = await import('hyparquet-writer');
    const { writeFile } = await import('node:fs/promises');
    const buffer = parquetWriteBuffer({
      columnData: [
        { name: 'code', data: [1, 2], type: 'INT32' },
        { name: 'docstring', data: ['a', 'b'], type: 'STRING' },
        { name: 'language', data: ['go', 'go'], type: 'STRING' },
      ],
    });
    await writeFile(join(dir, 'typed.parquet'), new Uint8Array(buffer));
    const summary = await ingestInline({ inputs: [join(dir, 'typed.parquet')], out: join(dir, 'out') });
    expect(summary).toMatchObject({ read: 2, kept: 0, rejected: 2, rejectedByReason: { mistyped_field: 2 } });
  });
});
