/** `tidepool run` with a bad pipeline file: exit 1, every problem named by its key, no stage started, the work folder untouched. */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/files.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('tidepool-pipeline-check-'));
  writeFileSync(join(dir, 'pairs.jsonl'), `${JSON.stringify({ language: 'python', docstring: 'Doubles x.', code: 'def double(x):\n    return 2 * x\n' })}\n`);
});
afterAll(async () => cleanup());

/** Runs `tidepool run` on a pipeline with these stage sections; the work folder is `NAME-work`. */
async function run(name: string, stages: Record<string, unknown>): Promise<{ code: number | null; stderr: string; work: string }> {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ work: `${name}-work`, ...stages }));
  const result = await runCli(['run', file]);
  return { code: result.code, stderr: result.stderr, work: join(dir, `${name}-work`) };
}

const UPSTREAM = { ingest: { inputs: 'pairs.jsonl' }, embed: { model: 'hashing' } };

describe('tidepool run refuses a bad pipeline before anything runs', () => {
  it('the two bugs of issue 15: select.poolSize 0 and select.precision "fp64" (exit 1, keys named, nothing ran)', async () => {
    const result = await run('select-bugs', { ...UPSTREAM, select: { k: 50, poolSize: 0, precision: 'fp64' } });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain('select.poolSize must be a positive integer, got 0');
    expect(result.stderr).toContain('select.precision must be one of "fp32", "fp16", got "fp64"');
    expect(result.stderr).not.toMatch(/internal error|run: ingest/);
    expect(existsSync(result.work)).toBe(false);
  });

  it('every problem at once: a mistyped key with its nearest name, a missing input, a template column, a bad value', async () => {
    const result = await run('many', {
      ingest: { inputs: ['pairs.jsonl', 'pairz.jsonl'], minCodeLines: 'one' }, embed: { model: 'hashing', text: '{doc}' },
      select: { k: 3, poolsize: 8 },
    });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/select\.poolsize is not an option of select; .*did you mean "poolSize"/);
    expect(result.stderr).toMatch(/ingest\.inputs: .*pairz\.jsonl not found; .* holds .*pairs\.jsonl/);
    expect(result.stderr).toContain('embed.text: {doc} is not a column of pairs.arrow');
    expect(result.stderr).toContain('ingest.minCodeLines must be a non-negative integer, got "one" (a string)');
    expect(existsSync(result.work)).toBe(false);
  });

  it('a problem only a stage\'s resolver sees (export.system with alpaca) stops the run before ingest', async () => {
    const result = await run('resolver', { ...UPSTREAM, select: { k: 1 }, generate: { llm: 'scripted' }, export: { format: 'alpaca', system: 'Be brief.' } });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/export\.system applies only to export\.format messages/);
    expect(existsSync(result.work)).toBe(false);
  });
});
