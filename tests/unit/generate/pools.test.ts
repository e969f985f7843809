import fc from 'fast-check';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sampleId, type PoolEntry, type PoolKind, type PoolsState } from '../../../src/generate/pool-entry.js';
import { formatExamples, TRUNCATED_MARKER } from '../../../src/generate/pool-examples.js';
import { CasePools } from '../../../src/generate/pools.js';
import { savePools } from '../../../src/generate/pools-file.js';
import type { GenerateTask, InstructionSample } from '../../../src/generate/tasks.js';

function sample(fields: Partial<InstructionSample> = {}): InstructionSample {
  return { task: 'generation', instruction: 'Sort a list in place.', input: '', output: 'xs.sort()', language: 'python', ...fields };
}

function entry(fields: Partial<InstructionSample> = {}, reasons: string[] = [], rowId = 0): Omit<PoolEntry, 'id'> {
  return { unit: `${fields.task ?? 'generation'}:${rowId}`, rowId, sample: sample(fields), reasons };
}

/** A pool of `perLanguage` distinct entries in each language. */
function poolOf(languages: readonly string[], perLanguage: number, capacity = 100): CasePools {
  const pools = new CasePools({ capacity });
  for (const language of languages) {
    for (let i = 0; i < perLanguage; i++) pools.add('good', entry({ language, output: `${language} solution ${i}` }, [], i));
  }
  return pools;
}

const ids = (entries: readonly PoolEntry[]): string[] => entries.map((held) => held.id);

interface AddStep {
  kind: PoolKind;
  task: GenerateTask;
  instruction: string;
  output: string;
  language: string;
  reasons: string[];
}

const addStep: fc.Arbitrary<AddStep> = fc.record({
  kind: fc.constantFrom<PoolKind>('good', 'bad'),
  task: fc.constantFrom<GenerateTask>('generation', 'repair', 'translation'),
  instruction: fc.constantFrom('sort a list', '  sort a   list ', 'reverse a string', 'parse a date'),
  output: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
  language: fc.constantFrom('python', 'rust', 'go'),
  reasons: fc.array(fc.constantFrom('rule 1: vague', 'rule 3: TODO left'), { maxLength: 2 }),
});

function applyStep(pools: CasePools, step: AddStep, index: number): boolean {
  const fields: Partial<InstructionSample> = { task: step.task, instruction: step.instruction, output: step.output, language: step.language };
  if (step.task === 'translation') fields.targetLanguage = 'go';
  return pools.add(step.kind, entry(fields, step.kind === 'bad' ? step.reasons : [], index));
}

describe('sampleId', () => {
  it('is 16 hex digits, ignores whitespace runs, and tells fields and tasks apart', () => {
    const id = sampleId(sample());
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(sampleId(sample({ instruction: '  Sort  a\n list in\tplace. ', output: ' xs.sort() ' }))).toBe(id);
    expect(sampleId(sample({ language: 'rust' }))).toBe(id); // language is not part of the key
    expect(sampleId(sample({ task: 'repair' }))).not.toBe(id);
    expect(sampleId(sample({ output: 'xs.sort(reverse=True)' }))).not.toBe(id);
    expect(sampleId(sample({ instruction: 'a b', input: '' }))).not.toBe(sampleId(sample({ instruction: 'a', input: 'b' })));
  });
});

