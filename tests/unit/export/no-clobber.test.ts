/**
 * `tidepool export` never replaces a file it did not write (issue 14, item 3: the README's own example
 * run from the repository root replaced the project's README.md with a dataset card). Files an earlier
 * export wrote, unchanged, are replaced without `force`, since `tidepool run` reruns stages.
 */
import { existsSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasErrorCode } from '../../../src/errors.js';
import { claimOutputs, writeOwnedList } from '../../../src/export/owned.js';
import { runExport } from '../../../src/export/run.js';
import { sha256File } from '../../../src/store/manifest.js';
import { tempDir } from '../../helpers/files.js';
import { instructionRecord, writeRecords } from './helpers.js';

let dir: string;
let gen: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('tidepool-export-noclobber-'));
  gen = join(dir, 'gen');
  await writeRecords(gen, [instructionRecord(1), instructionRecord(2), 'not json']);
});
afterEach(async () => cleanup());

async function refusal(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(hasErrorCode(error, 'E_OUTPUT'), String(error)).toBe(true);
  return error as Error;
}

describe('export beside files it did not write', () => {
  it('leaves a README.md beside --out alone and writes the card as <out>.card.md', async () => {
    await writeFile(join(dir, 'README.md'), '# my project\n');
    const summary = await runExport({ input: gen, format: 'alpaca', out: join(dir, 'train.jsonl') });
    expect(await readFile(join(dir, 'README.md'), 'utf8')).toBe('# my project\n');
    expect(summary.card).toBe(join(dir, 'train.jsonl.card.md'));
    expect(await readFile(summary.card!, 'utf8')).toContain('    path: "train.jsonl"');
  });

  it.each([
    ['the export file', 'train.jsonl'],
    ['the card', 'train.jsonl.card.md'],
    ['the rejects file', 'train.jsonl.rejects.jsonl'],
    ['the list of written files', 'train.jsonl.tidepool.json'],
  ])('refuses to replace %s that tidepool did not write, naming it and --force; --force replaces it', async (_, name) => {
    const path = join(dir, 'out', name);
    await writeRecords(join(dir, 'out'), ['precious'], name);
    const error = await refusal(runExport({ input: gen, format: 'alpaca', out: join(dir, 'out', 'train.jsonl') }));
    expect(error.message).toContain(path);
    expect(error.message).toContain('--force');
    expect(await readFile(path, 'utf8')).toBe('precious\n');
    expect(await readdir(join(dir, 'out'))).toEqual([name]);

    await runExport({ input: gen, format: 'alpaca', out: join(dir, 'out', 'train.jsonl'), force: true });
    expect(await readFile(path, 'utf8')).not.toBe('precious\n');
  });

  it('refuses an explicit --card that is a file of its own (a project README.md)', async () => {
    await writeFile(join(dir, 'README.md'), '# my project\n');
    const error = await refusal(runExport({ input: gen, format: 'parquet', out: join(dir, 'data', 'train.parquet'), card: join(dir, 'README.md') }));
    expect(error.message).toContain(join(dir, 'README.md'));
    expect(await readFile(join(dir, 'README.md'), 'utf8')).toBe('# my project\n');
    expect(existsSync(join(dir, 'data', 'train.parquet'))).toBe(false);
  });

  it('reruns over its own outputs without --force, in every format, and refuses once a file was edited', async () => {
    for (const [format, name] of [['alpaca', 'a.json'], ['sharegpt', 's.jsonl'], ['messages', 'm.jsonl'], ['parquet', 'p.parquet']] as const) {
      const out = join(dir, 'out', name);
      await runExport({ input: gen, format, out });
      const again = await runExport({ input: gen, format, out });
      expect(again.records).toBe(2);
      expect(again.rejects).toBe(`${out}.rejects.jsonl`);
    }
    await writeFile(join(dir, 'out', 's.jsonl.card.md'), 'my edits\n');
    const error = await refusal(runExport({ input: gen, format: 'sharegpt', out: join(dir, 'out', 's.jsonl') }));
    expect(error.message).toContain(join(dir, 'out', 's.jsonl.card.md'));
    expect(await readFile(join(dir, 'out', 's.jsonl.card.md'), 'utf8')).toBe('my edits\n');
  });

  it('a card left by an earlier --card stays its own after a rerun elsewhere', async () => {
    const out = join(dir, 'train.jsonl');
    await runExport({ input: gen, format: 'alpaca', out, card: join(dir, 'hub', 'README.md') });
    await runExport({ input: gen, format: 'alpaca', out, card: false });
    await runExport({ input: gen, format: 'alpaca', out, card: join(dir, 'hub', 'README.md') });
    expect(await readFile(join(dir, 'hub', 'README.md'), 'utf8')).toContain('path: "../train.jsonl"');
  });
});

describe('claimOutputs', () => {
  it('takes a file whose content any listed entry has (a kill between list and rename leaves old or new)', async () => {
    const file = join(dir, 'x.jsonl');
    await writeFile(file, 'new\n');
    const list = join(dir, 'x.jsonl.tidepool.json');
    await writeOwnedList(list, [
      { path: file, bytes: 4, sha256: '0'.repeat(64) },
      { path: file, bytes: 4, sha256: await sha256File(file) },
    ]);
    expect(await claimOutputs([file], list, false)).toHaveLength(2);
    await writeFile(file, 'own\n'); // same size, other content
    await refusal(claimOutputs([file], list, false));
  });

  it('refuses a folder at an output path; force takes it', async () => {
    await refusal(claimOutputs([gen], join(dir, 'none.json'), false));
    expect(await claimOutputs([gen], join(dir, 'none.json'), true)).toEqual([]);
  });
});
