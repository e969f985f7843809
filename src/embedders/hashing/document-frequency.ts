/**
 * Document frequency over hashed buckets, built in a first pass over the corpus: for each bucket, the
 * number of documents with at least one token in it. Accumulators are independent and mergeable, so
 * workers count shards in parallel and the main thread (or a resumed run) adds them up.
 */
import { InternalError } from '../../errors.js';
import { TermCounter } from './term-counts.js';

/** Streaming, mergeable document-frequency accumulator. */
export class DocumentFrequency {
  /** Per bucket: documents that touch it. */
  readonly counts: Uint32Array;
  /** Documents added (empty ones included: they count toward N in the IDF). */
  documents: number;
  private counter: TermCounter | undefined;

  /** An empty accumulator, or one holding given counts (e.g. read back from bytes). `buckets` must be a power of two. */
  constructor(readonly buckets: number, counts: Uint32Array = new Uint32Array(buckets), documents = 0) {
    if (counts.length !== buckets) throw new InternalError(`document frequency: ${counts.length} counts for ${buckets} buckets`);
    this.counts = counts;
    this.documents = documents;
  }

  /** Adds each text as one document. */
  add(texts: Iterable<string>): void {
    this.counter ??= new TermCounter(this.buckets);
    const { counter, counts } = this;
    for (const text of texts) {
      const distinct = counter.count(text);
      const touched = counter.touched;
      for (let t = 0; t < distinct; t++) counts[touched[t]!]!++;
      this.documents++;
    }
    if (this.documents > 0xffffffff) throw new InternalError('document frequency: more than 2^32 - 1 documents');
  }

  /** Adds another accumulator's documents to this one. */
  merge(other: DocumentFrequency): void {
    if (other.buckets !== this.buckets) {
      throw new InternalError(`document frequency: cannot merge ${other.buckets} buckets into ${this.buckets}`);
    }
    if (this.documents + other.documents > 0xffffffff) throw new InternalError('document frequency: more than 2^32 - 1 documents');
    const { counts } = this;
    const theirs = other.counts;
    for (let b = 0; b < counts.length; b++) counts[b] = counts[b]! + theirs[b]!;
    this.documents += other.documents;
  }

  /** Smooth inverse document frequency per bucket: ln((1 + N) / (1 + df)) + 1, at least 1. */
  idf(): Float32Array {
    const idf = new Float32Array(this.buckets);
    const numerator = Math.log(1 + this.documents);
    for (let b = 0; b < idf.length; b++) idf[b] = numerator - Math.log(1 + this.counts[b]!) + 1;
    return idf;
  }
}
