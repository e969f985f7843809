import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fmix32, fnv1aLower, tokenHash } from '../../../src/embedders/hashing/hash.js';
import { OPERATORS, TokenScanner, tokenize } from '../../../src/embedders/hashing/tokenize.js';

/** The tokenizer's documented rules written with regular expressions: the independent reference. */
const WORD_UNIT = '[A-Za-z0-9_$\\u00c0-\\u1fff\\u2c00-\\u2fff\\u3040-\\ufefe\\uff00-\\uffff]';
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
const byLength = [...OPERATORS].sort((a, b) => b.length - a.length).map(escape);
const TOKEN = new RegExp(`(${WORD_UNIT}+)|(${byLength.join('|')})|[^]`, 'g');
const LOWER = 'a-z\\u00c0-\\uffff';
const BOUNDARY = new RegExp(`(?<=[${LOWER}])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][${LOWER}])|(?<=[0-9])(?=[A-Z${LOWER}])`, 'g');
const lower = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

function referenceTokens(text: string): string[] {
  const tokens: string[] = [];
  for (const [, word, op] of text.matchAll(TOKEN)) {
    if (op !== undefined) tokens.push(op);
    if (word === undefined) continue;
    tokens.push(lower(word));
    if (/^[0-9]/.test(word)) continue;
    const parts = word.split(/[_$]+/).flatMap((piece) => piece.replace(BOUNDARY, ' ').split(' ')).filter((p) => p !== '');
    if (parts.length === 1 && parts[0] === word) continue;
    tokens.push(...parts.map(lower));
  }
  return tokens;
}

describe('hashing tokenizer', () => {
  it('splits identifiers into sub-words at camelCase, PascalCase, snake_case and digit boundaries', () => {
    expect(tokenize('parseHTTPResponse_v2')).toEqual(['parsehttpresponse_v2', 'parse', 'http', 'response', 'v2']);
    expect(tokenize('XMLHttpRequest')).toEqual(['xmlhttprequest', 'xml', 'http', 'request']);
    expect(tokenize('MAX_RETRY_COUNT')).toEqual(['max_retry_count', 'max', 'retry', 'count']);
    expect(tokenize('sha256Sum HTTP2Server base64encode x86_64')).toEqual([
      'sha256sum', 'sha256', 'sum', 'http2server', 'http2', 'server', 'base64encode', 'base64', 'encode', 'x86_64', 'x86', '64',
    ]);
    expect(tokenize('IOError getID')).toEqual(['ioerror', 'io', 'error', 'getid', 'get', 'id']);
  });

  it('emits a single-part identifier once, and the parts of one with leading or doubled separators', () => {
    expect(tokenize('def foo(self):')).toEqual(['def', 'foo', 'self']);
    expect(tokenize('Foo self_')).toEqual(['foo', 'self_', 'self']);
    expect(tokenize('_private __init__ $el $ _')).toEqual(['_private', 'private', '__init__', 'init', '$el', 'el', '$', '_']);
  });

  it('keeps numbers whole and does not split them', () => {
    expect(tokenize('x = 0x1F + 3.14 + 1_000')).toEqual(['x', '0x1f', '3', '14', '1_000']);
  });

  it('keeps multi-character operators, longest first, and skips other punctuation and white space', () => {
    expect(tokenize('a => b; x === y !== z; p->q; std::vector; n := 1; v >>>= 2; f(...args)')).toEqual([
      'a', '=>', 'b', 'x', '===', 'y', '!==', 'z', 'p', '->', 'q', 'std', '::', 'vector', 'n', ':=', '1', 'v', '>>>', '2', 'f', '...', 'args',
    ]);
    expect(tokenize('')).toEqual([]);
    expect(tokenize(' \t\n(){}[];,.\'"`#@')).toEqual([]);
  });

  it('treats accented and CJK letters as word characters and Unicode punctuation as separators', () => {
    expect(tokenize('café = “naïve”—größe')).toEqual(['café', 'naïve', 'größe']);
    expect(tokenize('变量名\u3001データ\u00a0x')).toEqual(['变量名', 'データ', 'x']);
  });

  it('agrees with a regular-expression reference of its rules on arbitrary text', () => {
    const unit = fc.constantFrom(...'aZbQx_$09 \n\t.=-><:&|?+*!/%^()é变\u00a0\u2014\u3001\ud83d\ude00'.split(''));
    fc.assert(fc.property(fc.string({ unit, maxLength: 60 }), (text) => {
      expect(tokenize(text)).toEqual(referenceTokens(text));
    }), { numRuns: 2000 });
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (text) => {
      expect(tokenize(text)).toEqual(referenceTokens(text));
    }), { numRuns: 500 });
  });

  it('reuses its buffers across texts and grows them for long texts', () => {
    const scanner = new TokenScanner();
    const long = 'alphaBeta '.repeat(2000);
    expect(scanner.scan(long)).toBe(6000);
    expect(scanner.scan('one')).toBe(1);
    expect([scanner.starts[0], scanner.ends[0]]).toEqual([0, 3]);
  });
});

describe('token hash', () => {
  it('is standard FNV-1a for ASCII (published test vectors), on the lowercased token', () => {
    expect(fnv1aLower('', 0, 0)).toBe(0x811c9dc5);
    expect(fnv1aLower('a', 0, 1)).toBe(0xe40c292c);
    expect(fnv1aLower('foobar', 0, 6)).toBe(0xbf9cf968);
    expect(fnv1aLower('xFOOBARx', 1, 7)).toBe(0xbf9cf968);
  });

  it('finishes with murmur3 fmix32', () => {
    expect(fmix32(0)).toBe(0);
    // fmix32(1) from the murmur3 reference finaliser.
    expect(fmix32(1)).toBe(0x514e28b7);
    expect(tokenHash('foobar', 0, 6)).toBe(fmix32(0xbf9cf968));
  });
});
