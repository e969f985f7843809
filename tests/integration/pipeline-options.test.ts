/** `tidepool run` takes the options the stages' commands take, and names a mistyped one with its key and type. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/files.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('tidepool-pipeline-options-'));
  const row = (i: number, language: string): string => JSON.stringify({ language, docstring: `Return the value number ${i} doubled.`, code: `def double_${i}(x):\n    y = x * 2\n    return y + ${i}\n` });
  writeFileSync(join(dir, 'pairs.jsonl'), `${Array.from({ length: 60 }, (_, i) => row(i, i % 3 === 0 ? 'java' : 'python')).join('\n')}\n`);
});
afterAll(async () => cleanup());

function pipeline(name: string, stages: Record<string, unknown>): string {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ work: `${name}-work`, ...stages }));
  return file;
}

describe('pipeline options through the CLI', () => {
  it('options of the commands run under their flag names: languages as one string, embed --dim, select --backend and --pool-size', async () => {
    const file = pipeline('flags', {
      ingest: { inputs: 'pairs.jsonl', languages: 'python' },
      embed: { model: 'hashing', dim: 64 },
      select: { k: 3, backend: 'cpu', poolSize: 8, baseline: false },
    });
    const result = await runCli(['run', file, '--json', '-q']);
    expect(result.code, result.stderr).toBe(0);
    const work = join(dir, 'flags-work');
    const ingest = JSON.parse(readFileSync(join(work, 'ingest', 'manifest.json'), 'utf8')) as { counts: { kept: number; filtered: number } };
    expect(ingest.counts).toMatchObject({ kept: 40, filtered: 20 });
    expect(readFileSync(join(work, 'embed', 'manifest.json'), 'utf8')).toMatch(/"dim": 64/);
    const select = JSON.parse(readFileSync(join(work, 'select', 'manifest.json'), 'utf8')) as { parameters: Record<string, unknown> };
    expect(select.parameters).toMatchObject({ k: 3, poolSize: 8 });
  });

  it('select.k: "5" is a usage error (exit 1) that names the key and shows the value as a string', async () => {
    const file = pipeline('typed', { ingest: { inputs: ['pairs.jsonl'] }, embed: { model: 'hashing' }, select: { k: '5' } });
    const result = await runCli(['run', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('select.k must be a positive integer, got "5" (a string)');
    expect(result.stderr).not.toContain('internal error');
  });

  it('a wrong type where a list goes is a usage error, never an internal error', async () => {
    const file = pipeline('listy', { ingest: { inputs: ['pairs.jsonl'], languages: 7 } });
    const result = await runCli(['run', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('ingest.languages must be a list of strings (or one comma-separated string), got 7 (a number)');
  });
});
