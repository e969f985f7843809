import { describe, it, expect } from 'vitest';
import { isUtf8 } from 'node:buffer';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { generateSample, resolveSampleOptions, runSample, type SampleLine, type SampleOptions } from '../../src/devkit/sample/index.js';
import { escapeJson } from '../../src/devkit/sample/blocks.js';
import { reflowWhitespace } from '../../src/devkit/sample/near-duplicate.js';
import { Random } from '../../src/devkit/sample/random.js';

const LANGUAGES = ['python', 'java', 'javascript', 'go', 'php', 'ruby'];
const ORIGINAL_KEYS = ['repo', 'path', 'func_name', 'original_string', 'language', 'code', 'docstring', 'url', 'partition'];
const HF_KEYS = ['repository_name', 'func_path_in_repository', 'func_name', 'whole_func_string', 'language', 'func_code_string', 'func_documentation_string', 'split_name', 'func_code_url'];
type Kind = SampleLine['kind'];

function bytesOf(line: SampleLine): Buffer {
  return typeof line.bytes === 'string' ? Buffer.from(line.bytes) : line.bytes;
}

function fileBytes(lines: readonly SampleLine[]): Buffer {
  return Buffer.concat(lines.flatMap((line) => [bytesOf(line), Buffer.from('\n')]));
}

/** Expected counts, from the documented rule: round(rows * rate), bad lines split evenly in kind order. */
function expectedCounts(rows: number, duplicateRate: number, nearDuplicateRate: number, badLineRate: number): Record<Kind, number> {
  const bad = Math.round(rows * badLineRate);
  const share = (index: number): number => Math.floor(bad / 4) + (index < bad % 4 ? 1 : 0);
  const duplicate = Math.round(rows * duplicateRate);
  const near = Math.round(rows * nearDuplicateRate);
  return {
    good: rows - duplicate - near - bad,
    duplicate,
    near_duplicate: near,
    invalid_json: share(0),
    missing_field: share(1),
    mistyped_field: share(2),
    invalid_utf8: share(3),
  };
}

function tally(kinds: readonly Kind[]): Record<Kind, number> {
  const counts: Record<Kind, number> = { good: 0, duplicate: 0, near_duplicate: 0, invalid_json: 0, missing_field: 0, mistyped_field: 0, invalid_utf8: 0 };
  for (const kind of kinds) counts[kind]++;
  return counts;
}

/**
 * Classifies lines the way a consumer sees them, without looking at `kind`: unreadable, unparsable,
 * missing or mistyped fields; then exact copies of an earlier row's code, then copies that only differ in
 * whitespace.
 */
function classify(lines: readonly SampleLine[], codeKey = 'code', docstringKey = 'docstring'): Kind[] {
  const codes = new Set<string>();
  const stripped = new Set<string>();
  return lines.map((line): Kind => {
    const bytes = bytesOf(line);
    if (!isUtf8(bytes)) return 'invalid_utf8';
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
    } catch {
      return 'invalid_json';
    }
    if (!(codeKey in record)) return 'missing_field';
    const code = record[codeKey];
    if (typeof code !== 'string' || typeof record[docstringKey] !== 'string') return 'mistyped_field';
    const bare = code.replace(/\s+/g, '');
    const kind: Kind = codes.has(code) ? 'duplicate' : stripped.has(bare) ? 'near_duplicate' : 'good';
    codes.add(code);
    stripped.add(bare);
    return kind;
  });
}

function parsedGood(lines: readonly SampleLine[]): { kind: Kind; record: Record<string, unknown> }[] {
  return lines
    .filter((line) => line.kind === 'good' || line.kind === 'duplicate' || line.kind === 'near_duplicate')
    .map((line) => ({ kind: line.kind, record: JSON.parse(bytesOf(line).toString('utf8')) as Record<string, unknown> }));
}

function thrown(action: () => unknown): { code?: unknown; message: string; details?: Record<string, unknown> } {
  try {
    action();
  } catch (error) {
    return error as { code?: unknown; message: string };
  }
  throw new Error('expected an error');
}

async function rejection(promise: Promise<unknown>): Promise<{ code?: unknown; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: unknown; message: string };
  }
  throw new Error('expected a rejection');
}

