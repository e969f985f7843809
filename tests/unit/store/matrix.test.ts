import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstNonFiniteRow, float32ArrayToHalf, floatToHalf, halfArrayToFloat32, halfToFloat } from '../../../src/store/matrix.js';

const ALL_HALF_BITS = Uint16Array.from({ length: 65536 }, (_, bits) => bits);
const isNanHalf = (bits: number): boolean => (bits & 0x7c00) === 0x7c00 && (bits & 0x3ff) !== 0;
const same = (a: number, b: number): boolean => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

/** Reference binary16 decoding, straight from the IEEE 754 definition with plain arithmetic. */
function referenceHalfToNumber(bits: number): number {
  const sign = bits >= 0x8000 ? -1 : 1;
  const exponent = Math.floor(bits / 1024) % 32;
  const mantissa = bits % 1024;
  if (exponent === 31) return mantissa === 0 ? sign * Infinity : NaN;
  return exponent === 0 ? sign * mantissa * 2 ** -24 : sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

function roundHalfToEven(x: number): number {
  const floor = Math.floor(x);
  const fraction = x - floor;
  return fraction > 0.5 || (fraction === 0.5 && floor % 2 === 1) ? floor + 1 : floor;
}

/**
 * Reference float32 -> binary16 bits with plain arithmetic (every step is exact in a double because a
 * float32 has a 24-bit significand and only powers of two are used as scale factors). NaN -> -1.
 */
function referenceFloatToHalf(value: number): number {
  if (Number.isNaN(value)) return -1;
  const signBit = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const magnitude = Math.abs(value);
  if (magnitude === Infinity) return signBit + 0x7c00;
  // Subnormal range: count units of 2^-24 (rounding up to 1024 gives 0x400, the smallest normal).
  if (magnitude < 2 ** -14) return signBit + roundHalfToEven(magnitude / 2 ** -24);
  let exponent = Math.floor(Math.log2(magnitude));
  if (2 ** exponent > magnitude) exponent--;
  if (2 ** (exponent + 1) <= magnitude) exponent++;
  let mantissa = roundHalfToEven((magnitude / 2 ** exponent - 1) * 1024);
  if (mantissa === 1024) {
    mantissa = 0;
    exponent++;
  }
  if (exponent > 15) return signBit + 0x7c00;
  return signBit + (exponent + 15) * 1024 + mantissa;
}

const float32FromBits = (bits: number): number => new Float32Array(new Uint32Array([bits]).buffer)[0]!;

function expectHalfMatchesReference(value: number): void {
  const expected = referenceFloatToHalf(value);
  const actual = floatToHalf(value);
  if (expected === -1) expect(isNanHalf(actual)).toBe(true);
  else expect(actual, `floatToHalf(${value})`).toBe(expected);
}

describe('halfToFloat / floatToHalf', () => {
  it('decodes every one of the 65536 half bit patterns like the IEEE 754 definition', () => {
    for (let bits = 0; bits < 65536; bits++) {
      if (!same(halfToFloat(bits), referenceHalfToNumber(bits))) expect.fail(`halfToFloat(0x${bits.toString(16)})`);
    }
    const known: [number, number][] = [[0x3c00, 1], [0xc000, -2], [0x7bff, 65504], [0x0001, 2 ** -24], [0x03ff, 1023 * 2 ** -24], [0x0400, 2 ** -14], [0x3555, 0.333251953125], [0x7c00, Infinity], [0xfc00, -Infinity], [0x8000, -0], [0x0000, 0]];
    for (const [bits, value] of known) expect(halfToFloat(bits)).toBe(value);
    expect(halfToFloat(0x7e00)).toBeNaN();
  });

  it('floatToHalf(halfToFloat(bits)) gives back the same bits for every non-NaN half; NaN stays NaN', () => {
    for (let bits = 0; bits < 65536; bits++) {
      const back = floatToHalf(halfToFloat(bits));
      if (isNanHalf(bits) ? !isNanHalf(back) : back !== bits) expect.fail(`0x${bits.toString(16)} came back as 0x${back.toString(16)}`);
    }
  });

  it('rounds to nearest even at the edges: overflow, ties, subnormals, signed zero', () => {
    const cases: [number, number][] = [
      [65504, 0x7bff], [65519, 0x7bff], [65520, 0x7c00], [1e6, 0x7c00], [-1e6, 0xfc00], [3.4e38, 0x7c00],
      [2 ** -25, 0x0000], [-(2 ** -25), 0x8000], [1.5 * 2 ** -25, 0x0001], [1.5 * 2 ** -24, 0x0002], [2.5 * 2 ** -24, 0x0002],
      [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02], [1 + 2 ** -11 + 2 ** -20, 0x3c01], [2 ** -14 - 2 ** -25, 0x0400],
      [-0, 0x8000], [1e-30, 0x0000], [-Infinity, 0xfc00],
    ];
    for (const [value, bits] of cases) expect(floatToHalf(value), `floatToHalf(${value})`).toBe(bits);
    expect(isNanHalf(floatToHalf(NaN))).toBe(true);
    expect(isNanHalf(floatToHalf(float32FromBits(0xff800001)))).toBe(true);
  });

  it('agrees with the arithmetic reference on sampled float32 values', () => {
    fc.assert(fc.property(fc.float(), (value) => {
      expectHalfMatchesReference(value);
    }), { numRuns: 5000 });
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), (bits) => {
      expectHalfMatchesReference(float32FromBits(bits));
    }), { numRuns: 5000 });
  });

  it('agrees with the reference at and one float32 ulp around every kind of tie between adjacent halves', () => {
    const ulp = (x: number, step: number): number => float32FromBits(new Uint32Array(new Float32Array([x]).buffer)[0]! + step);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x7bfe }), fc.boolean(), (bits, negative) => {
        const tie = (halfToFloat(bits) + halfToFloat(bits + 1)) / 2;
        expect(Math.fround(tie)).toBe(tie);
        for (const value of [tie, ulp(tie, -1), ulp(tie, 1)]) expectHalfMatchesReference(negative ? -value : value);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('array conversions', () => {
  it('halfArrayToFloat32 matches halfToFloat on all 65536 patterns, and float32ArrayToHalf inverts it', () => {
    const floats = halfArrayToFloat32(ALL_HALF_BITS);
    for (let bits = 0; bits < 65536; bits++) {
      if (!same(floats[bits]!, halfToFloat(bits))) expect.fail(`halfArrayToFloat32 at 0x${bits.toString(16)}`);
    }
    const back = float32ArrayToHalf(floats);
    for (let bits = 0; bits < 65536; bits++) {
      if (isNanHalf(bits) ? !isNanHalf(back[bits]!) : back[bits] !== bits) expect.fail(`float32ArrayToHalf at 0x${bits.toString(16)}`);
    }
  });

  it('float32ArrayToHalf equals floatToHalf element by element, writes into dst views at an offset', () => {
    fc.assert(
      fc.property(fc.float32Array({ maxLength: 40 }), fc.nat({ max: 3 }), (values, offset) => {
        const padded = new Float32Array(values.length + offset);
        padded.set(values, offset);
        const src = padded.subarray(offset);
        const dst = new Uint16Array(values.length + 2).subarray(1, values.length + 1);
        expect(float32ArrayToHalf(src, dst)).toBe(dst);
        expect(Array.from(dst)).toEqual(Array.from(values, (v) => floatToHalf(v)));
      }),
      { numRuns: 300 },
    );
  });

  it('rejects a dst of the wrong length as a bug', () => {
    expect(() => halfArrayToFloat32(new Uint16Array(3), new Float32Array(2))).toThrow(expect.objectContaining({ code: 'E_INTERNAL' }));
    expect(() => float32ArrayToHalf(new Float32Array(3), new Uint16Array(4))).toThrow(expect.objectContaining({ code: 'E_INTERNAL' }));
  });
});

describe('firstNonFiniteRow', () => {
  const bruteForceRow = (values: ArrayLike<number>, dim: number, toNumber: (v: number) => number): number => {
    const index = Array.from(values, toNumber).findIndex((v) => !Number.isFinite(v));
    return index < 0 ? -1 : Math.floor(index / dim);
  };
  const mostlyFinite = fc.oneof(
    { arbitrary: fc.float({ noNaN: true, noDefaultInfinity: true }), weight: 30 },
    { arbitrary: fc.constantFrom(NaN, Infinity, -Infinity), weight: 1 },
    { arbitrary: fc.integer({ min: 0, max: 0xffffffff }).map(float32FromBits), weight: 3 },
  );

  it('matches a brute-force scan on float32 (any NaN payload, ±Inf), also on a view at a byte offset', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(mostlyFinite, { maxLength: 120 }), fc.nat({ max: 5 }), (dim, numbers, offset) => {
        const backing = new Float32Array(numbers.length + offset).fill(NaN);
        backing.set(numbers, offset);
        const values = backing.subarray(offset);
        expect(firstNonFiniteRow(values, dim)).toBe(bruteForceRow(values, dim, (v) => v));
      }),
      { numRuns: 500 },
    );
  });

  it('matches a brute-force scan on float16 bits', () => {
    const halfBits = fc.oneof({ arbitrary: fc.integer({ min: 0, max: 0xffff }), weight: 3 }, { arbitrary: fc.integer({ min: 0, max: 0x7bff }), weight: 30 });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(halfBits, { maxLength: 120 }), (dim, bits) => {
        const values = Uint16Array.from(bits);
        expect(firstNonFiniteRow(values, dim)).toBe(bruteForceRow(values, dim, referenceHalfToNumber));
      }),
      { numRuns: 500 },
    );
  });

  it('finds the row, not the element; -1 when all finite; rejects a bad dim', () => {
    expect(firstNonFiniteRow(new Float32Array([1, 2, 3, 4, 5, Infinity]), 2)).toBe(2);
    expect(firstNonFiniteRow(Uint16Array.from([0x3c00, 0x3c00, 0x3c00, 0xfe00]), 2)).toBe(1);
    expect(firstNonFiniteRow(new Float32Array([3.4e38, -3.4e38, 1e-45]), 3)).toBe(-1);
    expect(firstNonFiniteRow(new Float32Array(0), 4)).toBe(-1);
    expect(() => firstNonFiniteRow(new Float32Array(4), 0)).toThrow(expect.objectContaining({ code: 'E_INTERNAL' }));
  });
});
