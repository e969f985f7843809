/**
 * Text to token ids with `@huggingface/tokenizers`, truncated to the model's length the way
 * transformers truncates: the text's own tokens are cut, the special tokens the post-processor adds
 * ([CLS] ... [SEP], <s> ... </s>) are kept. tokenizer.json files usually carry `truncation: null`, so
 * the tokenizer itself never cuts.
 */
import * as tokenizers from '@huggingface/tokenizers';
import { TidepoolError } from '../../errors.js';
import type { JsonObject } from './folder-files.js';

/**
 * The part of `@huggingface/tokenizers`' Tokenizer used here. Its own declarations do not resolve
 * under `moduleResolution: NodeNext` (0.2.0's .d.ts files re-export extensionless relative paths).
 */
interface HfTokenizer {
  encode(text: string, options?: { add_special_tokens?: boolean }): { ids: number[] };
  token_to_id(token: string): number | undefined;
}

const { Tokenizer } = tokenizers as unknown as { Tokenizer: new (tokenizerJson: object, tokenizerConfig: object) => HfTokenizer };

/** One text as the model sees it. */
export interface EncodedText {
  /** Token ids, special tokens included, at most `maxLength` of them. */
  ids: number[];
  /** The text had more tokens than fit. */
  truncated: boolean;
  /** The text was empty or whitespace (it still embeds, as the special tokens alone). */
  empty: boolean;
}

/** Ids one past the largest id the tokenizer can emit: its model vocabulary plus added tokens. */
export function tokenizerVocabularySize(tokenizerJson: JsonObject): number {
  const model = (tokenizerJson.model ?? {}) as { vocab?: unknown };
  const vocab = model.vocab;
  let size = 0;
  if (Array.isArray(vocab)) size = vocab.length;
  else if (typeof vocab === 'object' && vocab !== null) {
    for (const id of Object.values(vocab)) if (typeof id === 'number') size = Math.max(size, id + 1);
  }
  const added = Array.isArray(tokenizerJson.added_tokens) ? (tokenizerJson.added_tokens as { id?: unknown }[]) : [];
  for (const token of added) if (typeof token.id === 'number') size = Math.max(size, token.id + 1);
  return size;
}

function tokenText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && typeof (value as { content?: unknown }).content === 'string') return (value as { content: string }).content;
  return undefined;
}

/** A tokenizer that truncates to a fixed length and knows its padding id. */
export class TextTokenizer {
  private constructor(
    private readonly tokenizer: HfTokenizer,
    /** Special tokens before the text. */
    readonly prefix: readonly number[],
    /** Special tokens after the text. */
    readonly suffix: readonly number[],
    /** Id that fills the padding positions (masked out, so any valid id works). */
    readonly padId: number,
    readonly maxLength: number,
  ) {}

  /**
   * Loads the tokenizer. `source` is the tokenizer.json path for messages. The special tokens come
   * from encoding a probe text with and without them, so any post-processor template works.
   */
  static create(tokenizerJson: JsonObject, tokenizerConfig: JsonObject, maxLength: number, source: string): TextTokenizer {
    let tokenizer: HfTokenizer;
    let withSpecial: number[];
    let without: number[];
    try {
      tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);
      withSpecial = tokenizer.encode('a').ids;
      without = tokenizer.encode('a', { add_special_tokens: false }).ids;
    } catch (error) {
      throw new TidepoolError('E_MODEL_INVALID', `@huggingface/tokenizers could not load ${source}: ${(error as Error).message}. Re-save the tokenizer with a recent transformers (tokenizer.save_pretrained).`, { path: source }, { cause: error });
    }
    const start = withSpecial.findIndex((_, index) => without.length > 0 && without.every((id, offset) => withSpecial[index + offset] === id));
    if (start < 0) {
      throw new TidepoolError('E_MODEL_INVALID', `${source}: the text's tokens do not appear inside its encoding with special tokens (${JSON.stringify(withSpecial)} vs ${JSON.stringify(without)}), so tidepool cannot tell where to truncate.`, { path: source });
    }
    const prefix = withSpecial.slice(0, start);
    const suffix = withSpecial.slice(start + without.length);
    if (maxLength <= prefix.length + suffix.length) {
      throw new TidepoolError('E_USAGE', `max length ${maxLength} leaves no room for text after the ${prefix.length + suffix.length} special tokens ${source} adds; use at least ${prefix.length + suffix.length + 1}.`, { maxLength });
    }
    const padToken = tokenText(tokenizerConfig.pad_token);
    const padding = tokenizerJson.padding as { pad_id?: unknown } | null | undefined;
    const padId = (padToken === undefined ? undefined : tokenizer.token_to_id(padToken)) ?? (typeof padding?.pad_id === 'number' ? padding.pad_id : 0);
    return new TextTokenizer(tokenizer, prefix, suffix, padId, maxLength);
  }

  /** Tokenises one text, cutting its own tokens so the whole fits in `maxLength`. */
  encode(text: string): EncodedText {
    const empty = text.trim() === '';
    const content = empty ? [] : this.tokenizer.encode(text, { add_special_tokens: false }).ids;
    const room = this.maxLength - this.prefix.length - this.suffix.length;
    const truncated = content.length > room;
    return { ids: [...this.prefix, ...(truncated ? content.slice(0, room) : content), ...this.suffix], truncated, empty };
  }
}