describe('CasePools.add', () => {
  it('rejects a duplicate in the same pool without changing anything, but not across kinds or tasks', () => {
    const pools = new CasePools();
    expect(pools.add('good', entry())).toBe(true);
    const before = pools.snapshotId();
    expect(pools.add('good', entry({ instruction: 'Sort  a list in place.  ' }, [], 7))).toBe(false);
    expect(pools.snapshotId()).toBe(before);
    expect(pools.version).toBe(1);
    expect(pools.entries('generation', 'good')[0]!.rowId).toBe(0);
    expect(pools.add('bad', entry({}, ['rule 4: wrong']))).toBe(true);
    expect(pools.add('good', entry({ task: 'repair', input: 'xs.sort' }))).toBe(true);
    expect([pools.size('generation', 'good'), pools.size('generation', 'bad'), pools.size('repair', 'good'), pools.version]).toEqual([1, 1, 1, 3]);
  });

  it('stores frozen copies the caller cannot change afterwards', () => {
    const pools = new CasePools();
    const added = entry({}, ['r1']);
    pools.add('bad', added);
    added.reasons.push('r2');
    added.sample.output = 'changed';
    const [held] = pools.entries('generation', 'bad');
    expect(held!.reasons).toEqual(['r1']);
    expect(held!.sample.output).toBe('xs.sort()');
    expect(Object.isFrozen(held)).toBe(true);
    expect(Object.isFrozen(held!.sample)).toBe(true);
    expect(held!.id).toBe(sampleId(held!.sample));
  });

  it('rejects a capacity that is not a positive integer', () => {
    for (const capacity of [0, -1, 1.5, Number.NaN]) {
      expect(() => new CasePools({ capacity })).toThrow(expect.objectContaining({ code: 'E_USAGE' }) as Error);
    }
    expect(new CasePools().capacity).toBe(24);
  });

  it('evicts the oldest entry of the most common language when full', () => {
    const pools = new CasePools({ capacity: 4 });
    for (const [i, language] of ['python', 'rust', 'python', 'go'].entries()) pools.add('good', entry({ language, output: `o${i}` }, [], i));
    pools.add('good', entry({ language: 'rust', output: 'o4' }, [], 4)); // python is commonest: the row-0 python goes
    expect(pools.entries('generation', 'good').map((held) => held.rowId)).toEqual([1, 2, 3, 4]);
    pools.add('good', entry({ language: 'go', output: 'o5' }, [], 5)); // rust (rows 1, 4) is commonest
    expect(pools.entries('generation', 'good').map((held) => held.rowId)).toEqual([2, 3, 4, 5]);
    pools.add('good', entry({ language: 'go', output: 'o6' }, [], 6)); // python 1, go 2, rust 1: oldest go (row 3)
    expect(pools.entries('generation', 'good').map((held) => held.rowId)).toEqual([2, 4, 5, 6]);
  });

  it('matches a brute-force model of dedup and language-diverse eviction over random add sequences', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 5 }), fc.array(addStep, { minLength: 20, maxLength: 80 }), (capacity, steps) => {
      const pools = new CasePools({ capacity });
      const model = new Map<string, { key: string; language: string; rowId: number }[]>();
      let accepted = 0;
      steps.forEach((step, index) => {
        const poolKey = `${step.task}/${step.kind}`;
        const dedupKey = `${step.task}|${step.instruction.replace(/\s+/g, ' ').trim()}|${step.output}`;
        const pool = model.get(poolKey) ?? [];
        const expectAdded = !pool.some((held) => held.key === dedupKey);
        if (expectAdded) {
          if (pool.length === capacity) {
            const count = (language: string): number => pool.filter((held) => held.language === language).length;
            const order = pool.map((held, position) => ({ position, count: count(held.language) })).sort((a, b) => b.count - a.count || a.position - b.position);
            pool.splice(order[0]!.position, 1);
          }
          pool.push({ key: dedupKey, language: step.language, rowId: index });
          model.set(poolKey, pool);
          accepted += 1;
        }
        expect(applyStep(pools, step, index)).toBe(expectAdded);
      });
      for (const [poolKey, pool] of model) {
        const [task, kind] = poolKey.split('/') as [GenerateTask, PoolKind];
        expect(pools.entries(task, kind).map((held) => held.rowId)).toEqual(pool.map((held) => held.rowId));
      }
      expect(pools.version).toBe(accepted);
    }), { numRuns: 200 });
  });
});

