import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PROMPTS_DIR, loadPrompts } from '../../../src/generate/prompts.js';
import { cacheKey, countRules, discriminatorSpec, EXECUTION_NOT_RUN, generatorSpec, replyQuoteLimit, retrySpec, ruleTexts, RETRY_ERROR_CHARS, SYSTEM_MESSAGE, type ChatMessage, type ChatSpec, type RoleParams } from '../../../src/generate/requests.js';
import { GENERATE_TASKS, type GenerateTask, type InstructionSample } from '../../../src/generate/tasks.js';
import type { WorkUnit } from '../../../src/generate/units.js';

const prompts = loadPrompts();
const params: RoleParams = { model: 'gen-model', temperature: 0.7, maxTokens: 1234 };
const judgeParams: RoleParams = { model: 'judge-model', temperature: 0, maxTokens: 321 };

/** Rules counted by hand: numbered lines after a line reading exactly `Rules:`, up to the next blank line. */
function rulesByHand(text: string): number {
  const lines = text.split(/\r?\n/);
  const start = lines.findIndex((line) => line.trim() === 'Rules:');
  if (start === -1) return 0;
  let count = 0;
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '') {
      if (count > 0) break;
      continue;
    }
    if (/^[0-9]+\. /.test(line)) count++;
  }
  return count;
}

