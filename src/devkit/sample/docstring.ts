/**
 * Docstrings: a summary sentence that matches the function's verb and noun, then up to two more
 * sentences drawn from a pool; now and then a single word, as real corpora have ("TODO", "Deprecated.").
 * Nothing here contains a character JSON escapes, so docstrings go into JSON lines as they are.
 */
import type { Random } from './random.js';
import { ADJECTIVES, capitalize, FIELDS, NOUNS, ONE_WORD_DOCSTRINGS, plural, UNICODE_FRAGMENTS } from './vocabulary.js';

const SUMMARY_TAILS = ['.', '.', ' and returns it.', ' from the given source.', ' if it exists.', ' for the current request.', ' in place.'] as const;
/** Detail sentences per pool: enough variety that docstrings rarely repeat in full. */
const POOL_SIZE = 1024;

/** A summary sentence, or a lone word; `oneWord` docstrings get no detail sentences. */
export interface Summary {
  text: string;
  oneWord: boolean;
}

/** Third-person forms that `plural` gets wrong. */
const THIRD_PERSON: Readonly<Record<string, string>> = { lookup: 'Looks up', init: 'Initializes', sync: 'Synchronizes' };

/** The first sentence of the docstring of a function named after `verb` and `noun`. */
export function generateSummary(random: Random, verb: string, noun: string): Summary {
  if (random.chance(0.05)) return { text: random.pick(ONE_WORD_DOCSTRINGS), oneWord: true };
  const object = random.chance(0.3) ? `${random.pick(ADJECTIVES)} ${noun}` : random.chance(0.2) ? plural(noun) : noun;
  return { text: `${THIRD_PERSON[verb] ?? capitalize(plural(verb))} the ${object}${random.pick(SUMMARY_TAILS)}`, oneWord: false };
}

function detailSentence(random: Random): string {
  const noun = random.pick(NOUNS);
  if (random.chance(0.02)) return `Handles ${random.pick(UNICODE_FRAGMENTS)}.`;
  switch (random.below(9)) {
    case 0: return `Returns ${random.chance(0.5) ? 'null' : 'an empty result'} when the ${noun} cannot be found.`;
    case 1: return `Raises an error if the ${noun} is invalid.`;
    case 2: return `The result is cached in the ${random.pick(FIELDS)} until it expires.`;
    case 3: return `If the input is empty, the ${random.pick(ADJECTIVES)} ${noun} is used instead.`;
    case 4: return `See the ${noun} ${random.pick(NOUNS)} docs for details.`;
    case 5: return `Callers must hold the ${noun} lock.`;
    case 6: return `This method is idempotent and may be called more than once.`;
    case 7: return `Kept for backwards compatibility with version ${random.between(1, 4)}.${random.below(10)}.`;
    default: return `Each ${noun} is ${random.chance(0.5) ? 'validated' : 'normalized'} before it is stored.`;
  }
}

/** Detail sentences written once per sample and drawn per row (cheaper than writing them per row). */
export class DetailPool {
  private readonly sentences: string[] = [];

  constructor(random: Random) {
    for (let i = 0; i < POOL_SIZE; i++) this.sentences.push(detailSentence(random));
  }

  /** The details of one docstring: none (45%), one sentence (30%) or two (25%), joined by a space. */
  draw(random: Random): string {
    const roll = random.float();
    if (roll < 0.45) return '';
    const first = this.sentences[random.below(POOL_SIZE)]!;
    return roll < 0.75 ? first : `${first} ${this.sentences[random.below(POOL_SIZE)]!}`;
  }
}
