import { describe, expect, it } from 'vitest';
import { DEFAULT_TEXT_TEMPLATE, compileTemplate, renderTemplate } from '../../../src/store/pairs-template.js';

describe('embed text template', () => {
  const row = { language: 'python', repo: null, path: 'a/b.py', func_name: 'f', url: null, docstring: 'Adds.', code: 'def f(): pass' } as const;

  it('the default puts the docstring, a newline and the code', () => {
    expect(renderTemplate(compileTemplate(DEFAULT_TEXT_TEMPLATE), (f) => row[f])).toBe('Adds.\ndef f(): pass');
  });

  it('supports escapes, literal text and null fields', () => {
    const template = compileTemplate('[{language}] {repo}\\t\\{x\\}\\\\{func_name}');
    expect(template.fields).toEqual(['language', 'repo', 'func_name']);
    expect(renderTemplate(template, (f) => row[f])).toBe('[python] \t{x}\\f');
  });

  it.each([
    ['{title}', /unknown field \{title\}.*character 1.*\{docstring\}/],
    ['{code', /unclosed \{/],
    ['code}', /unmatched \}/],
    ['\\q{code}', /unknown escape/],
    ['just text', /no field/],
  ])('rejects %j with a message that says where and what is allowed', (source, message) => {
    expect(() => compileTemplate(source)).toThrow(message);
  });
});