describe('CasePools.examples', () => {
  const languages = ['python', 'rust', 'go'];

  it('is deterministic, never repeats, and returns at most the pool size', () => {
    const pools = poolOf(languages, 4);
    for (let i = 0; i < 30; i++) {
      const chosen = pools.examples('generation', 'good', 5, `generation:${i}`);
      expect(chosen).toHaveLength(5);
      expect(new Set(ids(chosen)).size).toBe(5);
      expect(ids(pools.examples('generation', 'good', 5, `generation:${i}`))).toEqual(ids(chosen));
      expect(ids(poolOf(languages, 4).examples('generation', 'good', 5, `generation:${i}`))).toEqual(ids(chosen)); // same add sequence, same choice
    }
    expect(pools.examples('generation', 'good', 100, 'k')).toHaveLength(12);
    expect(pools.examples('generation', 'good', 0, 'k')).toEqual([]);
    expect(pools.examples('repair', 'good', 3, 'k')).toEqual([]);
  });

  it('picks three languages when three are available and three are asked for', () => {
    const pools = poolOf(languages, 5);
    for (let i = 0; i < 40; i++) {
      const chosen = pools.examples('generation', 'good', 3, `unit:${i}`);
      expect(new Set(chosen.map((held) => held.sample.language))).toEqual(new Set(languages));
      const six = pools.examples('generation', 'good', 6, `unit:${i}`);
      for (const language of languages) expect(six.filter((held) => held.sample.language === language)).toHaveLength(2);
    }
  });

  it('puts an entry in the preferred language first when there is one', () => {
    const pools = poolOf(languages, 3);
    pools.add('good', entry({ language: 'haskell', output: 'sortBy compare' }));
    for (let i = 0; i < 20; i++) {
      for (const language of [...languages, 'haskell']) {
        const chosen = pools.examples('generation', 'good', 3, `unit:${i}`, language);
        expect(chosen[0]!.sample.language).toBe(language);
        expect(new Set(chosen.map((held) => held.sample.language)).size).toBe(3);
      }
      expect(pools.examples('generation', 'good', 2, `unit:${i}`, 'cobol')).toHaveLength(2);
    }
  });

  it('shows different units different examples', () => {
    const pools = poolOf(['python'], 10);
    const choices = new Set<string>();
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const chosen = pools.examples('generation', 'good', 2, `generation:${i}`);
      choices.add(ids(chosen).join(','));
      for (const id of ids(chosen)) seen.add(id);
    }
    expect(choices.size).toBeGreaterThan(30); // 90 ordered pairs possible
    expect(seen.size).toBe(10);
  });
});

describe('CasePools.snapshot', () => {
  it('is not changed by later adds and cannot be added to', () => {
    const pools = poolOf(['python', 'rust'], 2, 4);
    const snapshot = pools.snapshot();
    const snapshotId = snapshot.snapshotId();
    const before = ids(snapshot.entries('generation', 'good'));
    pools.add('good', entry({ output: 'new one', language: 'go' }));
    pools.add('bad', entry({}, ['rule 1: no']));
    expect(ids(snapshot.entries('generation', 'good'))).toEqual(before);
    expect(snapshot.size('generation', 'bad')).toBe(0);
    expect(snapshot.snapshotId()).toBe(snapshotId);
    expect(pools.snapshotId()).not.toBe(snapshotId);
    expect(snapshot.readOnly).toBe(true);
    expect(() => snapshot.add('good', entry({ output: 'x' }))).toThrow(expect.objectContaining({ code: 'E_INTERNAL' }) as Error);
  });

  it('gives equal content the same hash, and different content a different one', () => {
    const a = poolOf(['python', 'rust'], 3);
    const b = poolOf(['python', 'rust'], 3);
    expect(a.snapshotId()).toBe(b.snapshotId());
    expect(a.snapshotId()).toMatch(/^v6-[0-9a-f]{8}$/);
    const moved = new CasePools();
    moved.add('bad', entry());
    const kept = new CasePools();
    kept.add('good', entry());
    expect(moved.snapshotId()).not.toBe(kept.snapshotId());
    const fromState = CasePools.fromJSON({ ...kept.toJSON(), version: 9 });
    expect(fromState.snapshotId().split('-')[1]).toBe(kept.snapshotId().split('-')[1]);
  });
});

