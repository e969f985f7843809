/**
 * The chat requests `tidepool generate` sends, as plain data: generator, discriminator and the single
 * retry after an unusable reply, each with a JSON schema for structured output, and the cache key that
 * identifies a request across runs. Pure.
 */
import { createHash } from 'node:crypto';
import { renderPrompt, type Prompt, type PromptName, type PromptSet } from './prompts.js';
import { hasTests, type GenerateTask, type InstructionSample } from './tasks.js';
import { displayLanguage, type WorkUnit } from './units.js';

/** One chat message. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** A chat request before it meets a client. */
export interface ChatSpec {
  model: string;
  messages: ChatMessage[];
  temperature: number;
  maxTokens: number;
  /** `tidepool_sample_<task>` or `tidepool_verdict_<task>`. */
  schemaName: string;
  schema: Record<string, unknown>;
  /** sha256 of the prompt file the user message was rendered from (part of the cache key). */
  promptVersion: string;
}

/** Sampling parameters of one role (generator or discriminator). */
export interface RoleParams {
  model: string;
  temperature: number;
  maxTokens: number;
}

/** @default system message of every request */
export const SYSTEM_MESSAGE = 'You produce training data for code models. Follow the instructions exactly and answer with a single JSON object.';

/** Characters of the problem quoted in the retry turn; longer descriptions are cut. */
export const RETRY_ERROR_CHARS = 2000;

/**
 * Characters of an unusable reply quoted back in the retry: twice what `maxTokens` tokens of about 4
 * characters make, at least 4000. A reply the server should not have sent (far past max_tokens) is
 * cut there rather than sent back whole; replies within it are quoted as they are.
 */
export function replyQuoteLimit(maxTokens: number): number {
  return Math.max(4000, maxTokens * 8);
}

