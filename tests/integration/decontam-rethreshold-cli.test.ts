// `tidepool decontam --rethreshold` through the built CLI, on generated records with planted near
// copies of a HumanEval fixture (the whole solution, renamed, and prefixes of it that share a growing
// part of its n-grams) among clean ones: rethresholding to the run's own thresholds rewrites
// byte-identical files; a lower threshold removes exactly the records whose recorded candidates pass
// it (brute force over candidates.jsonl here), and gives the same files as a full run at that
// threshold; going back restores the first files; a threshold under the recorded floor is refused.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/files.js';
import { BENCHMARKS, RUNNING_MAXIMUM, RUNNING_MAXIMUM_RENAMED } from '../unit/decontam/helpers.js';

interface CandidateLine {
  record: number;
  removed: boolean;
  candidates: { detector: 'exact' | 'ngram' | 'embedding'; score: number; benchmark: string }[];
  kept?: string;
}

const FLAGS = ['--threads', '1', '--window-rows', '16'];
const FILES = ['kept.jsonl', 'removed.jsonl', 'candidates.jsonl'];

let dir: string;
let cleanup: () => Promise<void>;
let input: string;
let bench: string[];
let out: string;
let original: Map<string, Buffer>;

function cleanRecord(i: number): string {
  return JSON.stringify({ instruction: `record ${i}: write a function scale_${i} that multiplies by ${i}.`, input: '', output: `def scale_${i}(x):\n    return x * ${i} + ${i % 7}` });
}

/** Near copies: the renamed solution, and its body cut after 3..8 lines (ever more of its n-grams). */
function plantedRecords(): string[] {
  const lines = RUNNING_MAXIMUM_RENAMED.split('\n');
  const cuts = [3, 4, 5, 6, 7, 8].map((keep) => lines.slice(0, keep).join('\n'));
  return [RUNNING_MAXIMUM, RUNNING_MAXIMUM_RENAMED, ...cuts].map((output, k) =>
    // Spaces in the JSON: a record that is removed and then kept again must come back as this very line.
    `{ "instruction" : "record planted ${k}: peaks of prefixes", "input": "", "output": ${JSON.stringify(output)} }`);
}

async function filesOf(folder: string): Promise<Map<string, Buffer>> {
  return new Map(await Promise.all(FILES.map(async (name) => [name, await readFile(join(folder, name))] as const)));
}

async function candidatesOf(folder: string): Promise<CandidateLine[]> {
  return (await readFile(join(folder, 'candidates.jsonl'), 'utf8')).trim().split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as CandidateLine);
}

async function removedInstructions(folder: string): Promise<string[]> {
  return (await readFile(join(folder, 'removed.jsonl'), 'utf8')).trim().split('\n').filter((line) => line !== '').map((line) => (JSON.parse(line) as { instruction: string }).instruction);
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  const lines = Array.from({ length: 60 }, (_, i) => cleanRecord(i));
  for (const [k, planted] of plantedRecords().entries()) lines.splice(5 + k * 7, 0, planted);
  input = join(dir, 'generated.jsonl');
  await writeFile(input, `${lines.join('\n')}\n`);
  bench = ['--bench', join(BENCHMARKS, 'humaneval-mini.jsonl'), join(BENCHMARKS, 'mbpp-mini.jsonl')];
  out = join(dir, 'out');
  const run = await runCli(['decontam', '--input', input, ...bench, '--out', out, ...FLAGS, '--json', '-q']);
  expect(run.code, run.stderr).toBe(0);
  original = await filesOf(out);
}, 120_000);
afterAll(async () => cleanup());

