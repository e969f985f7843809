import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CODE_OCEAN_TASKS, type CodeOceanTask } from '../../../src/generate/tasks.js';
import { DEFAULT_TRANSLATE_TO, displayLanguage, planUnits, type PlanOptions, type SourceRow, type WorkUnit } from '../../../src/generate/units.js';

const codeocean = (overrides: Partial<PlanOptions> = {}): PlanOptions => ({ mode: 'codeocean', tasks: CODE_OCEAN_TASKS, seed: 42, translateTo: DEFAULT_TRANSLATE_TO, ...overrides });
const ossInstruct = (seed: number): PlanOptions => ({ mode: 'oss-instruct', tasks: CODE_OCEAN_TASKS, seed, translateTo: DEFAULT_TRANSLATE_TO });

/** A code body of `lines` distinct, non-blank lines. */
const codeOfLines = (rowId: number, lines: number): string => Array.from({ length: lines }, (_, i) => `line ${i} of row ${rowId};`).join('\n');

function rows(count: number, language = 'python', lines = 40, firstId = 100): SourceRow[] {
  return Array.from({ length: count }, (_, i) => ({ rowId: firstId + i, language, docstring: `doc ${i}`, code: codeOfLines(firstId + i, lines) }));
}

const translationTargets = (units: readonly WorkUnit[]): (string | undefined)[] => units.filter((u) => u.task === 'translation').map((u) => u.targetLanguage);

