/** The scripted model behind the llm-sim server, driven by the real `openai` client with requests shaped like tidepool generate's. */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasErrorCode } from '../../../src/errors.js';
import { parseReply, validateSample } from '../../../src/generate/parse-reply.js';
import { precheck } from '../../../src/generate/prechecks.js';
import { loadPrompts, renderPrompt, type PromptName } from '../../../src/generate/prompts.js';
import { EXECUTION_NOT_RUN } from '../../../src/generate/requests.js';
import type { GenerateTask, InstructionSample } from '../../../src/generate/tasks.js';
import { fencedBlocks } from '../../../src/devkit/llm-sim/request.js';
import { NOT_A_TIDEPOOL_PROMPT, resolveScriptedModelOptions, scriptedModel, type ScriptedModelOptions } from '../../../src/devkit/llm-sim/scripted-model.js';
import { startLlmServer, type LlmServer } from '../../../src/devkit/llm-sim/server.js';

const TASKS: readonly GenerateTask[] = ['generation', 'summarization', 'translation', 'repair', 'oss-instruct'];
const prompts = loadPrompts();
const SYSTEM = 'You produce training data for code models. Follow the instructions exactly and answer with a single JSON object.';
/** A few-shot block with its own (longer) fences, as tidepool renders examples before the code. */
const EXAMPLES = ['Example of an accepted sample:', 'Language: Python', 'Instruction:', '```', 'Write a Python function `twice` that doubles a number.', '```', 'Output:', '````', 'def twice(x):', '    return 2 * x', '````'].join('\n');

const VERBS = ['parse', 'count', 'merge', 'filter', 'load', 'render', 'split', 'check'];
const NOUNS = ['rows', 'tokens', 'users', 'paths', 'events', 'items', 'headers', 'scores', 'chunks', 'orders'];
const snake = (i: number): string => `${VERBS[i % VERBS.length]!}_${NOUNS[Math.floor(i / VERBS.length) % NOUNS.length]!}_${i}`;
const camel = (i: number): string => snake(i).replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

/** Distinct, well-formed functions in six languages (independent of the code under test). */
const CODE: readonly ((i: number) => { language: string; code: string })[] = [
  (i) => ({ language: 'Python', code: [`def ${snake(i)}(items, limit):`, `    """Keep the short items."""`, '    result = []', '    for item in items:', '        if len(item) < limit:', '            result.append(item)', '    return result'].join('\n') }),
  (i) => ({ language: 'JavaScript', code: [`function ${camel(i)}(values, threshold) {`, '  const kept = [];', '  for (const value of values) {', '    if (value > threshold) {', `      kept.push(value * ${i});`, '    }', '  }', '  return kept;', '}'].join('\n') }),
  (i) => ({ language: 'Go', code: [`func ${camel(i)}(xs []int, bound int) int {`, '\ttotal := 0', '\tfor i := 0; i < len(xs); i++ {', '\t\tif xs[i] != bound {', '\t\t\ttotal += xs[i]', '\t\t}', '\t}', '\treturn total', '}'].join('\n') }),
  (i) => ({ language: 'Java', code: [`public static int ${camel(i)}(int[] data, int key) {`, '    for (int i = 0; i < data.length; i++) {', '        if (data[i] == key) {', '            return i;', '        }', '    }', `    return -${i};`, '}'].join('\n') }),
  (i) => ({ language: 'Ruby', code: [`def ${snake(i)}(records, name)`, '  records.select { |record| record[:name] == name }', `    .first(${i})`, 'end'].join('\n') }),
  (i) => ({ language: 'PHP', code: [`function ${camel(i)}(array $rows, string $key): array`, '{', '    $out = [];', '    foreach ($rows as $row) {', '        if (isset($row[$key])) {', '            $out[] = $row[$key];', '        }', '    }', '    return $out;', '}'].join('\n') }),
];
const codeFor = (i: number): { language: string; code: string } => CODE[i % CODE.length]!(i);
const TARGETS = ['Rust', 'TypeScript', 'Python', 'Go', 'Java', 'C++', 'Kotlin'];
const targetFor = (i: number, language: string): string => TARGETS.filter((target) => target !== language)[i % (TARGETS.length - 1)]!;

interface Case {
  task: GenerateTask;
  language: string;
  targetLanguage?: string;
  code: string;
}

function caseFor(task: GenerateTask, i: number): Case {
  const { language, code } = codeFor(i);
  return task === 'translation' ? { task, language, targetLanguage: targetFor(i, language), code } : { task, language, code };
}

type Format = 'json_schema' | 'json_object' | 'none';
type Messages = OpenAI.ChatCompletionMessageParam[];

