/** How the CLI words its errors: no blank line before them, the valid names for a typo, "not found" for a missing path. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/files.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await tempDir('tidepool-cli-messages-')));
afterAll(async () => cleanup());

describe('CLI error messages', () => {
  it('select --embeddings with a mistyped folder: E_INPUT_MISSING "not found", naming what is there, on the first line of stderr', async () => {
    mkdirSync(join(dir, 'work', 'embed'), { recursive: true });
    mkdirSync(join(dir, 'work', 'ingest'), { recursive: true });
    const result = await runCli(['select', '--embeddings', 'work/embd', '--k', '5', '--out', 'work/select'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr.startsWith('tidepool: error [E_INPUT_MISSING]: work/embd not found'), result.stderr).toBe(true);
    expect(result.stderr).toContain('work/ holds embed/, ingest/');
    expect(result.stderr).not.toContain('unknown embeddings format');
  });

  it('run --force with a stage name that does not exist lists the stages', async () => {
    writeFileSync(join(dir, 'pairs.jsonl'), `${JSON.stringify({ language: 'python', docstring: 'Doubles x.', code: 'def double(x):\n    return 2 * x\n' })}\n`);
    const file = join(dir, 'pipeline.json');
    writeFileSync(file, JSON.stringify({ work: 'work-force', ingest: { inputs: ['pairs.jsonl'] }, embed: { model: 'hashing' }, select: { k: 1 } }));
    const typo = await runCli(['run', file, '--force', 'selct']);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toMatch(/^tidepool: error \[E_USAGE\]: --force selct: there is no stage "selct"; the stages are sample, ingest, embed, select, generate, decontam, export, report \(this pipeline has ingest, embed, select\)/);
    const absent = await runCli(['run', file, '--force', 'generate']);
    expect(absent.code).toBe(1);
    expect(absent.stderr).toContain('has no generate stage; its stages are ingest, embed, select');
    // A forced stage says it was forced, not that its inputs changed.
    expect((await runCli(['run', file])).code).toBe(0);
    const forced = await runCli(['run', file, '--force', 'select']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toContain('run: select: forced (--force), running again');
    expect(forced.stderr).toContain('run: embed: up to date, skipped');
  });
});
