/**
 * Which `tokenizer.json` files the project's own WordPiece tokenizer runs, read into a plain settings
 * object. It implements exactly one pipeline: BertNormalizer -> BertPreTokenizer -> WordPiece, with
 * special added tokens matched literally in the raw text. Anything else (another normalizer or
 * pre-tokenizer, normalized or stripping added tokens, a vocabulary without its unknown token) is
 * answered with the reason, and the caller keeps `@huggingface/tokenizers` for that file.
 */
import type { JsonObject } from '../../onnx/folder-files.js';

/** Settings of a tokenizer.json that {@link parseWordPieceConfig} accepts. */
export interface WordPieceConfig {
  cleanText: boolean;
  handleChineseChars: boolean;
  /** `strip_accents: null` follows `lowercase`, as the BertNormalizer does. */
  stripAccents: boolean;
  lowercase: boolean;
  continuingSubwordPrefix: string;
  /** Words longer than this (in code points) become the unknown token. @default 100 */
  maxInputCharsPerWord: number;
  unknownToken: string;
  /** Token string -> id: the model's vocabulary with the added tokens written over it. */
  vocabulary: Map<string, number>;
  /** Added tokens matched literally (longest first) in the raw text before normalisation. */
  addedTokens: Map<string, number>;
}

/** The config, or why the file needs `@huggingface/tokenizers`. */
export type WordPieceParse = { ok: true; config: WordPieceConfig } | { ok: false; reason: string };

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function flag(object: JsonObject, key: string, fallback: boolean): boolean | undefined {
  const value = object[key];
  if (value === undefined) return fallback;
  return typeof value === 'boolean' ? value : undefined;
}

function parseNormalizer(normalizer: unknown): Pick<WordPieceConfig, 'cleanText' | 'handleChineseChars' | 'stripAccents' | 'lowercase'> | string {
  if (!isObject(normalizer) || normalizer.type !== 'BertNormalizer') return `normalizer ${isObject(normalizer) ? String(normalizer.type) : JSON.stringify(normalizer)}`;
  // Defaults are the `tokenizers` library's BertNormalizer defaults.
  const cleanText = flag(normalizer, 'clean_text', true);
  const handleChineseChars = flag(normalizer, 'handle_chinese_chars', true);
  const lowercase = flag(normalizer, 'lowercase', true);
  const strip = normalizer.strip_accents ?? null;
  if (cleanText === undefined || handleChineseChars === undefined || lowercase === undefined || (strip !== null && typeof strip !== 'boolean')) return 'a BertNormalizer option that is not a boolean';
  return { cleanText, handleChineseChars, lowercase, stripAccents: strip ?? lowercase };
}

/** Reads `tokenizerJson` when the own tokenizer implements every part of it. */
export function parseWordPieceConfig(tokenizerJson: JsonObject): WordPieceParse {
  const normalizer = parseNormalizer(tokenizerJson.normalizer);
  if (typeof normalizer === 'string') return { ok: false, reason: normalizer };
  const preTokenizer = tokenizerJson.pre_tokenizer;
  if (!isObject(preTokenizer) || preTokenizer.type !== 'BertPreTokenizer') return { ok: false, reason: `pre_tokenizer ${isObject(preTokenizer) ? String(preTokenizer.type) : JSON.stringify(preTokenizer)}` };
  const model = tokenizerJson.model;
  if (!isObject(model) || model.type !== 'WordPiece' || !isObject(model.vocab)) return { ok: false, reason: `model ${isObject(model) ? String(model.type) : 'missing'}` };
  const prefix = model.continuing_subword_prefix;
  const unknownToken = model.unk_token;
  const maxChars = model.max_input_chars_per_word ?? 100;
  if (typeof prefix !== 'string' || typeof unknownToken !== 'string' || typeof maxChars !== 'number') return { ok: false, reason: 'WordPiece without a string continuing_subword_prefix and unk_token' };
  const vocabulary = new Map<string, number>();
  for (const [token, id] of Object.entries(model.vocab)) {
    if (typeof id !== 'number') return { ok: false, reason: `vocabulary id of ${JSON.stringify(token)} is not a number` };
    vocabulary.set(token, id);
  }
  const addedTokens = new Map<string, number>();
  for (const added of Array.isArray(tokenizerJson.added_tokens) ? (tokenizerJson.added_tokens as unknown[]) : []) {
    if (!isObject(added) || typeof added.content !== 'string' || typeof added.id !== 'number') return { ok: false, reason: 'an added token without content and id' };
    const special = added.special === true;
    // Outside this tokenizer's rules (matched after normalisation, or trimming their neighbours): such a
    // tokenizer.json runs on @huggingface/tokenizers instead, and the log names the reason given here.
    if ((added.normalized ?? !special) !== false || added.lstrip === true || added.rstrip === true || added.single_word === true || added.content === '') {
      return { ok: false, reason: `added token ${JSON.stringify(added.content)} (normalized, lstrip, rstrip or single_word)` };
    }
    addedTokens.set(added.content, added.id);
    vocabulary.set(added.content, added.id);
  }
  if (!vocabulary.has(unknownToken)) return { ok: false, reason: `unk_token ${JSON.stringify(unknownToken)} is not in the vocabulary` };
  return { ok: true, config: { ...normalizer, continuingSubwordPrefix: prefix, maxInputCharsPerWord: maxChars, unknownToken, vocabulary, addedTokens } };
}
