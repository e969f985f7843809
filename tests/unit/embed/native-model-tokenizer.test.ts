// The native model's WordPiece vocabulary and tokenizer.json: loaded by @huggingface/tokenizers the
// way a user of the folder loads it, and checked against a brute-force WordPiece written here.
import { beforeAll, describe, expect, it } from 'vitest';
import { MINI_BERT_CONFIG, SPECIAL_TOKENS, buildVocabulary, nativeModelFiles } from '../../../src/devkit/native-model/index.js';
import type { NativeModelFile } from '../../../src/devkit/native-model/index.js';
import { fileBytes, loadTokenizer } from './native-model-helpers.js';
import type { HfTokenizer } from './native-model-helpers.js';

const CODE = [
  'def get_user_name(self):\n    """Return the user\'s name."""\n    return self.name',
  'public List<String> findAll(Map<String, Integer> counts) throws IOException {',
  'const total = items.reduce((sum, item) => sum + item.price, 0); // 42',
  'func (s *Server) HandleRequest(ctx context.Context, req *http.Request) error {',
  '<?php echo json_encode(array_map(fn($x) => $x * 2, $values)); ?>',
  'items.each_with_index { |item, i| puts "#{i}: #{item}" }',
];

/** BERT's uncased basic tokenisation for ASCII text: lowercase, split on whitespace and punctuation. */
function preTokenize(text: string): string[] {
  return text.toLowerCase().match(/[^\s\p{P}\u0021-\u002F\u003A-\u0040\u005B-\u0060\u007B-\u007E]+|[\p{P}\u0021-\u002F\u003A-\u0040\u005B-\u0060\u007B-\u007E]/gu) ?? [];
}

/** Greedy longest-match-first WordPiece, the algorithm of the original BERT code. */
function wordPiece(word: string, vocab: ReadonlySet<string>): string[] {
  const pieces: string[] = [];
  for (let start = 0; start < word.length; ) {
    let end = word.length;
    while (end > start && !vocab.has((start > 0 ? '##' : '') + word.slice(start, end))) end--;
    if (end === start) return ['[UNK]'];
    pieces.push((start > 0 ? '##' : '') + word.slice(start, end));
    start = end;
  }
  return pieces;
}

let files: NativeModelFile[];
let vocab: string[];
let tokenizer: HfTokenizer;

beforeAll(() => {
  files = nativeModelFiles();
  vocab = new TextDecoder().decode(fileBytes(files, 'vocab.txt')).split('\n').slice(0, -1);
  tokenizer = loadTokenizer(files);
});

describe('native model vocabulary', () => {
  it('has the configured size, special tokens first, no duplicates and no whitespace', () => {
    expect(vocab).toHaveLength(MINI_BERT_CONFIG.vocabSize);
    expect(vocab.slice(0, 5)).toEqual(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
    expect(new Set(vocab).size).toBe(vocab.length);
    expect(vocab.filter((token) => token === '' || /\s/.test(token))).toEqual([]);
  });

  it('covers every printable ASCII character, and continues words with every letter and digit', () => {
    const known = new Set(vocab);
    for (let code = 0x21; code <= 0x7e; code++) {
      const char = String.fromCharCode(code).toLowerCase();
      expect(known.has(char), char).toBe(true);
      if (/[a-z0-9]/.test(char)) expect(known.has(`##${char}`), `##${char}`).toBe(true);
    }
  });

  it('learns frequent code and English pieces', () => {
    const known = new Set(vocab);
    for (const piece of ['def', 'return', 'function', 'class', 'import', 'the', 'string', '##ing', '##name', '##value']) {
      expect(known.has(piece), piece).toBe(true);
    }
  });

  it('is the same on every call', () => {
    expect(buildVocabulary(MINI_BERT_CONFIG.vocabSize)).toEqual(vocab);
  });

  it('throws E_INTERNAL when the corpus cannot fill the vocabulary', () => {
    expect(() => buildVocabulary(100_000)).toThrow(expect.objectContaining({ code: 'E_INTERNAL' }) as Error);
  });
});

describe('native model tokenizer.json in @huggingface/tokenizers', () => {
  it('wraps code in [CLS] ... [SEP] with ids inside the vocabulary', () => {
    for (const text of CODE) {
      const { ids } = tokenizer.encode(text);
      expect(ids[0]).toBe(vocab.indexOf('[CLS]'));
      expect(ids.at(-1)).toBe(vocab.indexOf('[SEP]'));
      expect(ids.every((id) => Number.isInteger(id) && id >= 0 && id < MINI_BERT_CONFIG.vocabSize)).toBe(true);
      expect(ids).not.toContain(vocab.indexOf('[UNK]'));
    }
  });

  it('splits code exactly as a brute-force uncased WordPiece does', () => {
    const known = new Set(vocab);
    for (const text of CODE) {
      const expected = ['[CLS]', ...preTokenize(text).flatMap((word) => wordPiece(word, known)), '[SEP]'];
      expect(tokenizer.tokenize(text, { add_special_tokens: true })).toEqual(expected);
      expect(tokenizer.encode(text).ids).toEqual(expected.map((token) => vocab.indexOf(token)));
    }
  });

  it('lowercases, strips accents and maps unknown characters to [UNK]', () => {
    expect(tokenizer.encode('HashMap Café').ids).toEqual(tokenizer.encode('hashmap cafe').ids);
    expect(tokenizer.tokenize('ok 🦀 ok')).toEqual(['ok', '[UNK]', 'ok']);
  });

  it('has the special tokens as added tokens with their vocabulary ids', () => {
    for (const token of SPECIAL_TOKENS) expect(tokenizer.token_to_id(token)).toBe(vocab.indexOf(token));
  });
});