describe('CasePools.toJSON / fromJSON', () => {
  it('round-trips through JSON into pools that behave identically', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 4 }), fc.array(addStep, { minLength: 10, maxLength: 40 }), fc.array(addStep, { maxLength: 10 }), (capacity, steps, laterSteps) => {
      const original = new CasePools({ capacity });
      steps.forEach((step, index) => applyStep(original, step, index));
      const restored = CasePools.fromJSON(JSON.parse(JSON.stringify(original.toJSON())) as PoolsState);
      expect(restored.snapshotId()).toBe(original.snapshotId());
      expect(restored.toJSON()).toEqual(original.toJSON());
      for (const task of ['generation', 'repair', 'translation'] as const) {
        for (const kind of ['good', 'bad'] as const) {
          for (const key of ['a', 'b', 'c']) expect(ids(restored.examples(task, kind, 3, key, 'rust'))).toEqual(ids(original.examples(task, kind, 3, key, 'rust')));
        }
      }
      laterSteps.forEach((step, index) => {
        expect(applyStep(restored, step, 1000 + index)).toBe(applyStep(original, step, 1000 + index));
      });
      expect(restored.snapshotId()).toBe(original.snapshotId());
    }));
  });

  const valid = (): PoolsState => {
    const pools = new CasePools({ capacity: 2 });
    pools.add('good', entry());
    pools.add('bad', entry({ task: 'repair', input: 'xs.srot()' }, ['rule 2: typo']));
    return JSON.parse(JSON.stringify(pools.toJSON())) as PoolsState;
  };

  const rejects = (state: unknown, ...fragments: string[]): void => {
    let caught: unknown;
    try {
      CasePools.fromJSON(state as PoolsState);
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'E_FORMAT_INVALID' });
    for (const fragment of fragments) expect((caught as Error).message).toContain(fragment);
  };

  it('rejects bad shapes with E_FORMAT_INVALID naming the problem', () => {
    expect(() => CasePools.fromJSON(valid())).not.toThrow();
    rejects(null, 'must be an object');
    rejects([], 'must be an object, found an array');
    rejects({ ...valid(), capacity: 0 }, 'capacity must be a positive integer');
    rejects({ ...valid(), version: -1 }, 'version must be a non-negative integer');
    rejects({ ...valid(), entries: [] }, 'entries must be an object');
    rejects({ ...valid(), entries: { 'generation/meh': [] } }, 'entries["generation/meh"]: unknown pool');
    rejects({ ...valid(), entries: { 'generation/good': {} } }, 'entries["generation/good"] must be an array');
    const state = valid();
    const good = state.entries['generation/good']!;
    rejects({ ...state, capacity: 1, entries: { 'generation/good': [good[0], { ...good[0]!, sample: sample({ output: 'other' }) }] } }, 'more than the capacity 1');
    rejects({ ...state, entries: { 'generation/good': [good[0], good[0]] } }, 'appears twice');
    rejects({ ...state, entries: { 'generation/good': [{ ...good[0]!, id: 'abc' }] } }, '[0].id must be 16 hex digits');
    rejects({ ...state, entries: { 'generation/good': [{ ...good[0]!, id: '0123456789abcdef' }] } }, 'does not match its sample');
    rejects({ ...state, entries: { 'generation/good': [{ ...good[0]!, rowId: 'x' }] } }, '.rowId must be');
    rejects({ ...state, entries: { 'generation/good': [{ ...good[0]!, reasons: [3] }] } }, '.reasons must be an array of strings');
    rejects({ ...state, entries: { 'generation/good': [{ ...good[0]!, sample: { ...good[0]!.sample, language: 5 } }] } }, '.sample.language must be a string');
    rejects({ ...state, entries: { 'repair/good': [good[0]] } }, '.sample.task must be "repair"');
    rejects({ capacity: 'x', version: 'y', entries: {} }, 'capacity must', 'version must'); // every problem listed
  });
});

