/**
 * Float32 buffers kept for reuse by the gathers of a selection run. A gather of stale rows (up to
 * 65,536 rows of 768 values: 200 MB) that allocates afresh each time pays for mapping and zeroing new
 * pages: on this project's 2-core VM, page faults took most of the lazy passes' time (M: 62.5 s with
 * fresh buffers, 43.0 s with freed memory kept by the allocator). A gather borrows a buffer here and
 * its subset gives it back when done ({@link MinDistanceKernel.dispose}).
 */

/** A few buffers, each lent to one user at a time. */
export class ScratchBuffers {
  private readonly free: Float32Array[] = [];

  /** @param keep how many idle buffers to keep (the largest ones). @default 2 */
  constructor(private readonly keep = 2) {}

  /** A buffer of `length` values (contents undefined: the caller overwrites them), until {@link give}. */
  take(length: number): Float32Array {
    let best = -1;
    this.free.forEach((buffer, index) => {
      if (buffer.length >= length && (best < 0 || buffer.length < this.free[best]!.length)) best = index;
    });
    const buffer = best < 0 ? new Float32Array(length) : this.free.splice(best, 1)[0]!;
    return buffer.length === length ? buffer : buffer.subarray(0, length);
  }

  /** Gives back a buffer {@link take} lent; it must not be used after. */
  give(view: Float32Array): void {
    this.free.push(new Float32Array(view.buffer, 0, view.buffer.byteLength / 4));
    if (this.free.length > this.keep) {
      this.free.sort((a, b) => b.length - a.length);
      this.free.length = this.keep;
    }
  }
}
