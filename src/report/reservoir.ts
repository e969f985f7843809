/**
 * A seeded uniform sample of rows from a stream of unknown length (reservoir sampling, algorithm R),
 * keeping each kept row's vector. Pure: the caller feeds rows, in file order, one at a time.
 */
import { seededRandom } from '../util/random.js';

/** The rows a {@link Reservoir} kept, in random order (so any prefix is a uniform sample too). */
export interface SampledRows {
  /** Rows kept. */
  count: number;
  /** Position of each kept row in the stream (0-based). */
  positions: Float64Array;
  /** `row_id` of each kept row. */
  rowIds: Float64Array;
  /** `count x dim` values, row-major. */
  vectors: Float32Array;
}

/** Keeps a uniform random sample of at most `capacity` rows of width `dim`. */
export class Reservoir {
  private readonly random: () => number;
  private readonly positions: Float64Array;
  private readonly rowIds: Float64Array;
  private readonly vectors: Float32Array;
  private size = 0;
  private seen = 0;

  /**
   * @param capacity rows to keep at most
   * @param dim values per row
   * @param seed seed of the random choices
   */
  constructor(readonly capacity: number, readonly dim: number, seed: number) {
    this.random = seededRandom(seed);
    this.positions = new Float64Array(capacity);
    this.rowIds = new Float64Array(capacity);
    this.vectors = new Float32Array(capacity * dim);
  }

  /** Rows offered so far. */
  get offered(): number {
    return this.seen;
  }

  /**
   * The slot the next row would go to, or -1 when it is not kept. Call once per row, in stream
   * order, then {@link store} the row there when the slot is not -1.
   */
  nextSlot(): number {
    const position = this.seen++;
    if (this.size < this.capacity) return this.size++;
    const slot = Math.floor(this.random() * (position + 1));
    return slot < this.capacity ? slot : -1;
  }

  /** Stores the row at `slot` (from {@link nextSlot}). */
  store(slot: number, rowId: number, values: ArrayLike<number>, offset: number): void {
    this.positions[slot] = this.seen - 1;
    this.rowIds[slot] = rowId;
    const base = slot * this.dim;
    for (let j = 0; j < this.dim; j++) this.vectors[base + j] = values[offset + j]!;
  }

  /** The sample, shuffled with the same seeded generator (a Fisher-Yates shuffle). */
  finish(): SampledRows {
    const count = this.size;
    const order = Int32Array.from({ length: count }, (_, i) => i);
    for (let i = count - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const positions = new Float64Array(count);
    const rowIds = new Float64Array(count);
    const vectors = new Float32Array(count * this.dim);
    order.forEach((from, to) => {
      positions[to] = this.positions[from]!;
      rowIds[to] = this.rowIds[from]!;
      vectors.set(this.vectors.subarray(from * this.dim, (from + 1) * this.dim), to * this.dim);
    });
    return { count, positions, rowIds, vectors };
  }
}
