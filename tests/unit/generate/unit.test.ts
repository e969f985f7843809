import { describe, expect, it } from 'vitest';
import type { ChatResult } from '../../../src/generate/llm.js';
import { loadPrompts } from '../../../src/generate/prompts.js';
import type { ChatSpec } from '../../../src/generate/requests.js';
import { processUnit, type Ask, type UnitContext } from '../../../src/generate/unit.js';
import type { WorkUnit } from '../../../src/generate/units.js';
import type { SampleExecution, SampleRunRequest } from '../../../src/generate/execution.js';

const prompts = loadPrompts();

/** Rules of a discriminator prompt counted by hand: numbered lines after `Rules:` up to a blank line. */
function rulesByHand(text: string): number {
  const lines = text.split('\n');
  let count = 0;
  for (const line of lines.slice(lines.findIndex((l) => l.trim() === 'Rules:') + 1)) {
    if (line.trim() === '') break;
    if (/^[0-9]+\. /.test(line)) count++;
  }
  return count;
}
const GENERATION_RULES = rulesByHand(prompts['discriminator-generation'].text);
const TRANSLATION_RULES = rulesByHand(prompts['discriminator-translation'].text);

interface Scripted {
  content: string;
  promptTokens: number;
  completionTokens: number;
  cached: boolean;
  usd: number | undefined;
}

const say = (content: string, overrides: Partial<Scripted> = {}): Scripted => ({ content, promptTokens: 10, completionTokens: 5, cached: false, usd: 0.5, ...overrides });

/** An `ask` that answers from a script, in order, and records every spec it was given. */
function scripted(replies: readonly Scripted[]): { ask: Ask; specs: ChatSpec[] } {
  const specs: ChatSpec[] = [];
  const ask: Ask = (spec) => {
    specs.push(structuredClone(spec));
    const next = replies[specs.length - 1];
    if (next === undefined) return Promise.reject(new Error(`unexpected request #${specs.length} (${spec.schemaName})`));
    const result: ChatResult = { content: next.content, finishReason: 'stop', promptTokens: next.promptTokens, completionTokens: next.completionTokens, model: spec.model };
    return Promise.resolve({ result, cached: next.cached, usd: next.usd });
  };
  return { ask, specs };
}

function context(ask: Ask, withJudge = true): UnitContext {
  return {
    prompts,
    generator: { model: 'gen-model', temperature: 0.8, maxTokens: 900 },
    discriminator: withJudge ? { model: 'judge-model', temperature: 0, maxTokens: 300 } : null,
    generatorExamples: 'GENERATOR-EXAMPLES',
    discriminatorExamples: 'JUDGE-EXAMPLES',
    prechecks: {},
    ask,
    execute: null,
    requirePass: false,
  };
}

const generationUnit: WorkUnit = { index: 0, key: 'generation:11', rowId: 11, task: 'generation', language: 'python' };
const CODE = 'def add(a, b):\n    return a + b';
const INSTRUCTION = 'Write a Python function that adds two numbers and returns their sum.';
const OUTPUT = 'def add(a, b):\n    return a + b';
const goodSample = (overrides: Record<string, string> = {}): string => JSON.stringify({ instruction: INSTRUCTION, input: '', output: OUTPUT, language: 'Python', ...overrides });

/** A verdict over `ruleCount` rules answering no (with the given reason) to the rules in `no`. */
function verdictReply(ruleCount: number, verdict: 'accept' | 'reject', no: Readonly<Record<number, string>> = {}): string {
  const rules = Array.from({ length: ruleCount }, (_, i) => {
    const reason = no[i + 1];
    return { rule: i + 1, answer: reason === undefined ? 'yes' : 'no', reason: reason ?? 'fine' };
  });
  return JSON.stringify({ rules, verdict });
}

const userOf = (spec: ChatSpec | undefined): string => spec?.messages[1]?.content ?? '';

