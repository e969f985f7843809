import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeySet } from '../../../src/ingest/dedup.js';
import { readPairs, record, tempDir, writeJsonl, type CsnRecord, ingestInline } from '../../helpers/files.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(async () => cleanup());

describe('dedup and filters', () => {
  it('keeps the first of whitespace-variant copies and counts the rest as duplicates', async () => {
    const base = record(1);
    const lines = [
      base,
      { ...base, repo: 'other/repo', code: base.code.replace('    ', '\t') }, // re-indented
      record(2),
      { ...base, code: `${base.code.replace('\n', '\r\n')}\n\n` }, // other line endings
      { ...base, code: base.code.replace('x + 1', 'x - 1') }, // a real change: kept
    ].map((r) => JSON.stringify(r));
    const summary = await ingestInline({ inputs: [await writeJsonl(join(dir, 'in.jsonl'), lines)], out: join(dir, 'out') });
    expect(summary).toMatchObject({ read: 5, kept: 3, duplicates: 2 });
    const pairs = await readPairs(join(dir, 'out', 'pairs.arrow'));
    expect(pairs.map((p) => [p.rowId, p.sourceLine, p.repo])).toEqual([[0, 1, 'org/repo1'], [1, 3, 'org/repo2'], [2, 5, 'org/repo1']]);
    const off = await ingestInline({ inputs: [join(dir, 'in.jsonl')], out: join(dir, 'out2'), options: { dedup: false } });
    expect(off).toMatchObject({ kept: 5, duplicates: 0 });
  });

  it('applies language, size and docstring filters with counts by reason', async () => {
    const lines = [
      record(1, { language: 'Python' }), // kept
      record(2, { language: 'php' }), // language
      record(3, { code: 'x' }), // code_lines_min (1 line < 2)
      record(4, { code: Array.from({ length: 30 }, (_, i) => `line${i}`).join('\n') }), // code_lines_max
      record(5, { docstring: 'one' }), // docstring_words_min
      record(6, { code: `def g():\n    return "${'y'.repeat(300)}"` }), // code_chars_max
      record(7, { language: 'go' }), // kept
    ].map((r) => JSON.stringify(r));
    const summary = await ingestInline({
      inputs: [await writeJsonl(join(dir, 'in.jsonl'), lines)],
      out: join(dir, 'out'),
      options: { languages: ['python', 'GO'], minCodeLines: 2, maxCodeLines: 20, maxCodeChars: 200, minDocstringWords: 2 },
    });
    expect(summary).toMatchObject({
      read: 7, kept: 2, filtered: 5,
      filteredByReason: { language: 1, code_lines_min: 1, code_lines_max: 1, docstring_words_min: 1, code_chars_max: 1 },
    });
  });

  it('is deterministic: the same inputs give byte-identical outputs', async () => {
    const lines = Array.from({ length: 3000 }, (_, i) => (i % 97 === 0 ? '{bad' : JSON.stringify(record(i % 2500))));
    const input = await writeJsonl(join(dir, 'in.jsonl.gz'), lines, true);
    await ingestInline({ inputs: [input], out: join(dir, 'a') });
    await ingestInline({ inputs: [input], out: join(dir, 'b') });
    for (const file of ['pairs.arrow', 'rejects.jsonl']) {
      expect((await readFile(join(dir, 'a', file))).equals(await readFile(join(dir, 'b', file))), file).toBe(true);
    }
  });

  it('KeySet agrees with a Set of the same keys', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 20 })), { maxLength: 3000 }), (keys) => {
      const set = new KeySet(4);
      const reference = new Set<string>();
      for (const [hi, lo] of keys) {
        const normalised = hi === 0 && lo === 0 ? '0:1' : `${hi}:${lo}`;
        expect(set.add(hi, lo)).toBe(!reference.has(normalised));
        reference.add(normalised);
      }
      expect(set.size).toBe(reference.size);
    }));
  });

  it('property: kept + duplicates + rejected + filtered == read, and the kept rows match a brute-force reference', async () => {
    let run = 0;
    const line = fc.oneof(
      fc.record({ kind: fc.constant('good' as const), id: fc.integer({ min: 0, max: 40 }), indent: fc.boolean(), lang: fc.constantFrom('python', 'go', 'php') }),
      fc.record({ kind: fc.constantFrom('badjson' as const, 'missing' as const, 'mistyped' as const, 'blank' as const) }),
    );
    await fc.assert(fc.asyncProperty(fc.array(line, { maxLength: 120 }), async (spec) => {
      const records: (CsnRecord | null)[] = [];
      const lines = spec.map((item) => {
        if (item.kind === 'good') {
          const r = record(item.id, { language: item.lang, code: item.indent ? `def f${item.id}(x):\n\treturn x + ${item.id}` : `def f${item.id}(x):\n    return x + ${item.id}\n` });
          records.push(r);
          return JSON.stringify(r);
        }
        records.push(null);
        if (item.kind === 'badjson') return '{"code": ';
        if (item.kind === 'missing') return '{"docstring": "d", "language": "go"}';
        if (item.kind === 'mistyped') return '{"code": 1, "docstring": "d", "language": "go"}';
        return '   ';
      });
      const out = join(dir, `p${run++}`);
      const input = await writeJsonl(join(dir, `p${run}.jsonl`), lines);
      const s = await ingestInline({ inputs: [input], out, options: { languages: ['python', 'go'] } });
      expect(s.kept + s.duplicates + s.rejected + s.filtered).toBe(s.read);
      expect(s.read).toBe(spec.filter((item) => item.kind !== 'blank').length);
      // Independent reference: filter by language, then keep the first of each whitespace-stripped code.
      const seen = new Set<string>();
      const expected: string[] = [];
      for (const r of records) {
        if (r === null || !['python', 'go'].includes(r.language)) continue;
        const key = r.code.split(/\s/).join('');
        if (seen.has(key)) continue;
        seen.add(key);
        expected.push(r.code);
      }
      expect((await readPairs(join(out, 'pairs.arrow'))).map((p) => p.code)).toEqual(expected);
    }), { numRuns: 40 });
  });
});
