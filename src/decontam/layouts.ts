/**
 * Benchmark layouts: which fields a HumanEval, MBPP, DS-1000, APPS or LiveCodeBench line has, and what
 * each detector checks of an item. Pure: a parsed line in, a {@link BenchmarkItem} out.
 *
 * | layout | id | exact pieces | code units (n-grams) | embedded text |
 * | --- | --- | --- | --- | --- |
 * | humaneval | task_id | prompt, canonical_solution, test | prompt + canonical_solution | prompt + canonical_solution |
 * | mbpp | task_id | text, code, test_list (joined) | code | text + code |
 * | ds1000 | metadata.problem_id (else line index) | prompt, reference_code | reference_code | prompt + reference_code |
 * | apps | problem_id | question, each solution | each solution | question + first solution |
 * | livecodebench | question_id | question_content, starter_code | starter_code | question_content + starter_code |
 */
import { TidepoolError } from '../errors.js';

/** A benchmark layout tidepool reads. */
export type BenchmarkLayout = 'humaneval' | 'mbpp' | 'ds1000' | 'apps' | 'livecodebench';

/** How a layout is recognised: the fields a line must have. Checked in this order. */
export const LAYOUTS: readonly { layout: BenchmarkLayout; fields: readonly string[] }[] = [
  { layout: 'humaneval', fields: ['task_id', 'prompt', 'canonical_solution'] },
  { layout: 'mbpp', fields: ['task_id', 'text', 'code', 'test_list'] },
  { layout: 'ds1000', fields: ['prompt', 'reference_code'] },
  { layout: 'apps', fields: ['problem_id', 'question', 'solutions'] },
  { layout: 'livecodebench', fields: ['question_id', 'question_content'] },
];

/** One benchmark problem, as the detectors see it. */
export interface BenchmarkItem {
  /** `<file stem>/<task id>`: how `removed.jsonl` names it. */
  id: string;
  /** The file stem. */
  benchmark: string;
  /** 1-based line in its file. */
  line: number;
  /** Texts matched by the exact-substring detector (problem text and code). */
  exactPieces: string[];
  /** Code units matched by the n-gram detector. */
  codeUnits: string[];
  /** The text embedded for the embedding detector. */
  embedText: string;
}

/** Where a line came from, and how many APPS solutions to keep. */
export interface ItemContext {
  benchmark: string;
  path: string;
  line: number;
  /** APPS: solutions kept per problem (0: all). */
  maxSolutions: number;
}

/** The layout whose fields `fields` has, or undefined. */
export function detectLayout(fields: readonly string[]): BenchmarkLayout | undefined {
  const present = new Set(fields);
  return LAYOUTS.find((candidate) => candidate.fields.every((field) => present.has(field)))?.layout;
}

/** The error for a line that fits no layout: the fields found and the layouts known. */
export function unknownLayoutError(path: string, line: number, fields: readonly string[]): TidepoolError {
  const known = LAYOUTS.map((l) => `${l.layout} (${l.fields.join(', ')})`).join('; ');
  return new TidepoolError(
    'E_FORMAT_UNKNOWN',
    `${path}:${line}: unknown benchmark layout: found fields [${fields.join(', ')}]. Known layouts and the fields they need: ${known}. Rename the fields to one of these layouts, or convert the file.`,
    { path, line, fields: [...fields] },
  );
}

function badRecord(context: ItemContext, problem: string): TidepoolError {
  return new TidepoolError('E_BAD_RECORD', `${context.path}:${context.line}: ${problem}. Fix or remove that line of the benchmark file.`, { path: context.path, line: context.line });
}

function text(record: Record<string, unknown>, field: string, context: ItemContext, required = true): string {
  const value = record[field];
  if (value === undefined || value === null) {
    if (required) throw badRecord(context, `missing field "${field}"`);
    return '';
  }
  if (typeof value !== 'string') throw badRecord(context, `field "${field}" must be a string, found ${Array.isArray(value) ? 'an array' : typeof value}`);
  return value;
}

