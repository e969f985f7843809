/**
 * The few-shot text a prompt gets from case pools (`{{examples}}`): accepted samples, then rejected
 * ones with their reasons, each field cut to a bounded length and fenced so code with its own fences
 * stays readable.
 */
import { normalise, type PoolEntry } from './pool-entry.js';

/** Longest text of one example field in {@link formatExamples}; longer text is cut and marked. */
export const EXAMPLE_FIELD_LIMIT = 1500;
/** Marker ending a field that {@link formatExamples} cut. */
export const TRUNCATED_MARKER = '… (truncated)';
/** Most reasons shown per rejected example in {@link formatExamples}. */
export const EXAMPLE_REASON_LIMIT = 10;

function truncate(text: string): string {
  if (text.length <= EXAMPLE_FIELD_LIMIT) return text;
  let cut = text.slice(0, EXAMPLE_FIELD_LIMIT);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1); // do not split a surrogate pair
  return `${cut}${TRUNCATED_MARKER}`;
}

/** A labelled field in a fence longer than any backtick run inside it, so code with its own fences stays readable. */
function field(label: string, text: string): string {
  if (text.trim() === '') return `${label}: (empty)`;
  const longestRun = Math.max(0, ...Array.from(text.matchAll(/`+/g), (match) => match[0].length));
  const fence = '`'.repeat(Math.max(3, longestRun + 1));
  return `${label}:\n${fence}\n${truncate(text)}\n${fence}`;
}

// Entries are frozen, so their rendered blocks are computed once (every prompt renders a few).
const goodBlocks = new WeakMap<PoolEntry, string>();
const badBlocks = new WeakMap<PoolEntry, string>();

function goodBlock(entry: PoolEntry): string {
  let block = goodBlocks.get(entry);
  if (block === undefined) goodBlocks.set(entry, (block = exampleBlock('Example of an accepted sample:', entry)));
  return block;
}

function badBlock(entry: PoolEntry): string {
  let block = badBlocks.get(entry);
  if (block === undefined) badBlocks.set(entry, (block = rejectedBlock(entry)));
  return block;
}

function exampleBlock(heading: string, entry: PoolEntry): string {
  const { sample } = entry;
  const language = sample.targetLanguage === undefined ? `Language: ${sample.language}` : `Language: ${sample.language} -> ${sample.targetLanguage}`;
  const tests = sample.tests === undefined ? [] : [field('Tests', sample.tests)];
  return [heading, language, field('Instruction', sample.instruction), field('Input', sample.input), field('Output', sample.output), ...tests].join('\n');
}

function rejectedBlock(entry: PoolEntry): string {
  const reasons = entry.reasons.slice(0, EXAMPLE_REASON_LIMIT).map((reason) => `- ${truncate(normalise(reason))}`);
  if (entry.reasons.length > EXAMPLE_REASON_LIMIT) reasons.push(`- ... and ${entry.reasons.length - EXAMPLE_REASON_LIMIT} more`);
  const why = reasons.length === 0 ? 'Why it was rejected: (no reason recorded)' : `Why it was rejected:\n${reasons.join('\n')}`;
  return `${exampleBlock('Example of a rejected sample and why:', entry)}\n${why}`;
}

/**
 * The text that replaces `{{examples}}` in a prompt: one "Example of an accepted sample:" block per
 * good entry, then one "Example of a rejected sample and why:" block per bad entry with its reasons,
 * blocks separated by blank lines. Each field is cut to {@link EXAMPLE_FIELD_LIMIT} characters
 * (ending in {@link TRUNCATED_MARKER}). Empty string when both lists are empty.
 */
export function formatExamples(good: readonly PoolEntry[], bad: readonly PoolEntry[]): string {
  const blocks = [...good.map(goodBlock), ...bad.map(badBlock)];
  return blocks.join('\n\n');
}
