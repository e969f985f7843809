import { describe, expect, it } from 'vitest';
import { bracketsBalance, syntaxError } from '../../../src/generate/code-text.js';
import { precheck, type PrecheckCode } from '../../../src/generate/prechecks.js';
import type { GenerateTask, InstructionSample } from '../../../src/generate/tasks.js';

const good: Record<GenerateTask, InstructionSample> = {
  generation: { task: 'generation', instruction: 'Write a Python function that returns the sum of a list of integers.', input: '', output: 'def total(xs):\n    return sum(xs)', language: 'python' },
  'oss-instruct': { task: 'oss-instruct', instruction: 'In JavaScript, write a function that counts the vowels in a string.', input: '', output: 'function vowels(s) {\n  return [...s].filter((c) => "aeiou".includes(c)).length;\n}', language: 'javascript' },
  summarization: { task: 'summarization', instruction: 'Explain what this function does.', input: 'def total(xs):\n    return sum(xs)', output: 'The function adds up the numbers in a list. It returns zero for an empty list.', language: 'python' },
  translation: { task: 'translation', instruction: 'Rewrite this Python function in Rust, keeping its behaviour.', input: 'def total(xs):\n    return sum(xs)', output: "fn total<'a>(xs: &'a [i64]) -> i64 {\n    xs.iter().sum()\n}", language: 'python', targetLanguage: 'rust' },
  repair: { task: 'repair', instruction: 'This Go function skips the last element; please fix it.', input: 'for i := 0; i < len(xs)-1; i++ {\n\tt += xs[i]\n}', output: 'for i := 0; i < len(xs); i++ {\n\tt += xs[i]\n}', language: 'go' },
};

const codesOf = (sample: InstructionSample): PrecheckCode[] => precheck(sample, sample.task).reasons.map((r) => r.code);

