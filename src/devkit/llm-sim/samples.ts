/**
 * The scripted model's generator answers: one plausible sample per task built from facts read off
 * the code, and the deliberate defects the rule-based prechecks catch. Pure: every choice comes from
 * the `choose` the caller derives from the request's hash.
 */
import { namesLanguage } from '../../generate/code-text.js';
import type { GenerateTask } from '../../generate/tasks.js';
import { functionName, injectBug, nameWords, parameterNames, styleName, topIdentifiers } from './code-facts.js';
import { PROBLEM_STATEMENTS, simLanguage, type ProblemKind, type SimLanguage } from './languages.js';
import { sampleTests } from './sample-tests.js';

/** A generator reply's fields; `targetLanguage` for translation only. */
export interface SampleFields {
  instruction: string;
  input: string;
  output: string;
  language: string;
  targetLanguage?: string;
  /** Generation, repair and OSS-Instruct: assert-style tests of `output`. */
  tests?: string;
}

/** What a generator call is about. */
export interface SampleRequest {
  task: GenerateTask;
  language: string;
  targetLanguage: string | undefined;
  code: string;
}

/** An integer in [0, n) for the named choice (deterministic per request). */
export type Choose = (choice: string, n: number) => number;

/** Facts read once from the code and shared by every task. */
interface Facts {
  lang: SimLanguage;
  name: string | undefined;
  params: string[];
  identifiers: string[];
}

/**
 * Builds the clean sample for `request`, its fields in the order the prompts list them.
 * @param wrongTests the tests carry an expectation the solution cannot meet
 */
export function buildSample(request: SampleRequest, choose: Choose, wrongTests = false): SampleFields {
  const { instruction, input, output, language, targetLanguage, tests } = unorderedSample(request, choose, wrongTests);
  return { instruction, input, output, language, ...(targetLanguage === undefined ? {} : { targetLanguage }), ...(tests === undefined ? {} : { tests }) };
}

function unorderedSample(request: SampleRequest, choose: Choose, wrongTests: boolean): SampleFields {
  const lang = simLanguage(request.language);
  const name = functionName(request.code);
  const params = name === undefined ? [] : parameterNames(request.code, name, request.language);
  const facts: Facts = { lang, name, params, identifiers: topIdentifiers(request.code, 3, [...(name === undefined ? [] : [name]), ...params]) };
  const base = { language: request.language };
  const existsTests = sampleTests(request.language, { kind: 'exists', name }, wrongTests);
  switch (request.task) {
    case 'generation':
      return { ...base, instruction: generationInstruction(facts, choose, lang.display), input: '', output: request.code, tests: existsTests };
    case 'summarization':
      return { ...base, ...summarization(facts, choose), input: request.code };
    case 'translation':
      return { ...base, ...translation(request, facts, choose) };
    case 'repair':
      return { ...base, ...repair(request, facts, choose), tests: existsTests };
    case 'oss-instruct':
      return { ...base, ...ossInstruct(request, facts, choose, wrongTests) };
  }
}

/**
 * Spoils `sample` the way a sloppy model would, so that a precheck rejects it: a `TODO` line in the
 * output, or (for code tasks) an instruction that no longer names the language it must name.
 */
export function addDefect(sample: SampleFields, request: SampleRequest, choose: Choose): SampleFields {
  const lang = simLanguage(request.targetLanguage ?? request.language);
  if (request.task === 'summarization') {
    return { ...sample, output: `${sample.output} TODO: describe the error handling.` };
  }
  if (choose('defect-kind', 2) === 0) {
    const instruction = withoutLanguage(sample.instruction, request);
    const required = request.targetLanguage ?? request.language;
    if (!namesLanguage(instruction, required)) return { ...sample, instruction };
  }
  return { ...sample, output: `${sample.output}\n${lang.comment} TODO: handle the remaining edge cases` };
}

/**
 * The instruction with the required language's name taken out of the phrasings the builders use:
 * "a Python function" -> "a function", "in Rust" -> "in another language", "idiomatic Go" -> "idiomatic code".
 */
function withoutLanguage(instruction: string, request: SampleRequest): string {
  const required = request.targetLanguage ?? request.language;
  const names = [...new Set([simLanguage(required).display, required])].map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  const word = (before: string): RegExp => new RegExp(`\\b${before}(?:${names})(?![\\w+#])`, 'gi');
  const stripped = instruction
    .replace(word('idiomatic '), 'idiomatic code')
    .replace(word('(in|into) '), 'in another language')
    .replace(word('(a short|a|an|my|this) '), '$1');
  return stripped.charAt(0).toUpperCase() + stripped.slice(1);
}

function generationInstruction(facts: Facts, choose: Choose, language: string): string {
  const { name, params, identifiers } = facts;
  if (name === undefined) {
    const uses = identifiers.length > 0 ? ` that works with ${codeList(identifiers)}` : '';
    return `Write a short ${language} program${uses}: it processes its input step by step and produces the final result. Handle empty input without failing.`;
  }
  const what = `${describeName(name)}${params.length > 0 ? `, taking ${codeList(params)}` : ''}`;
  const templates = [
    `Write a ${language} function \`${name}\` that ${what}. It should handle empty or missing input gracefully and return its result rather than print it.`,
    `Implement \`${name}\` in ${language}: a function that ${what}. Make sure edge cases such as empty input are handled.`,
    `In ${language}, create a function named \`${name}\` that ${what}, and include handling for invalid or empty arguments.`,
  ];
  return templates[choose('generation-template', templates.length)]!;
}

