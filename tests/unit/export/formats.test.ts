import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { closeFrame, formatItem, frameItem, humanTurn, parquetRow, type FormatOptions } from '../../../src/export/formats.js';
import type { ExportRecord } from '../../../src/export/record.js';

const plain: FormatOptions = { withMetadata: false, system: null };

const noInput: ExportRecord = {
  id: 'row1/generation', task: 'generation', language: 'python', targetLanguage: null,
  instruction: 'Write a function.', input: '', output: 'def f():\n    return 1', sourceRowId: 1, generatorModel: 'gen',
};
const withInput: ExportRecord = {
  id: 'row2/translation', task: 'translation', language: 'python', targetLanguage: 'go',
  instruction: 'Translate to "Go".', input: 'x = 1', output: 'x := 1', sourceRowId: null, generatorModel: null,
};

describe('formatItem', () => {
  it('alpaca: instruction, input, output only', () => {
    expect(formatItem('alpaca', noInput, plain)).toBe(String.raw`{"instruction":"Write a function.","input":"","output":"def f():\n    return 1"}`);
  });

  it('alpaca with metadata adds task, language and id', () => {
    expect(formatItem('alpaca', withInput, { withMetadata: true, system: null })).toBe(
      String.raw`{"instruction":"Translate to \"Go\".","input":"x = 1","output":"x := 1","task":"translation","language":"python","id":"row2/translation"}`,
    );
  });

  it('sharegpt: the human turn joins instruction and input with a blank line', () => {
    expect(formatItem('sharegpt', withInput, plain)).toBe(
      String.raw`{"id":"row2/translation","conversations":[{"from":"human","value":"Translate to \"Go\".\n\nx = 1"},{"from":"gpt","value":"x := 1"}]}`,
    );
    expect(formatItem('sharegpt', noInput, plain)).toBe(
      String.raw`{"id":"row1/generation","conversations":[{"from":"human","value":"Write a function."},{"from":"gpt","value":"def f():\n    return 1"}]}`,
    );
  });

  it('sharegpt leaves id out when the record has none', () => {
    expect(formatItem('sharegpt', { ...noInput, id: null, output: 'ok' }, plain)).toBe('{"conversations":[{"from":"human","value":"Write a function."},{"from":"gpt","value":"ok"}]}');
  });

  it('messages: user and assistant, with an optional system message first', () => {
    expect(formatItem('messages', withInput, plain)).toBe(
      String.raw`{"messages":[{"role":"user","content":"Translate to \"Go\".\n\nx = 1"},{"role":"assistant","content":"x := 1"}]}`,
    );
    expect(formatItem('messages', noInput, { withMetadata: false, system: 'You write code.' })).toBe(
      String.raw`{"messages":[{"role":"system","content":"You write code."},{"role":"user","content":"Write a function."},{"role":"assistant","content":"def f():\n    return 1"}]}`,
    );
  });

  it('keeps non-ASCII text as it is', () => {
    expect(formatItem('alpaca', { ...noInput, instruction: 'Écris — 関数', output: '✓' }, plain)).toBe('{"instruction":"Écris — 関数","input":"","output":"✓"}');
  });
});

describe('framing', () => {
  it('a JSON array of three items, and of none', () => {
    const text = ['1', '2', '3'].map((item, index) => frameItem('array', index, item)).join('') + closeFrame('array', 3);
    expect(text).toBe('[\n1,\n2,\n3\n]\n');
    expect(closeFrame('array', 0)).toBe('[]\n');
  });

  it('JSON Lines end every item with a newline', () => {
    expect(['a', 'b'].map((item, index) => frameItem('lines', index, item)).join('') + closeFrame('lines', 2)).toBe('a\nb\n');
  });

  it('any framed array parses back to its items', () => {
    fc.assert(fc.property(fc.array(fc.record({ instruction: fc.string(), input: fc.string(), output: fc.string() }), { maxLength: 20 }), (samples) => {
      const records: ExportRecord[] = samples.map((s) => ({ ...noInput, ...s }));
      const text = records.map((r, i) => frameItem('array', i, formatItem('alpaca', r, plain))).join('') + closeFrame('array', records.length);
      expect(JSON.parse(text)).toEqual(samples);
    }));
  });
});

describe('humanTurn and parquetRow', () => {
  it('humanTurn adds the input only when there is one', () => {
    expect(humanTurn(noInput)).toBe('Write a function.');
    expect(humanTurn(withInput)).toBe('Translate to "Go".\n\nx = 1');
  });

  it('parquetRow maps fields to snake_case columns with a bigint row id', () => {
    expect(parquetRow(noInput)).toEqual({
      id: 'row1/generation', task: 'generation', language: 'python', target_language: null, instruction: 'Write a function.', input: '',
      output: 'def f():\n    return 1', source_row_id: 1n, generator_model: 'gen',
    });
    expect(parquetRow(withInput).source_row_id).toBeNull();
    expect(parquetRow(withInput).target_language).toBe('go');
  });
});
