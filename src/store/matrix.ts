/**
 * Pure helpers for row-major embedding matrices held as flat typed arrays: float32 values in a
 * Float32Array, or IEEE 754 half-precision bits in a Uint16Array (the layout of `.npy` `<f2` data and
 * Arrow Float16 columns). No I/O.
 */
import { InternalError } from '../errors.js';

const F32_EXPONENT_MASK = 0x7f800000;
const F16_EXPONENT_MASK = 0x7c00;

/**
 * Index (0-based, relative to `values`) of the first row that holds a NaN or ±Infinity, or -1 when
 * every value is finite. Accepts float32 values or float16 bits (a half whose exponent bits are all
 * ones is NaN or ±Infinity). Reads float32 through a Uint32Array view of the same memory, so the
 * check is integer masking without copying.
 */
export function firstNonFiniteRow(values: Float32Array | Uint16Array, dim: number): number {
  if (!Number.isInteger(dim) || dim <= 0) throw new InternalError(`firstNonFiniteRow: dim must be a positive integer, got ${dim}`);
  if (values instanceof Float32Array) {
    const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
    for (let i = 0; i < bits.length; i++) {
      if ((bits[i]! & F32_EXPONENT_MASK) === F32_EXPONENT_MASK) return Math.floor(i / dim);
    }
    return -1;
  }
  for (let i = 0; i < values.length; i++) {
    if ((values[i]! & F16_EXPONENT_MASK) === F16_EXPONENT_MASK) return Math.floor(i / dim);
  }
  return -1;
}

/** Float16 bits (0..65535) -> the number they encode (subnormals, ±0, ±Infinity and NaN included). */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  return sign * (1024 + mantissa) * 2 ** (exponent - 25);
}

// One scratch word, viewed both ways, turns a number into its float32 bits without allocating.
const scratchFloat = new Float32Array(1);
const scratchBits = new Uint32Array(scratchFloat.buffer);

/**
 * A number -> float16 bits, rounding to nearest with ties to even (as NumPy's `astype(np.float16)`).
 * The value is taken as a float32 first (`Math.fround`), as a float32 -> float16 cast sees it.
 * Magnitudes that round past 65504 become ±Infinity; tiny ones become subnormals or ±0; NaN stays a
 * (quiet) NaN.
 */
export function floatToHalf(value: number): number {
  scratchFloat[0] = value;
  return float32BitsToHalf(scratchBits[0]!);
}

/** Float32 bits -> float16 bits, round to nearest even. */
function float32BitsToHalf(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return mantissa === 0 ? sign | 0x7c00 : sign | 0x7e00 | (mantissa >>> 13);
  // 2^16 and above is past the largest half (65504) even before rounding.
  if (exponent >= 127 + 16) return sign | 0x7c00;
  if (exponent >= 127 - 14) {
    // Normal half: rebias the exponent, keep the top 10 mantissa bits, round on the 13 dropped bits.
    // A carry out of the mantissa correctly bumps the exponent (up to 0x7c00, Infinity).
    let half = ((exponent - 112) << 10) | (mantissa >>> 13);
    const rest = mantissa & 0x1fff;
    if (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1)) half++;
    return sign | half;
  }
  // Below 2^-25 everything rounds to zero (2^-25 itself is a tie that goes to the even 0).
  if (exponent < 127 - 25) return sign;
  // Subnormal half: the value in units of 2^-24 is the full 24-bit significand shifted right.
  const significand = mantissa | 0x800000;
  const shift = 126 - exponent;
  let half = significand >>> shift;
  const rest = significand & ((1 << shift) - 1);
  const halfway = 1 << (shift - 1);
  if (rest > halfway || (rest === halfway && (half & 1) === 1)) half++;
  return sign | half;
}

let halfTable: Float32Array | undefined;

/** All 65536 half values as float32 (256 KiB), built on first use. */
function halfLookupTable(): Float32Array {
  if (halfTable === undefined) {
    halfTable = new Float32Array(65536);
    for (let bits = 0; bits < 65536; bits++) halfTable[bits] = halfToFloat(bits);
  }
  return halfTable;
}

/**
 * Converts float16 bits to float32 values (exact: every half is a float32). Writes into `dst` when
 * given (it must have the same length as `src`) and returns it.
 */
export function halfArrayToFloat32(src: Uint16Array, dst: Float32Array = new Float32Array(src.length)): Float32Array {
  checkSameLength(src.length, dst.length, 'halfArrayToFloat32');
  const table = halfLookupTable();
  for (let i = 0; i < src.length; i++) dst[i] = table[src[i]!]!;
  return dst;
}

/**
 * Converts float32 values to float16 bits, rounding to nearest even (see {@link floatToHalf}).
 * Writes into `dst` when given (same length as `src`) and returns it.
 */
export function float32ArrayToHalf(src: Float32Array, dst: Uint16Array = new Uint16Array(src.length)): Uint16Array {
  checkSameLength(src.length, dst.length, 'float32ArrayToHalf');
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  for (let i = 0; i < bits.length; i++) dst[i] = float32BitsToHalf(bits[i]!);
  return dst;
}

function checkSameLength(srcLength: number, dstLength: number, name: string): void {
  if (srcLength !== dstLength) throw new InternalError(`${name}: dst has ${dstLength} elements, src has ${srcLength}; they must match`);
}
