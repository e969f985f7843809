// The own WordPiece tokenizer against @huggingface/tokenizers (the reference it replaces for
// BERT-style tokenizer.json files): the same ids, token for token, on real code (the project's
// sources and the sample generator's functions) and on hand-picked edge cases, for the devkit's
// vocabularies and every BertNormalizer setting; anything it does not implement is refused.
import * as tokenizers from '@huggingface/tokenizers';
import { describe, expect, it } from 'vitest';
import { generateSample } from '../../../src/devkit/sample/index.js';
import { tokenizerJson } from '../../../src/devkit/native-model/tokenizer-files.js';
import { staticVocabulary } from '../../../src/devkit/static-model/vocabulary.js';
import { parseWordPieceConfig, WordPieceTokenizer } from '../../../src/embedders/static/wordpiece/index.js';
import { StaticTokenizer } from '../../../src/embedders/static/index.js';
import { realCodeTexts } from '../../helpers/static-reference.js';

const { Tokenizer } = tokenizers as unknown as { Tokenizer: new (json: object, config: object) => { encode(text: string, options: { add_special_tokens: boolean }): { ids: number[] } } };

const EDGE_CASES = [
  '',
  ' \t\n\r\u000b\u000c\u00a0\u2003\u3000\ufeff\u0085 ',
  'naïve café Ångström façade résumé ÉCOLE Œuvre ǅ',
  'İstanbul ΣΊΣΥΦΟΣ ὈΔΥΣΣΕΎΣ straße ﬁ ﬀ',
  '函数 汉字テスト 한국어 𠀋𠀀 中文,标点。',
  '😀👍🏽 👨‍👩‍👧 🇫🇷 x😀y emoji🙂inside',
  'a\u0000b\u0001c\u0007d\u007fe\u200bf\u200dg\ue000h\ufffdi\ud800j\udc00k',
  'x'.repeat(99), 'y'.repeat(100), 'z'.repeat(101), `${'ab'.repeat(60)} tail`, '😀'.repeat(101),
  '§¶ ©®™ ±×÷ ≤≥≠ → ← ‘quoted’ “double” — – … • · µ ∞ √',
  '##return ## a##b foo##bar ##', '[CLS] x [SEP][PAD][MASK][UNK] [cls] [ CLS ] [[SEP]]',
  'mixed\twhite\n\nspace\r\n  and\u2028line\u2029sep',
  'CamelCaseIdentifier snake_case_name kebab-case-name SCREAMING_CASE __dunder__ $jquery @decorator #include <stdio.h>',
  '0x1F 3.14159 1e-10 1_000_000 ¹²³ ½ ٣ ३',
  '\u0301leading combining mark, e\u0301 precomposed é, Hangul 가 (NFD)',
];

function sampleFunctions(limit: number): string[] {
  const texts: string[] = [];
  let current = '';
  for (const line of generateSample({ rows: limit * 6, seed: 11 })) {
    if (line.kind !== 'good' || typeof line.bytes !== 'string') continue;
    const row = JSON.parse(line.bytes) as { code: string; docstring: string };
    current += `${row.docstring}\n${row.code}\n`;
    if (current.length >= 1500) {
      texts.push(current);
      current = '';
      if (texts.length >= limit) break;
    }
  }
  expect(texts).toHaveLength(limit);
  return texts;
}

const TEXTS = [...EDGE_CASES, ...realCodeTexts(150), ...sampleFunctions(150)];

function expectSameIds(json: Record<string, unknown>, texts: readonly string[]): void {
  const reference = new Tokenizer(json, {});
  const parsed = parseWordPieceConfig(json);
  if (!parsed.ok) throw new Error(parsed.reason);
  const own = new WordPieceTokenizer(parsed.config);
  let tokens = 0;
  for (const text of texts) {
    const expected = reference.encode(text, { add_special_tokens: false }).ids;
    expect(own.encode(text), JSON.stringify(text.slice(0, 80))).toEqual(expected);
    expect(own.encode(text)).toEqual(expected); // again, now from the word cache
    tokens += expected.length;
  }
  expect(tokens).toBeGreaterThan(texts.length * 50);
}

describe('own WordPiece tokenizer', () => {
  it.each([
    ['native model vocabulary (4,096)', 4096],
    ['potion-base-8M-sized vocabulary (30,000)', 30_000],
  ])('equals @huggingface/tokenizers token for token on real code and edge cases: %s', (_, size) => {
    expect(TEXTS.some((text) => text.length >= 1400)).toBe(true);
    expectSameIds(tokenizerJson(staticVocabulary(size)), TEXTS);
  });

  it.each([
    { lowercase: false, strip_accents: null },
    { lowercase: false, strip_accents: true },
    { lowercase: true, strip_accents: false },
    { handle_chinese_chars: false, clean_text: false },
  ])('equals it under BertNormalizer %o', (settings) => {
    const json = tokenizerJson(staticVocabulary());
    json.normalizer = { ...(json.normalizer as object), ...settings };
    expectSameIds(json, [...EDGE_CASES, ...realCodeTexts(30)]);
  });

  it('refuses configurations it does not implement, and the static tokenizer then keeps @huggingface/tokenizers', () => {
    const base = tokenizerJson(staticVocabulary());
    const refused = [
      { ...base, normalizer: { type: 'Lowercase' } },
      { ...base, pre_tokenizer: { type: 'Whitespace' } },
      { ...base, model: { ...(base.model as object), type: 'BPE' } },
      { ...base, added_tokens: [{ id: 5, content: 'foo', normalized: true, special: false }] },
      { ...base, added_tokens: [{ id: 2, content: '[CLS]', normalized: false, special: true, lstrip: true }] },
    ];
    for (const json of refused) expect(parseWordPieceConfig(json).ok).toBe(false);
    expect(StaticTokenizer.create(base, 512, 'tokenizer.json').implementation).toBe('wordpiece (tidepool)');
    const fallback = StaticTokenizer.create(refused[3]!, 512, 'tokenizer.json');
    expect(fallback.implementation).toMatch(/^@huggingface\/tokenizers \(own WordPiece does not implement added token "foo"/);
    expect(fallback.encode('foo bar').ids.length).toBeGreaterThan(0);
  });
});
