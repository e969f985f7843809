import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { documentFrequencyFromBytes, documentFrequencyToBytes } from '../../../src/embedders/hashing/df-codec.js';
import { DocumentFrequency } from '../../../src/embedders/hashing/document-frequency.js';
import { HASHING_SCHEME_VERSION } from '../../../src/embedders/hashing/params.js';
import { referenceDocumentFrequency, referenceIdf, SNIPPETS } from './hashing-reference.js';

const text = fc.oneof(
  fc.constantFrom(...SNIPPETS, '', '   '),
  fc.array(fc.constantFrom('foo', 'barBaz', 'qux_1', '=>', 'x', 'HTTPServer', '42', '\n'), { maxLength: 12 }).map((words) => words.join(' ')),
);

function accumulate(texts: readonly string[], buckets = 64): DocumentFrequency {
  const df = new DocumentFrequency(buckets);
  df.add(texts);
  return df;
}

describe('document frequency', () => {
  it('counts each document once per bucket, as a brute-force count does', () => {
    const texts = [...SNIPPETS, 'foo foo foo', '', 'foo'];
    const df = accumulate(texts);
    const reference = referenceDocumentFrequency(texts, 64);
    expect(Array.from(df.counts)).toEqual(reference.counts);
    expect(df.documents).toBe(texts.length);
  });

  it('gives the same counts whether the corpus is added in one pass or in merged shards', () => {
    fc.assert(fc.property(fc.array(text, { maxLength: 30 }), fc.array(fc.nat(30), { maxLength: 4 }), (texts, cuts) => {
      const whole = accumulate(texts);
      const bounds = [0, ...cuts.map((c) => Math.min(c, texts.length)).sort((a, b) => a - b), texts.length];
      const merged = new DocumentFrequency(64);
      for (let s = 0; s + 1 < bounds.length; s++) merged.merge(accumulate(texts.slice(bounds[s], bounds[s + 1])));
      expect(Array.from(merged.counts)).toEqual(Array.from(whole.counts));
      expect(merged.documents).toBe(whole.documents);
    }), { numRuns: 200 });
  });

  it('computes the smooth IDF ln((1 + N) / (1 + df)) + 1', () => {
    const df = accumulate(SNIPPETS);
    const reference = referenceIdf(Array.from(df.counts), df.documents);
    const idf = df.idf();
    for (let b = 0; b < 64; b++) expect(idf[b]).toBeCloseTo(reference[b]!, 6);
    expect(Array.from(new DocumentFrequency(16).idf())).toEqual(new Array<number>(16).fill(1));
  });

  it('refuses to merge accumulators of different sizes', () => {
    expect(() => { new DocumentFrequency(64).merge(new DocumentFrequency(128)); }).toThrow(expect.objectContaining({ code: 'E_INTERNAL' }));
  });

  it('round-trips through bytes', () => {
    fc.assert(fc.property(fc.array(text, { maxLength: 20 }), (texts) => {
      const df = accumulate(texts);
      const bytes = documentFrequencyToBytes(df);
      expect(bytes.length).toBe(24 + 4 * 64);
      const back = documentFrequencyFromBytes(bytes);
      expect(back.buckets).toBe(64);
      expect(back.documents).toBe(df.documents);
      expect(Array.from(back.counts)).toEqual(Array.from(df.counts));
      // An unaligned copy inside a larger buffer reads the same.
      const padded = new Uint8Array(bytes.length + 3);
      padded.set(bytes, 3);
      expect(Array.from(documentFrequencyFromBytes(padded.subarray(3)).counts)).toEqual(Array.from(df.counts));
    }), { numRuns: 50 });
  });

  it('rejects bytes that are not whole, consistent counts of this scheme', () => {
    const good = documentFrequencyToBytes(accumulate(SNIPPETS));
    const edited = (edit: (view: DataView, bytes: Uint8Array) => void): Uint8Array => {
      const bytes = good.slice();
      edit(new DataView(bytes.buffer), bytes);
      return bytes;
    };
    const cases: [Uint8Array, RegExp][] = [
      [good.subarray(0, 10), /10 bytes/],
      [good.subarray(0, good.length - 4), /for 64 buckets/],
      [edited((_, b) => { b[0] = 0x58; }), /magic/],
      [edited((v) => { v.setUint32(4, 9, true); }), /format version 9/],
      [edited((v) => { v.setUint32(8, HASHING_SCHEME_VERSION + 1, true); }), /scheme version/],
      [edited((v) => { v.setUint32(12, 63, true); }), /63 buckets/],
      [edited((v) => { v.setFloat64(16, 1.5, true); }), /document count of 1.5/],
      [edited((v) => { v.setUint32(24 + 4 * 5, 1000, true); }), /bucket 5 in 1000 of 8 documents/],
    ];
    for (const [bytes, message] of cases) {
      expect(() => documentFrequencyFromBytes(bytes, 'run/df.bin')).toThrow(expect.objectContaining({ code: 'E_FORMAT_INVALID', message: expect.stringMatching(message) as unknown }));
      expect(() => documentFrequencyFromBytes(bytes, 'run/df.bin')).toThrow(/^run\/df\.bin: .*delete the file and rerun/);
    }
  });
});