/** Placeholder filling by plain split/join, as a reference for `renderPrompt` (values here hold no placeholders). */
function fill(text: string, values: Record<string, string>): string {
  let out = text;
  for (const [name, value] of Object.entries(values)) out = out.split(`{{${name}}}`).join(value);
  return out;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const fileText = (name: string): string => readFileSync(join(DEFAULT_PROMPTS_DIR, `${name}.md`), 'utf8');

const CODE = 'function add(a, b) {\n  return a + b;\n}';
const EXAMPLES = 'EXAMPLE-BLOCK: a worked example';
const SEED_TEXT = 'const total = items.reduce((sum, x) => sum + x, 0);';
const OSS_CODE = `// header line only in the full code\n${SEED_TEXT}\n// footer line only in the full code`;

function unitFor(task: GenerateTask): WorkUnit {
  const unit: WorkUnit = { index: 0, key: `${task}:7`, rowId: 7, task, language: 'javascript' };
  if (task === 'translation') unit.targetLanguage = 'go';
  if (task === 'oss-instruct') unit.seed = { text: SEED_TEXT, startLine: 1, lineCount: 1 };
  return unit;
}

const codeOf = (task: GenerateTask): string => (task === 'oss-instruct' ? OSS_CODE : CODE);
const schemaTask = (task: GenerateTask): string => (task === 'oss-instruct' ? 'oss_instruct' : task);
const discriminatorFile = (task: GenerateTask): string => (task === 'oss-instruct' ? 'discriminator-generation' : `discriminator-${task}`);

function userMessage(spec: ChatSpec): string {
  expect(spec.messages.map((m) => m.role)).toEqual(['system', 'user']);
  return spec.messages[1]!.content;
}

interface Props {
  properties: Record<string, { enum?: unknown[]; items?: { properties: Record<string, Record<string, unknown>> } }>;
  required: string[];
}

describe('countRules', () => {
  const files = readdirSync(DEFAULT_PROMPTS_DIR).filter((file) => file.endsWith('.md'));

  it('there are default discriminator prompts to check', () => {
    expect(files.filter((file) => file.startsWith('discriminator-')).length).toBe(4);
  });

  it.each(files)('counts the rules of prompts/%s like a hand count', (file) => {
    const text = readFileSync(join(DEFAULT_PROMPTS_DIR, file), 'utf8');
    const expected = rulesByHand(text);
    if (file.startsWith('discriminator-')) {
      expect(expected).toBeGreaterThan(0);
      // The rules are numbered 1..N in order, so N is also the highest number.
      const numbers = [...text.slice(text.indexOf('Rules:')).matchAll(/^([0-9]+)\. /gm)].map((m) => Number(m[1]));
      expect(numbers.slice(0, expected)).toEqual(Array.from({ length: expected }, (_, i) => i + 1));
    } else {
      expect(expected).toBe(0);
    }
    expect(countRules(text)).toBe(expected);
  });

  it('stops at the first blank line after the rules and ignores numbered lines elsewhere', () => {
    const text = '1. not a rule\n\nRules:\n\n1. a\n2. b\n3. c\n\n4. after the list\nRules follow.\n';
    expect(countRules(text)).toBe(3);
  });

  it('reads CRLF files and returns 0 without a Rules: line', () => {
    expect(countRules('Intro\r\nRules:\r\n1. a\r\n2. b\r\n\r\nReply.\r\n')).toBe(2);
    expect(countRules('1. a\n2. b\n')).toBe(0);
  });
});

describe('generatorSpec', () => {
  it.each(GENERATE_TASKS)('%s: system + user messages, named schema, pinned language, rendered prompt', (task) => {
    const unit = unitFor(task);
    const spec = generatorSpec(unit, codeOf(task), EXAMPLES, prompts, params);
    expect(spec.model).toBe('gen-model');
    expect(spec.temperature).toBe(0.7);
    expect(spec.maxTokens).toBe(1234);
    expect(spec.schemaName).toBe(`tidepool_sample_${schemaTask(task)}`);
    expect(spec.promptVersion).toBe(sha256(fileText(task)));
    expect(spec.messages[0]).toEqual({ role: 'system', content: SYSTEM_MESSAGE });

    const user = userMessage(spec);
    const values: Record<string, string> = { language: 'JavaScript', examples: EXAMPLES };
    if (task === 'oss-instruct') values.seed = SEED_TEXT;
    else values.code = CODE;
    if (task === 'translation') values.target_language = 'Go';
    expect(user).toBe(fill(fileText(task), values));
    expect(user).not.toContain('{{');
    expect(user).toContain(EXAMPLES);
    if (task === 'oss-instruct') {
      expect(user).toContain(SEED_TEXT);
      expect(user).not.toContain('header line only in the full code');
      expect(user).not.toContain('footer line only in the full code');
    } else {
      expect(user).toContain(CODE);
    }

    const schema = spec.schema as unknown as Props;
    expect(schema.properties.language?.enum).toEqual(['JavaScript']);
    expect(schema.required).toEqual(expect.arrayContaining(['instruction', 'input', 'output', 'language']));
    // Tests travel with the samples whose output can be run against them.
    if (['generation', 'repair', 'oss-instruct'].includes(task)) {
      expect(schema.properties.tests).toEqual({ type: 'string' });
      expect(schema.required).toContain('tests');
    } else expect(schema.properties.tests).toBeUndefined();
    if (task === 'translation') {
      expect(schema.properties.targetLanguage?.enum).toEqual(['Go']);
      expect(schema.required).toContain('targetLanguage');
    } else {
      expect(schema.properties.targetLanguage).toBeUndefined();
      expect(schema.required).not.toContain('targetLanguage');
    }
  });

  it('puts code with replacement patterns and braces into the prompt verbatim', () => {
    const code = "s = s.replace(/x/, '$&$1$$');\nconst t = `{{examples}}`; // {{code}}";
    const user = userMessage(generatorSpec(unitFor('generation'), code, '', prompts, params));
    expect(user).toContain(code);
  });

  it('the display name of the language is used, not the id', () => {
    const unit: WorkUnit = { index: 0, key: 'translation:1', rowId: 1, task: 'translation', language: 'c++', targetLanguage: 'csharp' };
    const spec = generatorSpec(unit, 'int main() {}', '', prompts, params);
    const schema = spec.schema as unknown as Props;
    expect(schema.properties.language?.enum).toEqual(['C++']);
    expect(schema.properties.targetLanguage?.enum).toEqual(['C#']);
    const user = userMessage(spec);
    expect(user).toBe(fill(fileText('translation'), { code: 'int main() {}', language: 'C++', target_language: 'C#', examples: '' }));
    expect(user).not.toMatch(/csharp|c\+\+/);
  });
});

describe('discriminatorSpec', () => {
  const sample = (task: GenerateTask): InstructionSample => ({
    task, instruction: 'INSTRUCTION-TEXT in JavaScript', input: 'INPUT-TEXT', output: 'OUTPUT-TEXT', language: 'JavaScript',
    ...(task === 'translation' ? { targetLanguage: 'Go' } : {}),
  });

  it.each(['generation', 'repair', 'oss-instruct'] as const)('%s: shows the tests and the execution result beside the rules', (task) => {
    const withTests = { ...sample(task), tests: 'TESTS-TEXT' };
    const user = userMessage(discriminatorSpec(unitFor(task), codeOf(task), withTests, EXAMPLES, prompts, judgeParams, 'EXECUTION-RESULT'));
    expect(user).toContain('- tests: TESTS-TEXT');
    expect(user).toContain('in a sandbox: EXECUTION-RESULT');
    expect(user.indexOf('EXECUTION-RESULT')).toBeLessThan(user.indexOf('Rules:'));
  });

  it.each(GENERATE_TASKS)('%s: judges with its checklist and a verdict schema over its rules', (task) => {
    const unit = unitFor(task);
    const spec = discriminatorSpec(unit, codeOf(task), sample(task), EXAMPLES, prompts, judgeParams);
    const file = discriminatorFile(task);
    expect(spec.model).toBe('judge-model');
    expect(spec.temperature).toBe(0);
    expect(spec.maxTokens).toBe(321);
    expect(spec.schemaName).toBe(`tidepool_verdict_${schemaTask(task)}`);
    expect(spec.promptVersion).toBe(sha256(fileText(file)));
    expect(spec.messages[0]).toEqual({ role: 'system', content: SYSTEM_MESSAGE });

    const user = userMessage(spec);
    const values: Record<string, string> = {
      code: task === 'oss-instruct' ? SEED_TEXT : CODE, language: 'JavaScript', examples: EXAMPLES,
      instruction: 'INSTRUCTION-TEXT in JavaScript', input: 'INPUT-TEXT', output: 'OUTPUT-TEXT', tests: '', execution: EXECUTION_NOT_RUN,
    };
    if (task === 'translation') values.target_language = 'Go';
    expect(user).toBe(fill(fileText(file), values));
    for (const text of ['INSTRUCTION-TEXT', 'INPUT-TEXT', 'OUTPUT-TEXT', EXAMPLES]) expect(user).toContain(text);
    if (task === 'oss-instruct') expect(user).not.toContain('header line only in the full code');

    const schema = spec.schema as unknown as Props;
    expect(schema.required).toEqual(expect.arrayContaining(['rules', 'verdict']));
    expect(schema.properties.verdict?.enum).toEqual(['accept', 'reject']);
    const rule = schema.properties.rules?.items?.properties.rule;
    expect(rule?.minimum).toBe(1);
    expect(rule?.maximum).toBe(rulesByHand(fileText(file)));
  });
});

describe('retrySpec', () => {
  it('appends the unusable reply and a user turn quoting the error, leaving the rest alone', () => {
    const original = generatorSpec(unitFor('generation'), CODE, EXAMPLES, prompts, params);
    const before = structuredClone(original);
    const retry = retrySpec(original, 'not json at all', 'Expected a JSON object; found prose.');
    expect(original).toEqual(before);
    expect(retry.messages).toHaveLength(4);
    expect(retry.messages.slice(0, 2)).toEqual(original.messages);
    expect(retry.messages[2]).toEqual({ role: 'assistant', content: 'not json at all' });
    expect(retry.messages[3]?.role).toBe('user');
    expect(retry.messages[3]?.content).toContain('Expected a JSON object; found prose.');
    expect({ ...retry, messages: [] }).toEqual({ ...original, messages: [] });
    expect(cacheKey(retry)).not.toBe(cacheKey(original));
  });

  it('quotes at most a bounded excerpt of a huge reply and of a huge error, saying how much was cut', () => {
    const original = generatorSpec(unitFor('generation'), CODE, EXAMPLES, prompts, params);
    const reply = 'x'.repeat(5_000_000);
    const retry = retrySpec(original, reply, `Expected a JSON object; found ${'y'.repeat(1_000_000)}`);
    const limit = replyQuoteLimit(params.maxTokens);
    expect(limit).toBeLessThan(100_000);
    expect(retry.messages[2]!.content.length).toBeLessThan(limit + 100);
    expect(retry.messages[2]!.content).toMatch(new RegExp(`^x{${limit}}… \\(${5_000_000 - limit} more characters cut\\)$`));
    expect(retry.messages[3]!.content.length).toBeLessThan(RETRY_ERROR_CHARS + 200);
    expect(retry.messages[3]!.content).toMatch(/more characters cut\)$/);
    // A reply a model can give within max_tokens is quoted whole.
    const normal = 'z'.repeat(params.maxTokens * 4);
    expect(retrySpec(original, normal, 'e').messages[2]!.content).toBe(normal);
  });
});