describe('planUnits: codeocean', () => {
  it('is row-major, then task order, with index = position and key task:rowId', () => {
    const source: SourceRow[] = [
      { rowId: 9, language: 'python', docstring: '', code: 'a' },
      { rowId: 3, language: 'java', docstring: '', code: 'b' },
      { rowId: 5, language: 'go', docstring: '', code: 'c' },
    ];
    const tasks: CodeOceanTask[] = ['repair', 'generation', 'translation', 'summarization'];
    const units = planUnits(source, codeocean({ tasks }));
    const expected = source.flatMap((row) => tasks.map((task) => ({ key: `${task}:${row.rowId}`, rowId: row.rowId, task, language: row.language })));
    expect(units.map(({ key, rowId, task, language }) => ({ key, rowId, task, language }))).toEqual(expected);
    expect(units.map((u) => u.index)).toEqual(expected.map((_, i) => i));
    for (const unit of units) {
      expect(unit.seed).toBeUndefined();
      if (unit.task !== 'translation') expect(unit.targetLanguage).toBeUndefined();
    }
  });

  it('plans only the tasks asked for', () => {
    const units = planUnits(rows(4), codeocean({ tasks: ['summarization'] }));
    expect(units.map((u) => u.key)).toEqual(['summarization:100', 'summarization:101', 'summarization:102', 'summarization:103']);
  });

  it('a translation never targets the row\'s own language (any case), is one of the targets and is the same for a seed', () => {
    const languages = ['python', 'Java', 'JAVASCRIPT', 'go', 'c++', 'rust', 'php'];
    const source = languages.flatMap((language, l) => rows(50, language, 3, 1000 * (l + 1)));
    const first = planUnits(source, codeocean({ tasks: ['translation'] }));
    const second = planUnits(source, codeocean({ tasks: ['translation'] }));
    expect(second).toEqual(first);
    expect(first).toHaveLength(source.length);
    for (const [i, unit] of first.entries()) {
      const own = source[i]!.language.toLowerCase();
      expect(unit.targetLanguage).toBeDefined();
      expect(DEFAULT_TRANSLATE_TO as readonly string[]).toContain(unit.targetLanguage);
      expect(unit.targetLanguage!.toLowerCase()).not.toBe(own);
    }
  });

  it('spreads translation targets roughly uniformly over the choices', () => {
    const source = rows(6000, 'python', 1);
    const targets = translationTargets(planUnits(source, codeocean({ tasks: ['translation'] })));
    const choices = DEFAULT_TRANSLATE_TO.filter((l) => l !== 'python');
    const counts = new Map(choices.map((c) => [c as string, 0]));
    for (const target of targets) counts.set(target!, (counts.get(target!) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual([...choices].sort());
    const expected = source.length / choices.length;
    // Chi-square with 4 degrees of freedom: 25 is far in the tail (p < 1e-4).
    const chiSquare = [...counts.values()].reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0);
    expect(chiSquare).toBeLessThan(25);
  });

  it('different seeds choose different targets for some rows', () => {
    const source = rows(200);
    const a = translationTargets(planUnits(source, codeocean({ seed: 1 })));
    const b = translationTargets(planUnits(source, codeocean({ seed: 2 })));
    const differing = a.filter((target, i) => target !== b[i]).length;
    expect(differing).toBeGreaterThan(100);
  });

  it('a row whose only target is its own language gets no translation unit; indices stay consecutive', () => {
    const source: SourceRow[] = [
      { rowId: 1, language: 'python', docstring: '', code: 'x = 1' },
      { rowId: 2, language: 'java', docstring: '', code: 'int x = 1;' },
    ];
    const units = planUnits(source, codeocean({ translateTo: ['Python'] }));
    expect(units.map((u) => u.key)).toEqual([
      'generation:1', 'summarization:1', 'repair:1',
      'generation:2', 'summarization:2', 'translation:2', 'repair:2',
    ]);
    expect(units.map((u) => u.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(units.find((u) => u.key === 'translation:2')?.targetLanguage).toBe('Python');
    expect(translationTargets(planUnits(source, codeocean({ translateTo: [] })))).toEqual([]);
  });

  // Aliases of one language (`cpp` and `c++`) must not be translated into each other: the schema would pin
  // language and targetLanguage to the same name and every reply would fail validation.
  it('a row whose language id is an alias of its only target (cpp vs c++, csharp vs c#) gets no translation unit', () => {
    const cpp: SourceRow[] = [{ rowId: 1, language: 'cpp', docstring: '', code: 'int x = 1;' }];
    const csharp: SourceRow[] = [{ rowId: 2, language: 'csharp', docstring: '', code: 'int x = 1;' }];
    expect(translationTargets(planUnits(cpp, codeocean({ translateTo: ['c++'] })))).toEqual([]);
    expect(translationTargets(planUnits(csharp, codeocean({ translateTo: ['c#'] })))).toEqual([]);
  });
});

describe('planUnits: oss-instruct', () => {
  it('plans one unit per row with a seed of consecutive code lines', () => {
    const source: SourceRow[] = [...rows(30, 'python', 40), ...rows(10, 'go', 3, 500), ...rows(5, 'java', 1, 900)];
    const units = planUnits(source, ossInstruct(7));
    expect(units).toHaveLength(source.length);
    for (const [i, unit] of units.entries()) {
      const row = source[i]!;
      expect(unit).toMatchObject({ index: i, key: `oss-instruct:${row.rowId}`, rowId: row.rowId, task: 'oss-instruct', language: row.language });
      expect(unit.targetLanguage).toBeUndefined();
      const seed = unit.seed!;
      const lines = row.code.split('\n');
      expect(seed.lineCount).toBeGreaterThanOrEqual(1);
      expect(seed.lineCount).toBeLessThanOrEqual(Math.min(15, lines.length));
      expect(seed.startLine).toBeGreaterThanOrEqual(0);
      expect(seed.startLine + seed.lineCount).toBeLessThanOrEqual(lines.length);
      expect(seed.text).toBe(lines.slice(seed.startLine, seed.startLine + seed.lineCount).join('\n'));
    }
  });

  it('cuts are the same for a seed and differ between seeds over many rows', () => {
    const source = rows(100, 'python', 60);
    const a = planUnits(source, ossInstruct(1));
    expect(planUnits(source, ossInstruct(1))).toEqual(a);
    const b = planUnits(source, ossInstruct(2));
    const differing = a.filter((unit, i) => unit.seed!.text !== b[i]!.seed!.text).length;
    expect(differing).toBeGreaterThan(80);
  });

  it('ignores the CodeOcean task list', () => {
    const units = planUnits(rows(3), { ...ossInstruct(1), tasks: ['translation'] });
    expect(units.map((u) => u.task)).toEqual(['oss-instruct', 'oss-instruct', 'oss-instruct']);
  });
});

describe('planUnits: prefixes', () => {
  const sourceRow = fc.record({
    language: fc.constantFrom('python', 'java', 'go', 'Rust', 'ruby'),
    code: fc.array(fc.string({ maxLength: 10 }).map((s) => s.replace(/[\r\n]/g, '')), { minLength: 1, maxLength: 25 }).map((lines) => lines.join('\n')),
  });

  it('the plan for the first N rows is a prefix of the plan for all rows', () => {
    fc.assert(fc.property(
      fc.array(sourceRow, { minLength: 1, maxLength: 12 }),
      fc.nat(),
      fc.constantFrom<PlanOptions['mode']>('codeocean', 'oss-instruct'),
      fc.subarray([...CODE_OCEAN_TASKS]),
      fc.subarray([...DEFAULT_TRANSLATE_TO]),
      fc.nat({ max: 12 }),
      (raw, seed, mode, tasks, translateTo, cut) => {
        const source: SourceRow[] = raw.map((row, i) => ({ rowId: 10 * i + 3, docstring: '', ...row }));
        const options: PlanOptions = { mode, tasks, seed, translateTo };
        const all = planUnits(source, options);
        const first = planUnits(source.slice(0, Math.min(cut, source.length)), options);
        expect(all.slice(0, first.length)).toEqual(first);
        const firstRowIds = new Set(source.slice(0, cut).map((row) => row.rowId));
        expect(first.length).toBe(all.filter((unit) => firstRowIds.has(unit.rowId)).length);
      },
    ));
  });
});

describe('displayLanguage', () => {
  it.each([
    ['python', 'Python'], ['javascript', 'JavaScript'], ['JavaScript', 'JavaScript'], ['typescript', 'TypeScript'],
    ['c++', 'C++'], ['cpp', 'C++'], ['csharp', 'C#'], ['c#', 'C#'], ['go', 'Go'], ['php', 'PHP'], ['sql', 'SQL'],
    ['zig', 'Zig'], ['ocaml', 'Ocaml'], ['', ''],
  ])('%j -> %j', (id, name) => {
    expect(displayLanguage(id)).toBe(name);
  });
});
