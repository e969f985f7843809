import { describe, expect, it } from 'vitest';
import { describeProblems, parseReply, validateSample } from '../../../src/generate/parse-reply.js';

const FIELDS = ['instruction', 'input', 'output', 'language'];
const parse = (reply: string | null | undefined) => parseReply(reply, FIELDS);
const errorOf = (reply: string | null | undefined): string => {
  const result = parse(reply);
  if (result.ok) throw new Error(`expected a failure, parsed ${JSON.stringify(result.value)}`);
  return result.error;
};

describe('parseReply', () => {
  it('accepts a bare object, a fenced block and an object surrounded by prose', () => {
    expect(parse('{"a": 1}')).toEqual({ ok: true, value: { a: 1 } });
    expect(parse('  \n{"a": 1}\n')).toEqual({ ok: true, value: { a: 1 } });
    expect(parse('Here you go:\n```json\n{"a": 1}\n```\nHope it helps!')).toEqual({ ok: true, value: { a: 1 } });
    expect(parse('```\n{"a": 1}\n```')).toEqual({ ok: true, value: { a: 1 } });
    expect(parse('Sure! {"a": {"b": [1, 2]}} is the answer.')).toEqual({ ok: true, value: { a: { b: [1, 2] } } });
  });

  it('prefers a ```json fence over other fences', () => {
    const reply = 'Code:\n```python\nx = {"k": 1}\n```\nJSON:\n```json\n{"a": 2}\n```';
    expect(parse(reply)).toEqual({ ok: true, value: { a: 2 } });
  });

  it('respects braces, quotes and escapes inside strings', () => {
    const value = { output: 'if (x) { return "}"; }', input: 'say \\"hi\\" {' };
    expect(parse(`Result: ${JSON.stringify(value)} -- done`)).toEqual({ ok: true, value });
  });

  it('takes the first of several objects', () => {
    expect(parse('{"a": 1}\n{"a": 2}')).toEqual({ ok: true, value: { a: 1 } });
  });

  it('skips prose braces that are not JSON', () => {
    expect(parse('The set {x} is small. {"a": 1}')).toEqual({ ok: true, value: { a: 1 } });
  });

  it('does not return an object nested in broken JSON', () => {
    const error = errorOf('{"a": {"b": 1}, "c": oops}');
    expect(error).toMatch(/^Expected a JSON object with fields instruction, input, output, language; found invalid JSON/);
  });

  it('reports truncated JSON as cut off', () => {
    expect(errorOf('{"instruction": "Write a {')).toMatch(/unterminated JSON object \(the reply may have been cut off\)/);
    expect(errorOf('```json\n{"instruction": "x", "output": "y"')).toMatch(/cut off/);
  });

  it('rejects empty content, arrays, scalars and plain prose with a message for the model', () => {
    expect(errorOf(null)).toMatch(/found an empty reply/);
    expect(errorOf(undefined)).toMatch(/found an empty reply/);
    expect(errorOf('   ')).toMatch(/found an empty reply/);
    expect(errorOf('[{"a": 1}]')).toMatch(/found a JSON array instead of a single object/);
    expect(errorOf('42')).toMatch(/found a JSON number/);
    expect(errorOf('null')).toMatch(/found a JSON null/);
    expect(errorOf('I cannot help with that.')).toMatch(/found no JSON object in "I cannot help with that\."\. Reply with only that JSON object\.$/);
  });

  it('shortens long replies in the message', () => {
    const error = errorOf('x'.repeat(500));
    expect(error).toContain('(500 characters)');
    expect(error.length).toBeLessThan(250);
  });
});

describe('validateSample', () => {
  const base = { instruction: 'Write a Python function.', input: '', output: 'def f(): pass', language: 'python' };

  it('accepts a good sample, ignores extra fields and takes the task from the argument', () => {
    expect(validateSample({ ...base, task: 'repair', extra: 1 }, 'generation')).toEqual({ ok: true, sample: { task: 'generation', ...base, tests: '' } });
    expect(validateSample({ instruction: base.instruction, output: base.output, language: base.language }, 'generation')).toEqual({ ok: true, sample: { task: 'generation', ...base, tests: '' } });
  });

  it('reads tests for generation, repair and oss-instruct (absent: empty; a list of lines: joined), never for the other tasks', () => {
    expect(validateSample({ ...base, tests: 'assert f() is None' }, 'generation')).toEqual({ ok: true, sample: { task: 'generation', ...base, tests: 'assert f() is None' } });
    expect(validateSample({ ...base, input: 'def f(): return 1', tests: ['assert f() is None', 'assert True'] }, 'repair'))
      .toEqual({ ok: true, sample: { task: 'repair', ...base, input: 'def f(): return 1', tests: 'assert f() is None\nassert True' } });
    expect(validateSample({ ...base }, 'oss-instruct')).toEqual({ ok: true, sample: { task: 'oss-instruct', ...base, tests: '' } });
    expect(validateSample({ ...base, input: 'x', tests: 'assert 1' }, 'summarization')).toEqual({ ok: true, sample: { task: 'summarization', ...base, input: 'x' } });
    const wrong = validateSample({ ...base, tests: 42 }, 'generation');
    expect(wrong).toEqual({ ok: false, problems: [{ field: 'tests', problem: 'expected a string, found number' }] });
  });

  it('lists every field problem', () => {
    const result = validateSample({ instruction: '  ', output: 3, language: null }, 'summarization');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual([
      { field: 'instruction', problem: 'expected a non-empty string, found an empty one' },
      { field: 'input', problem: 'expected a string, found nothing' },
      { field: 'output', problem: 'expected a string, found number' },
      { field: 'language', problem: 'expected a string, found null' },
    ]);
    expect(describeProblems(result.problems)).toContain('output: expected a string, found number');
  });

  it('requires input for repair and a different targetLanguage for translation', () => {
    expect(validateSample({ ...base, input: '' }, 'repair')).toMatchObject({ ok: false, problems: [{ field: 'input' }] });
    expect(validateSample({ ...base, input: 'x' }, 'translation')).toMatchObject({ ok: false, problems: [{ field: 'targetLanguage', problem: 'expected a string, found nothing' }] });
    expect(validateSample({ ...base, input: 'x', targetLanguage: 'Python' }, 'translation')).toMatchObject({ ok: false, problems: [{ field: 'targetLanguage' }] });
    expect(validateSample({ ...base, input: 'x', targetLanguage: 'rust' }, 'translation')).toMatchObject({ ok: true, sample: { targetLanguage: 'rust' } });
  });

  it('rejects a non-string input even where input is optional', () => {
    expect(validateSample({ ...base, input: ['a'] }, 'oss-instruct')).toMatchObject({ ok: false, problems: [{ field: 'input', problem: 'expected a string, found an array' }] });
  });
});