/** `text` cut to `limit` characters, saying how much was cut. */
export function excerpt(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit)}… (${text.length - limit} more characters cut)`;
}

/** Text of the user turn that asks again after an unusable reply. */
export function retryMessage(error: string): string {
  return `Your reply could not be used: ${excerpt(error, RETRY_ERROR_CHARS)}`;
}

/** The prompt file of the generator for `task`. */
export function generatorPromptName(task: GenerateTask): PromptName {
  return task;
}

/** The prompt file of the discriminator for `task` (OSS-Instruct samples are judged as generation samples). */
export function discriminatorPromptName(task: GenerateTask): PromptName {
  return task === 'oss-instruct' ? 'discriminator-generation' : `discriminator-${task}`;
}

/** The generator request of `unit`. `code` is the row's code; `examples` the rendered few-shot block (may be empty). */
export function generatorSpec(unit: WorkUnit, code: string, examples: string, prompts: PromptSet, params: RoleParams): ChatSpec {
  const prompt = prompts[generatorPromptName(unit.task)];
  const values: Record<string, string> = { code, language: displayLanguage(unit.language), examples, seed: unit.seed?.text ?? '' };
  if (unit.targetLanguage !== undefined) values.target_language = displayLanguage(unit.targetLanguage);
  return spec(prompt, renderPrompt(prompt, values), params, `tidepool_sample_${schemaTask(unit.task)}`, sampleSchema(unit));
}

/** What the discriminator prompt's `{{execution}}` says when the sample's tests were not run. */
export const EXECUTION_NOT_RUN = 'not run (execution checks are off for this run)';

/**
 * The discriminator request judging `sample`, made by the generator for `unit`.
 * @param execution the text of the sample's execution result ({@link EXECUTION_NOT_RUN} when its tests were not run)
 */
export function discriminatorSpec(unit: WorkUnit, code: string, sample: InstructionSample, examples: string, prompts: PromptSet, params: RoleParams, execution: string = EXECUTION_NOT_RUN): ChatSpec {
  const prompt = prompts[discriminatorPromptName(unit.task)];
  const values: Record<string, string> = {
    code: unit.seed?.text ?? code, language: displayLanguage(unit.language), examples,
    instruction: sample.instruction, input: sample.input, output: sample.output, tests: sample.tests ?? '', execution,
  };
  if (unit.targetLanguage !== undefined) values.target_language = displayLanguage(unit.targetLanguage);
  return spec(prompt, renderPrompt(prompt, values), params, `tidepool_verdict_${schemaTask(unit.task)}`, verdictSchema(countRules(prompt.text)));
}

/** `original` followed by the unusable reply (at most {@link replyQuoteLimit} characters of it) and a user turn quoting `error`: the one retry. */
export function retrySpec(original: ChatSpec, reply: string, error: string): ChatSpec {
  const quoted = excerpt(reply, replyQuoteLimit(original.maxTokens));
  return { ...original, messages: [...original.messages, { role: 'assistant', content: quoted }, { role: 'user', content: retryMessage(error) }] };
}

/**
 * Identity of a request across runs: sha256 over the model, every message, the sampling parameters,
 * the schema and the prompt file's version. The transport (structured output or not) is not part of it.
 */
export function cacheKey(request: ChatSpec): string {
  // Length-prefixed fields fed to the hash one by one (no JSON of the whole request: this runs for
  // every request, and the schema's text is computed once per schema object).
  const hash = createHash('sha256');
  const field = (text: string): void => {
    hash.update(`${text.length}:`).update(text);
  };
  field(request.model);
  field(String(request.messages.length));
  for (const message of request.messages) {
    field(message.role);
    field(message.content);
  }
  field(String(request.temperature));
  field(String(request.maxTokens));
  field(request.schemaName);
  field(schemaText(request.schema));
  field(request.promptVersion);
  return hash.digest('hex');
}

const schemaTexts = new WeakMap<object, string>();
function schemaText(schema: Record<string, unknown>): string {
  let text = schemaTexts.get(schema);
  if (text === undefined) schemaTexts.set(schema, (text = JSON.stringify(schema)));
  return text;
}

const ruleCounts = new Map<string, number>();

/** Numbered rule lines (`N. ...`) after the `Rules:` line of a discriminator prompt file (counted once per text). */
export function countRules(promptText: string): number {
  let count = ruleCounts.get(promptText);
  if (count === undefined) ruleCounts.set(promptText, (count = scanRules(promptText)));
  return count;
}

function scanRules(promptText: string): number {
  return ruleTexts(promptText).length;
}

/** The text of each numbered rule line after the `Rules:` line of a discriminator prompt file, in order (placeholders as written). */
export function ruleTexts(promptText: string): string[] {
  const start = promptText.search(/^Rules:\s*$/m);
  if (start === -1) return [];
  const texts: string[] = [];
  for (const line of promptText.slice(start).split(/\r?\n/).slice(1)) {
    const rule = /^\d+\.\s+(.*)$/.exec(line);
    if (rule !== null) texts.push(rule[1]!.trim());
    else if (texts.length > 0 && line.trim() === '') break;
  }
  return texts;
}

function spec(prompt: Prompt, text: string, params: RoleParams, schemaName: string, schema: Record<string, unknown>): ChatSpec {
  return {
    model: params.model, temperature: params.temperature, maxTokens: params.maxTokens, schemaName, schema, promptVersion: prompt.version,
    messages: [{ role: 'system', content: SYSTEM_MESSAGE }, { role: 'user', content: text }],
  };
}

function schemaTask(task: GenerateTask): string {
  return task.replace('-', '_');
}

const sampleSchemas = new Map<string, Record<string, unknown>>();
const verdictSchemas = new Map<number, Record<string, unknown>>();

/** JSON schema of a sample of `unit`'s task, pinning the languages, with `tests` where the task has them (one object per language pair and shape). */
function sampleSchema(unit: WorkUnit): Record<string, unknown> {
  const id = `${unit.language}\u0000${unit.targetLanguage ?? ''}\u0000${hasTests(unit.task)}`;
  let schema = sampleSchemas.get(id);
  if (schema === undefined) sampleSchemas.set(id, (schema = buildSampleSchema(unit)));
  return schema;
}

function buildSampleSchema(unit: WorkUnit): Record<string, unknown> {
  const properties: Record<string, unknown> = {
    instruction: { type: 'string' },
    input: { type: 'string' },
    output: { type: 'string' },
    language: { type: 'string', enum: [displayLanguage(unit.language)] },
  };
  if (hasTests(unit.task)) properties.tests = { type: 'string' };
  if (unit.targetLanguage !== undefined) properties.targetLanguage = { type: 'string', enum: [displayLanguage(unit.targetLanguage)] };
  return { type: 'object', properties, required: Object.keys(properties), additionalProperties: false };
}

/** JSON schema of a verdict over `rules` numbered rules (one object per rule count). */
function verdictSchema(rules: number): Record<string, unknown> {
  let schema = verdictSchemas.get(rules);
  if (schema === undefined) verdictSchemas.set(rules, (schema = buildVerdictSchema(rules)));
  return schema;
}

function buildVerdictSchema(rules: number): Record<string, unknown> {
  const rule = {
    type: 'object',
    properties: { rule: { type: 'integer', minimum: 1, maximum: Math.max(1, rules) }, answer: { type: 'string', enum: ['yes', 'no'] }, reason: { type: 'string' } },
    required: ['rule', 'answer', 'reason'],
    additionalProperties: false,
  };
  return {
    type: 'object',
    properties: { rules: { type: 'array', items: rule }, verdict: { type: 'string', enum: ['accept', 'reject'] } },
    required: ['rules', 'verdict'],
    additionalProperties: false,
  };
}