describe('processUnit: accepted', () => {
  it('asks the generator then the discriminator and accepts (2 requests)', async () => {
    const { ask, specs } = scripted([
      say(goodSample(), { promptTokens: 100, completionTokens: 40, usd: 0.25 }),
      say(verdictReply(GENERATION_RULES, 'accept'), { promptTokens: 60, completionTokens: 30, usd: 0.125, cached: true }),
    ]);
    const outcome = await processUnit(generationUnit, CODE, context(ask));
    expect(specs.map((s) => [s.model, s.schemaName, s.messages.length])).toEqual([
      ['gen-model', 'tidepool_sample_generation', 2],
      ['judge-model', 'tidepool_verdict_generation', 2],
    ]);
    expect(userOf(specs[0])).toContain(CODE);
    expect(userOf(specs[0])).toContain('GENERATOR-EXAMPLES');
    expect(userOf(specs[1])).toContain(INSTRUCTION);
    expect(userOf(specs[1])).toContain(OUTPUT);
    expect(userOf(specs[1])).toContain('JUDGE-EXAMPLES');
    expect(outcome).toEqual({
      accepted: true, stage: null,
      sample: { task: 'generation', instruction: INSTRUCTION, input: '', output: OUTPUT, language: 'python', tests: '' },
      reasons: [], execution: null,
      rules: Array.from({ length: GENERATION_RULES }, (_, i) => ({ rule: i + 1, pass: true, reason: 'fine' })),
      inconsistentVerdict: false, unreadableReply: null,
      tokens: { prompt: 160, completion: 70 }, usd: 0.375, requests: 2, cachedRequests: 1,
    });
  });

  it('without a discriminator, prechecks alone accept (1 request)', async () => {
    const { ask, specs } = scripted([say(goodSample(), { usd: 0.25 })]);
    const outcome = await processUnit(generationUnit, CODE, context(ask, false));
    expect(specs).toHaveLength(1);
    expect(outcome).toMatchObject({ accepted: true, stage: null, rules: null, reasons: [], requests: 1, cachedRequests: 0, usd: 0.25, tokens: { prompt: 10, completion: 5 } });
    expect(outcome.sample?.language).toBe('python');
  });

  it('keeps the unit\'s language ids although the model wrote display names (translation)', async () => {
    const unit: WorkUnit = { index: 3, key: 'translation:4', rowId: 4, task: 'translation', language: 'javascript', targetLanguage: 'python' };
    const jsCode = 'function add(a, b) {\n  return a + b;\n}';
    const reply = JSON.stringify({
      instruction: 'Rewrite this JavaScript function in Python so that it behaves the same way.',
      input: jsCode, output: OUTPUT, language: 'JavaScript', targetLanguage: 'Python',
    });
    const { ask, specs } = scripted([say(reply), say(verdictReply(TRANSLATION_RULES, 'accept'))]);
    const outcome = await processUnit(unit, jsCode, context(ask));
    expect(specs.map((s) => s.schemaName)).toEqual(['tidepool_sample_translation', 'tidepool_verdict_translation']);
    expect(outcome.accepted).toBe(true);
    expect(outcome.sample).toEqual({
      task: 'translation', instruction: 'Rewrite this JavaScript function in Python so that it behaves the same way.',
      input: jsCode, output: OUTPUT, language: 'javascript', targetLanguage: 'python',
    });
  });

  it('oss-instruct: the generator sees the seed, the discriminator judges against the seed', async () => {
    const seedText = 'total = sum(values)';
    const rowCode = `import sys\n${seedText}\nprint("row only")`;
    const unit: WorkUnit = { index: 0, key: 'oss-instruct:2', rowId: 2, task: 'oss-instruct', language: 'python', seed: { text: seedText, startLine: 1, lineCount: 1 } };
    const { ask, specs } = scripted([say(goodSample()), say(verdictReply(GENERATION_RULES, 'accept'))]);
    const outcome = await processUnit(unit, rowCode, context(ask));
    expect(specs.map((s) => s.schemaName)).toEqual(['tidepool_sample_oss_instruct', 'tidepool_verdict_oss_instruct']);
    for (const spec of specs) {
      expect(userOf(spec)).toContain(seedText);
      expect(userOf(spec)).not.toContain('row only');
    }
    expect(outcome.accepted).toBe(true);
    expect(outcome.sample?.task).toBe('oss-instruct');
  });
});

