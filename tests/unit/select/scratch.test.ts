/** Gather buffers lent and given back: reused when large enough, never lent twice at once, only a few kept. */
import { describe, expect, it } from 'vitest';
import { ScratchBuffers } from '../../../src/select/scratch.js';

describe('ScratchBuffers', () => {
  it('lends a given-back buffer again when it is large enough, and a new one when it is not or is in use', () => {
    const scratch = new ScratchBuffers(2);
    const first = scratch.take(100);
    expect(first.length).toBe(100);
    const second = scratch.take(50);
    expect(second.buffer).not.toBe(first.buffer);
    scratch.give(first);
    const again = scratch.take(80);
    expect(again.buffer).toBe(first.buffer);
    expect(again.length).toBe(80);
    // Too small a buffer is not lent for a larger gather.
    scratch.give(second);
    const larger = scratch.take(200);
    expect(larger.buffer).not.toBe(second.buffer);
    expect(larger.length).toBe(200);
  });

  it('picks the smallest buffer that fits, and keeps only the largest few', () => {
    const scratch = new ScratchBuffers(2);
    const [small, middle, large] = [scratch.take(10), scratch.take(100), scratch.take(1000)];
    for (const buffer of [small, middle, large]) scratch.give(buffer);
    // The smallest (10) was dropped; 100 fits 50 better than 1000 does.
    expect(scratch.take(50).buffer).toBe(middle.buffer);
    expect(scratch.take(5).buffer).toBe(large.buffer);
    expect(scratch.take(5).buffer).not.toBe(small.buffer);
  });
});
