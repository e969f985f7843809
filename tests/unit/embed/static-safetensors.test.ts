// The safetensors reader on files whose values are known by construction, and model2vec's
// character helpers against Python's semantics (code points, numpy's median then int()).
import { describe, expect, it } from 'vitest';
import { safetensorsBytes } from '../../../src/devkit/static-model/index.js';
import { firstCodePoints, medianTokenLength, readSafetensors, tensorToFloat32, tensorToIntegers } from '../../../src/embedders/static/index.js';

const bytes = (values: Float32Array | Uint16Array | Int32Array | BigInt64Array | Float64Array): Uint8Array => new Uint8Array(values.buffer);

describe('safetensors reader', () => {
  it('reads F32, F64, F16, BF16, I32 and I64 tensors, unaligned ones included (F64 and I64 start off 8-byte boundaries)', () => {
    const file = safetensorsBytes([
      { name: 'f32', dtype: 'F32', shape: [2, 2], data: bytes(Float32Array.of(1.5, -2, 0.25, 3)) },
      // 0x3c00 = 1, 0xc000 = -2, 0x3555 ~ 0.333 in IEEE half; BF16 0x3f80 = 1, 0xc040 = -3.
      { name: 'f16', dtype: 'F16', shape: [3], data: bytes(Uint16Array.of(0x3c00, 0xc000, 0x3555)) },
      { name: 'bf16', dtype: 'BF16', shape: [2], data: bytes(Uint16Array.of(0x3f80, 0xc040)) },
      { name: 'f64', dtype: 'F64', shape: [1], data: bytes(Float64Array.of(0.1)) },
      { name: 'i32', dtype: 'I32', shape: [2], data: bytes(Int32Array.of(7, -1)) },
      { name: 'i64', dtype: 'I64', shape: [2], data: bytes(BigInt64Array.of(5n, 123456n)) },
    ], { format: 'np' });
    const tensors = readSafetensors(file, 'x.safetensors');
    const f = (name: string): number[] => Array.from(tensorToFloat32(tensors.get(name)!, name, 'x'));
    expect(f('f32')).toEqual([1.5, -2, 0.25, 3]);
    expect(f('f16')[0]).toBe(1);
    expect(f('f16')[1]).toBe(-2);
    expect(f('f16')[2]).toBeCloseTo(0.33325, 5);
    expect(f('bf16')).toEqual([1, -3]);
    expect(f('f64')[0]).toBeCloseTo(0.1, 7);
    expect(Array.from(tensorToIntegers(tensors.get('i32')!, 'i32', 'x'))).toEqual([7, -1]);
    expect(Array.from(tensorToIntegers(tensors.get('i64')!, 'i64', 'x'))).toEqual([5, 123456]);
    expect(tensors.get('f32')!.shape).toEqual([2, 2]);
  });

  it('refuses, naming the file, a byte count that disagrees with the shape, a short file and a float read as ids', () => {
    const good = safetensorsBytes([{ name: 't', dtype: 'F32', shape: [2], data: bytes(Float32Array.of(1, 2)) }]);
    const header = new TextDecoder().decode(good.subarray(8, 8 + Number(new DataView(good.buffer).getBigUint64(0, true))));
    const wrongShape = new Uint8Array(good);
    wrongShape.set(new TextEncoder().encode(header.replace('[2]', '[3]')), 8);
    expect(() => readSafetensors(wrongShape, '/m/model.safetensors')).toThrow(/\/m\/model\.safetensors is not a valid safetensors file: tensor "t" \(F32 \[3\]\) needs 12 bytes/);
    expect(() => readSafetensors(good.subarray(0, 5), '/m/model.safetensors')).toThrow(/fewer than the 8-byte header length/);
    expect(() => readSafetensors(good.subarray(0, good.length - 4), '/m/model.safetensors')).toThrow(/tensor "t" ends at byte 8 of the data but the file holds 4/);
    expect(() => tensorToIntegers(readSafetensors(good, 'f').get('t')!, 't', '/m/model.safetensors')).toThrow(/tensor "t" has dtype F32/);
  });
});

describe("model2vec's character helpers", () => {
  it('cuts by code points, as Python slices a str', () => {
    expect(firstCodePoints('a😀b😀c', 3)).toBe('a😀b');
    expect(firstCodePoints('abc', 10)).toBe('abc');
    expect(firstCodePoints('😀😀', 1)).toBe('😀');
  });

  it('takes numpy\'s median of code-point lengths, truncated by int()', () => {
    expect(medianTokenLength(['a', 'bb', 'ccc', 'dddd'])).toBe(2); // median 2.5 -> 2
    expect(medianTokenLength(['a', 'bb', '😀😀😀'])).toBe(2);
    expect(medianTokenLength(['##ab', 'x', 'yyy'])).toBe(3);
  });
});