function summarization(facts: Facts, choose: Choose): Pick<SampleFields, 'instruction' | 'output'> {
  const { lang, name, params, identifiers } = facts;
  const instructions = [
    `Explain what this ${lang.display} function does, including its inputs and what it returns.`,
    `Summarize the behaviour of the following ${lang.display} code in a few sentences.`,
    `What does this ${lang.display} code do? Describe its purpose, inputs and outputs.`,
  ];
  const takes = params.length > 0 ? `takes ${codeList(params)}` : 'takes no arguments';
  const sentences = [name === undefined ? `This ${lang.display} code processes its input step by step.` : `The function \`${name}\` ${takes} and ${describeName(name)}.`];
  if (identifiers.length > 0) sentences.push(`Along the way it relies on ${codeList(identifiers)} to do its work.`);
  sentences.push(['It returns the result to the caller instead of printing it, so it can be reused elsewhere.', 'It has no side effects beyond producing that result.'][choose('summary-ending', 2)]!);
  return { instruction: instructions[choose('summary-instruction', instructions.length)]!, output: sentences.join(' ') };
}

function translation(request: SampleRequest, facts: Facts, choose: Choose): Omit<SampleFields, 'language'> {
  const target = simLanguage(request.targetLanguage ?? 'javascript');
  const source = facts.lang.display;
  const subject = facts.name === undefined ? `this ${source} code` : `this ${source} function \`${facts.name}\``;
  const instructions = [
    `Rewrite ${subject} in ${target.display}, keeping its behaviour the same for every input.`,
    `Translate ${subject} into idiomatic ${target.display} that behaves the same way.`,
  ];
  const words = facts.name === undefined ? ['convert', 'values'] : nameWords(facts.name);
  const kind = problemKind(choose);
  return {
    instruction: instructions[choose('translation-instruction', instructions.length)]!,
    input: request.code,
    output: target.templates[kind](styleName(words, target.nameStyle)),
    targetLanguage: request.targetLanguage ?? 'javascript',
  };
}

function repair(request: SampleRequest, facts: Facts, choose: Choose): Pick<SampleFields, 'instruction' | 'input' | 'output'> {
  const language = facts.lang.display;
  const bug = injectBug(request.code, request.language, (n) => choose('bug-site', n));
  const subject = facts.name === undefined ? `My ${language} code` : `My ${language} function \`${facts.name}\``;
  const instructions = [
    `${subject} ${bug.symptom}. Please find the bug and fix it in ${language}, changing nothing else.`,
    `${subject} ${bug.symptom}. Can you fix it? Keep it in ${language} and keep the rest of the behaviour as it is.`,
  ];
  return { instruction: instructions[choose('repair-instruction', instructions.length)]!, input: bug.buggy, output: request.code };
}

function ossInstruct(request: SampleRequest, facts: Facts, choose: Choose, wrongTests: boolean): Pick<SampleFields, 'instruction' | 'input' | 'output' | 'tests'> {
  const { lang } = facts;
  const kind = problemKind(choose);
  const topic = facts.identifiers[0] ?? facts.name ?? 'items';
  const words = [kind === 'count' ? 'count' : 'total', ...nameWords(topic).slice(0, 2)];
  const name = styleName(words, lang.nameStyle);
  const instruction =
    `Write a ${lang.display} function \`${name}\` that ${PROBLEM_STATEMENTS[kind]}. ` +
    `This comes up when processing \`${topic}\` values in a larger program, so keep the function self-contained and free of global state.`;
  return { instruction, input: '', output: lang.templates[kind](name), tests: sampleTests(request.language, { kind, name }, wrongTests) };
}

function problemKind(choose: Choose): ProblemKind {
  return choose('problem-kind', 2) === 0 ? 'count' : 'sum';
}

/** `parse_config` -> "parses the given config"; a one-word name -> "performs the parse step". */
function describeName(name: string): string {
  const [verb, ...rest] = nameWords(name);
  if (verb === undefined) return 'does its job';
  if (rest.length === 0) return `performs the ${verb} step`;
  if (['is', 'has', 'can', 'should'].includes(verb)) return `checks whether the input ${verb === 'is' ? 'is' : verb} ${rest.join(' ')}`;
  return `${thirdPerson(verb)} the given ${rest.join(' ')}`;
}

function thirdPerson(verb: string): string {
  if (/(s|x|z|ch|sh)$/.test(verb)) return `${verb}es`;
  if (/[^aeiou]y$/.test(verb)) return `${verb.slice(0, -1)}ies`;
  return `${verb}s`;
}

/** "`a`", "`a` and `b`", "`a`, `b` and `c`". */
function codeList(names: readonly string[]): string {
  const quoted = names.map((name) => `\`${name}\``);
  return quoted.length <= 1 ? (quoted[0] ?? '') : `${quoted.slice(0, -1).join(', ')} and ${quoted.at(-1)!}`;
}
