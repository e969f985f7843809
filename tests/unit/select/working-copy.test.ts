import { describe, expect, it } from 'vitest';
import { float32ArrayToHalf } from '../../../src/store/matrix.js';
import { declaredValues } from '../../../src/store/embeddings.js';
import { emptyWorkingCopy, gatherRows, rowNorms } from '../../../src/select/working-copy.js';

// Values a float16 holds exactly, so both precisions describe the same matrix.
const VALUES = Float32Array.of(0.5, -2, 3, 0.25, 1, -1.5, 4, 8, -0.125);

describe('working copy', () => {
  it('carries its precision: an empty copy has the array of its precision', () => {
    expect(emptyWorkingCopy('fp32', 3).values).toBeInstanceOf(Float32Array);
    expect(emptyWorkingCopy('fp16', 3).values).toBeInstanceOf(Uint16Array);
  });

  it('gathers the same float32 rows, and the same norms, from either precision', () => {
    const wide = declaredValues('fp32', VALUES);
    const half = declaredValues('fp16', float32ArrayToHalf(VALUES));
    expect(gatherRows(half, 3, [2, 0])).toEqual(gatherRows(wide, 3, [2, 0]));
    expect(gatherRows(wide, 3, [2, 0])).toEqual(Float32Array.of(4, 8, -0.125, 0.5, -2, 3));
    expect(rowNorms(half, 3)).toEqual(rowNorms(wide, 3));
    expect(rowNorms(wide, 3)).toEqual(Float32Array.of(0.25 + 4 + 9, 0.0625 + 1 + 2.25, 16 + 64 + 0.015625));
  });

  it('a reader whose array disagrees with the precision it declared is a bug (E_INTERNAL), not a user error', () => {
    expect(() => declaredValues('fp16', VALUES)).toThrow(expect.objectContaining({ code: 'E_INTERNAL' }) as Error);
    expect(() => declaredValues('fp32', new Uint16Array(3))).toThrow(/declared fp32 arrived as a Uint16Array/);
  });
});