function generatorRequest(c: Case): { messages: Messages; schemaName: string; schema: Record<string, unknown> } {
  const values: Record<string, string> = { code: c.code, seed: c.code, language: c.language, examples: EXAMPLES, ...(c.targetLanguage === undefined ? {} : { target_language: c.targetLanguage }) };
  const properties: Record<string, unknown> = { instruction: { type: 'string' }, input: { type: 'string' }, output: { type: 'string' }, language: { type: 'string', enum: [c.language] } };
  if (c.targetLanguage !== undefined) properties.targetLanguage = { type: 'string', enum: [c.targetLanguage] };
  return {
    messages: [{ role: 'system', content: SYSTEM }, { role: 'user', content: renderPrompt(prompts[c.task], values) }],
    schemaName: `tidepool_sample_${c.task.replace('-', '_')}`,
    schema: { type: 'object', properties, required: Object.keys(properties), additionalProperties: false },
  };
}

function discriminatorRequest(c: Case, sample: InstructionSample): { messages: Messages; schemaName: string; schema: Record<string, unknown> } {
  const name: PromptName = c.task === 'oss-instruct' ? 'discriminator-generation' : `discriminator-${c.task}`;
  const values: Record<string, string> = { code: c.code, language: c.language, examples: EXAMPLES, instruction: sample.instruction, input: sample.input, output: sample.output, tests: sample.tests ?? '', execution: EXECUTION_NOT_RUN, ...(c.targetLanguage === undefined ? {} : { target_language: c.targetLanguage }) };
  return { messages: [{ role: 'system', content: SYSTEM }, { role: 'user', content: renderPrompt(prompts[name], values) }], schemaName: `tidepool_verdict_${c.task.replace('-', '_')}`, schema: { type: 'object' } };
}

let server: LlmServer;
let openai: OpenAI;

/** Restarts the server with `options` for the tests of one describe block. */
function withModel(options: ScriptedModelOptions = {}): void {
  beforeAll(async () => {
    server = await startLlmServer({ respond: scriptedModel(options), recordRequests: false });
    openai = new OpenAI({ baseURL: server.baseURL, apiKey: 'x', maxRetries: 0, timeout: 10_000 });
  });
  afterAll(async () => server.close());
}

async function chat(request: { messages: Messages; schemaName: string; schema: Record<string, unknown> }, format: Format = 'json_schema'): Promise<string> {
  const responseFormat: Partial<OpenAI.ChatCompletionCreateParamsNonStreaming> =
    format === 'json_schema' ? { response_format: { type: 'json_schema', json_schema: { name: request.schemaName, strict: true, schema: request.schema } } }
    : format === 'json_object' ? { response_format: { type: 'json_object' } }
    : {};
  const completion = await openai.chat.completions.create({ model: 'scripted', messages: request.messages, temperature: 0.7, ...responseFormat });
  return completion.choices[0]?.message.content ?? '';
}

const FIELDS = ['instruction', 'input', 'output', 'language'];
const TESTED: readonly string[] = ['generation', 'repair', 'oss-instruct'];

/** A generator call as tidepool makes it: parse, and on an unusable reply one retry turn quoting the error. */
async function generate(c: Case, format: Format = 'json_schema'): Promise<{ sample: InstructionSample; retried: boolean; first: string }> {
  const request = generatorRequest(c);
  const first = await chat(request, format);
  let parsed = parseReply(first, FIELDS);
  let retried = false;
  if (!parsed.ok) {
    retried = true;
    const retry = { ...request, messages: [...request.messages, { role: 'assistant' as const, content: first }, { role: 'user' as const, content: `Your reply could not be used: ${parsed.error}` }] };
    parsed = parseReply(await chat(retry, format), FIELDS);
  }
  if (!parsed.ok) throw new Error(`unusable reply after the retry: ${parsed.error}`);
  const validated = validateSample(parsed.value, c.task);
  if (!validated.ok) throw new Error(`invalid ${c.task} sample: ${JSON.stringify(validated.problems)}`);
  return { sample: validated.sample, retried, first };
}

const range = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => from + i);

/** `count` of `n` hash-chosen calls is within 3.5 binomial standard deviations of `rate`. */
function expectRate(count: number, n: number, rate: number): void {
  const slack = 3.5 * Math.sqrt(n * rate * (1 - rate));
  expect(count).toBeGreaterThanOrEqual(n * rate - slack);
  expect(count).toBeLessThanOrEqual(n * rate + slack);
}

