/**
 * Vocabularies for static test models. Up to what the native model's corpus yields (~4,800 entries)
 * this is the trained WordPiece vocabulary; a larger one (potion-base-8M's ~30K, for speed figures)
 * is that vocabulary extended, deterministically, by joining a learned word-start piece with a
 * learned continuation (`get` + `##ter` -> `getter`, `##re` + `##turn` -> `##return`): plausible
 * longer pieces, so the tokenizer meets a vocabulary of the real size and real longest matches.
 */
import { InternalError } from '../../errors.js';
import { MINI_BERT_CONFIG } from '../native-model/config.js';
import { buildVocabulary, CONTINUATION_PREFIX, SPECIAL_TOKENS } from '../native-model/vocabulary.js';

/** The native model's trained vocabulary size; larger sizes are extended. */
const TRAINED_SIZE = MINI_BERT_CONFIG.vocabSize;

/** A WordPiece vocabulary of exactly `size` entries, in id order. */
export function staticVocabulary(size: number = TRAINED_SIZE): string[] {
  const vocab = buildVocabulary(Math.min(size, TRAINED_SIZE));
  if (vocab.length >= size) return vocab;
  const known = new Set(vocab);
  const learned = vocab.slice(SPECIAL_TOKENS.length).filter((token) => token.length > 1 && token !== CONTINUATION_PREFIX);
  const starts = learned.filter((token) => !token.startsWith(CONTINUATION_PREFIX) && /^[a-z0-9_]+$/.test(token));
  const continuations = learned.filter((token) => token.startsWith(CONTINUATION_PREFIX) && token.length > CONTINUATION_PREFIX.length + 1);
  // Round-robin over the heads so the extension spreads over many stems instead of exhausting the first one.
  for (let j = 0; vocab.length < size && j < continuations.length; j++) {
    const tail = continuations[j]!.slice(CONTINUATION_PREFIX.length);
    for (const head of [...starts, ...continuations]) {
      const token = head + tail;
      if (known.has(token)) continue;
      known.add(token);
      vocab.push(token);
      if (vocab.length === size) break;
    }
  }
  if (vocab.length < size) throw new InternalError(`static test vocabulary: only ${vocab.length} of ${size} entries could be built`);
  return vocab;
}
