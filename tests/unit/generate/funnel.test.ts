import { describe, expect, it } from 'vitest';
import { addToFunnel, formatFunnel, shortRule } from '../../../src/generate/funnel.js';
import { emptyFunnel, funnelTotal, reasonLabel, topReasons, type Funnel, type FunnelCounts } from '../../../src/store/funnel.js';
import type { InstructionSample } from '../../../src/generate/tasks.js';
import type { RejectReason, UnitOutcome } from '../../../src/generate/unit.js';
import type { RuleAnswer } from '../../../src/generate/verdict.js';

const sample: InstructionSample = { task: 'generation', instruction: 'Write a Python function.', input: '', output: 'def f(): pass', language: 'python' };
const allYes: RuleAnswer[] = [1, 2, 3].map((rule) => ({ rule, pass: true, reason: 'ok' }));
const reason = (code: string): RejectReason => ({ code, message: `${code} happened` });

interface Spend {
  prompt: number;
  completion: number;
  usd: number | null;
}

const accepted = ({ prompt, completion, usd }: Spend): UnitOutcome => ({
  accepted: true, stage: null, sample, reasons: [], rules: allYes, inconsistentVerdict: false, unreadableReply: null,
  tokens: { prompt, completion }, usd, requests: 2, cachedRequests: 0,
});
const acceptedWithoutJudge = ({ prompt, completion, usd }: Spend): UnitOutcome => ({ ...accepted({ prompt, completion, usd }), rules: null, requests: 1 });
const unparseable = ({ prompt, completion, usd }: Spend): UnitOutcome => ({
  accepted: false, stage: 'generator', sample: null, reasons: [reason('unparseable')], rules: null, inconsistentVerdict: false, unreadableReply: 'garbage',
  tokens: { prompt, completion }, usd, requests: 2, cachedRequests: 0,
});
const prechecked = (codes: string[], { prompt, completion, usd }: Spend): UnitOutcome => ({
  accepted: false, stage: 'precheck', sample, reasons: codes.map(reason), rules: null, inconsistentVerdict: false, unreadableReply: null,
  tokens: { prompt, completion }, usd, requests: 1, cachedRequests: 0,
});
const judgedNo = (codes: string[], { prompt, completion, usd }: Spend): UnitOutcome => ({
  accepted: false, stage: 'discriminator', sample, reasons: codes.map(reason), rules: allYes.map((r) => ({ ...r, pass: !codes.includes(`rule_${r.rule}`) })),
  inconsistentVerdict: false, unreadableReply: null, tokens: { prompt, completion }, usd, requests: 2, cachedRequests: 1,
});
const verdictUnreadable = ({ prompt, completion, usd }: Spend): UnitOutcome => ({
  accepted: false, stage: 'discriminator', sample, reasons: [reason('verdict_unparseable')], rules: null, inconsistentVerdict: false, unreadableReply: null,
  tokens: { prompt, completion }, usd, requests: 3, cachedRequests: 0,
});

const counts = (values: Omit<FunnelCounts, 'usd'> & { usd: number | null }): FunnelCounts => values;

/** A funnel with every kind of outcome: generation/python (6 units), generation/java (2), translation/python (3). */
function sampleFunnel(): Funnel {
  const funnel = emptyFunnel();
  addToFunnel(funnel, 'generation', 'python', accepted({ prompt: 100, completion: 50, usd: 0.5 }));
  addToFunnel(funnel, 'generation', 'python', acceptedWithoutJudge({ prompt: 10, completion: 5, usd: 0.25 }));
  addToFunnel(funnel, 'generation', 'python', unparseable({ prompt: 20, completion: 30, usd: 0.125 }));
  addToFunnel(funnel, 'generation', 'python', prechecked(['placeholder', 'placeholder', 'instruction_too_short'], { prompt: 7, completion: 3, usd: 0.0625 }));
  addToFunnel(funnel, 'generation', 'python', judgedNo(['rule_2', 'rule_3'], { prompt: 40, completion: 60, usd: 0.03125 }));
  addToFunnel(funnel, 'generation', 'python', verdictUnreadable({ prompt: 1, completion: 1, usd: 0 }));
  addToFunnel(funnel, 'generation', 'java', prechecked(['placeholder'], { prompt: 5, completion: 5, usd: 0.5 }));
  addToFunnel(funnel, 'generation', 'java', judgedNo(['rule_2'], { prompt: 5, completion: 5, usd: 0.5 }));
  addToFunnel(funnel, 'translation', 'python', judgedNo(['rule_4'], { prompt: 1, completion: 2, usd: 1 }));
  addToFunnel(funnel, 'translation', 'python', judgedNo(['rule_4', 'rule_1'], { prompt: 3, completion: 4, usd: 1 }));
  addToFunnel(funnel, 'translation', 'python', accepted({ prompt: 5, completion: 6, usd: 1 }));
  return funnel;
}

