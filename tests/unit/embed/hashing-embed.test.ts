import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DocumentFrequency } from '../../../src/embedders/hashing/document-frequency.js';
import { HashingEmbedder } from '../../../src/embedders/hashing/embedder.js';
import { hashingModelKey, resolveHashingOptions, type HashingOptions } from '../../../src/embedders/hashing/params.js';
import { referenceEmbed, referenceIdf, referenceProjection, SNIPPETS } from './hashing-reference.js';

function embed(texts: readonly string[], options: HashingOptions, corpus: readonly string[] = texts): { vectors: Float32Array; zeroRows: number[] } {
  const params = resolveHashingOptions(options);
  const df = new DocumentFrequency(params.buckets);
  df.add(corpus);
  const vectors = new Float32Array(texts.length * params.dim);
  const zeroRows = new HashingEmbedder(params, df.idf()).embedInto(texts, vectors);
  return { vectors, zeroRows };
}

const row = (vectors: Float32Array, i: number, dim: number): Float32Array => vectors.subarray(i * dim, (i + 1) * dim);
const dot = (a: Float32Array, b: Float32Array): number => a.reduce((sum, v, j) => sum + v * b[j]!, 0);

const codeText = fc.oneof(
  fc.constantFrom(...SNIPPETS, '', '(){};'),
  fc.array(fc.constantFrom('foo', 'fooBar', 'BAR_BAZ', 'x1', '=>', '::', 'return', '0', 'é', '\n', '    '), { maxLength: 25 }).map((w) => w.join(' ')),
);