describe('scripted model: every task, default rates', () => {
  withModel();

  it.each(TASKS)('%s: every reply parses and validates (unparseable ones on the retry turn), in the requested languages', async (task) => {
    const results = await Promise.all(range(40).map(async (i) => ({ c: caseFor(task, i), ...(await generate(caseFor(task, i))) })));
    for (const { c, sample } of results) {
      expect(sample.language).toBe(c.language);
      expect(sample.targetLanguage).toBe(c.targetLanguage);
      expect(sample.instruction.split(/\s+/).length).toBeGreaterThanOrEqual(8);
    }
    expect(results.filter((result) => result.retried).length).toBeLessThan(10);
  });

  it('generation: the output is the code (the last fenced block, not the few-shot examples) and the instruction names the language and function', async () => {
    for (const i of range(6)) {
      const c = caseFor('generation', i);
      const { sample, retried } = await generate(c);
      if (retried || !precheck(sample, 'generation').passed) continue;
      expect(sample.output).toBe(c.code);
      expect(sample.input).toBe('');
      expect(sample.instruction).toContain(c.language);
      expect([snake(i), camel(i)].some((name) => sample.instruction.includes(`\`${name}\``))).toBe(true);
    }
  });

  it('summarization: prose naming the code identifiers, two or three sentences, no code', async () => {
    const c = caseFor('summarization', 0);
    const { sample } = await generate(c);
    expect(sample.input).toBe(c.code);
    expect(sample.output).toContain('`items`');
    expect(sample.output).toContain('`limit`');
    expect(sample.output).toContain(snake(0));
    expect(sample.output).not.toMatch(/```|def |return /);
    expect(sample.output.split(/(?<=\.)\s+/).length).toBeGreaterThanOrEqual(2);
  });

  it('repair: the input is the code with one injected change, the output the original code', async () => {
    for (const i of range(24)) {
      const c = caseFor('repair', i);
      const { sample } = await generate(c);
      expect(sample.output.startsWith(c.code)).toBe(true);
      expect(sample.input).not.toBe(sample.output);
      const changedLines = sample.input.split('\n').filter((line, n) => line !== c.code.split('\n')[n]);
      expect(changedLines.length).toBe(1);
      expect(sample.instruction).toMatch(/fix/i);
    }
  });

  it('translation: instruction names both languages, input is the code, output a short function in the target language', async () => {
    const c = caseFor('translation', 0);
    const { sample } = await generate(c);
    expect(c.targetLanguage).toBe('Rust');
    expect(sample.instruction).toContain('Python');
    expect(sample.instruction).toContain('Rust');
    expect(sample.input).toBe(c.code);
    expect(sample.output).toMatch(/^fn parse_rows_0\b/);
  });

  it('the same request gets the same reply; different codes get different replies', async () => {
    const requests = range(5).map((i) => generatorRequest(caseFor('repair', i)));
    const first = await Promise.all(requests.map((request) => chat(request)));
    const second = await Promise.all(requests.map((request) => chat(request)));
    expect(second).toEqual(first);
    expect(new Set(first).size).toBe(first.length);
  });

  it('discriminator replies answer every rule number once, with a verdict that matches the answers', async () => {
    const verdicts = await Promise.all(
      TASKS.flatMap((task) => range(12).map(async (i) => {
        const c = caseFor(task, i);
        const { sample } = await generate(c);
        const request = discriminatorRequest(c, sample);
        const prompt = request.messages[1]!.content;
        const expectedRules = (/Rules:\n([\s\S]*?)\n\n/.exec(typeof prompt === 'string' ? prompt : '')?.[1] ?? '').split('\n').length;
        return { reply: JSON.parse(await chat(request)) as { rules: { rule: number; answer: string; reason: string }[]; verdict: string }, expectedRules, task };
      })),
    );
    for (const { reply, expectedRules, task } of verdicts) {
      // Tasks whose samples carry tests have a seventh rule about them.
      expect(expectedRules).toBe(TESTED.includes(task) ? 7 : 6);
      expect(reply.rules.map((rule) => rule.rule)).toEqual(range(expectedRules, 1));
      const noes = reply.rules.filter((rule) => rule.answer === 'no');
      expect(noes.length).toBeLessThanOrEqual(1);
      expect(reply.verdict).toBe(noes.length === 0 ? 'accept' : 'reject');
      for (const rule of reply.rules) expect(rule.reason).toMatch(/^[A-Z].*\.$/);
    }
  });

  it('without response_format (or with json_object) the call is recognised from the prompt text', async () => {
    for (const format of ['none', 'json_object'] as const) {
      for (const task of TASKS) {
        const c = caseFor(task, 7);
        const { sample } = await generate(c, format);
        expect(sample.language).toBe(c.language);
        expect(sample.targetLanguage).toBe(c.targetLanguage);
        const withSchema = await generate(c);
        expect(sample.output, `${format} ${task}`).toBe(withSchema.sample.output);
        const verdict = JSON.parse(await chat(discriminatorRequest(c, sample), format)) as { rules: { rule: number }[] };
        expect(verdict.rules.map((rule) => rule.rule)).toEqual(range(TESTED.includes(task) ? 7 : 6, 1));
      }
    }
  });

  it('a request that is not a tidepool prompt gets a plain note saying this is a scripted stand-in', async () => {
    expect(await chat({ messages: [{ role: 'user', content: 'Hello, who are you?' }], schemaName: 'x', schema: {} }, 'none')).toBe(NOT_A_TIDEPOOL_PROMPT);
  });
});

describe('scripted model: deliberate defects at the configured rates', () => {
  withModel({ defectRate: 0.1, unparseableRate: 0.05, rejectRate: 0.15 });

  it('over 200 distinct codes per task, ~5% of first replies hold no JSON and ~10% of samples fail a precheck', async () => {
    const results = await Promise.all(TASKS.flatMap((task) => range(200).map(async (i) => ({ task, ...(await generate(caseFor(task, i))) }))));
    const unparseable = results.filter((result) => result.retried);
    const failed = results.filter((result) => !precheck(result.sample, result.task).passed);
    expect(results).toHaveLength(1000);
    expectRate(unparseable.length, 1000, 0.05);
    for (const { first } of unparseable) expect(first).not.toContain('{');
    expectRate(failed.length, 1000, 0.1);
    for (const task of TASKS) expect(failed.filter((result) => result.task === task).length, task).toBeGreaterThan(5);
    // Retry turns are always clean, so no sample both needed a retry and fails a precheck.
    expect(failed.filter((result) => result.retried)).toEqual([]);
    const codes = new Set(failed.flatMap((result) => precheck(result.sample, result.task).reasons.map((reason) => reason.code)));
    expect([...codes].sort()).toEqual(expect.arrayContaining(['language_not_named', 'placeholder']));
  });

  it('~15% of discriminator calls reject with one rule answered no', async () => {
    const verdicts = await Promise.all(range(200).map(async (i) => {
      const c = caseFor('generation', i);
      const sample: InstructionSample = { task: 'generation', instruction: `Write a ${c.language} function for case ${i}.`, input: '', output: c.code, language: c.language };
      return JSON.parse(await chat(discriminatorRequest(c, sample))) as { verdict: string; rules: { answer: string; reason: string }[] };
    }));
    const rejected = verdicts.filter((verdict) => verdict.verdict === 'reject');
    expectRate(rejected.length, 200, 0.15);
    for (const verdict of rejected) expect(verdict.rules.filter((rule) => rule.answer === 'no')).toHaveLength(1);
  });
});

describe('scripted model: rates at the extremes', () => {
  withModel({ defectRate: 0, unparseableRate: 0, rejectRate: 0 });

  it('with every rate 0, every sample of every task passes the prechecks on the first turn and every verdict accepts', async () => {
    const results = await Promise.all(TASKS.flatMap((task) => range(60).map(async (i) => ({ task, c: caseFor(task, i), ...(await generate(caseFor(task, i))) }))));
    for (const { task, sample, retried } of results) {
      expect(retried).toBe(false);
      expect(precheck(sample, task), `${task}: ${JSON.stringify(sample)}`).toEqual({ passed: true, reasons: [] });
    }
    const verdict = JSON.parse(await chat(discriminatorRequest(results[0]!.c, results[0]!.sample))) as { verdict: string };
    expect(verdict.verdict).toBe('accept');
  });
});

describe('scripted model: options and latency', () => {
  it('invalid options are one E_USAGE error naming every bad field', () => {
    let error: unknown;
    try {
      resolveScriptedModelOptions({ latencyMs: -1, rejectRate: 2, defectRate: 0.7, unparseableRate: 0.6 });
    } catch (thrown) {
      error = thrown;
    }
    expect(hasErrorCode(error, 'E_USAGE')).toBe(true);
    const message = (error as Error).message;
    for (const field of ['options.latencyMs', 'options.rejectRate', 'options.defectRate + options.unparseableRate']) expect(message).toContain(field);
    expect(resolveScriptedModelOptions({})).toEqual({ latencyMs: 0, defectRate: 0.1, unparseableRate: 0.05, rejectRate: 0.15, wrongTestRate: 0 });
  });

  it('latencyMs delays every reply', async () => {
    const slow = await startLlmServer({ respond: scriptedModel({ latencyMs: 120 }) });
    try {
      const client = new OpenAI({ baseURL: slow.baseURL, apiKey: 'x', maxRetries: 0 });
      const started = performance.now();
      await client.chat.completions.create({ model: 'scripted', messages: generatorRequest(caseFor('generation', 1)).messages });
      expect(performance.now() - started).toBeGreaterThanOrEqual(110);
    } finally {
      await slow.close();
    }
  });

  it('fencedBlocks pairs fences by length, so a longer example fence does not swallow the code block', () => {
    expect(fencedBlocks(['````', 'a', '```', 'b', '````', 'text', '```python', 'code', '```'].join('\n'))).toEqual(['a\n```\nb', 'code']);
  });
});