describe('precheck', () => {
  it.each(Object.values(good))('passes a good $task sample', (sample) => {
    expect(precheck(sample, sample.task)).toEqual({ passed: true, reasons: [] });
  });

  it('empty_field: whitespace-only required fields', () => {
    const result = precheck({ ...good.repair, input: ' \n ' }, 'repair');
    expect(result.passed).toBe(false);
    expect(result.reasons).toContainEqual({ code: 'empty_field', field: 'input', message: 'input is empty' });
    expect(codesOf({ ...good.translation, targetLanguage: '' })).toContain('empty_field');
  });

  it('placeholder: TODO, lone ellipsis, <your code here>, lorem ipsum; a JS spread passes', () => {
    expect(codesOf({ ...good.generation, output: 'def total(xs):\n    # TODO\n    return 0' })).toContain('placeholder');
    expect(codesOf({ ...good.generation, output: 'def total(xs):\n    ...' })).toContain('placeholder');
    expect(codesOf({ ...good.generation, output: 'def total(xs):\n    <your code here>' })).toContain('placeholder');
    expect(codesOf({ ...good.summarization, output: 'Lorem ipsum dolor sit amet.' })).toContain('placeholder');
    expect(codesOf(good['oss-instruct'])).not.toContain('placeholder');
  });

  it('instruction_too_short: fewer words than the minimum', () => {
    expect(codesOf({ ...good.generation, instruction: 'Python sum.' })).toContain('instruction_too_short');
    expect(precheck({ ...good.generation, instruction: 'Python sum.' }, 'generation', { minInstructionWords: 2 }).passed).toBe(true);
  });

  it('language_not_named: code tasks name their language (aliases count; summaries need not)', () => {
    expect(codesOf({ ...good.generation, instruction: 'Write a function that returns the sum of a list.' })).toContain('language_not_named');
    expect(codesOf({ ...good.generation, instruction: 'Write a py function that returns the sum of a list.' })).not.toContain('language_not_named');
    expect(codesOf({ ...good.translation, instruction: 'Rewrite this Python function in another language please.' })).toContain('language_not_named');
    expect(codesOf({ ...good.repair, instruction: 'This function skips the last element; please fix it.' })).toContain('language_not_named');
    expect(codesOf({ ...good.repair, instruction: 'This Golang loop skips the last element; fix it.' })).not.toContain('language_not_named');
  });

  it('summary_not_prose: a summary that is mostly code', () => {
    expect(codesOf({ ...good.summarization, output: 'def total(xs):\n    return sum(xs)\nx = total([1])' })).toContain('summary_not_prose');
    expect(codesOf({ ...good.summarization, output: 'It sums:\n```python\nsum(xs)\n```' })).toContain('summary_not_prose');
  });

  it('summary_too_long: more sentences than the maximum', () => {
    const long = 'It adds. It loops. It returns. It is short. It is pure. It is fast.';
    expect(codesOf({ ...good.summarization, output: long })).toContain('summary_too_long');
    expect(precheck({ ...good.summarization, output: long }, 'summarization', { maxSummarySentences: 6 }).passed).toBe(true);
  });

  it('prose_outside_code: chat around a code output', () => {
    expect(codesOf({ ...good.generation, output: 'Here is the solution:\ndef total(xs):\n    return sum(xs)' })).toContain('prose_outside_code');
    expect(codesOf({ ...good.generation, output: '```python\ndef total(xs):\n    return sum(xs)\n```\nThis sums the list.' })).toContain('prose_outside_code');
    expect(codesOf({ ...good.generation, output: '```python\ndef total(xs):\n    return sum(xs)\n```' })).toEqual([]);
  });

  it('output_equals_input: up to whitespace and fences', () => {
    expect(codesOf({ ...good.repair, output: `\`\`\`go\n${good.repair.input}  \n\`\`\`` })).toContain('output_equals_input');
  });

  it('unbalanced_brackets: on code outputs only', () => {
    expect(codesOf({ ...good.generation, output: 'def total(xs):\n    return sum(xs' })).toContain('unbalanced_brackets');
    expect(codesOf({ ...good.repair, input: 'for i := 0; i < n; i++ {' })).not.toContain('unbalanced_brackets');
  });

  it('does_not_parse: JavaScript outputs go through Node\'s own compiler (never run); other languages are not parsed', () => {
    const js = good['oss-instruct'];
    const broken = { ...js, output: 'function vowels(s) {\n  return s.length +;\n}' };
    expect(precheck(broken, broken.task).reasons).toEqual([{ code: 'does_not_parse', field: 'output', message: expect.stringContaining('does not parse as javascript') as unknown }]);
    // A redeclared let is an early error: balanced brackets, still no valid program.
    expect(codesOf({ ...js, output: 'let n = 1;\nlet n = 2;' })).toEqual(['does_not_parse']);
    // Methods cut out of a class, ES modules and JSX are not judged broken.
    expect(codesOf({ ...js, output: 'count(s) {\n  return this.items.length;\n}' })).toEqual([]);
    expect(codesOf({ ...js, output: 'export function vowels(s) {\n  return 0;\n}' })).toEqual([]);
    expect(codesOf({ ...js, output: 'const view = () => <div>{count}</div>;' })).toEqual([]);
    // Translation checks the target language; a Python output is not parsed at all.
    expect(codesOf({ ...good.translation, targetLanguage: 'javascript', instruction: 'Rewrite this Python function in JavaScript, keeping its behaviour.', output: 'function total(xs) { return xs.reduce((a, b) => a + b, 0) }' })).toEqual([]);
    expect(codesOf({ ...good.translation, targetLanguage: 'javascript', instruction: 'Rewrite this Python function in JavaScript, keeping its behaviour.', output: 'function total(xs) { return xs.reduce((a, b) => a +, 0) }' })).toEqual(['does_not_parse']);
    expect(codesOf({ ...good.generation, output: 'def total(xs) return sum(xs)' })).toEqual([]);
  });

  it('syntaxError says when it has no parser', () => {
    expect(syntaxError('def f(): pass', 'python')).toBeUndefined();
    expect(syntaxError('const x = 1;', 'JavaScript')).toBeNull();
    expect(syntaxError('const x = ;', 'js')).toMatch(/Unexpected token/);
    expect(syntaxError('import x from "y";', 'javascript')).toBeUndefined();
  });

  it('collects every failure, not only the first', () => {
    expect(codesOf({ ...good.generation, instruction: 'Do it', output: 'TODO' })).toEqual(['placeholder', 'instruction_too_short', 'language_not_named']);
  });
});

describe('bracketsBalance', () => {
  it.each([
    ['python', 'x = {"a": [1, 2]}  # )'],
    ['python', 's = ")" + \'(\'\n"""doc ( with\n[ brackets"""\ny = (x // 2)'],
    ['javascript', 'const s = `)${a}`; // (\n/* { */ f(a[0]);'],
    ['json', '{"url": "http://x/(", "a": [ {} ]}'],
    ['rust', "fn f<'a>(x: &'a str) -> &'a str { x }"],
  ])('balanced %s: %j', (language, code) => {
    expect(bracketsBalance(code, language)).toBe(true);
  });

  it.each([
    ['python', 'f(x]'],
    ['python', 'x = [1, 2'],
    ['python', 's = "unterminated\ny = 1'],
    ['javascript', 'f(a)); '],
    ['javascript', '/* open comment ( )'],
    ['json', '{"a": [1, 2}'],
  ])('unbalanced %s: %j', (language, code) => {
    expect(bracketsBalance(code, language)).toBe(false);
  });
});
