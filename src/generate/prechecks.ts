/**
 * Rule-based checks run on a generated sample before the discriminator: each failing rule gives a
 * stable reason code, and a sample failing any of them is rejected without an LLM call. Pure.
 */
import { bracketsBalance, looksLikeCode, namesLanguage, splitFences, syntaxError } from './code-text.js';
import { outputIsCode, requiredFields, type GenerateTask, type InstructionSample } from './tasks.js';

/** Stable reason codes (written to `rejected.jsonl`; messages may change, codes do not). */
export type PrecheckCode =
  | 'empty_field'
  | 'placeholder'
  | 'instruction_too_short'
  | 'language_not_named'
  | 'summary_not_prose'
  | 'summary_too_long'
  | 'prose_outside_code'
  | 'output_equals_input'
  | 'unbalanced_brackets'
  | 'does_not_parse';

/** One failed rule: its code, the field it concerns and a message for people. */
export interface PrecheckReason {
  code: PrecheckCode;
  field: keyof InstructionSample;
  message: string;
}

/** Thresholds of the prechecks. */
export interface PrecheckOptions {
  /** Fewest words an instruction has. @default 5 */
  minInstructionWords?: number;
  /** Most sentences a summarization output has. @default 5 */
  maxSummarySentences?: number;
}

/** The outcome: `passed` exactly when `reasons` is empty. */
export interface PrecheckResult {
  passed: boolean;
  reasons: PrecheckReason[];
}

const DEFAULT_MIN_INSTRUCTION_WORDS = 5;
const DEFAULT_MAX_SUMMARY_SENTENCES = 5;
const TEXT_FIELDS = ['instruction', 'input', 'output'] as const;

/** Placeholder text a model leaves when it did not finish; matched per line so `...args` spreads pass. */
const PLACEHOLDERS: readonly { pattern: RegExp; label: string }[] = [
  { pattern: /\bTODO\b/, label: 'TODO' },
  { pattern: /^\s*(\/\/|#|--|\/\*)?\s*(\.\.\.|…)\s*(\*\/)?\s*$/m, label: 'a line of only "..."' },
  { pattern: /<\s*(your|insert|add)[^<>\n]*>/i, label: '<your ... here>' },
  { pattern: /\[\s*(your|insert)[^\]\n]*\]/i, label: '[insert ...]' },
  { pattern: /\b(your|insert) (code|solution|implementation) here\b/i, label: '"your code here"' },
  { pattern: /\blorem ipsum\b/i, label: 'lorem ipsum' },
];

/** Chat preambles that do not belong in a code-only output. */
const PROSE_OPENER = /^\s*(here('s| is| are)|sure\b|certainly\b|below is|the following|this (code|program|function|solution))/i;

/**
 * Runs every rule on `sample` as a sample of `task` and collects all failures (not just the first).
 * Rules: required fields non-empty; no placeholder text; instruction has at least
 * `minInstructionWords` words and, for code tasks, names the language (the target language for
 * translation); a summary is prose of at most `maxSummarySentences` sentences; a code output has no
 * prose outside fenced blocks; output differs from input; a code output's brackets balance and, where
 * Node has a parser for its language (JavaScript), it parses.
 */
export function precheck(sample: InstructionSample, task: GenerateTask, options: PrecheckOptions = {}): PrecheckResult {
  const minWords = options.minInstructionWords ?? DEFAULT_MIN_INSTRUCTION_WORDS;
  const maxSentences = options.maxSummarySentences ?? DEFAULT_MAX_SUMMARY_SENTENCES;
  const reasons: PrecheckReason[] = [];
  const fail = (code: PrecheckCode, field: keyof InstructionSample, message: string): void => {
    reasons.push({ code, field, message });
  };

  for (const field of requiredFields(task)) {
    if ((sample[field] ?? '').trim() === '') fail('empty_field', field, `${field} is empty`);
  }
  for (const field of TEXT_FIELDS) {
    const found = PLACEHOLDERS.find(({ pattern }) => pattern.test(sample[field]));
    if (found !== undefined) fail('placeholder', field, `${field} contains placeholder text (${found.label})`);
  }

  const instruction = sample.instruction.trim();
  if (instruction !== '') {
    const words = instruction.split(/\s+/).length;
    if (words < minWords) fail('instruction_too_short', 'instruction', `instruction has ${words} words, fewer than ${minWords}`);
    const named = task === 'translation' ? (sample.targetLanguage ?? '') : sample.language;
    if (outputIsCode(task) && named.trim() !== '' && !namesLanguage(instruction, named)) {
      fail('language_not_named', 'instruction', `instruction does not name the language ${named}`);
    }
  }

  const output = sample.output.trim();
  if (output !== '' && !outputIsCode(task)) {
    if (looksLikeCode(output)) fail('summary_not_prose', 'output', 'summary output looks like code, expected prose');
    const sentences = countSentences(output);
    if (sentences > maxSentences) fail('summary_too_long', 'output', `summary has ${sentences} sentences, more than ${maxSentences}`);
  }
  if (output !== '' && outputIsCode(task)) {
    const { code, outside, fenced } = splitFences(output);
    if ((fenced && outside !== '') || (!fenced && PROSE_OPENER.test(output))) {
      fail('prose_outside_code', 'output', 'code output has prose outside a fenced code block');
    }
    const codeLanguage = task === 'translation' ? (sample.targetLanguage ?? '') : sample.language;
    if (!bracketsBalance(code, codeLanguage)) fail('unbalanced_brackets', 'output', 'code output has unbalanced brackets or an unterminated string or comment');
    else {
      const error = syntaxError(code, codeLanguage);
      if (typeof error === 'string') fail('does_not_parse', 'output', `code output does not parse as ${codeLanguage} (${error})`);
    }
  }
  if (output !== '' && normalize(output) === normalize(sample.input)) fail('output_equals_input', 'output', 'output is the same as input');

  return { passed: reasons.length === 0, reasons };
}

/** Sentences in prose: runs ending in . ! or ? followed by space or the end (a trailing fragment counts). */
function countSentences(text: string): number {
  return text.split(/(?<=[.!?])\s+/).filter((part) => /\w/.test(part)).length;
}

function normalize(text: string): string {
  return splitFences(text).code.replace(/\s+/g, ' ').trim();
}
