/**
 * Text to token ids for a static (model2vec) model, the way model2vec's `StaticModel.tokenize` does
 * it (MinishLab/model2vec, model2vec/model.py, read at c901407): the text is first cut to
 * `maxLength x median token length` characters (a cheap bound so a huge text is not tokenised in
 * full), encoded without special tokens, the unknown token's id is dropped (word-level vocabularies
 * emit it for every unseen word, and its vector would drag every mean towards it), and the ids are
 * cut to `maxLength`.
 */
import * as tokenizers from '@huggingface/tokenizers';
import { TidepoolError } from '../../errors.js';
import type { JsonObject } from '../onnx/folder-files.js';
import { parseWordPieceConfig, WordPieceTokenizer } from './wordpiece/index.js';

/** The part of `@huggingface/tokenizers`' Tokenizer used here (its .d.ts files do not resolve under NodeNext). */
interface HfTokenizer {
  encode(text: string, options?: { add_special_tokens?: boolean }): { ids: number[] };
  token_to_id(token: string): number | undefined;
  get_vocab(withAddedTokens?: boolean): Map<string, number>;
}

const { Tokenizer } = tokenizers as unknown as { Tokenizer: new (tokenizerJson: object, tokenizerConfig: object) => HfTokenizer };

/** One text's ids, as the static model averages them. */
export interface StaticEncoding {
  ids: number[];
  /** The text was cut (by characters or by tokens) to fit `maxLength`. */
  truncated: boolean;
}

/** Length in code points, as Python's `len` counts a str. */
function codePointLength(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}

/** The first `count` code points of `text` (Python's `text[:count]`). */
export function firstCodePoints(text: string, count: number): string {
  if (text.length <= count) return text; // UTF-16 units >= code points: nothing to cut
  let units = 0;
  for (let points = 0; points < count && units < text.length; points++) units += (text.codePointAt(units) ?? 0) > 0xffff ? 2 : 1;
  return text.slice(0, units);
}

/** model2vec's `int(np.median(len(token) for token in vocabulary))`: the middle pair averaged, then truncated. */
export function medianTokenLength(tokens: Iterable<string>): number {
  const lengths = Array.from(tokens, codePointLength).sort((a, b) => a - b);
  if (lengths.length === 0) return 0;
  const mid = lengths.length >> 1;
  const median = lengths.length % 2 === 1 ? lengths[mid]! : (lengths[mid - 1]! + lengths[mid]!) / 2;
  return Math.trunc(median);
}

/**
 * Which implementation encodes `tokenizerJson`, for the log: the project's own WordPiece where it
 * implements every part of the file (exact, and several times faster on code), else
 * `@huggingface/tokenizers` with the part that sent it there.
 */
export function staticTokenizerImplementation(tokenizerJson: JsonObject): string {
  const own = parseWordPieceConfig(tokenizerJson);
  return own.ok ? OWN_WORDPIECE : `@huggingface/tokenizers (own WordPiece does not implement ${own.reason})`;
}

const OWN_WORDPIECE = 'wordpiece (tidepool)';

/** A tokenizer that encodes texts the way model2vec does before averaging. */
export class StaticTokenizer {
  private constructor(
    private readonly tokenizer: { encode(text: string): number[] },
    /** Which implementation encodes: see {@link staticTokenizerImplementation}. */
    readonly implementation: string,
    /** Id of the model's unknown token, dropped from every encoding; undefined when it has none. */
    readonly unknownId: number | undefined,
    /** Characters kept before tokenising: maxLength x the vocabulary's median token length. */
    readonly maxCharacters: number,
    readonly maxLength: number,
    /** Ids the tokenizer can emit: its vocabulary with added tokens. */
    readonly vocabularySize: number,
  ) {}

  /** Loads `tokenizerJson` (from `source`, for messages). */
  static create(tokenizerJson: JsonObject, maxLength: number, source: string): StaticTokenizer {
    let tokenizer: HfTokenizer;
    let vocabulary: Map<string, number>;
    try {
      tokenizer = new Tokenizer(tokenizerJson, {});
      vocabulary = tokenizer.get_vocab(true);
    } catch (error) {
      throw new TidepoolError('E_MODEL_INVALID', `@huggingface/tokenizers could not load ${source}: ${(error as Error).message}. Restore tokenizer.json from the model's repository.`, { path: source }, { cause: error });
    }
    // model2vec asks the tokenizer model for `unk_token` (WordPiece, WordLevel and BPE models carry one; Unigram does not).
    const unknownToken = (tokenizerJson.model as { unk_token?: unknown } | undefined)?.unk_token;
    const unknownId = typeof unknownToken === 'string' ? vocabulary.get(unknownToken) : undefined;
    let vocabularySize = 0;
    for (const id of vocabulary.values()) vocabularySize = Math.max(vocabularySize, id + 1);
    // The library stays loaded for the vocabulary and the median above, exactly as before; only encoding moves.
    const own = parseWordPieceConfig(tokenizerJson);
    const hf = tokenizer;
    const encoder = own.ok ? new WordPieceTokenizer(own.config) : { encode: (text: string): number[] => hf.encode(text, { add_special_tokens: false }).ids };
    const implementation = staticTokenizerImplementation(tokenizerJson);
    return new StaticTokenizer(encoder, implementation, unknownId, maxLength * medianTokenLength(vocabulary.keys()), maxLength, vocabularySize);
  }

  /** The ids model2vec averages for `text`. */
  encode(text: string): StaticEncoding {
    const cut = firstCodePoints(text, this.maxCharacters);
    let ids = this.tokenizer.encode(cut);
    if (this.unknownId !== undefined && ids.includes(this.unknownId)) ids = ids.filter((id) => id !== this.unknownId);
    const overLength = ids.length > this.maxLength;
    if (overLength) ids = ids.slice(0, this.maxLength);
    return { ids, truncated: overLength || cut.length < text.length };
  }
}
