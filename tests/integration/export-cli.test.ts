/**
 * `tidepool export` end to end, in-process: runExport over a generate-shaped folder, and the commander
 * command built by exportCommand() parsing real argv (main.ts registers it; this tests the command alone).
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CommanderError, type Command } from 'commander';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exportCommand } from '../../src/cli/commands/export.js';
import { runExport } from '../../src/export/run.js';
import { newManifest, writeManifest } from '../../src/store/manifest.js';
import { tempDir } from '../helpers/files.js';
import { instructionRecord, writeRecords } from '../unit/export/helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
let gen: string;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('tidepool-export-cli-'));
  gen = join(dir, 'generate');
  const records = Array.from({ length: 300 }, (_, i) => instructionRecord(i, { task: ['generation', 'repair', 'summarization'][i % 3]!, language: i % 4 === 0 ? 'go' : 'python' }));
  await writeRecords(gen, [...records.map((r) => JSON.stringify(r)), 'oops']);
  await writeManifest(gen, newManifest({ stage: 'generate', parameters: { mode: 'codeocean', model: 'gen-model' }, inputs: [], outputs: [], counts: { accepted: 300 }, timings: {} }));
});
afterEach(async () => cleanup());

/** Runs the export command in-process on `args`, returning what it printed on stdout. */
async function runCommand(args: string[]): Promise<string> {
  const command: Command = exportCommand().exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  const write = process.stdout.write.bind(process.stdout);
  let stdout = '';
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  });
  try {
    await command.parseAsync(args, { from: 'user' });
  } finally {
    process.stdout.write = write;
  }
  return stdout;
}

describe('export in-process', () => {
  it('every format from one generate folder, with a card per output folder', async () => {
    for (const [format, name] of [['alpaca', 'alpaca/train.json'], ['sharegpt', 'sharegpt/train.jsonl'], ['messages', 'messages/train.jsonl'], ['parquet', 'parquet/train.parquet']] as const) {
      const out = join(dir, 'exports', name);
      const summary = await runExport({ input: gen, format, out });
      expect(summary).toMatchObject({ format, records: 300, rejected: 1, tasks: { generation: 100, repair: 100, summarization: 100 }, languages: { python: 225, go: 75 } });
      expect(existsSync(`${out}.rejects.jsonl`)).toBe(true);
      const card = await readFile(`${out}.card.md`, 'utf8');
      expect(card).toContain('### generate');
      expect(card).toContain('Not decontaminated');
    }
    const rows: Record<string, unknown>[] = await parquetReadObjects({ file: await asyncBufferFromFile(join(dir, 'exports', 'parquet', 'train.parquet')), compressors });
    const alpaca = JSON.parse(await readFile(join(dir, 'exports', 'alpaca', 'train.json'), 'utf8')) as { instruction: string; output: string }[];
    expect(rows.map((row) => [row.instruction, row.output])).toEqual(alpaca.map((item) => [item.instruction, item.output]));
  });
});

describe('exportCommand', () => {
  it('parses flags and prints the --json summary as the last stdout line', async () => {
    const out = join(dir, 'data', 'chat.jsonl');
    const stdout = await runCommand(['--input', gen, '--format', 'messages', '--out', out, '--system', 'Be brief.', '--json', '--quiet']);
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(Object.keys(summary).slice(0, 8)).toEqual(['format', 'records', 'rejected', 'out', 'card', 'tasks', 'languages', 'seconds']);
    expect(summary).toMatchObject({ format: 'messages', records: 300, rejected: 1, out, card: `${out}.card.md` });
    const first = JSON.parse((await readFile(out, 'utf8')).split('\n')[0]!) as { messages: { role: string; content: string }[] };
    expect(first.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant']);
    expect(first.messages[0]!.content).toBe('Be brief.');
  });

  it('--no-card, --card PATH and --with-metadata', async () => {
    const plain = await runCommand(['-i', gen, '-f', 'alpaca', '-o', join(dir, 'a', 'train.jsonl'), '--no-card', '--with-metadata', '-q']);
    expect(plain).toMatch(/^exported 300 records as alpaca, 1 rejected/);
    expect(existsSync(join(dir, 'a', 'train.jsonl.card.md'))).toBe(false);
    const item = JSON.parse((await readFile(join(dir, 'a', 'train.jsonl'), 'utf8')).split('\n')[0]!) as Record<string, unknown>;
    expect(Object.keys(item)).toEqual(['instruction', 'input', 'output', 'task', 'language', 'id']);
    await runCommand(['-i', gen, '-f', 'parquet', '-o', join(dir, 'b', 'train.parquet'), '--card', join(dir, 'card.md'), '--row-group-rows', '50', '-q']);
    expect(await readFile(join(dir, 'card.md'), 'utf8')).toContain('path: "b/train.parquet"');
  });

  it('never replaces a file it did not write (the project README.md beside --out) unless --force; reruns need no --force', async () => {
    const readme = join(dir, 'README.md');
    await writeFile(readme, '# my project\n');
    const out = join(dir, 'train.jsonl');
    await runCommand(['-i', gen, '-f', 'alpaca', '-o', out, '-q']);
    expect(await readFile(readme, 'utf8')).toBe('# my project\n');
    expect(await readFile(`${out}.card.md`, 'utf8')).toContain('path: "train.jsonl"');
    await runCommand(['-i', gen, '-f', 'alpaca', '-o', out, '-q']); // a rerun over its own files

    const refused = await runCommand(['-i', gen, '-f', 'alpaca', '-o', join(dir, 'other.jsonl'), '--card', readme, '-q']).then(() => undefined, (e: unknown) => e);
    expect((refused as { code?: string }).code).toBe('E_OUTPUT');
    expect((refused as Error).message).toContain(readme);
    expect((refused as Error).message).toContain('--force');
    expect(await readFile(readme, 'utf8')).toBe('# my project\n');
    expect(existsSync(join(dir, 'other.jsonl'))).toBe(false);

    await runCommand(['-i', gen, '-f', 'alpaca', '-o', join(dir, 'other.jsonl'), '--card', readme, '--force', '-q']);
    expect(await readFile(readme, 'utf8')).toContain('# Synthetic code instruction data (tidepool)');
  });

  it('commander refuses an unknown format and a zero row group size; runExport refuses a bad extension', async () => {
    const unknown = await runCommand(['-i', gen, '-f', 'csv', '-o', join(dir, 'x.csv')]).then(() => undefined, (e: unknown) => e);
    expect(unknown).toBeInstanceOf(CommanderError);
    expect((unknown as CommanderError).code).toBe('commander.invalidArgument');
    const zero = await runCommand(['-i', gen, '-f', 'parquet', '-o', join(dir, 'x.parquet'), '--row-group-rows', '0']).then(() => undefined, (e: unknown) => e);
    expect((zero as CommanderError).code).toBe('commander.invalidArgument');
    const missing = await runCommand(['-i', gen, '-o', join(dir, 'x.jsonl')]).then(() => undefined, (e: unknown) => e);
    expect((missing as CommanderError).code).toBe('commander.missingMandatoryOptionValue');
    const extension = await runCommand(['-i', gen, '-f', 'alpaca', '-o', join(dir, 'x.txt')]).then(() => undefined, (e: unknown) => e);
    expect((extension as { code?: string }).code).toBe('E_USAGE');
  });
});
