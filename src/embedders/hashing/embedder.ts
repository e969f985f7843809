/**
 * The hashing embedder: a text's tokens hashed into buckets, weighted by sublinear TF times IDF
 * ((1 + ln tf) * idf[bucket]), projected to `dim` outputs with the seeded Rademacher projection of
 * projection.ts, and L2-normalised. A text with no tokens (or only zero-IDF ones) gets a zero vector,
 * which {@link HashingEmbedder.embedInto} reports so the caller can count it.
 *
 * Per bucket the projection row is regenerated, not stored: `dim / 32` hash steps, then one add per
 * output. Entries are +-1 / sqrt(dim), but that constant scale vanishes in the normalisation, so it
 * is never applied: the sum over a text's buckets of w * (+-1) is computed as 2 * (sum of w where the
 * bit is 1) - (sum of all w), in float64.
 */
import { InternalError } from '../../errors.js';
import type { HashingParams } from './params.js';
import { mixSeed, projectionRowStart, projectionWord } from './projection.js';
import { TermCounter } from './term-counts.js';

/** Embeds texts; holds per-thread buffers (4 bytes per bucket), so make one per worker and reuse it. */
export class HashingEmbedder {
  readonly params: HashingParams;
  private readonly idf: Float32Array;
  private readonly counter: TermCounter;
  private readonly positive: Float64Array;
  private readonly mixedSeed: number;

  /** `idf` holds one finite, non-negative weight per bucket (see `DocumentFrequency.idf`). */
  constructor(params: HashingParams, idf: Float32Array) {
    if (idf.length !== params.buckets) throw new InternalError(`hashing embedder: ${idf.length} IDF weights for ${params.buckets} buckets`);
    for (let b = 0; b < idf.length; b++) {
      const weight = idf[b]!;
      if (!(weight >= 0 && weight < Infinity)) throw new InternalError(`hashing embedder: IDF weight of bucket ${b} is ${weight}`);
    }
    this.params = params;
    this.idf = idf;
    this.counter = new TermCounter(params.buckets);
    this.positive = new Float64Array(params.dim);
    this.mixedSeed = mixSeed(params.seed);
  }

  /**
   * Writes the vector of `texts[i]` to `out[(firstRow + i) * dim ..][0, dim)`. Returns the indexes
   * (into `texts`) of the texts whose vector is zero, in order; usually empty.
   */
  embedInto(texts: readonly string[], out: Float32Array, firstRow = 0): number[] {
    const { dim } = this.params;
    if (!Number.isInteger(firstRow) || firstRow < 0 || (firstRow + texts.length) * dim > out.length) {
      throw new InternalError(`hashing embedder: rows ${firstRow}..${firstRow + texts.length} of ${dim} floats do not fit in ${out.length} floats`);
    }
    const zeroRows: number[] = [];
    for (let i = 0; i < texts.length; i++) {
      if (!this.embedOne(texts[i]!, out, (firstRow + i) * dim)) zeroRows.push(i);
    }
    return zeroRows;
  }

  /** Writes one vector at `offset`; false when it is zero. */
  private embedOne(text: string, out: Float32Array, offset: number): boolean {
    const { counter, idf, positive, mixedSeed } = this;
    const { dim } = this.params;
    positive.fill(0);
    let total = 0;
    const distinct = counter.count(text);
    const { touched, frequencies } = counter;
    for (let t = 0; t < distinct; t++) {
      const bucket = touched[t]!;
      const weight = (1 + Math.log(frequencies[bucket]!)) * idf[bucket]!;
      if (weight === 0) continue;
      total += weight;
      const double = 2 * weight;
      const rowStart = projectionRowStart(mixedSeed, bucket);
      for (let base = 0, k = 0; base < dim; base += 32, k++) {
        const bits = projectionWord(rowStart, k);
        if (base + 32 > dim) {
          for (let bit = 0; base + bit < dim; bit++) positive[base + bit]! += ((bits >>> bit) & 1) * double;
          continue;
        }
        // Unrolled by four: the hot loop of the embedder (about 1.3x faster than the plain loop in V8).
        for (let bit = 0; bit < 32; bit += 4) {
          const j = base + bit;
          positive[j]! += ((bits >>> bit) & 1) * double;
          positive[j + 1]! += ((bits >>> (bit + 1)) & 1) * double;
          positive[j + 2]! += ((bits >>> (bit + 2)) & 1) * double;
          positive[j + 3]! += ((bits >>> (bit + 3)) & 1) * double;
        }
      }
    }
    let squares = 0;
    for (let j = 0; j < dim; j++) {
      const value = positive[j]! - total;
      squares += value * value;
    }
    if (!(squares > 0)) {
      out.fill(0, offset, offset + dim);
      return false;
    }
    const scale = 1 / Math.sqrt(squares);
    for (let j = 0; j < dim; j++) out[offset + j] = (positive[j]! - total) * scale;
    return true;
  }
}
