/**
 * The scripted model's `tests` field (generation, repair, OSS-Instruct): assert-style checks of its own
 * solutions in Python and JavaScript, the languages tidepool runs. Where the model knows what the
 * solution computes (the count and sum templates of OSS-Instruct) the tests check values; where it only
 * echoes real code (generation, repair) they check that the named function exists and is callable.
 * A chosen share of answers carries a deliberately wrong expectation, so execution checks have
 * something to catch. Pure.
 */
import type { ProblemKind } from './languages.js';

/** What a test is written about: the solved problem with the function's name, or only the function's name. */
export type TestSubject = { kind: ProblemKind; name: string } | { kind: 'exists'; name: string | undefined };

/** Line opening JavaScript tests: the solution is CommonJS, run by `node main.js`. */
export const JS_ASSERT_IMPORT = "const assert = require('node:assert');";

/**
 * Tests of `subject` in `language`; `wrong` adds an assertion that cannot hold. Languages other than
 * Python and JavaScript get their calls as comments (tidepool does not run them); a subject without a
 * function name gets no tests.
 */
export function sampleTests(language: string, subject: TestSubject, wrong: boolean): string {
  if (subject.name === undefined) return '';
  const name = subject.name;
  const lang = language.trim().toLowerCase();
  if (lang === 'python') return pythonTests(subject, name, wrong).join('\n');
  if (lang === 'javascript') return [JS_ASSERT_IMPORT, ...javascriptTests(subject, name, wrong)].join('\n');
  const comment = ['ruby', 'shell', 'bash'].includes(lang) ? '#' : '//';
  return `${comment} ${callExample(subject, name)}`;
}

function pythonTests(subject: TestSubject, name: string, wrong: boolean): string[] {
  const checks = subject.kind === 'count'
    ? [`assert ${name}([1, 2, 2, 3], 2) == ${wrong ? 3 : 2}`, `assert ${name}([], 1) == 0`]
    : subject.kind === 'sum'
      ? [`assert ${name}([1, 2, 3]) == ${wrong ? 7 : 6}`, `assert ${name}([]) == 0`]
      : [`assert callable(${name})`, ...(wrong ? [`assert ${name}.__name__ == "${name}_v2", "expected the function to be renamed"`] : [])];
  return checks;
}

function javascriptTests(subject: TestSubject, name: string, wrong: boolean): string[] {
  return subject.kind === 'count'
    ? [`assert.strictEqual(${name}([1, 2, 2, 3], 2), ${wrong ? 3 : 2});`, `assert.strictEqual(${name}([], 1), 0);`]
    : subject.kind === 'sum'
      ? [`assert.strictEqual(${name}([1, 2, 3]), ${wrong ? 7 : 6});`, `assert.strictEqual(${name}([]), 0);`]
      : [`assert.strictEqual(typeof ${name}, 'function');`, ...(wrong ? [`assert.strictEqual(${name}.name, '${name}V2', 'expected the function to be renamed');`] : [])];
}

function callExample(subject: TestSubject, name: string): string {
  if (subject.kind === 'count') return `${name}([1, 2, 2, 3], 2) should be 2`;
  if (subject.kind === 'sum') return `${name}([1, 2, 3]) should be 6`;
  return `${name} should be callable`;
}
