import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateVerdict, type VerdictResult } from '../../../src/generate/verdict.js';

type Answer = string | boolean;

/** A reply with one answer per rule, numbered from 1 in order. */
function reply(answers: readonly Answer[], verdict: unknown, reasons: readonly string[] = []): Record<string, unknown> {
  return { rules: answers.map((answer, i) => ({ rule: i + 1, answer, reason: reasons[i] ?? `reason ${i + 1}` })), verdict };
}

function verdictOf(result: VerdictResult) {
  if (!result.ok) throw new Error(`expected a verdict, got the error: ${result.error}`);
  return result.verdict;
}

function errorOf(result: VerdictResult): string {
  if (result.ok) throw new Error(`expected an error, got the verdict ${JSON.stringify(result.verdict)}`);
  return result.error;
}

const RETRY_HINT = 'Reply with only that JSON object';

describe('validateVerdict: decisions', () => {
  it('accepts when the verdict is accept and every rule is yes', () => {
    const verdict = verdictOf(validateVerdict(reply(['yes', 'yes', 'yes'], 'accept'), 3));
    expect(verdict).toEqual({
      accept: true,
      rules: [
        { rule: 1, pass: true, reason: 'reason 1' },
        { rule: 2, pass: true, reason: 'reason 2' },
        { rule: 3, pass: true, reason: 'reason 3' },
      ],
      reasons: [],
      inconsistent: false,
    });
  });

  it('rejects an accept verdict over a "no" and flags it inconsistent', () => {
    const verdict = verdictOf(validateVerdict(reply(['yes', 'no', 'yes'], 'accept', ['fine', 'does not name Go', 'ok']), 3));
    expect(verdict.accept).toBe(false);
    expect(verdict.inconsistent).toBe(true);
    expect(verdict.reasons).toEqual(['rule 2: does not name Go']);
  });

  it('rejects a reject verdict with every rule yes, flags it and gives a reason', () => {
    const verdict = verdictOf(validateVerdict(reply(['yes', 'yes'], 'reject'), 2));
    expect(verdict.accept).toBe(false);
    expect(verdict.inconsistent).toBe(true);
    expect(verdict.reasons).toHaveLength(1);
    expect(verdict.reasons[0]).toMatch(/reject/);
  });

  it('a consistent reject lists `rule N: reason` for every no, in rule order', () => {
    const value = {
      rules: [
        { rule: 3, answer: 'no', reason: '  output is wrong  ' },
        { rule: 1, answer: 'no', reason: 'vague task' },
        { rule: 2, answer: 'yes', reason: 'names it' },
      ],
      verdict: 'reject',
    };
    const verdict = verdictOf(validateVerdict(value, 3));
    expect(verdict.accept).toBe(false);
    expect(verdict.inconsistent).toBe(false);
    expect(verdict.reasons).toEqual(['rule 1: vague task', 'rule 3: output is wrong']);
    expect(verdict.rules.map((r) => r.rule)).toEqual([1, 2, 3]);
  });

  it('a "no" without a reason still yields a `rule N: ...` line', () => {
    const value = { rules: [{ rule: 1, answer: 'no' }], verdict: 'reject' };
    const verdict = verdictOf(validateVerdict(value, 1));
    expect(verdict.reasons).toHaveLength(1);
    expect(verdict.reasons[0]).toMatch(/^rule 1: \S/);
  });

  it('accept holds exactly when the verdict says accept and every answer is yes (property)', () => {
    fc.assert(fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 12 }), fc.boolean(), (passes, saysAccept) => {
      const verdict = verdictOf(validateVerdict(reply(passes.map((p) => (p ? 'yes' : 'no')), saysAccept ? 'accept' : 'reject'), passes.length));
      const allYes = passes.every(Boolean);
      expect(verdict.accept).toBe(saysAccept && allYes);
      expect(verdict.inconsistent).toBe(saysAccept !== allYes);
      const expectedReasons = passes.flatMap((p, i) => (p ? [] : [`rule ${i + 1}: reason ${i + 1}`]));
      if (allYes && !saysAccept) expect(verdict.reasons).toHaveLength(1);
      else expect(verdict.reasons).toEqual(expectedReasons);
    }));
  });
});

