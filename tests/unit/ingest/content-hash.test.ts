import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import wabtInit from 'wabt';
import { ContentHasher, contentHash, contentHashReference, hashHex } from '../../../src/ingest/content-hash.js';
import { WASM_BASE64 } from '../../../src/ingest/wasm/content-hash.wasm.js';

/** Every character JavaScript's \s matches, plus near misses that are not whitespace. */
const SPACES = [' ', '\t', '\n', '\r', '\v', '\f', '\u00a0', '\u1680', '\u2000', '\u2005', '\u200a', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000', '\ufeff'];
const NEAR_MISSES = ['\u200b', '\u2030', '\u00a1', '\u180e', '\u1681', '\u3001', '\ufefe', '\u205e', 'é', '😀', '\ud800'];

const codeLike = fc.array(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 8 }), fc.constantFrom(...SPACES), fc.constantFrom(...NEAR_MISSES)), { maxLength: 60 }).map((parts) => parts.join(''));

describe('content hash', () => {
  it('the test list of whitespace is exactly what \\s matches', () => {
    expect(SPACES.every((c) => /\s/.test(c))).toBe(true);
    expect(NEAR_MISSES.some((c) => /\s/.test(c))).toBe(false);
  });

  it('the WebAssembly kernel equals the JavaScript reference on any string', () => {
    const hasher = new ContentHasher();
    fc.assert(fc.property(codeLike, (code) => {
      const bytes = Buffer.from(hasher.hash(code));
      expect(bytes.equals(Buffer.from(code, 'utf8'))).toBe(true);
      expect([hasher.hi, hasher.lo]).toEqual(contentHashReference(bytes));
    }), { numRuns: 2000 });
  });

  it('ignores whitespace and nothing else: equal to the hash of the code with \\s removed', () => {
    fc.assert(fc.property(codeLike, (code) => {
      const stripped = code.replace(/\s/g, '');
      expect(contentHash(code)).toBe(hashHex(...contentHashReference(Buffer.from(stripped, 'utf8'))));
    }), { numRuns: 2000 });
    expect(contentHash('def f(x):\n    return x')).toBe(contentHash('def  f(x):\r\n\treturn\u00a0x\n'));
    expect(contentHash('return x')).not.toBe(contentHash('return y'));
    expect(contentHash('a\u200bb')).not.toBe(contentHash('ab')); // zero-width space is not \s
  });

  it('handles strings longer than the initial WebAssembly memory', () => {
    const hasher = new ContentHasher();
    const long = 'x = 1\n'.repeat(50_000) + 'é😀'.repeat(10_000);
    const bytes = Buffer.from(hasher.hash(long));
    expect([hasher.hi, hasher.lo]).toEqual(contentHashReference(bytes));
    expect(contentHash(long)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('the embedded module is up to date with content-hash.wat (run `npm run build:wasm` after editing it)', async () => {
    const wabt = await wabtInit();
    const source = await readFile(new URL('../../../src/ingest/wasm/content-hash.wat', import.meta.url), 'utf8');
    const module = wabt.parseWat('content-hash.wat', source);
    expect(Buffer.from(module.toBinary({}).buffer).toString('base64')).toBe(WASM_BASE64);
  });
});