describe('processUnit: the generator retry', () => {
  it('an unparseable reply is retried once quoting the parse error, then accepted (3 requests)', async () => {
    const prose = 'Sure! I would be happy to write a sample for you.';
    const { ask, specs } = scripted([say(prose), say(goodSample()), say(verdictReply(GENERATION_RULES, 'accept'))]);
    const outcome = await processUnit(generationUnit, CODE, context(ask));
    expect(specs).toHaveLength(3);
    const [first, retry] = specs;
    expect(retry?.schemaName).toBe(first?.schemaName);
    expect(retry?.model).toBe('gen-model');
    expect(retry?.messages.slice(0, 2)).toEqual(first?.messages);
    expect(retry?.messages[2]).toEqual({ role: 'assistant', content: prose });
    expect(retry?.messages[3]?.role).toBe('user');
    expect(retry?.messages[3]?.content).toContain('no JSON object');
    expect(retry?.messages[3]?.content).toContain('instruction, output, language');
    expect(retry?.messages[3]?.content).toContain('Reply with only');
    expect(specs[2]?.schemaName).toBe('tidepool_verdict_generation');
    expect(outcome).toMatchObject({ accepted: true, requests: 3, unreadableReply: null, tokens: { prompt: 30, completion: 15 }, usd: 1.5 });
  });

  it('a reply missing a field is retried naming the field', async () => {
    const { ask, specs } = scripted([say(JSON.stringify({ instruction: INSTRUCTION, input: '', language: 'Python' })), say(goodSample()), say(verdictReply(GENERATION_RULES, 'accept'))]);
    const outcome = await processUnit(generationUnit, CODE, context(ask));
    expect(specs[1]?.messages[3]?.content).toMatch(/output/);
    expect(outcome.accepted).toBe(true);
  });

  it('unparseable twice: rejected at the generator as unparseable, keeping the last reply (2 requests)', async () => {
    const second = '{"instruction": "Write a Python function that';
    const { ask, specs } = scripted([say('no json here'), say(second)]);
    const outcome = await processUnit(generationUnit, CODE, context(ask));
    expect(specs).toHaveLength(2);
    expect(outcome.accepted).toBe(false);
    expect(outcome.stage).toBe('generator');
    expect(outcome.sample).toBeNull();
    expect(outcome.rules).toBeNull();
    expect(outcome.unreadableReply).toBe(second);
    expect(outcome.reasons).toHaveLength(1);
    expect(outcome.reasons[0]?.code).toBe('unparseable');
    expect(outcome.reasons[0]?.message).toMatch(/unterminated/);
    expect(outcome.requests).toBe(2);
  });
});

describe('processUnit: prechecks', () => {
  it('a placeholder in the output is rejected at precheck without asking the discriminator', async () => {
    const { ask, specs } = scripted([say(goodSample({ output: 'def add(a, b):\n    # TODO: implement\n    return a + b' }))]);
    const outcome = await processUnit(generationUnit, CODE, context(ask));
    expect(specs).toHaveLength(1);
    expect(outcome.accepted).toBe(false);
    expect(outcome.stage).toBe('precheck');
    expect(outcome.reasons.map((r) => r.code)).toContain('placeholder');
    expect(outcome.sample?.language).toBe('python');
    expect(outcome.rules).toBeNull();
    expect(outcome.requests).toBe(1);
  });

  it('an instruction that does not name the language is rejected at precheck', async () => {
    const { ask, specs } = scripted([say(goodSample({ instruction: 'Write a function that adds two numbers and returns their sum.' }))]);
    const outcome = await processUnit(generationUnit, CODE, context(ask));
    expect(specs).toHaveLength(1);
    expect(outcome.stage).toBe('precheck');
    expect(outcome.reasons.map((r) => r.code)).toEqual(['language_not_named']);
  });
});