describe('ruleTexts', () => {
  it('lists the numbered rule lines of every discriminator prompt, as many as countRules counts', () => {
    for (const name of ['discriminator-generation', 'discriminator-summarization', 'discriminator-translation', 'discriminator-repair'] as const) {
      const texts = ruleTexts(prompts[name].text);
      expect(texts.length, name).toBe(countRules(prompts[name].text));
      expect(texts.every((text) => text.length > 10 && !/^\d/.test(text)), name).toBe(true);
    }
    expect(ruleTexts('Rules:\r\n1. First rule.\r\n2. Second {{language}} rule.\r\n\r\n3. Not a rule')).toEqual(['First rule.', 'Second {{language}} rule.']);
  });
});

describe('cacheKey', () => {
  const message = fc.record({ role: fc.constantFrom<ChatMessage['role']>('system', 'user', 'assistant'), content: fc.string({ maxLength: 40 }) });
  const jsonValue = fc.jsonValue({ maxDepth: 2 });
  const spec: fc.Arbitrary<ChatSpec> = fc.record({
    model: fc.string({ maxLength: 20 }),
    messages: fc.array(message, { maxLength: 4 }),
    temperature: fc.double({ min: 0, max: 2, noNaN: true }),
    maxTokens: fc.nat({ max: 100_000 }),
    schemaName: fc.string({ maxLength: 20 }),
    schema: fc.dictionary(fc.string({ maxLength: 8 }), jsonValue, { maxKeys: 4 }),
    promptVersion: fc.string({ maxLength: 64 }),
  });

  type Change = (s: ChatSpec) => ChatSpec;
  const change: fc.Arbitrary<{ field: string; apply: Change }> = fc.oneof(
    fc.string({ maxLength: 20 }).map((model) => ({ field: 'model', apply: (s: ChatSpec) => ({ ...s, model }) })),
    message.map((extra) => ({ field: 'messages (added)', apply: (s: ChatSpec) => ({ ...s, messages: [...s.messages, extra] }) })),
    fc.string({ minLength: 1, maxLength: 5 }).map((tail) => ({
      field: 'messages (content)',
      apply: (s: ChatSpec) => ({ ...s, messages: s.messages.length === 0 ? [{ role: 'user' as const, content: tail }] : s.messages.map((m, i) => (i === 0 ? { ...m, content: m.content + tail } : m)) }),
    })),
    fc.constant({
      field: 'messages (role)',
      apply: (s: ChatSpec) => ({ ...s, messages: s.messages.length === 0 ? [{ role: 'system' as const, content: '' }] : s.messages.map((m, i) => (i === 0 ? { ...m, role: m.role === 'user' ? ('assistant' as const) : ('user' as const) } : m)) }),
    }),
    fc.double({ min: 0, max: 2, noNaN: true }).map((temperature) => ({ field: 'temperature', apply: (s: ChatSpec) => ({ ...s, temperature }) })),
    fc.nat({ max: 100_000 }).map((maxTokens) => ({ field: 'maxTokens', apply: (s: ChatSpec) => ({ ...s, maxTokens }) })),
    fc.string({ maxLength: 20 }).map((schemaName) => ({ field: 'schemaName', apply: (s: ChatSpec) => ({ ...s, schemaName }) })),
    fc.tuple(fc.string({ maxLength: 8 }), jsonValue).map(([key, value]) => ({ field: 'schema', apply: (s: ChatSpec) => ({ ...s, schema: { ...s.schema, [`k${key}`]: value } }) })),
    fc.string({ maxLength: 64 }).map((promptVersion) => ({ field: 'promptVersion', apply: (s: ChatSpec) => ({ ...s, promptVersion }) })),
  );

  it('is 64 hex characters and the same for an equal request', () => {
    fc.assert(fc.property(spec, (request) => {
      const key = cacheKey(request);
      expect(key).toMatch(/^[0-9a-f]{64}$/);
      expect(cacheKey(structuredClone(request))).toBe(key);
      // Field order of the request object does not matter.
      const reordered: ChatSpec = { promptVersion: request.promptVersion, schema: request.schema, schemaName: request.schemaName, maxTokens: request.maxTokens, temperature: request.temperature, messages: request.messages, model: request.model };
      expect(cacheKey(reordered)).toBe(key);
    }));
  });

  it('changes when any of model, messages, temperature, maxTokens, schema name, schema or prompt version changes', () => {
    fc.assert(fc.property(spec, change, (request, { apply }) => {
      const changed = apply(request);
      // Only changes that make a different request count (e.g. a model replaced by itself does not);
      // -0 and 0 are the same temperature.
      fc.pre(JSON.stringify(changed) !== JSON.stringify(request));
      expect(cacheKey(changed)).not.toBe(cacheKey(request));
    }), { numRuns: 500 });
  });

  it('is the sha256 of the length-prefixed fields, so caches written by earlier versions still hit', () => {
    // The layout written out by hand: "<length>:<text>" for model, message count, each role and content,
    // temperature, maxTokens, schema name, schema JSON and prompt version.
    fc.assert(fc.property(spec, (request) => {
      const texts = [request.model, String(request.messages.length), ...request.messages.flatMap((m) => [m.role, m.content]),
        String(request.temperature), String(request.maxTokens), request.schemaName, JSON.stringify(request.schema), request.promptVersion];
      const reference = createHash('sha256');
      for (const text of texts) reference.update(`${text.length}:`).update(text);
      expect(cacheKey(request)).toBe(reference.digest('hex'));
    }), { numRuns: 200 });
  });

  it('a real generator request keeps its key across calls and differs per task', () => {
    const keys = GENERATE_TASKS.map((task) => cacheKey(generatorSpec(unitFor(task), codeOf(task), EXAMPLES, prompts, params)));
    const again = GENERATE_TASKS.map((task) => cacheKey(generatorSpec(unitFor(task), codeOf(task), EXAMPLES, loadPrompts(), params)));
    expect(again).toEqual(keys);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