async function withTempDir<T>(body: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'tidepool-sample-'));
  try {
    return await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const MIXED: SampleOptions = { rows: 4000, seed: 7, duplicateRate: 0.03, nearDuplicateRate: 0.02, badLineRate: 0.05 };

describe('generateSample', () => {
  it('is deterministic per seed, and seeds differ', () => {
    const first = [...generateSample(MIXED)].map(bytesOf);
    const again = [...generateSample(MIXED)].map(bytesOf);
    const other = [...generateSample({ ...MIXED, seed: 8 })].map(bytesOf);
    expect(Buffer.concat(again).equals(Buffer.concat(first))).toBe(true);
    expect(other).toHaveLength(first.length);
    expect(other.filter((line, index) => line.equals(first[index]!)).length).toBeLessThan(first.length / 100);
  });

  it('produces exactly round(rows * rate) lines of each kind, as labelled and as a reader sees them', () => {
    const lines = [...generateSample(MIXED)];
    const expected = expectedCounts(4000, 0.03, 0.02, 0.05);
    expect(lines).toHaveLength(4000);
    expect(tally(lines.map((line) => line.kind))).toEqual(expected);
    const seen = classify(lines);
    expect(tally(seen)).toEqual(expected);
    expect(seen).toEqual(lines.map((line) => line.kind));
  });

  it('uses the defaults: 3% duplicates, 2% near duplicates, no bad lines', () => {
    const lines = [...generateSample({ rows: 1000 })];
    expect(tally(lines.map((line) => line.kind))).toEqual(expectedCounts(1000, 0.03, 0.02, 0));
    expect(tally(classify(lines))).toEqual(expectedCounts(1000, 0.03, 0.02, 0));
  });

  it('near duplicates equal an earlier row once whitespace is removed, and differ before', () => {
    const lines = [...generateSample({ rows: 3000, seed: 3, nearDuplicateRate: 0.1, duplicateRate: 0.05 })];
    const earlier: string[] = [];
    let nearDuplicates = 0;
    for (const { kind, record } of parsedGood(lines)) {
      const code = record.code as string;
      if (kind === 'near_duplicate') {
        nearDuplicates++;
        expect(earlier).not.toContain(code);
        const bare = code.replace(/\s+/g, '');
        expect(earlier.some((other) => other.replace(/\s+/g, '') === bare)).toBe(true);
      } else if (kind === 'duplicate') {
        expect(earlier).toContain(code);
      }
      earlier.push(code);
    }
    expect(nearDuplicates).toBe(300);
  });

  it('writes good rows with exactly the CodeSearchNet keys and plausible values', () => {
    const lines = [...generateSample({ rows: 1500, seed: 11 })];
    const rows = parsedGood(lines);
    expect(rows).toHaveLength(1500);
    const languages = new Set<string>();
    for (const [index, { kind, record }] of rows.entries()) {
      expect(Object.keys(record)).toEqual(ORIGINAL_KEYS);
      // Escaped the way JSON.stringify escapes, though assembled from pre-escaped pieces.
      expect(JSON.stringify(record)).toBe(lines[index]!.bytes);
      for (const key of ORIGINAL_KEYS) expect(typeof record[key]).toBe('string');
      const code = record.code as string;
      expect(code.trim()).not.toBe('');
      expect(record.docstring).not.toBe('');
      expect(LANGUAGES).toContain(record.language);
      expect(['train', 'valid', 'test']).toContain(record.partition);
      expect((record.original_string as string).endsWith(code)).toBe(true);
      if (record.language === 'python') expect(record.original_string).toBe(code);
      languages.add(record.language as string);
      const url = /^https:\/\/github\.com\/([^/]+\/[^/]+)\/blob\/[0-9a-f]{40}\/(.+)#L(\d+)-L(\d+)$/.exec(record.url as string);
      expect(url).not.toBeNull();
      expect(url![1]).toBe(record.repo);
      expect(url![2]).toBe(record.path);
      if (kind === 'good') expect(Number(url![4]) - Number(url![3]) + 1).toBe(code.split('\n').length);
    }
    expect([...languages].sort()).toEqual([...LANGUAGES].sort());
  });

  it('reflows escaped code exactly as it reflows raw code', () => {
    const rows = parsedGood([...generateSample({ rows: 300, seed: 2, languages: ['python', 'go', 'ruby', 'javascript'] })]).filter(({ kind }) => kind === 'good');
    const units: Record<string, string> = { python: '    ', go: '\t', ruby: '  ', javascript: '  ' };
    for (const [index, { record }] of rows.entries()) {
      const code = record.code as string;
      const unit = units[record.language as string]!;
      const raw = reflowWhitespace(new Random(index), code, unit, index % 5);
      expect(reflowWhitespace(new Random(index), escapeJson(code), unit, index % 5, true)).toBe(escapeJson(raw));
      expect(raw.replace(/\s+/g, '')).toBe(code.replace(/\s+/g, ''));
      expect(raw).not.toBe(code);
    }
  });

  it('writes the Hugging Face naming with exactly its keys', () => {
    const lines = [...generateSample({ rows: 600, seed: 5, naming: 'hf', badLineRate: 0.04 })];
    const rows = parsedGood(lines);
    for (const { record } of rows) expect(Object.keys(record)).toEqual(HF_KEYS);
    const expected = expectedCounts(600, 0.03, 0.02, 0.04);
    expect(tally(classify(lines, 'func_code_string', 'func_documentation_string'))).toEqual(expected);
  });

  it('keeps every line on one line, and bad lines bad in the way their kind says', () => {
    const lines = [...generateSample({ ...MIXED, badLineRate: 0.2, rows: 2000 })];
    for (const line of lines) expect(bytesOf(line).includes(0x0a)).toBe(false);
    const utf8 = lines.filter((line) => line.kind === 'invalid_utf8');
    expect(utf8.length).toBe(100);
    for (const line of utf8) {
      expect(Buffer.isBuffer(line.bytes)).toBe(true);
      expect(bytesOf(line).includes(Buffer.from([0xc3, 0x28]))).toBe(true);
    }
    for (const line of lines.filter((candidate) => candidate.kind === 'mistyped_field')) {
      const record = JSON.parse(bytesOf(line).toString('utf8')) as Record<string, unknown>;
      expect(typeof record.code === 'number' || Array.isArray(record.docstring)).toBe(true);
    }
  });

  it('writes only the languages asked for', () => {
    const rows = parsedGood([...generateSample({ rows: 300, languages: ['go', 'ruby'] })]);
    expect(new Set(rows.map(({ record }) => record.language))).toEqual(new Set(['go', 'ruby']));
  });

  it('handles tiny samples: none, and a single row that must be good', () => {
    expect([...generateSample({ rows: 0 })]).toEqual([]);
    const [only, ...rest] = [...generateSample({ rows: 1, duplicateRate: 0.5, nearDuplicateRate: 0.4 })];
    expect(rest).toEqual([]);
    expect(only?.kind).toBe('good');
  });
});

describe('resolveSampleOptions', () => {
  it('fills in the defaults', () => {
    expect(resolveSampleOptions({ rows: 10 })).toEqual({ rows: 10, seed: 1, naming: 'original', duplicateRate: 0.03, nearDuplicateRate: 0.02, badLineRate: 0, languages: LANGUAGES });
  });

  it('rejects bad values with E_USAGE, naming each option, all in one error', () => {
    const error = thrown(() => resolveSampleOptions({ rows: 1.5, duplicateRate: 1, naming: 'csv' as never, languages: ['python', 'cobol'] }));
    expect(error.code).toBe('E_USAGE');
    expect(error.message).toContain('--rows');
    expect(error.message).toContain('1.5');
    expect(error.message).toContain('--duplicate-rate');
    expect(error.message).toContain('--naming');
    expect(error.message).toContain('--languages[1]');
    expect(error.message).toContain('cobol');
    expect(error.details?.problems).toHaveLength(4);
  });

  it('rejects rates that leave no room for good rows, empty languages and negative rows', () => {
    expect(thrown(() => resolveSampleOptions({ rows: 10, duplicateRate: 0.5, nearDuplicateRate: 0.3, badLineRate: 0.2 })).code).toBe('E_USAGE');
    expect(thrown(() => resolveSampleOptions({ rows: 10, languages: [] })).message).toContain('--languages');
    expect(thrown(() => resolveSampleOptions({ rows: -1 })).message).toContain('--rows');
    expect(thrown(() => resolveSampleOptions({ rows: 10, badLineRate: Number.NaN })).message).toContain('--bad-line-rate');
    expect(thrown(() => [...generateSample({ rows: 10, seed: 0.5 })]).code).toBe('E_USAGE');
  });
});

describe('runSample', () => {
  it('writes gzip that gunzips to exactly the generated lines, each followed by a newline', async () => {
    await withTempDir(async (dir) => {
      const options: SampleOptions = { rows: 2500, seed: 4, badLineRate: 0.04 };
      const out = join(dir, 'nested', 'sample.jsonl.gz');
      const summary = await runSample({ ...options, out, gzipLevel: 1 });
      const written = await readFile(out);
      expect(gunzipSync(written).equals(fileBytes([...generateSample(options)]))).toBe(true);
      expect(summary.rows).toBe(2500);
      expect(summary.bytes).toBe((await stat(out)).size);
      expect(summary.counts).toEqual(expectedCounts(2500, 0.03, 0.02, 0.04));
      expect(await readdir(join(dir, 'nested'))).toEqual(['sample.jsonl.gz']);
    });
  });

  it('writes plain JSON Lines when the name does not end in .gz', async () => {
    await withTempDir(async (dir) => {
      const out = join(dir, 'sample.jsonl');
      await runSample({ rows: 800, out, naming: 'hf' });
      expect((await readFile(out)).equals(fileBytes([...generateSample({ rows: 800, naming: 'hf' })]))).toBe(true);
    });
  });

  it('reports an unwritable path as E_OUTPUT naming it, and bad options as E_USAGE', async () => {
    await withTempDir(async (dir) => {
      const blocker = join(dir, 'file');
      await writeFile(blocker, 'not a folder');
      const out = join(blocker, 'sample.jsonl');
      const error = await rejection(runSample({ rows: 10, out }));
      expect(error.code).toBe('E_OUTPUT');
      expect(error.message).toContain(out);
      const usage = await rejection(runSample({ rows: 10, out: join(dir, 'x.jsonl'), gzipLevel: 12 }));
      expect(usage.code).toBe('E_USAGE');
      expect(usage.message).toContain('gzipLevel');
    });
  });
});