describe('formatExamples', () => {
  it('is empty for no examples', () => {
    expect(formatExamples([], [])).toBe('');
  });

  it('labels accepted and rejected samples, with the reasons for rejected ones', () => {
    const pools = new CasePools();
    pools.add('good', entry({ input: 'xs = [3, 1]' }));
    pools.add('bad', entry({ output: '# TODO' }, ['rule 3: the output does not handle empty lists', 'placeholder: output contains TODO']));
    const text = formatExamples(pools.entries('generation', 'good'), pools.entries('generation', 'bad'));
    expect(text.indexOf('Example of an accepted sample:')).toBeLessThan(text.indexOf('Example of a rejected sample and why:'));
    for (const part of ['Sort a list in place.', 'xs = [3, 1]', 'xs.sort()', '# TODO', 'Language: python', '- rule 3: the output does not handle empty lists', '- placeholder: output contains TODO']) {
      expect(text).toContain(part);
    }
    expect(text.split('Why it was rejected')).toHaveLength(2); // reasons only under the rejected one
    expect(formatExamples(pools.entries('generation', 'good'), pools.entries('generation', 'bad'))).toBe(text);
    expect(formatExamples(pools.entries('generation', 'good'), [])).not.toContain('rejected');
  });

  it('cuts long fields and keeps code with its own fences intact', () => {
    const pools = new CasePools();
    const longOutput = 'x'.repeat(5000);
    pools.add('good', entry({ output: longOutput, instruction: 'Use ```js fences```' }));
    const text = formatExamples(pools.entries('generation', 'good'), []);
    expect(text).toContain(`${'x'.repeat(1500)}${TRUNCATED_MARKER}`);
    expect(text).not.toContain('x'.repeat(1501));
    expect(text.length).toBeLessThan(2000);
    expect(text).toContain('````\nUse ```js fences```\n````');
  });
});

describe('savePools', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('writes one JSONL file per pool and a summary, creating the folder', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidepool-pools-'));
    const out = join(dir, 'nested', 'pools');
    const pools = new CasePools({ capacity: 3 });
    pools.add('good', entry());
    pools.add('good', entry({ output: 'sorted(xs)', language: 'python' }));
    pools.add('bad', entry({ task: 'repair', input: 'xs.srot()' }, ['rule 2: typo']));
    await savePools(out, pools);
    expect((await readdir(out)).sort()).toEqual(['generation.good.jsonl', 'pools.json', 'repair.bad.jsonl']);
    const lines = (await readFile(join(out, 'generation.good.jsonl'), 'utf8')).split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((line) => JSON.parse(line) as PoolEntry)).toEqual(pools.entries('generation', 'good'));
    const bad = JSON.parse((await readFile(join(out, 'repair.bad.jsonl'), 'utf8')).trim()) as PoolEntry;
    expect(bad.reasons).toEqual(['rule 2: typo']);
    expect(JSON.parse(await readFile(join(out, 'pools.json'), 'utf8'))).toEqual({
      snapshot: pools.snapshotId(),
      capacity: 3,
      version: 3,
      counts: { 'generation/good': 2, 'repair/bad': 1 },
    });
    pools.add('good', entry({ output: 'xs = sorted(xs)' }));
    await savePools(out, pools); // overwrites in place
    expect((await readFile(join(out, 'generation.good.jsonl'), 'utf8')).trim().split('\n')).toHaveLength(3);
  });
});