describe('validateVerdict: lenient reading', () => {
  it('reads yes/no in any case and with spaces around', () => {
    const verdict = verdictOf(validateVerdict(reply(['YES', ' No ', 'Yes', 'nO'], 'reject'), 4));
    expect(verdict.rules.map((r) => r.pass)).toEqual([true, false, true, false]);
  });

  it('reads boolean answers', () => {
    const verdict = verdictOf(validateVerdict(reply([true, false], 'reject'), 2));
    expect(verdict.rules.map((r) => r.pass)).toEqual([true, false]);
  });

  it('reads the verdict in any case', () => {
    expect(verdictOf(validateVerdict(reply(['yes'], ' ACCEPT '), 1)).accept).toBe(true);
    expect(verdictOf(validateVerdict(reply(['yes'], 'Reject'), 1)).accept).toBe(false);
  });

  it('reads rule numbers written as "rule 3", "Rule 2" or "1"', () => {
    const value = {
      rules: [
        { rule: 'rule 3', answer: 'yes', reason: 'c' },
        { rule: 'Rule 2', answer: 'yes', reason: 'b' },
        { rule: '1', answer: 'yes', reason: 'a' },
      ],
      verdict: 'accept',
    };
    const verdict = verdictOf(validateVerdict(value, 3));
    expect(verdict.accept).toBe(true);
    expect(verdict.rules).toEqual([
      { rule: 1, pass: true, reason: 'a' },
      { rule: 2, pass: true, reason: 'b' },
      { rule: 3, pass: true, reason: 'c' },
    ]);
  });
});

describe('validateVerdict: unusable replies', () => {
  it('names a missing rule', () => {
    const value = { rules: [{ rule: 1, answer: 'yes', reason: '' }, { rule: 3, answer: 'yes', reason: '' }], verdict: 'accept' };
    const error = errorOf(validateVerdict(value, 3));
    expect(error).toMatch(/\brule 2\b/);
    expect(error).toContain(RETRY_HINT);
  });

  it('names every missing rule', () => {
    const error = errorOf(validateVerdict(reply(['yes'], 'accept'), 4));
    expect(error).toMatch(/2, 3, 4/);
    expect(error).toContain(RETRY_HINT);
  });

  it('names a rule answered twice', () => {
    const value = {
      rules: [{ rule: 1, answer: 'yes', reason: '' }, { rule: 2, answer: 'yes', reason: '' }, { rule: 2, answer: 'no', reason: '' }],
      verdict: 'reject',
    };
    const error = errorOf(validateVerdict(value, 2));
    expect(error).toMatch(/rule 2 answered twice/);
    expect(error).toContain(RETRY_HINT);
  });

  it.each([0, 4, -1, 2.5, 'rule seven'])('rejects the out-of-range or non-integer rule number %j', (rule) => {
    const value = { rules: [{ rule: 1, answer: 'yes', reason: '' }, { rule: 2, answer: 'yes', reason: '' }, { rule, answer: 'yes', reason: '' }], verdict: 'accept' };
    const error = errorOf(validateVerdict(value, 3));
    expect(error).toContain('rules[2].rule');
    expect(error).toContain(JSON.stringify(rule));
    expect(error).toContain('1..3');
    expect(error).toContain(RETRY_HINT);
  });

  it.each(['maybe', '', undefined, 1, true])('rejects the verdict %j', (verdict) => {
    const value: Record<string, unknown> = reply(['yes'], verdict);
    if (verdict === undefined) delete value.verdict;
    const error = errorOf(validateVerdict(value, 1));
    expect(error).toMatch(/verdict/);
    expect(error).toContain(`verdict ${JSON.stringify(verdict ?? null)}`);
    expect(error).toContain(RETRY_HINT);
  });

  it.each([
    ['an object', { 1: 'yes' }, /rules as object/],
    ['a string', 'all yes', /rules as string/],
    ['missing', undefined, /rules missing/],
  ])('rejects rules given as %s', (_label, rules, pattern) => {
    const value: Record<string, unknown> = { verdict: 'accept' };
    if (rules !== undefined) value.rules = rules;
    const error = errorOf(validateVerdict(value, 2));
    expect(error).toMatch(pattern);
    expect(error).toContain(RETRY_HINT);
  });

  it('rejects a rule entry that is not an object, and an answer that is neither yes nor no', () => {
    const notObject = errorOf(validateVerdict({ rules: ['yes'], verdict: 'accept' }, 1));
    expect(notObject).toContain('rules[0] not an object');
    expect(notObject).toContain(RETRY_HINT);
    const badAnswer = errorOf(validateVerdict(reply(['yes', 'perhaps'], 'accept'), 2));
    expect(badAnswer).toContain('rules[1].answer "perhaps"');
    expect(badAnswer).toContain(RETRY_HINT);
  });

  it('the error states the expected shape for the given rule count', () => {
    const error = errorOf(validateVerdict({ verdict: 'accept' }, 6));
    expect(error).toContain('"verdict": "accept" or "reject"');
    expect(error).toContain('1..6');
  });
});
