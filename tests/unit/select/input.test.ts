/** loadSelectionInput: a float32 .npy is mapped in place (no copy) where it can be, read otherwise, with the same values and checks. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadSelectionInput } from '../../../src/select/input.js';
import { writeNpy } from '../../../src/store/npy.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tidepool-select-input-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

function matrix(n: number, d: number): Float32Array {
  const values = new Float32Array(n * d);
  for (let i = 0; i < values.length; i++) values[i] = Math.sin(i * 0.37) * (1 + (i % 7));
  return values;
}

/** A float32 .npy whose values start at a byte offset of 2 modulo 4 (NumPy pads to 64; other writers may not pad). */
function unalignedNpy(values: Float32Array, n: number, d: number): Buffer {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${n}, ${d}), }`;
  let headerLength = dict.length + 1;
  while ((10 + headerLength) % 4 !== 2) headerLength++;
  const length = Buffer.alloc(2);
  length.writeUInt16LE(headerLength);
  return Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY'), Buffer.from([1, 0]), length, Buffer.from(`${dict.padEnd(headerLength - 1)}\n`, 'latin1'), Buffer.from(values.buffer)]);
}

describe('loadSelectionInput', () => {
  it('maps a float32 .npy at fp32: the same values, norms and row ids as reading it', async () => {
    const [n, d] = [1000, 24];
    const values = matrix(n, d);
    const path = join(dir, 'm.npy');
    await writeNpy(path, values, n, d);
    const mapped = await loadSelectionInput(path, 'fp32');
    const read = await loadSelectionInput(path, 'fp32', 'embedding', { map: false });
    expect(mapped.mapped).toBe(true);
    expect(read.mapped).toBe(false);
    expect(mapped.points.values).toEqual(values);
    expect(read.points.values).toEqual(values);
    expect(mapped.norms).toEqual(read.norms);
    expect(mapped.rowIds).toEqual(Float64Array.from({ length: n }, (_, i) => i));
    expect(mapped.norms[3]).toBeCloseTo(values.subarray(3 * d, 4 * d).reduce((s, x) => s + x * x, 0), 3);
  });

  it('reads (does not map) where mapping cannot serve: values not 4-byte aligned, or --precision fp16', async () => {
    const [n, d] = [50, 8];
    const values = matrix(n, d);
    const odd = join(dir, 'odd.npy');
    await writeFile(odd, unalignedNpy(values, n, d));
    const unaligned = await loadSelectionInput(odd, 'fp32');
    expect(unaligned.mapped).toBe(false);
    expect(unaligned.points.values).toEqual(values);
    const path = join(dir, 'm.npy');
    await writeNpy(path, values, n, d);
    expect((await loadSelectionInput(path, 'fp16')).mapped).toBe(false);
  });

  it('names the first row holding NaN in a mapped file, as when reading it', async () => {
    const [n, d] = [300, 16];
    const values = matrix(n, d);
    values[211 * d + 5] = NaN;
    const path = join(dir, 'nan.npy');
    await writeNpy(path, values, n, d);
    await expect(loadSelectionInput(path, 'fp32')).rejects.toThrow(/row 211 holds NaN or Inf/);
    await expect(loadSelectionInput(path, 'fp32', 'embedding', { map: false })).rejects.toThrow(/row 211 holds NaN or Inf/);
  });
});
