import { describe, expect, it } from 'vitest';
import { toExportRecord } from '../../../src/export/record.js';
import { instructionRecord } from './helpers.js';

describe('toExportRecord', () => {
  it('reads a generate record, provenance included', () => {
    const check = toExportRecord(JSON.parse(JSON.stringify(instructionRecord(7, { task: 'translation', targetLanguage: 'go' }, { rowId: 42, model: 'qwen' }))));
    expect(check).toEqual({
      ok: true,
      record: {
        id: 'row7/translation', task: 'translation', language: 'python', targetLanguage: 'go', instruction: 'Write a Python function number 7.',
        input: '', output: 'def f7():\n    return 7', sourceRowId: 42, generatorModel: 'qwen',
      },
    });
  });

  it('needs only instruction and output', () => {
    expect(toExportRecord({ instruction: 'a', output: 'b' })).toEqual({
      ok: true,
      record: { id: null, task: null, language: null, targetLanguage: null, instruction: 'a', input: '', output: 'b', sourceRowId: null, generatorModel: null },
    });
  });

  it('ignores malformed provenance instead of rejecting the sample', () => {
    const check = toExportRecord({ instruction: 'a', output: 'b', provenance: { rowId: -3, generator: 'x' } });
    expect(check.ok && check.record.sourceRowId).toBeNull();
    expect(check.ok && check.record.generatorModel).toBeNull();
  });

  it.each([
    [[1, 2], 'not_an_object', ''],
    ['text', 'not_an_object', ''],
    [{ output: 'b' }, 'missing_field', 'instruction'],
    [{ instruction: 'a', output: null }, 'missing_field', 'output'],
    [{ instruction: 5, output: 'b' }, 'mistyped_field', 'instruction'],
    [{ instruction: 'a', output: 'b', input: ['x'] }, 'mistyped_field', 'input'],
    [{ instruction: 'a', output: 'b', task: 3 }, 'mistyped_field', 'task'],
  ])('rejects %j as %s', (value, reason, field) => {
    const check = toExportRecord(value);
    expect(check.ok).toBe(false);
    if (!check.ok) {
      expect(check.reason).toBe(reason);
      expect(check.field).toBe(field);
      expect(check.detail.length).toBeGreaterThan(10);
    }
  });
});
