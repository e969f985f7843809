import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { benchmarkStem, readBenchmarkFile, readBenchmarks } from '../../../src/decontam/benchmark-files.js';
import { LAYOUTS, detectLayout } from '../../../src/decontam/layouts.js';
import { tempDir } from '../../helpers/files.js';
import { BENCHMARKS, RUNNING_MAXIMUM } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(async () => cleanup());

async function rejection(promise: Promise<unknown>): Promise<{ code?: string; message: string }> {
  return promise.then(() => ({ message: 'resolved' }), (error: unknown) => error as { code?: string; message: string });
}

describe('benchmark layouts', () => {
  it('detects each layout from its fields and reads every problem with its id and pieces', async () => {
    const cases = [
      { file: 'humaneval-mini.jsonl', layout: 'humaneval', items: 5, firstId: 'humaneval-mini/Mini/0' },
      { file: 'mbpp-mini.jsonl', layout: 'mbpp', items: 4, firstId: 'mbpp-mini/901' },
      { file: 'ds1000-mini.jsonl', layout: 'ds1000', items: 2, firstId: 'ds1000-mini/17' },
      { file: 'apps-mini.jsonl', layout: 'apps', items: 2, firstId: 'apps-mini/4001' },
      { file: 'livecodebench-mini.jsonl', layout: 'livecodebench', items: 2, firstId: 'livecodebench-mini/lcb-3101' },
    ];
    for (const c of cases) {
      const { file, items } = await readBenchmarkFile(join(BENCHMARKS, c.file), 5);
      expect(file).toMatchObject({ stem: c.file.replace('.jsonl', ''), layout: c.layout, items: c.items });
      expect(file.file.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(items[0]!.id).toBe(c.firstId);
      expect(items[0]!.line).toBe(1);
    }
  });

  it('takes the pieces each layout defines', async () => {
    const humaneval = (await readBenchmarkFile(join(BENCHMARKS, 'humaneval-mini.jsonl'), 5)).items[0]!;
    expect(humaneval.codeUnits).toEqual([RUNNING_MAXIMUM]);
    expect(humaneval.embedText).toBe(RUNNING_MAXIMUM);
    expect(humaneval.exactPieces).toHaveLength(3);
    expect(humaneval.exactPieces[2]).toContain('def check(candidate):');
    const mbpp = (await readBenchmarkFile(join(BENCHMARKS, 'mbpp-mini.jsonl'), 5)).items[0]!;
    expect(mbpp.exactPieces[2]).toBe('assert second_smallest([4, 1, 3, 1]) == 3\nassert second_smallest([7]) == None\nassert second_smallest([2, 2, 5, 9]) == 5');
    expect(mbpp.embedText.startsWith('Write a function to find the second smallest')).toBe(true);
    const apps = (await readBenchmarkFile(join(BENCHMARKS, 'apps-mini.jsonl'), 5)).items;
    expect(apps[0]!.codeUnits).toHaveLength(2);
    expect(apps[0]!.codeUnits[0]).toContain('counts = [0] * k');
    expect(apps[1]!.codeUnits).toEqual([]);
    expect((await readBenchmarkFile(join(BENCHMARKS, 'apps-mini.jsonl'), 1)).items[0]!.codeUnits).toHaveLength(1);
    const ds = (await readBenchmarkFile(join(BENCHMARKS, 'ds1000-mini.jsonl'), 5)).items[1]!;
    expect(ds.codeUnits).toEqual(['low = a.min(axis=0)\nhigh = a.max(axis=0)\nresult = (a - low) / (high - low)\n']);
    const lcb = (await readBenchmarkFile(join(BENCHMARKS, 'livecodebench-mini.jsonl'), 5)).items[0]!;
    expect(lcb.exactPieces[0]).toContain('A plateau is a maximal block');
  });

  it('checks the layout fields in a fixed order', () => {
    expect(detectLayout(['task_id', 'prompt', 'canonical_solution', 'test'])).toBe('humaneval');
    expect(detectLayout(['prompt', 'reference_code', 'metadata'])).toBe('ds1000');
    expect(detectLayout(['question_id', 'question_content', 'starter_code'])).toBe('livecodebench');
    expect(detectLayout(['prompt'])).toBeUndefined();
    expect(LAYOUTS.map((l) => l.layout)).toEqual(['humaneval', 'mbpp', 'ds1000', 'apps', 'livecodebench']);
  });

  it('reads .jsonl.gz and names items by the stem without .jsonl.gz', async () => {
    const path = join(dir, 'HumanEval.jsonl.gz');
    await writeFile(path, gzipSync(await readFile(join(BENCHMARKS, 'humaneval-mini.jsonl'))));
    const { file, items } = await readBenchmarkFile(path, 5);
    expect(file).toMatchObject({ stem: 'HumanEval', layout: 'humaneval', items: 5 });
    expect(items.map((i) => i.id)).toEqual(['HumanEval/Mini/0', 'HumanEval/Mini/1', 'HumanEval/Mini/2', 'HumanEval/Mini/3', 'HumanEval/Mini/4']);
    expect(benchmarkStem('/x/mbpp.jsonl')).toBe('mbpp');
  });

  it('an unknown layout is an error listing the fields found and the layouts known', async () => {
    const error = await rejection(readBenchmarkFile(join(BENCHMARKS, 'unknown-layout.jsonl'), 5));
    expect(error.code).toBe('E_FORMAT_UNKNOWN');
    expect(error.message).toContain('unknown-layout.jsonl:1');
    expect(error.message).toContain('[id, instruction_text, answer]');
    for (const { layout, fields } of LAYOUTS) expect(error.message).toContain(`${layout} (${fields.join(', ')})`);
  });

  it('bad lines are errors naming the file and line', async () => {
    const good = (await readFile(join(BENCHMARKS, 'mbpp-mini.jsonl'), 'utf8')).split('\n')[0]!;
    const cases: [string, string, string][] = [
      [`${good}\n{not json\n`, 'E_BAD_RECORD', 'bad.jsonl:2: not valid JSON'],
      [`${good}\n[1, 2]\n`, 'E_BAD_RECORD', 'bad.jsonl:2: expected a JSON object'],
      [`${good}\n${JSON.stringify({ task_id: 7, text: 'x', test_list: [] })}\n`, 'E_BAD_RECORD', 'bad.jsonl:2: missing field "code"'],
      [`${good}\n${JSON.stringify({ task_id: 7, text: 'x', code: 3, test_list: [] })}\n`, 'E_BAD_RECORD', 'field "code" must be a string'],
      [`${good}\n\n${good}\n`, 'E_BAD_RECORD', 'bad.jsonl:3: problem bad/901 already appeared on line 1'],
      ['\n\n', 'E_INPUT_EMPTY', 'holds no problems'],
      [`${JSON.stringify({ problem_id: 1, question: 'q', solutions: '[not json' })}\n`, 'E_BAD_RECORD', 'field "solutions" is not a JSON-encoded list'],
    ];
    for (const [text, code, message] of cases) {
      await writeFile(join(dir, 'bad.jsonl'), text);
      const error = await rejection(readBenchmarkFile(join(dir, 'bad.jsonl'), 5));
      expect(error.code, message).toBe(code);
      expect(error.message).toContain(message);
    }
    expect((await rejection(readBenchmarkFile(join(dir, 'missing.jsonl'), 5))).code).toBe('E_INPUT_MISSING');
    await writeFile(join(dir, 'broken.jsonl.gz'), gzipSync(Buffer.from(`${good}\n`)).subarray(0, 20));
    expect((await rejection(readBenchmarkFile(join(dir, 'broken.jsonl.gz'), 5))).code).toBe('E_FORMAT_INVALID');
  });

  it('refuses two files with the same stem', async () => {
    await writeFile(join(dir, 'mbpp-mini.jsonl.gz'), gzipSync(await readFile(join(BENCHMARKS, 'mbpp-mini.jsonl'))));
    const error = await rejection(readBenchmarks([join(BENCHMARKS, 'mbpp-mini.jsonl'), join(dir, 'mbpp-mini.jsonl.gz')], 5));
    expect(error.code).toBe('E_USAGE');
    expect(error.message).toContain('same name stem "mbpp-mini"');
    const all = await readBenchmarks([join(BENCHMARKS, 'humaneval-mini.jsonl'), join(BENCHMARKS, 'mbpp-mini.jsonl')], 5);
    expect(all.items).toHaveLength(9);
    expect(all.files.map((f) => f.layout)).toEqual(['humaneval', 'mbpp']);
  });
});
