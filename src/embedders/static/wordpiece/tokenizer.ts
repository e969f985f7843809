/**
 * The project's own WordPiece tokenizer for BERT-style `tokenizer.json` files (see config.ts for
 * which ones), token-for-token equal to `@huggingface/tokenizers` on them and several times faster
 * on code: one charCode loop splits words (BertPreTokenizer: runs of non-space non-punctuation, and
 * each punctuation character alone), and a bounded cache maps whole words to their ids, so the
 * greedy longest-match WordPiece search runs once per distinct word.
 */
import type { WordPieceConfig } from './config.js';
import { normalizeBert } from './normalizer.js';
import { VocabularyTrie } from './trie.js';

/** Pre-tokenizer classes of a code point (plain numbers: they live in a Uint8Array table). */
const WORD_CHAR = 0;
const SPACE_CHAR = 1;
const PUNCTUATION_CHAR = 2;
type CharClass = typeof WORD_CHAR | typeof SPACE_CHAR | typeof PUNCTUATION_CHAR;

/** The reference's punctuation: \p{P} plus every ASCII symbol (`$`, `+`, `<`, `^`, `` ` ``, `|`, `~`, ...). */
const PUNCTUATION = /^[\p{P}\u0021-\u002F\u003A-\u0040\u005B-\u0060\u007B-\u007E]$/u;
const SPACE = /^\s$/u;
const ASCII_CLASS = Uint8Array.from({ length: 128 }, (_, code) => {
  const char = String.fromCharCode(code);
  return SPACE.test(char) ? SPACE_CHAR : PUNCTUATION.test(char) ? PUNCTUATION_CHAR : WORD_CHAR;
});
const classOfCodePoint = new Map<number, CharClass>();

function classOf(codePoint: number): CharClass {
  let kind = classOfCodePoint.get(codePoint);
  if (kind === undefined) {
    const char = String.fromCodePoint(codePoint);
    kind = SPACE.test(char) ? SPACE_CHAR : PUNCTUATION.test(char) ? PUNCTUATION_CHAR : WORD_CHAR;
    classOfCodePoint.set(codePoint, kind);
  }
  return kind;
}

/** Words cached at most; the cache starts over when full (code's identifiers repeat within a corpus). */
const WORD_CACHE_LIMIT = 200_000;
/** Longer words are not cached (rare, and they would crowd the cache). */
const CACHED_WORD_LENGTH = 48;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Text to WordPiece ids, without special tokens, for a config {@link parseWordPieceConfig} accepted. */
export class WordPieceTokenizer {
  private readonly unknownId: number;
  /** Every vocabulary entry, for a word's first piece. */
  private readonly firstPieces = new VocabularyTrie();
  /** Entries that start with the continuation prefix, without it, for the pieces after the first. */
  private readonly nextPieces = new VocabularyTrie();
  private readonly match = { end: 0, id: 0 };
  /** Added tokens, longest first, so a match at a position is the longest one there (the reference walks a trie). */
  private readonly addedPattern: RegExp | undefined;
  private readonly wordIds = new Map<string, readonly number[]>();

  constructor(private readonly config: WordPieceConfig) {
    this.unknownId = config.vocabulary.get(config.unknownToken)!;
    const prefix = config.continuingSubwordPrefix;
    for (const [token, id] of config.vocabulary) {
      if (token === '') continue;
      this.firstPieces.add(token, id);
      if (token.startsWith(prefix) && token.length > prefix.length) this.nextPieces.add(token.slice(prefix.length), id);
    }
    const added = [...config.addedTokens.keys()].sort((a, b) => b.length - a.length);
    this.addedPattern = added.length === 0 ? undefined : new RegExp(added.map(escapeRegExp).join('|'), 'g');
  }

  /** The ids of `text`, as `Tokenizer.encode(text, { add_special_tokens: false }).ids` gives them. */
  encode(text: string): number[] {
    const ids: number[] = [];
    const pattern = this.addedPattern;
    if (pattern === undefined) {
      this.encodeSegment(text, ids);
      return ids;
    }
    // Added tokens are cut out of the raw text first; each piece between them is normalised on its own.
    pattern.lastIndex = 0;
    let from = 0;
    for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
      if (match.index > from) this.encodeSegment(text.slice(from, match.index), ids);
      ids.push(this.config.addedTokens.get(match[0])!);
      from = match.index + match[0].length;
    }
    if (from < text.length) this.encodeSegment(from === 0 ? text : text.slice(from), ids);
    return ids;
  }

  private encodeSegment(segment: string, ids: number[]): void {
    const text = normalizeBert(segment, this.config);
    let wordStart = -1;
    for (let i = 0; i < text.length; ) {
      const unit = text.charCodeAt(i);
      let width = 1;
      let kind: CharClass;
      if (unit < 128) kind = ASCII_CLASS[unit] as CharClass;
      else {
        let codePoint = unit;
        if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
          const next = text.charCodeAt(i + 1);
          if (next >= 0xdc00 && next <= 0xdfff) {
            codePoint = ((unit - 0xd800) << 10) + (next - 0xdc00) + 0x10000;
            width = 2;
          }
        }
        kind = classOf(codePoint);
      }
      if (kind === WORD_CHAR) {
        if (wordStart < 0) wordStart = i;
      } else {
        if (wordStart >= 0) this.pushWord(text.slice(wordStart, i), ids);
        wordStart = -1;
        if (kind === PUNCTUATION_CHAR) this.pushWord(text.slice(i, i + width), ids);
      }
      i += width;
    }
    if (wordStart >= 0) this.pushWord(text.slice(wordStart), ids);
  }

  private pushWord(word: string, ids: number[]): void {
    let pieces = this.wordIds.get(word);
    if (pieces === undefined) {
      pieces = this.wordPiece(word);
      if (word.length <= CACHED_WORD_LENGTH) {
        if (this.wordIds.size >= WORD_CACHE_LIMIT) this.wordIds.clear();
        this.wordIds.set(word, pieces);
      }
    }
    for (const id of pieces) ids.push(id);
  }

  /** Greedy longest-match-first over code points; the whole word is the unknown token when a piece has no match. */
  private wordPiece(word: string): number[] {
    let codePoints = 0;
    for (let i = 0; i < word.length; i++) {
      if (isHighSurrogate(word.charCodeAt(i)) && i + 1 < word.length && isLowSurrogate(word.charCodeAt(i + 1))) i++;
      codePoints++;
    }
    if (codePoints > this.config.maxInputCharsPerWord) return [this.unknownId];
    const pieces: number[] = [];
    const match = this.match;
    for (let start = 0; start < word.length; start = match.end) {
      if (!(start === 0 ? this.firstPieces : this.nextPieces).longestAt(word, start, match)) return [this.unknownId];
      pieces.push(match.id);
    }
    return pieces;
  }
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}
