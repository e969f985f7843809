/**
 * The fixed corpus the native model's vocabulary is trained on, as weighted word counts. Besides
 * the word lists it adds plain inflections and the identifier parts as word continuations (BERT's
 * uncased pre-tokenizer leaves `getname` of `getName`), so that pieces like `##ing` and `##name`
 * are learned. Pure and deterministic: same lists, same counts, same order.
 */
import { ADJECTIVES, CODE_SECTIONS, NOUNS, VERBS } from './corpus-code.js';
import { ENGLISH_SECTIONS } from './corpus-english.js';

/** The prefix of a piece that continues a word. */
export const CONTINUATION_PREFIX = '##';

/** A list of words and how often each counts. */
export interface CorpusSection {
  /** Name for messages and docs. */
  name: string;
  /** How many times each word counts. */
  weight: number;
  /** Space-separated words. */
  words: string;
  /**
   * The words occur inside other words (`name` in `getName`, which the uncased tokenizer sees as
   * `getname`): they are counted as `##name`, so the vocabulary learns continuation pieces.
   * @default false
   */
  continuation?: boolean;
}

/** Splits a section's words the way BERT's uncased normaliser and pre-tokenizer would. */
function wordsOf(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length > 0);
}

/** Verbs whose past tense is irregular: no -ed form for them. */
const IRREGULAR_PAST = new Set(['get', 'set', 'put', 'run', 'make', 'read', 'write', 'build', 'send', 'find', 'split', 'bind', 'sleep', 'hide', 'let', 'begin', 'keep', 'hold', 'lead']);
/** Identifier verbs that are not inflected at all. */
const UNINFLECTED = new Set(['is', 'has', 'can', 'should', 'init', 'setup', 'teardown']);

/** Whether the last consonant doubles before -ing/-ed/-er: `stop` → `stopping`, `emit` → `emitted`. */
function doublesFinal(verb: string): boolean {
  return /^[^aeiou]*[aeiou][bdglmnpt]$/.test(verb) || /(mit|fer|pel)$/.test(verb);
}

/** The regular -s / -es / -ies form. */
function plural(word: string): string {
  if (/[^aeiou]y$/.test(word)) return `${word.slice(0, -1)}ies`;
  return /(x|z|ch|sh)$/.test(word) ? `${word}es` : `${word}s`;
}

/** Regular English inflections of a verb: -s, -ing, -ed (unless irregular) and the agent noun -er. */
function inflections(verb: string): string[] {
  if (UNINFLECTED.has(verb)) return [];
  const stem = doublesFinal(verb) ? verb + verb.at(-1)! : verb.endsWith('e') ? verb.slice(0, -1) : verb;
  const pastStem = /[^aeiou]y$/.test(verb) ? `${verb.slice(0, -1)}i` : stem;
  const past = IRREGULAR_PAST.has(verb) ? [] : [`${pastStem}ed`];
  return [plural(verb), `${stem}ing`, ...past, `${pastStem}er`];
}

/** The generated sections: inflections, and identifier parts as they appear inside identifiers. */
function generatedSections(): CorpusSection[] {
  const verbs = wordsOf(VERBS);
  const nouns = wordsOf(NOUNS);
  return [
    { name: 'verb-inflections', weight: 2, words: verbs.flatMap(inflections).join(' ') },
    { name: 'noun-plurals', weight: 2, words: nouns.filter((noun) => !noun.endsWith('s')).map(plural).join(' ') },
    { name: 'identifier-parts', weight: 4, words: [VERBS, NOUNS, ADJECTIVES].join(' '), continuation: true },
  ];
}

/** Every corpus section: the fixed lists, then the generated ones. */
export function corpusSections(): CorpusSection[] {
  return [...CODE_SECTIONS, ...ENGLISH_SECTIONS, ...generatedSections()];
}

/** Weighted word counts over the whole corpus, in first-seen order; continuation words start with `##`. */
export function corpusWordCounts(sections: readonly CorpusSection[] = corpusSections()): Map<string, number> {
  const counts = new Map<string, number>();
  for (const section of sections) {
    const prefix = section.continuation === true ? CONTINUATION_PREFIX : '';
    for (const word of wordsOf(section.words)) counts.set(prefix + word, (counts.get(prefix + word) ?? 0) + section.weight);
  }
  return counts;
}