describe('addToFunnel', () => {
  it('counts each stage per task and language', () => {
    const funnel = sampleFunnel();
    expect(Object.keys(funnel.groups).sort()).toEqual(['generation/java', 'generation/python', 'translation/python']);
    // generation/python: 6 units; sample read in all but the unparseable one; pre-filtered = unparseable + precheck;
    // judged = accepted-with-judge + judged no + verdict unreadable; accepted = both accepted.
    expect(funnel.groups['generation/python']).toEqual(counts({
      units: 6, generated: 5, prefiltered: 2, judged: 3, accepted: 2,
      promptTokens: 100 + 10 + 20 + 7 + 40 + 1, completionTokens: 50 + 5 + 30 + 3 + 60 + 1, usd: 0.5 + 0.25 + 0.125 + 0.0625 + 0.03125,
    }));
    expect(funnel.groups['generation/java']).toEqual(counts({ units: 2, generated: 2, prefiltered: 1, judged: 1, accepted: 0, promptTokens: 10, completionTokens: 10, usd: 1 }));
    expect(funnel.groups['translation/python']).toEqual(counts({ units: 3, generated: 3, prefiltered: 0, judged: 3, accepted: 1, promptTokens: 9, completionTokens: 12, usd: 3 }));
  });

  it('counts a reason code once per unit, per task', () => {
    expect(sampleFunnel().reasons).toEqual({
      'generation/unparseable': 1,
      'generation/placeholder': 2,
      'generation/instruction_too_short': 1,
      'generation/rule_2': 2,
      'generation/rule_3': 1,
      'generation/verdict_unparseable': 1,
      'translation/rule_4': 2,
      'translation/rule_1': 1,
    });
  });

  it('a group costs null once any of its units had no price, and stays null', () => {
    const funnel = emptyFunnel();
    addToFunnel(funnel, 'repair', 'go', accepted({ prompt: 1, completion: 1, usd: 0.5 }));
    addToFunnel(funnel, 'repair', 'go', accepted({ prompt: 1, completion: 1, usd: null }));
    addToFunnel(funnel, 'repair', 'go', accepted({ prompt: 1, completion: 1, usd: 0.5 }));
    addToFunnel(funnel, 'repair', 'rust', accepted({ prompt: 1, completion: 1, usd: 0.75 }));
    expect(funnel.groups['repair/go']?.usd).toBeNull();
    expect(funnel.groups['repair/go']?.promptTokens).toBe(3);
    expect(funnel.groups['repair/rust']?.usd).toBe(0.75);
    expect(funnelTotal(funnel).usd).toBeNull();
    expect(funnelTotal(funnel, (_task, language) => language === 'rust').usd).toBe(0.75);
  });

  it('survives a JSON round trip (it is checkpointed)', () => {
    const funnel = sampleFunnel();
    const copy = JSON.parse(JSON.stringify(funnel)) as Funnel;
    expect(copy).toEqual(funnel);
    addToFunnel(copy, 'generation', 'java', accepted({ prompt: 1, completion: 1, usd: 1 }));
    expect(copy.groups['generation/java']?.units).toBe(3);
  });
});

describe('funnelTotal', () => {
  it('sums every group, or those a filter keeps', () => {
    const funnel = sampleFunnel();
    expect(funnelTotal(funnel)).toEqual(counts({
      units: 11, generated: 10, prefiltered: 3, judged: 7, accepted: 3,
      promptTokens: 178 + 10 + 9, completionTokens: 149 + 10 + 12, usd: 0.96875 + 1 + 3,
    }));
    expect(funnelTotal(funnel, (task) => task === 'translation')).toEqual(funnel.groups['translation/python']);
    expect(funnelTotal(emptyFunnel())).toEqual(counts({ units: 0, generated: 0, prefiltered: 0, judged: 0, accepted: 0, promptTokens: 0, completionTokens: 0, usd: 0 }));
  });
});

describe('topReasons', () => {
  it('orders by count, then task, then code, and honours the limit', () => {
    const funnel = sampleFunnel();
    expect(topReasons(funnel, 5)).toEqual([
      { task: 'generation', code: 'placeholder', count: 2 },
      { task: 'generation', code: 'rule_2', count: 2 },
      { task: 'translation', code: 'rule_4', count: 2 },
      { task: 'generation', code: 'instruction_too_short', count: 1 },
      { task: 'generation', code: 'rule_3', count: 1 },
    ]);
    expect(topReasons(funnel, 100)).toHaveLength(8);
    expect(topReasons(funnel, 0)).toEqual([]);
  });

  it('filters by task', () => {
    expect(topReasons(sampleFunnel(), 10, 'translation')).toEqual([
      { task: 'translation', code: 'rule_4', count: 2 },
      { task: 'translation', code: 'rule_1', count: 1 },
    ]);
    expect(topReasons(sampleFunnel(), 10, 'repair')).toEqual([]);
  });
});