describe('hashing embedder', () => {
  it('matches the brute-force dense reference (64 buckets; dims that are and are not multiples of 32)', () => {
    for (const [dim, seed] of [[48, 7], [256, 0], [5, 0xffffffff]] as const) {
      const buckets = 64;
      const texts = [...SNIPPETS, 'foo foo foo barBaz', ''];
      const { vectors } = embed(texts, { buckets, dim, seed });
      const df = new DocumentFrequency(buckets);
      df.add(texts);
      const idf = referenceIdf(Array.from(df.counts), texts.length);
      const projection = referenceProjection(seed, buckets, dim);
      texts.forEach((text, i) => {
        const expected = referenceEmbed(text, idf, projection, dim);
        const actual = Array.from(row(vectors, i, dim));
        for (let j = 0; j < dim; j++) expect(Math.abs(actual[j]! - expected[j]!)).toBeLessThan(1e-5);
      });
    }
  });

  it('matches the reference on arbitrary code-like texts', () => {
    const buckets = 64;
    const dim = 40;
    const projection = referenceProjection(3, buckets, dim);
    fc.assert(fc.property(fc.array(codeText, { minLength: 1, maxLength: 8 }), (texts) => {
      const { vectors } = embed(texts, { buckets, dim, seed: 3 });
      const df = new DocumentFrequency(buckets);
      df.add(texts);
      const idf = referenceIdf(Array.from(df.counts), texts.length);
      texts.forEach((text, i) => {
        const expected = referenceEmbed(text, idf, projection, dim);
        row(vectors, i, dim).forEach((v, j) => { expect(Math.abs(v - expected[j]!)).toBeLessThan(1e-5); });
      });
    }), { numRuns: 100 });
  });

  it('is deterministic for a seed and changes with the seed', () => {
    const a = embed(SNIPPETS, { seed: 1 }).vectors;
    const b = embed(SNIPPETS, { seed: 1 }).vectors;
    const c = embed(SNIPPETS, { seed: 2 }).vectors;
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    for (let i = 0; i < SNIPPETS.length; i++) expect(Math.abs(dot(row(a, i, 256), row(c, i, 256)))).toBeLessThan(0.5);
  });

  it('gives a text the same vector alone, in a batch, or at an offset', () => {
    const params = resolveHashingOptions({ buckets: 1024, dim: 64 });
    const df = new DocumentFrequency(params.buckets);
    df.add(SNIPPETS);
    const embedder = new HashingEmbedder(params, df.idf());
    const batch = new Float32Array(SNIPPETS.length * 64);
    embedder.embedInto(SNIPPETS, batch);
    const shifted = new Float32Array((SNIPPETS.length + 2) * 64);
    embedder.embedInto([...SNIPPETS].reverse(), shifted, 2);
    SNIPPETS.forEach((text, i) => {
      const alone = new Float32Array(64);
      embedder.embedInto([text], alone);
      expect(Array.from(alone)).toEqual(Array.from(row(batch, i, 64)));
      expect(Array.from(row(shifted, 2 + SNIPPETS.length - 1 - i, 64))).toEqual(Array.from(alone));
    });
  });

  it('writes unit vectors, and zero vectors (reported) for texts without tokens', () => {
    const texts = ['', SNIPPETS[0]!, ' (){}[];, ', SNIPPETS[2]!];
    const out = new Float32Array(4 * 256).fill(NaN);
    const params = resolveHashingOptions();
    const zeroRows = new HashingEmbedder(params, new Float32Array(params.buckets).fill(1)).embedInto(texts, out);
    expect(zeroRows).toEqual([0, 2]);
    expect(Array.from(row(out, 0, 256)).every((v) => v === 0)).toBe(true);
    expect(Array.from(row(out, 2, 256)).every((v) => v === 0)).toBe(true);
    for (const i of [1, 3]) expect(dot(row(out, i, 256), row(out, i, 256))).toBeCloseTo(1, 5);
  });

  it('puts an edited copy of a function closer to it than unrelated code, for any seed', () => {
    const original = 'def read_config(path):\n    with open(path) as handle:\n        config = json.load(handle)\n    if "timeout" not in config:\n        config["timeout"] = DEFAULT_TIMEOUT\n    return config\n';
    const edited = 'def load_settings(config_path):\n    """Read the JSON settings file."""\n    with open(config_path) as f:\n        settings = json.load(f)\n    settings.setdefault("timeout", DEFAULT_TIMEOUT)\n    return settings\n';
    const texts = [original, edited, ...SNIPPETS];
    for (const seed of [0, 1, 2, 3]) {
      const { vectors } = embed(texts, { seed });
      const similarity = (i: number, j: number): number => dot(row(vectors, i, 256), row(vectors, j, 256));
      const near = similarity(0, 1);
      for (let other = 2; other < texts.length; other++) {
        expect(near).toBeGreaterThan(similarity(0, other) + 0.2);
        expect(near).toBeGreaterThan(similarity(1, other) + 0.2);
      }
    }
  });

  it('rejects bad parameters, listing every problem, and buffers that do not fit', () => {
    expect(() => resolveHashingOptions({ buckets: 1000, dim: 0, seed: -1 })).toThrow(expect.objectContaining({
      code: 'E_USAGE',
      details: { problems: [expect.stringContaining('options.buckets'), expect.stringContaining('options.dim'), expect.stringContaining('options.seed')] },
    }));
    for (const options of [{ buckets: 2 ** 27 }, { buckets: 8 }, { dim: 2.5 }, { dim: 5000 }, { seed: 2 ** 32 }, { seed: NaN }]) {
      expect(() => resolveHashingOptions(options)).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
    }
    expect(resolveHashingOptions()).toEqual({ buckets: 2 ** 20, dim: 256, seed: 0 });
    expect(hashingModelKey(resolveHashingOptions({ dim: 128, seed: 9 }))).toBe('hashing-v1:buckets=1048576:dim=128:seed=9');
    const params = resolveHashingOptions({ buckets: 64, dim: 8 });
    expect(() => new HashingEmbedder(params, new Float32Array(32))).toThrow(expect.objectContaining({ code: 'E_INTERNAL' }));
    expect(() => new HashingEmbedder(params, new Float32Array(64).fill(NaN))).toThrow(expect.objectContaining({ code: 'E_INTERNAL' }));
    const embedder = new HashingEmbedder(params, new Float32Array(64).fill(1));
    expect(() => embedder.embedInto(['a', 'b'], new Float32Array(15))).toThrow(expect.objectContaining({ code: 'E_INTERNAL' }));
    expect(() => embedder.embedInto(['a'], new Float32Array(16), 2)).toThrow(expect.objectContaining({ code: 'E_INTERNAL' }));
  });
});
