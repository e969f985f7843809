/**
 * Reads a chat request the way the scripted model needs it: which tidepool call it is (generator or
 * discriminator, which task), the language(s), the code, and the discriminator's rules. Pure.
 *
 * The contract with `tidepool generate`: a `json_schema` response format named
 * `tidepool_sample_<task>` / `tidepool_verdict_<task>` whose schema pins `language` (and
 * `targetLanguage`) with a one-value `enum`; without it, the same facts are read from the prompt text.
 */
import type { GenerateTask } from '../../generate/tasks.js';
import type { ChatRequest } from './server.js';

/** One discriminator rule: its number and text, as listed after `Rules:`. */
export interface DiscriminatorRule {
  number: number;
  text: string;
}

/** What a chat request asks of the scripted model. */
export type ScriptedCall =
  | {
      kind: 'generator';
      task: GenerateTask;
      language: string;
      /** Present for translation. */
      targetLanguage: string | undefined;
      /** The last fenced block of the first user message. */
      code: string;
      /** True when the conversation already holds a "Your reply could not be used" turn. */
      retry: boolean;
    }
  | { kind: 'discriminator'; rules: DiscriminatorRule[] }
  /** Not a tidepool prompt: no schema name, no rules and no fenced code. */
  | { kind: 'other' };

/** The phrase opening tidepool's message after an unusable reply. */
export const RETRY_MARKER = 'Your reply could not be used';
const DISCRIMINATOR_MARKER = '{"rules": [';
const SAMPLE_SCHEMA = 'tidepool_sample_';
const VERDICT_SCHEMA = 'tidepool_verdict_';
const TASKS: Readonly<Record<string, GenerateTask>> = {
  generation: 'generation',
  summarization: 'summarization',
  translation: 'translation',
  repair: 'repair',
  oss_instruct: 'oss-instruct',
  'oss-instruct': 'oss-instruct',
};

/** Classifies `request`; see the module comment for the contract it relies on. */
export function readCall(request: ChatRequest): ScriptedCall {
  const messages = request.messages.map((message) => ({ role: message.role, text: contentText(message.content) }));
  const firstUser = messages.findIndex((message) => message.role === 'user');
  const prompt = messages[firstUser]?.text ?? '';
  const schema = schemaOf(request);
  if (schema?.name.startsWith(VERDICT_SCHEMA) === true || (schema?.name.startsWith(SAMPLE_SCHEMA) !== true && prompt.includes(DISCRIMINATOR_MARKER))) {
    return { kind: 'discriminator', rules: rulesOf(prompt) };
  }
  const code = fencedBlocks(prompt).at(-1);
  const task = schema?.name.startsWith(SAMPLE_SCHEMA) === true ? TASKS[schema.name.slice(SAMPLE_SCHEMA.length)] : undefined;
  if (code === undefined && task === undefined) return { kind: 'other' };
  const example = exampleLine(prompt);
  const resolvedTask = task ?? taskFromPrompt(prompt, example);
  const language = enumValue(schema?.schema, 'language') ?? /"language"\s*:\s*"([^"]+)"/.exec(example)?.[1] ?? /(?:piece of|real) ([\w#+.-]+) code/.exec(prompt)?.[1] ?? 'python';
  const targetLanguage = resolvedTask === 'translation' ? (enumValue(schema?.schema, 'targetLanguage') ?? /"targetLanguage"\s*:\s*"([^"]+)"/.exec(example)?.[1] ?? 'javascript') : undefined;
  const retry = messages.some((message, index) => index > firstUser && message.role === 'user' && message.text.includes(RETRY_MARKER));
  return { kind: 'generator', task: resolvedTask, language, targetLanguage, code: code ?? '', retry };
}

/**
 * The contents of the fenced blocks of `text`, in order. Line-based, as in Markdown: a block opens
 * with a line of three or more backticks (and an optional info string) and closes with a line of at
 * least as many backticks, so the longer fences tidepool puts around few-shot examples nest cleanly.
 */
export function fencedBlocks(text: string): string[] {
  const blocks: string[] = [];
  let open: { fence: number; lines: string[] } | undefined;
  for (const line of text.split('\n')) {
    const fence = /^\s*(`{3,})/.exec(line)?.[1]?.length ?? 0;
    if (open === undefined) {
      if (fence > 0 && !line.trim().slice(fence).includes('`')) open = { fence, lines: [] };
    } else if (fence >= open.fence && line.trim() === '`'.repeat(fence)) {
      blocks.push(open.lines.join('\n'));
      open = undefined;
    } else open.lines.push(line);
  }
  return blocks;
}

/** The text of a message's content (a string or text parts). */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part: unknown) => (typeof part === 'object' && part !== null && 'text' in part && typeof part.text === 'string' ? part.text : '')).join('');
}

function schemaOf(request: ChatRequest): { name: string; schema: unknown } | undefined {
  const format = request.response_format;
  if (format?.type !== 'json_schema') return undefined;
  return { name: format.json_schema.name, schema: format.json_schema.schema };
}

/** The first value of `schema.properties[property].enum`, if it is a string. */
function enumValue(schema: unknown, property: string): string | undefined {
  const properties = isRecord(schema) ? schema.properties : undefined;
  const field = isRecord(properties) ? properties[property] : undefined;
  const values = isRecord(field) ? field.enum : undefined;
  const first: unknown = Array.isArray(values) ? values[0] : undefined;
  return typeof first === 'string' ? first : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The JSON example line a tidepool prompt ends with (the last line starting `{` that names `"instruction"`). */
function exampleLine(prompt: string): string {
  return prompt.split('\n').findLast((line) => line.trimStart().startsWith('{') && line.includes('"instruction"')) ?? '';
}

/**
 * The task of a prompt sent without a schema. The default summarization prompt never says "summar",
 * so its example line's "explanation" / "prose" count too.
 */
function taskFromPrompt(prompt: string, example: string): GenerateTask {
  const firstParagraph = prompt.split(/\n\s*\n/)[0] ?? '';
  if (example.includes('"targetLanguage"')) return 'translation';
  if (prompt.includes('Snippet:')) return 'oss-instruct';
  if (/summar/i.test(firstParagraph) || /summar|explanation|prose/i.test(example)) return 'summarization';
  if (/bug/i.test(example)) return 'repair';
  return 'generation';
}

/** The numbered lines after the last `Rules:` line, up to the first line that is neither numbered nor blank. */
function rulesOf(prompt: string): DiscriminatorRule[] {
  const lines = prompt.split('\n');
  const start = lines.findLastIndex((line) => line.trim() === 'Rules:');
  const rules: DiscriminatorRule[] = [];
  if (start === -1) return rules;
  for (const line of lines.slice(start + 1)) {
    const match = /^\s*(\d+)\.\s+(.*)$/.exec(line);
    if (match !== null) rules.push({ number: Number(match[1]), text: match[2]!.trim() });
    else if (line.trim() !== '' || rules.length > 0) break;
  }
  return rules;
}
