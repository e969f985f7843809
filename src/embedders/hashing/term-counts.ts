/** Term frequencies of one text over the hashed buckets, kept dense for O(1) updates and cleared sparsely. */
import { InternalError } from '../../errors.js';
import { tokenHash } from './hash.js';
import { TokenScanner } from './tokenize.js';

/** Counts a text's tokens per bucket. One per thread: it holds a count for every bucket (4 bytes each). */
export class TermCounter {
  /** Per bucket: occurrences in the last counted text (0 for buckets it does not touch). */
  readonly frequencies: Uint32Array;
  /** The distinct buckets of the last counted text, in order of first occurrence; the first {@link distinct} are valid. */
  touched = new Int32Array(512);
  /** Number of distinct buckets in the last counted text. */
  distinct = 0;
  private readonly scanner = new TokenScanner();
  private readonly mask: number;

  /** `buckets` must be a power of two (see `resolveHashingOptions`). */
  constructor(buckets: number) {
    if (!Number.isInteger(buckets) || buckets < 1 || (buckets & (buckets - 1)) !== 0) throw new InternalError(`term counter: ${buckets} buckets is not a power of two`);
    this.frequencies = new Uint32Array(buckets);
    this.mask = buckets - 1;
  }

  /** Counts `text`, replacing the previous text's counts; returns the number of distinct buckets. */
  count(text: string): number {
    const { frequencies, mask, scanner } = this;
    for (let t = 0; t < this.distinct; t++) frequencies[this.touched[t]!] = 0;
    this.distinct = 0;
    const spans = scanner.scan(text);
    const { starts, ends } = scanner;
    for (let s = 0; s < spans; s++) {
      const bucket = tokenHash(text, starts[s]!, ends[s]!) & mask;
      const seen = frequencies[bucket]!;
      frequencies[bucket] = seen + 1;
      if (seen === 0) this.touch(bucket);
    }
    return this.distinct;
  }

  private touch(bucket: number): void {
    if (this.distinct === this.touched.length) {
      const grown = new Int32Array(this.distinct * 2);
      grown.set(this.touched);
      this.touched = grown;
    }
    this.touched[this.distinct++] = bucket;
  }
}