describe('processUnit: the discriminator', () => {
  it('a reject gives `rule N: reason` messages with codes rule_N', async () => {
    const { ask } = scripted([say(goodSample()), say(verdictReply(GENERATION_RULES, 'reject', { 2: 'does not name Python', 5: 'has prose' }))]);
    const outcome = await processUnit(generationUnit, CODE, context(ask));
    expect(outcome.accepted).toBe(false);
    expect(outcome.stage).toBe('discriminator');
    expect(outcome.reasons).toEqual([
      { code: 'rule_2', message: 'rule 2: does not name Python' },
      { code: 'rule_5', message: 'rule 5: has prose' },
    ]);
    expect(outcome.rules?.filter((r) => !r.pass).map((r) => r.rule)).toEqual([2, 5]);
    expect(outcome.inconsistentVerdict).toBe(false);
    expect(outcome.sample).not.toBeNull();
    expect(outcome.requests).toBe(2);
  });

  it('accept over a "no" is a rejection flagged inconsistent', async () => {
    const { ask } = scripted([say(goodSample()), say(verdictReply(GENERATION_RULES, 'accept', { 4: 'wrong for negatives' }))]);
    const outcome = await processUnit(generationUnit, CODE, context(ask));
    expect(outcome.accepted).toBe(false);
    expect(outcome.inconsistentVerdict).toBe(true);
    expect(outcome.reasons).toEqual([{ code: 'rule_4', message: 'rule 4: wrong for negatives' }]);
  });

  it('reject with every rule yes is a rejection with a non-rule code', async () => {
    const { ask } = scripted([say(goodSample()), say(verdictReply(GENERATION_RULES, 'reject'))]);
    const outcome = await processUnit(generationUnit, CODE, context(ask));
    expect(outcome.accepted).toBe(false);
    expect(outcome.inconsistentVerdict).toBe(true);
    expect(outcome.reasons).toHaveLength(1);
    expect(outcome.reasons[0]?.code).not.toMatch(/^rule_/);
  });

  it('an unusable verdict is retried once quoting the problem, then used (3 requests)', async () => {
    const partial = JSON.stringify({ rules: [{ rule: 1, answer: 'yes', reason: 'ok' }], verdict: 'accept' });
    const { ask, specs } = scripted([say(goodSample()), say(partial), say(verdictReply(GENERATION_RULES, 'accept'))]);
    const outcome = await processUnit(generationUnit, CODE, context(ask));
    expect(specs).toHaveLength(3);
    expect(specs[2]?.schemaName).toBe('tidepool_verdict_generation');
    expect(specs[2]?.messages[2]).toEqual({ role: 'assistant', content: partial });
    expect(specs[2]?.messages[3]?.content).toContain(`no answer for rules ${Array.from({ length: GENERATION_RULES - 1 }, (_, i) => i + 2).join(', ')}`);
    expect(outcome.accepted).toBe(true);
  });

  it('an unusable verdict twice: rejected at the discriminator as verdict_unparseable', async () => {
    const { ask, specs } = scripted([say(goodSample()), say('I think it is fine.'), say(JSON.stringify({ rules: [], verdict: 'maybe' }))]);
    const outcome = await processUnit(generationUnit, CODE, context(ask));
    expect(specs).toHaveLength(3);
    expect(outcome.accepted).toBe(false);
    expect(outcome.stage).toBe('discriminator');
    expect(outcome.reasons).toHaveLength(1);
    expect(outcome.reasons[0]?.code).toBe('verdict_unparseable');
    expect(outcome.reasons[0]?.message).toContain('verdict "maybe"');
    expect(outcome.rules).toBeNull();
    expect(outcome.sample).not.toBeNull();
    expect(outcome.unreadableReply).toBeNull();
  });
});

describe('processUnit: accounting', () => {
  it('sums tokens, USD, requests and cached requests over every request', async () => {
    const { ask } = scripted([
      say('nope', { promptTokens: 1, completionTokens: 2, usd: 0.5, cached: true }),
      say(goodSample(), { promptTokens: 4, completionTokens: 8, usd: 0.25 }),
      say('still nope', { promptTokens: 16, completionTokens: 32, usd: 0.125, cached: true }),
      say(verdictReply(GENERATION_RULES, 'accept'), { promptTokens: 64, completionTokens: 128, usd: 0.0625 }),
    ]);
    const outcome = await processUnit(generationUnit, CODE, context(ask));
    expect(outcome).toMatchObject({ accepted: true, requests: 4, cachedRequests: 2, tokens: { prompt: 85, completion: 170 }, usd: 0.9375 });
  });

  it('USD is null once a request had no price, even if later ones do', async () => {
    const { ask } = scripted([say(goodSample(), { usd: undefined }), say(verdictReply(GENERATION_RULES, 'accept'), { usd: 0.5 })]);
    const outcome = await processUnit(generationUnit, CODE, context(ask));
    expect(outcome.usd).toBeNull();
    expect(outcome.requests).toBe(2);
    expect(outcome.tokens).toEqual({ prompt: 20, completion: 10 });
  });

  it('a transport failure propagates to the caller', async () => {
    const failing: Ask = () => Promise.reject(new Error('connection reset'));
    await expect(processUnit(generationUnit, CODE, context(failing))).rejects.toThrow('connection reset');
  });
});