function taskId(record: Record<string, unknown>, field: string, context: ItemContext): string {
  const value = record[field];
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw badRecord(context, `field "${field}" must be a non-empty string or a number, found ${value === undefined ? 'nothing' : JSON.stringify(value)}`);
}

/** MBPP's `test_list`: an array of assert lines (a plain string is taken as it is). */
function testList(record: Record<string, unknown>, context: ItemContext): string {
  const value = record.test_list;
  if (typeof value === 'string') return value;
  if (!Array.isArray(value) || !value.every((line) => typeof line === 'string')) throw badRecord(context, 'field "test_list" must be an array of strings');
  return value.join('\n');
}

/** APPS' `solutions`: a JSON-encoded list of strings (an empty string means none); an array is taken as it is. */
function solutions(record: Record<string, unknown>, context: ItemContext): string[] {
  let value = record.solutions;
  if (value === '' || value === null || value === undefined) return [];
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch (error) {
      throw badRecord(context, `field "solutions" is not a JSON-encoded list (${(error as Error).message})`);
    }
  }
  if (!Array.isArray(value) || !value.every((s) => typeof s === 'string')) throw badRecord(context, 'field "solutions" must be a JSON-encoded list of strings');
  return context.maxSolutions > 0 ? value.slice(0, context.maxSolutions) : value;
}

/** DS-1000's id: `metadata.problem_id` when there is one, else `problem_id`/`id`, else the 0-based line index. */
function ds1000Id(record: Record<string, unknown>, context: ItemContext): string {
  const metadata = record.metadata;
  const nested = typeof metadata === 'object' && metadata !== null ? (metadata as Record<string, unknown>).problem_id : undefined;
  for (const value of [nested, record.problem_id, record.id]) {
    if (typeof value === 'string' && value !== '') return value;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  }
  return String(context.line - 1);
}

const join = (...parts: string[]): string => parts.filter((part) => part !== '').join('\n');

/** Builds the item of one parsed line. @throws TidepoolError `E_BAD_RECORD` naming the file, line and field. */
export function benchmarkItem(layout: BenchmarkLayout, record: Record<string, unknown>, context: ItemContext): BenchmarkItem {
  const base = { benchmark: context.benchmark, line: context.line };
  const id = (task: string): string => `${context.benchmark}/${task}`;
  switch (layout) {
    case 'humaneval': {
      const prompt = text(record, 'prompt', context);
      const solution = text(record, 'canonical_solution', context);
      const tests = text(record, 'test', context, false);
      const whole = prompt + solution;
      return { ...base, id: id(taskId(record, 'task_id', context)), exactPieces: [prompt, solution, tests], codeUnits: [whole], embedText: whole };
    }
    case 'mbpp': {
      const problem = text(record, 'text', context);
      const code = text(record, 'code', context);
      return { ...base, id: id(taskId(record, 'task_id', context)), exactPieces: [problem, code, testList(record, context)], codeUnits: [code], embedText: join(problem, code) };
    }
    case 'ds1000': {
      const prompt = text(record, 'prompt', context);
      const code = text(record, 'reference_code', context);
      return { ...base, id: id(ds1000Id(record, context)), exactPieces: [prompt, code], codeUnits: [code], embedText: join(prompt, code) };
    }
    case 'apps': {
      const question = text(record, 'question', context);
      const codes = solutions(record, context);
      return { ...base, id: id(taskId(record, 'problem_id', context)), exactPieces: [question, ...codes], codeUnits: codes, embedText: join(question, codes[0] ?? '') };
    }
    case 'livecodebench': {
      const question = text(record, 'question_content', context);
      const starter = text(record, 'starter_code', context, false);
      return { ...base, id: id(taskId(record, 'question_id', context)), exactPieces: [question, starter], codeUnits: starter === '' ? [] : [starter], embedText: join(question, starter) };
    }
  }
}