describe('tidepool decontam --rethreshold', () => {
  it('records near misses between the floor and the threshold, each with its benchmark item', async () => {
    const candidates = await candidatesOf(out);
    const ngram = candidates.flatMap((line) => line.candidates.filter((c) => c.detector === 'ngram'));
    expect(ngram.some((c) => c.score < 0.5 && c.score >= 0.2)).toBe(true);
    expect(ngram.some((c) => c.score >= 0.5)).toBe(true);
    expect(ngram.every((c) => c.benchmark.startsWith('humaneval-mini/'))).toBe(true);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as { parameters: { candidates: { floors: { ngram: number; embedding: number } } } };
    expect(manifest.parameters.candidates.floors).toEqual({ ngram: 0.2, embedding: 0.7 });
  });

  it('at the run\'s own thresholds, rewrites byte-identical files', async () => {
    const run = await runCli(['decontam', '--rethreshold', '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('humaneval-mini / ngram');
    expect(run.stdout).toContain('<- threshold 0.5');
    const after = await filesOf(out);
    for (const name of FILES) expect(after.get(name)!.equals(original.get(name)!), name).toBe(true);
  });

  it('a lower threshold removes exactly the records whose candidates pass it, as a full run at that threshold does; going back restores the files', async () => {
    const before = await candidatesOf(out);
    const run = await runCli(['decontam', '--rethreshold', '--out', out, '--ngram-threshold', '0.25', '--embed-threshold', '0.75', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const summary = run.json as { removed: number; thresholds: { ngram: number; embedding: number } };
    expect(summary.thresholds).toEqual({ ngram: 0.25, embedding: 0.75 });
    // Brute force over the recorded candidates: the records the new thresholds remove.
    const passes = (c: CandidateLine['candidates'][number]): boolean => c.detector === 'exact' || (c.detector === 'ngram' ? c.score >= 0.25 : c.score >= 0.75);
    const expected = before.filter((line) => line.candidates.some(passes));
    expect(expected.length).toBeGreaterThan(before.filter((line) => line.removed).length);
    expect(summary.removed).toBe(expected.length);
    const inputLines = (await readFile(input, 'utf8')).trim().split('\n');
    const expectedInstructions = expected.map((line) => (JSON.parse(inputLines[line.record]!) as { instruction: string }).instruction);
    expect(await removedInstructions(out)).toEqual(expectedInstructions);
    // The same files as detecting again from scratch at these thresholds.
    const full = join(dir, 'full-025');
    const fullRun = await runCli(['decontam', '--input', input, ...bench, '--out', full, ...FLAGS, '--ngram-threshold', '0.25', '--embed-threshold', '0.75', '-q']);
    expect(fullRun.code, fullRun.stderr).toBe(0);
    const [lowered, fresh] = await Promise.all([filesOf(out), filesOf(full)]);
    for (const name of FILES) expect(lowered.get(name)!.equals(fresh.get(name)!), name).toBe(true);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as { parameters: { ngram: { threshold: number }; rethreshold: unknown } };
    expect(manifest.parameters.ngram.threshold).toBe(0.25);
    expect(manifest.parameters.rethreshold).toEqual({ thresholds: { ngram: 0.25, embedding: 0.75 }, previousThresholds: { ngram: 0.5, embedding: 0.9 } });
    // Back to the first thresholds: the first files, the spaced-out planted lines verbatim in kept.jsonl.
    const back = await runCli(['decontam', '--rethreshold', '--out', out, '--ngram-threshold', '0.5', '--embed-threshold', '0.9', '-q']);
    expect(back.code, back.stderr).toBe(0);
    const restored = await filesOf(out);
    for (const name of FILES) expect(restored.get(name)!.equals(original.get(name)!), name).toBe(true);
  });

  it('refuses a threshold below the recorded floor, and a folder without candidates', async () => {
    const low = await runCli(['decontam', '--rethreshold', '--out', out, '--ngram-threshold', '0.1']);
    expect(low.code).toBe(1);
    expect(low.stderr).toContain('--ngram-threshold 0.1 is below the floor 0.2');
    const none = await runCli(['decontam', '--rethreshold', '--out', join(dir, 'nothing-here')]);
    expect(none.code).toBe(1);
    const after = await filesOf(out);
    for (const name of FILES) expect(after.get(name)!.equals(original.get(name)!), name).toBe(true);
  });
});