describe('processUnit: execution checks', () => {
  const TESTS = 'assert add(2, 3) == 5';
  const ran = (verdict: SampleExecution['verdict'], reason = '', output = ''): SampleExecution => ({ verdict, reason, skip: null, exitCode: verdict === 'passed' ? 0 : 1, signal: null, output, outputTruncated: false });
  const withExecution = (ask: Ask, execution: SampleExecution, requirePass = false): { context: UnitContext; requests: SampleRunRequest[] } => {
    const requests: SampleRunRequest[] = [];
    return {
      requests,
      context: { ...context(ask), requirePass, execute: (request) => {
        requests.push(request);
        return Promise.resolve(execution);
      } },
    };
  };

  it('runs the solution with its tests, then shows the result to the discriminator', async () => {
    const { ask, specs } = scripted([say(goodSample({ tests: TESTS })), say(verdictReply(GENERATION_RULES, 'accept'))]);
    const { context: ctx, requests } = withExecution(ask, ran('passed'));
    const outcome = await processUnit(generationUnit, CODE, ctx);
    expect(requests).toEqual([{ language: 'python', solution: OUTPUT, tests: TESTS }]);
    expect(outcome).toMatchObject({ accepted: true, execution: { verdict: 'passed' }, sample: { tests: TESTS } });
    expect(userOf(specs[1])).toContain('in a sandbox: passed (the tests ran without error)');
    expect(userOf(specs[1])).toContain(`- tests: ${TESTS}`);
  });

  it('a failing run rejects the sample with the failure as its reason, without asking the discriminator', async () => {
    const { ask, specs } = scripted([say(goodSample({ tests: TESTS }))]);
    const outcome = await processUnit(generationUnit, CODE, withExecution(ask, ran('failed', 'AssertionError', 'Traceback\nAssertionError')).context);
    expect(specs).toHaveLength(1);
    expect(outcome).toMatchObject({ accepted: false, stage: 'execution', rules: null, reasons: [{ code: 'execution_failed', message: 'execution failed: AssertionError; output ends: Traceback\nAssertionError' }] });
    for (const verdict of ['timeout', 'crashed'] as const) {
      const again = await processUnit(generationUnit, CODE, withExecution(scripted([say(goodSample({ tests: TESTS }))]).ask, ran(verdict, 'limit')).context);
      expect(again.reasons[0]?.code).toBe(`execution_${verdict}`);
    }
  });

  it('a sample with no tests is skipped (judged as usual), and --require-pass rejects it', async () => {
    const lenient = await processUnit(generationUnit, CODE, withExecution(scripted([say(goodSample()), say(verdictReply(GENERATION_RULES, 'accept'))]).ask, ran('passed')).context);
    expect(lenient).toMatchObject({ accepted: true, execution: { verdict: 'skipped', skip: 'no_tests' } });
    const strict = withExecution(scripted([say(goodSample())]).ask, ran('passed'), true);
    const rejected = await processUnit(generationUnit, CODE, strict.context);
    expect(strict.requests).toEqual([]);
    expect(rejected).toMatchObject({ accepted: false, stage: 'execution', reasons: [{ code: 'execution_skipped' }] });
  });

  it('tasks without tests are not executed, even under --require-pass', async () => {
    const unit: WorkUnit = { index: 0, key: 'summarization:11', rowId: 11, task: 'summarization', language: 'python' };
    const summary = JSON.stringify({ instruction: 'Explain what this Python function does and what it returns.', input: CODE, output: 'It adds two numbers and returns the sum.', language: 'Python' });
    const { ask } = scripted([say(summary), say(verdictReply(rulesByHand(prompts['discriminator-summarization'].text), 'accept'))]);
    const { context: ctx, requests } = withExecution(ask, ran('failed'), true);
    const outcome = await processUnit(unit, CODE, ctx);
    expect(requests).toEqual([]);
    expect(outcome).toMatchObject({ accepted: true, execution: null });
  });
});
