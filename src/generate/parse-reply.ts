/**
 * Robust reading of an LLM reply that should hold one JSON object: a bare object, one in a fenced
 * block, or one surrounded by prose. Failures come back as data with a message meant to be sent back
 * to the model on the single retry ("Expected a JSON object with fields ...; found ...").
 */
import { hasTests, requiredFields, type GenerateTask, type InstructionSample } from './tasks.js';

/** A parsed reply, or why it could not be parsed. */
export type ParseResult = { ok: true; value: Record<string, unknown> } | { ok: false; error: string };

/** One problem with one field of a parsed sample. */
export interface FieldProblem {
  field: string;
  problem: string;
}

/** A valid sample, or every field-level problem found. */
export type ValidationResult = { ok: true; sample: InstructionSample } | { ok: false; problems: FieldProblem[] };

const FENCE = /```[ \t]*([A-Za-z0-9_-]*)[^\n]*\n([\s\S]*?)```/g;
const SNIPPET_CHARS = 80;

/**
 * Extracts the first JSON object from `reply`. Tries, in order: the whole reply; each fenced block
 * (```json first, then other fences); then each balanced top-level `{...}` in the text (braces inside
 * JSON strings and escapes are respected). A top-level array is rejected, not searched.
 * @param fields names the fields expected, for the error message.
 */
export function parseReply(reply: string | null | undefined, fields: readonly string[]): ParseResult {
  const expected = `Expected a JSON object with fields ${fields.join(', ')}`;
  const fail = (found: string): ParseResult => ({ ok: false, error: `${expected}; found ${found}. Reply with only that JSON object.` });
  const text = reply?.trim() ?? '';
  if (text === '') return fail('an empty reply');
  const whole = tryParse(text);
  if (whole.parsed) {
    if (isObject(whole.value)) return { ok: true, value: whole.value };
    return fail(Array.isArray(whole.value) ? 'a JSON array instead of a single object' : `a JSON ${whole.value === null ? 'null' : typeof whole.value}`);
  }
  const fenced = [...text.matchAll(FENCE)].sort((a, b) => Number(b[1] === 'json') - Number(a[1] === 'json'));
  for (const match of fenced) {
    const block = tryParse(match[2]!.trim());
    if (block.parsed && isObject(block.value)) return { ok: true, value: block.value };
  }
  let firstError: string | undefined;
  let truncated = false;
  // After a balanced candidate fails, the search resumes past its end: an object nested in broken
  // JSON is not the reply's answer.
  for (let from = text.indexOf('{'), end = -1; from !== -1; from = text.indexOf('{', end + 1)) {
    end = balancedEnd(text, from);
    if (end === -1) {
      truncated = true;
      break;
    }
    const candidate = tryParse(text.slice(from, end + 1));
    if (candidate.parsed && isObject(candidate.value)) return { ok: true, value: candidate.value };
    firstError ??= candidate.parsed ? undefined : candidate.error;
  }
  if (firstError !== undefined) return fail(`invalid JSON (${firstError}) in ${snippet(text)}`);
  if (truncated) return fail(`an unterminated JSON object (the reply may have been cut off): ${snippet(text)}`);
  return fail(`no JSON object in ${snippet(text)}`);
}

/**
 * Checks a parsed object against the sample shape of `task` (see `tasks.ts`): required string fields
 * non-empty, `input` a string when present, `targetLanguage` different from `language` for
 * translation; `tests` a string when present (tasks with tests; an absent one reads as empty).
 * Extra fields are ignored; the sample's `task` is always the argument.
 */
export function validateSample(value: Record<string, unknown>, task: GenerateTask): ValidationResult {
  const problems: FieldProblem[] = [];
  const required = requiredFields(task);
  const read = (field: keyof InstructionSample): string => {
    const raw = value[field];
    if (raw === undefined && !required.includes(field)) return '';
    if (typeof raw !== 'string') {
      problems.push({ field, problem: `expected a string, found ${raw === undefined ? 'nothing' : raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw}` });
      return '';
    }
    if (required.includes(field) && raw.trim() === '') problems.push({ field, problem: 'expected a non-empty string, found an empty one' });
    return raw;
  };
  const sample: InstructionSample = { task, instruction: read('instruction'), input: read('input'), output: read('output'), language: read('language') };
  // Tests are asked for, but a reply without them is still a sample: its execution is `skipped` (no tests).
  if (hasTests(task)) {
    // A list of assert lines is read as those lines: the meaning is plain, and a retry would cost a request.
    const tests = value.tests;
    sample.tests = Array.isArray(tests) && tests.every((line) => typeof line === 'string') ? tests.join('\n') : read('tests');
  }
  if (task === 'translation') {
    sample.targetLanguage = read('targetLanguage');
    if (sample.targetLanguage.trim() !== '' && sample.targetLanguage.trim().toLowerCase() === sample.language.trim().toLowerCase()) {
      problems.push({ field: 'targetLanguage', problem: `expected a language other than language (${sample.language}), found the same` });
    }
  }
  return problems.length === 0 ? { ok: true, sample } : { ok: false, problems };
}

/** One line per problem, for a log or a retry message. */
export function describeProblems(problems: readonly FieldProblem[]): string {
  return problems.map((p) => `${p.field}: ${p.problem}`).join('; ');
}

function tryParse(text: string): { parsed: true; value: unknown } | { parsed: false; error: string } {
  try {
    return { parsed: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { parsed: false, error: error instanceof Error ? error.message : String(error) };
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Index of the `}` closing the `{` at `start`, skipping JSON strings; -1 when the text ends first. */
function balancedEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{') depth++;
    else if (ch === '}' && --depth === 0) return i;
  }
  return -1;
}

function snippet(text: string): string {
  return text.length <= SNIPPET_CHARS ? JSON.stringify(text) : `${JSON.stringify(text.slice(0, SNIPPET_CHARS))}... (${text.length} characters)`;
}