describe('formatFunnel', () => {
  it('has a header, one row per group in sorted order, an all row and the top reasons per task', () => {
    const funnel = sampleFunnel();
    const lines = formatFunnel(funnel).split('\n');
    const cells = lines.map((line) => line.trim().split(/\s+/));
    expect(cells[0]?.slice(0, 3)).toEqual(['task', 'language', 'units']);
    // accept % = accepted / units; tokens/accepted = (prompt + completion) / accepted; USD/accepted with 5 decimals.
    expect(cells[1]).toEqual(['generation', 'java', '2', '2', '1', '1', '0', '0.0', '-', '-']);
    expect(cells[2]).toEqual(['generation', 'python', '6', '5', '2', '3', '2', (200 / 6).toFixed(1), String(Math.round(327 / 2)), (0.96875 / 2).toFixed(5)]);
    expect(cells[3]).toEqual(['translation', 'python', '3', '3', '0', '3', '1', (100 / 3).toFixed(1), '21', '3.00000']);
    expect(cells[4]).toEqual(['all', '11', '10', '3', '7', '3', (300 / 11).toFixed(1), String(Math.round((197 + 171) / 3)), (4.96875 / 3).toFixed(5)]);
    expect(lines.slice(5)).toEqual([
      'top reject reasons:',
      '  generation: placeholder x2, rule_2 x2, instruction_too_short x1',
      '  translation: rule_4 x2, rule_1 x1',
    ]);
  });

  it('lines up the columns', () => {
    const lines = formatFunnel(sampleFunnel()).split('\n').slice(0, 5);
    expect(new Set(lines.map((line) => line.length)).size).toBe(1);
  });

  it('an empty funnel prints the header and an all row, and no reasons section', () => {
    const lines = formatFunnel(emptyFunnel()).split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]?.trim().split(/\s+/)).toEqual(['all', '0', '0', '0', '0', '0', '0.0', '-', '-']);
  });

  it('shows "-" for USD per accepted sample when a price is unknown', () => {
    const funnel = emptyFunnel();
    addToFunnel(funnel, 'repair', 'go', accepted({ prompt: 3, completion: 1, usd: null }));
    const cells = formatFunnel(funnel).split('\n')[1]?.trim().split(/\s+/);
    expect(cells).toEqual(['repair', 'go', '1', '1', '0', '1', '1', '100.0', '4', '-']);
  });
});

describe('rule names', () => {
  it('shortens a rule line: placeholders in angle brackets, lower-case start, no final period, cut at a word with an ellipsis', () => {
    expect(shortRule('The output is plain prose, not code.')).toBe('the output is plain prose, not code');
    expect(shortRule('The instruction names {{language}} as the language of the answer.')).toBe('the instruction names <language> as the language of the answer');
    const long = shortRule('The output is {{target_language}} code that solves the task as stated, with no missing parts or placeholders.');
    expect(long).toBe('the output is <target language> code that solves the task as stated…');
    expect(long.length).toBeLessThanOrEqual(73);
    expect(shortRule('HTTP status codes are named.')).toBe('HTTP status codes are named');
  });

  it('names a rule next to its stable code in the CLI table and in labels; codes without a name stay as they are', () => {
    const funnel = sampleFunnel();
    funnel.rules = { 'generation/rule_2': 'the instruction names <language>', 'translation/rule_4': 'the output is correct', 'translation/rule_1': 'the instruction is clear' };
    expect(reasonLabel(funnel, 'generation', 'rule_2')).toBe('rule_2 (the instruction names <language>)');
    expect(reasonLabel(funnel, 'translation', 'rule_2')).toBe('rule_2');
    expect(reasonLabel(funnel, 'generation', 'placeholder')).toBe('placeholder');
    expect(formatFunnel(funnel).split('\n').slice(5)).toEqual([
      'top reject reasons:',
      '  generation: placeholder x2, rule_2 (the instruction names <language>) x2, instruction_too_short x1',
      '  translation: rule_4 (the output is correct) x2, rule_1 (the instruction is clear) x1',
    ]);
    // The codes themselves (what consumers of the manifest count by) are unchanged.
    expect(Object.keys(funnel.reasons)).toContain('translation/rule_4');
  });
});
