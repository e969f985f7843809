/**
 * The native model's tokenizer in the files Hugging Face writes for an uncased BERT WordPiece
 * tokenizer: `tokenizer.json` (the `tokenizers` library's format, what tidepool and transformers.js
 * load), `tokenizer_config.json`, `special_tokens_map.json` and the classic `vocab.txt`.
 */
import { CONTINUATION_PREFIX, SPECIAL_TOKENS } from './vocabulary.js';

/** The special token strings, each with its id in `vocab`. */
function specialIds(vocab: readonly string[]): Record<(typeof SPECIAL_TOKENS)[number], number> {
  const ids = Object.fromEntries(SPECIAL_TOKENS.map((token) => [token, vocab.indexOf(token)]));
  return ids as Record<(typeof SPECIAL_TOKENS)[number], number>;
}

/** How an added (special) token is described in both `tokenizer.json` and `tokenizer_config.json`. */
function addedToken(content: string): Record<string, unknown> {
  return { content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
}

/** `tokenizer.json`: BertNormalizer (lowercase), BertPreTokenizer, WordPiece, `[CLS] $A [SEP]`. */
export function tokenizerJson(vocab: readonly string[]): Record<string, unknown> {
  const ids = specialIds(vocab);
  const special = (token: '[CLS]' | '[SEP]', typeId: number): Record<string, unknown> => ({ SpecialToken: { id: token, type_id: typeId } });
  const sequence = (id: 'A' | 'B', typeId: number): Record<string, unknown> => ({ Sequence: { id, type_id: typeId } });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((token) => ({ id: ids[token], ...addedToken(token) })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [special('[CLS]', 0), sequence('A', 0), special('[SEP]', 0)],
      pair: [special('[CLS]', 0), sequence('A', 0), special('[SEP]', 0), sequence('B', 1), special('[SEP]', 1)],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [ids['[CLS]']], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [ids['[SEP]']], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: CONTINUATION_PREFIX, cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: CONTINUATION_PREFIX,
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocab.map((token, id) => [token, id])),
    },
  };
}

/** `tokenizer_config.json` as transformers saves a `BertTokenizer` (keys sorted, as it writes them). */
export function tokenizerConfigJson(vocab: readonly string[], modelMaxLength: number): Record<string, unknown> {
  const ids = specialIds(vocab);
  return {
    added_tokens_decoder: Object.fromEntries(SPECIAL_TOKENS.map((token) => [String(ids[token]), addedToken(token)])),
    clean_up_tokenization_spaces: true,
    cls_token: '[CLS]',
    do_basic_tokenize: true,
    do_lower_case: true,
    mask_token: '[MASK]',
    model_max_length: modelMaxLength,
    never_split: null,
    pad_token: '[PAD]',
    sep_token: '[SEP]',
    strip_accents: null,
    tokenize_chinese_chars: true,
    tokenizer_class: 'BertTokenizer',
    unk_token: '[UNK]',
  };
}

/** `special_tokens_map.json`. */
export function specialTokensMapJson(): Record<string, unknown> {
  return { cls_token: '[CLS]', mask_token: '[MASK]', pad_token: '[PAD]', sep_token: '[SEP]', unk_token: '[UNK]' };
}

/** `vocab.txt`: one token per line, line number = id. */
export function vocabTxt(vocab: readonly string[]): string {
  return `${vocab.join('\n')}\n`;
}
