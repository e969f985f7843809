import { access, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { firstNonFiniteRow } from '../../../src/store/matrix.js';
import { readNpyHeader, readNpyRows, readNpyRowsInto, wrapNpyHeader, writeNpy, type NpyHeader } from '../../../src/store/npy.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/npy/', import.meta.url));
const fixture = (name: string): string => join(FIXTURES, name);

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tidepool-npy-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

/** An .npy file built by hand from the format spec: magic, version, little-endian header length, dict, spaces, '\n' at a 64-byte boundary. */
function specNpy(dict: string, data: Uint8Array = new Uint8Array(0), version: 1 | 2 | 3 = 1, align = 64): Buffer {
  const lengthBytes = version === 1 ? 2 : 4;
  const unpadded = 8 + lengthBytes + dict.length + 1;
  const headerLength = dict.length + 1 + ((align - (unpadded % align)) % align);
  const length = Buffer.alloc(lengthBytes);
  if (version === 1) length.writeUInt16LE(headerLength);
  else length.writeUInt32LE(headerLength);
  return Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY'), Buffer.from([version, 0]), length, Buffer.from(`${dict.padEnd(headerLength - 1)}\n`, 'latin1'), data]);
}

const f32Bytes = (values: number[]): Uint8Array => new Uint8Array(Float32Array.from(values).buffer);

async function readAll(header: NpyHeader, rowsPerChunk?: number): Promise<{ starts: number[]; rows: number[]; values: number[] }> {
  const out = { starts: [] as number[], rows: [] as number[], values: [] as number[] };
  for await (const chunk of readNpyRows(header, rowsPerChunk)) {
    out.starts.push(chunk.startRow);
    out.rows.push(chunk.rows);
    expect(chunk.values.length).toBe(chunk.rows * header.dim);
    out.values.push(...chunk.values);
  }
  return out;
}

const errorOf = (promise: Promise<unknown>): Promise<{ code?: string; message: string }> =>
  promise.then(
    () => expect.fail('expected an error'),
    (error: unknown) => error as { code?: string; message: string },
  );

describe('reading .npy files written by NumPy', () => {
  it('float32 (2, 3), version 1.0', async () => {
    const header = await readNpyHeader(fixture('f32_2x3.npy'));
    expect(header).toEqual({ path: fixture('f32_2x3.npy'), dtype: 'float32', rows: 2, dim: 3, dataOffset: 128, version: 1 });
    expect((await readAll(header)).values).toEqual([1, -2.5, 3.25, Math.fround(0.1), Math.fround(1e-8), -0]);
  });

  it('float16 (3, 2) as raw half bits', async () => {
    const header = await readNpyHeader(fixture('f16_3x2.npy'));
    expect(header).toMatchObject({ dtype: 'float16', rows: 3, dim: 2, dataOffset: 128, version: 1 });
    expect(await readAll(header, 2)).toEqual({ starts: [0, 2], rows: [2, 1], values: [0x3c00, 0xc000, 0x3800, 0x7bff, 0x0400, 0x0001] });
  });

  it('version 2.0 and 3.0 headers', async () => {
    const v2 = await readNpyHeader(fixture('f32_v2_2x2.npy'));
    expect(v2).toMatchObject({ dtype: 'float32', rows: 2, dim: 2, dataOffset: 128, version: 2 });
    expect((await readAll(v2)).values).toEqual([1.5, 2.5, -3.5, 4.5]);
    const v3 = await readNpyHeader(fixture('f16_v3_2x2.npy'));
    expect(v3).toMatchObject({ dtype: 'float16', rows: 2, dim: 2, dataOffset: 128, version: 3 });
    expect((await readAll(v3)).values).toEqual([0x3400, 0xba00, 0x6400, 0x1400]);
  });

  it('NaN and Inf are read as they are; firstNonFiniteRow finds row 1', async () => {
    const header = await readNpyHeader(fixture('f32_nonfinite_4x2.npy'));
    const values = new Float32Array(8);
    await readNpyRowsInto(header, 0, 4, values);
    expect(Array.from(values)).toEqual([0, 1, 2, NaN, Infinity, 3, 4, 5]);
    expect(firstNonFiniteRow(values, header.dim)).toBe(1);
    expect(firstNonFiniteRow(values.subarray(4), header.dim)).toBe(0);
  });

  it('writeNpy writes the same bytes as np.save', async () => {
    for (const name of ['f32_2x3.npy', 'f16_3x2.npy']) {
      const header = await readNpyHeader(fixture(name));
      const values = header.dtype === 'float32' ? new Float32Array(header.rows * header.dim) : new Uint16Array(header.rows * header.dim);
      await readNpyRowsInto(header, 0, header.rows, values);
      await writeNpy(join(dir, name), values, header.rows, header.dim);
      expect(await readFile(join(dir, name))).toEqual(await readFile(fixture(name)));
    }
  });

  it('accepts hand-written headers: any key order, extra spaces, double quotes, Python 2 longs, 16-byte alignment, native =f4', async () => {
    const dicts = [
      `{'shape': (2, 3), 'fortran_order': False, 'descr': '<f4'}`,
      `{ "descr" : "<f4" ,  'shape':(2,3,) , 'fortran_order':False , }`,
      `{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L), }`,
      `{'descr': '=f4', 'fortran_order': False, 'shape': (2, 3), }`,
    ];
    const data = [1, 2, 3, 4, 5, 6];
    for (const [i, dict] of dicts.entries()) {
      const path = join(dir, `ok${i}.npy`);
      await writeFile(path, specNpy(dict, f32Bytes(data), 1, i === 2 ? 16 : 64));
      const header = await readNpyHeader(path);
      expect(header).toMatchObject({ dtype: 'float32', rows: 2, dim: 3 });
      expect((await readAll(header)).values).toEqual(data);
    }
  });
});

describe('writeNpy', () => {
  it('lays out the bytes as the spec says (checked against a header built by hand)', async () => {
    const path = join(dir, 'small.npy');
    await writeNpy(path, Float32Array.from([1, 2, 3, -4, 0.5, 6]), 2, 3);
    const bytes = await readFile(path);
    const dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    // 10-byte prefix + 118-byte header = 128, a multiple of 64; header = dict, spaces, '\n'.
    const expectedHeader = Buffer.concat([Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 118, 0]), Buffer.from(`${dict.padEnd(117, ' ')}\n`)]);
    expect(bytes.subarray(0, 128)).toEqual(expectedHeader);
    expect(bytes.length).toBe(128 + 6 * 4);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect([0, 1, 2, 3, 4, 5].map((i) => view.getFloat32(128 + 4 * i, true))).toEqual([1, 2, 3, -4, 0.5, 6]);
  });

  it('round-trips float32 and float16 through every chunk size, including a short last chunk', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 23 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 30 }), fc.boolean(), fc.nat({ max: 3 }), async (rows, dim, rowsPerChunk, half, offset) => {
        const count = rows * dim;
        const values = half
          ? new Uint16Array(count + offset).map((_, i) => (i * 7919 + rows) & 0xffff).subarray(offset)
          : new Float32Array(count + offset).map((_, i) => Math.sin(i * 12.9898 + dim) * 1e3).subarray(offset);
        const path = join(dir, `rt-${rows}-${dim}-${half}.npy`);
        await writeNpy(path, values, rows, dim);
        const header = await readNpyHeader(path);
        expect(header).toMatchObject({ dtype: half ? 'float16' : 'float32', rows, dim, version: 1 });
        expect(header.dataOffset % 64).toBe(0);
        const chunked = await readAll(header, rowsPerChunk);
        expect(chunked.values).toEqual(Array.from(values));
        const starts = Array.from({ length: Math.ceil(rows / rowsPerChunk) }, (_, i) => i * rowsPerChunk);
        expect(chunked.starts).toEqual(starts);
        expect(chunked.rows).toEqual(starts.map((start) => Math.min(rowsPerChunk, rows - start)));
        expect((await readAll(header)).values).toEqual(Array.from(values));
      }),
      { numRuns: 40 },
    );
  });

  it('writes from and readNpyRowsInto fills shards of SharedArrayBuffer-backed arrays at element offsets', async () => {
    const rows = 11;
    const dim = 3;
    const values = new Float32Array(new SharedArrayBuffer(4 * rows * dim)).map((_, i) => i - 0.25);
    const path = join(dir, 'shards.npy');
    await writeNpy(path, values, rows, dim);
    const header = await readNpyHeader(path);
    const target = new Float32Array(new SharedArrayBuffer(4 * (rows * dim + 2))).fill(-1);
    await Promise.all([readNpyRowsInto(header, 0, 4, target, 1), readNpyRowsInto(header, 4, 7, target, 1 + 4 * dim)]);
    expect(Array.from(target)).toEqual([-1, ...values, -1]);
    const part = new Float32Array(2 * dim);
    await readNpyRowsInto(header, 9, 2, part);
    expect(Array.from(part)).toEqual(Array.from(values.subarray(9 * dim)));
    await expect(readNpyRowsInto(header, 10, 2, part)).rejects.toMatchObject({ code: 'E_INTERNAL' });
    await expect(readNpyRowsInto(header, 0, 1, new Uint16Array(dim))).rejects.toMatchObject({ code: 'E_INTERNAL' });
  });

  it('a consumer that stops early closes the stream cleanly', async () => {
    const path = join(dir, 'early.npy');
    await writeNpy(path, new Float32Array(40), 20, 2);
    const header = await readNpyHeader(path);
    let seen = 0;
    for await (const chunk of readNpyRows(header, 3)) {
      seen += chunk.rows;
      break;
    }
    expect(seen).toBe(3);
    await expect(readAll(header, 0)).rejects.toMatchObject({ code: 'E_INTERNAL' });
  });

  it('uses a version 2.0 header when the header does not fit 65535 bytes', async () => {
    const path = join(dir, 'v2.npy');
    const dict = `{'descr': '<f2', 'fortran_order': False, 'shape': (1, 2), }${' '.repeat(70_000)}`;
    const header = wrapNpyHeader(dict);
    expect([header[6], header[7], header.length % 64]).toEqual([2, 0, 0]);
    await writeFile(path, Buffer.concat([header, Buffer.from(new Uint16Array([0x3c00, 0x4000]).buffer)]));
    const read = await readNpyHeader(path);
    expect(read).toMatchObject({ version: 2, dataOffset: header.length, rows: 1, dim: 2 });
    expect((await readAll(read)).values).toEqual([0x3c00, 0x4000]);
  });

  it('writes through <path>.partial and reports unwritable paths', async () => {
    const path = join(dir, 'out.npy');
    await writeNpy(path, new Float32Array(4), 2, 2);
    await expect(access(`${path}.partial`)).rejects.toThrow();
    await expect(writeNpy(join(dir, 'no-such-folder', 'x.npy'), new Float32Array(4), 2, 2)).rejects.toMatchObject({ code: 'E_OUTPUT' });
    await expect(writeNpy(path, new Float32Array(0), 0, 2)).rejects.toMatchObject({ code: 'E_SCHEMA' });
    await expect(writeNpy(path, new Float32Array(5), 2, 2)).rejects.toMatchObject({ code: 'E_INTERNAL' });
  });
});

describe('errors say what is wrong and how to fix it in NumPy', () => {
  const cases: [string, RegExp[]][] = [
    ['f64_2x2.npy', [/'<f8' is float64/, /np\.save\(path, arr\.astype\(np\.float32\)\)/]],
    ['i64_2x2.npy', [/'<i8' is int64/, /np\.save\(path, arr\.astype\(np\.float32\)\)/]],
    ['f32_bigendian_2x2.npy', [/'>f4' is big-endian float32/, /np\.save\(path, arr\.astype\(np\.float32\)\)/]],
    ['f32_1d.npy', [/shape \(3,\) is 1-D/, /arr\.reshape\(len\(arr\), -1\)/]],
    ['f32_3d.npy', [/shape \(2, 2, 2\) is 3-D/, /arr\.reshape\(len\(arr\), -1\)/]],
    ['f32_fortran_2x3.npy', [/Fortran \(column-major\) order/, /np\.ascontiguousarray\(arr\)/]],
  ];
  for (const [name, patterns] of cases) {
    it(`${name}: E_SCHEMA`, async () => {
      const error = await errorOf(readNpyHeader(fixture(name)));
      expect(error.code).toBe('E_SCHEMA');
      for (const pattern of [new RegExp(name.replace('.', '\\.')), ...patterns]) expect(error.message).toMatch(pattern);
    });
  }

  it('other dtypes and empty shapes: E_SCHEMA', async () => {
    const schema: [string, RegExp][] = [
      [`{'descr': '|f4', 'fortran_order': False, 'shape': (2, 2), }`, /'\|f4'/],
      [`{'descr': 'float32', 'fortran_order': False, 'shape': (2, 2), }`, /'float32' is an unsupported type/],
      [`{'descr': '>f2', 'fortran_order': False, 'shape': (2, 2), }`, /big-endian float16.*astype\(np\.float16\)/],
      [`{'descr': [('a', '<f4'), ('b', '<f4')], 'fortran_order': False, 'shape': (2,), }`, /structured dtype.*structured_to_unstructured/],
      [`{'descr': '<f4', 'fortran_order': False, 'shape': (0, 4), }`, /shape \(0, 4\) has no rows/],
      [`{'descr': '<f2', 'fortran_order': False, 'shape': (3, 0), }`, /shape \(3, 0\) has no columns/],
    ];
    for (const [i, [dict, pattern]] of schema.entries()) {
      const path = join(dir, `schema${i}.npy`);
      await writeFile(path, specNpy(dict, new Uint8Array(16)));
      const error = await errorOf(readNpyHeader(path));
      expect(error).toMatchObject({ code: 'E_SCHEMA' });
      expect(error.message).toMatch(new RegExp(`schema${i}\\.npy.*${pattern.source}`));
    }
  });

  it('not an .npy file or a broken header: E_FORMAT_INVALID', async () => {
    const broken: [Buffer, RegExp][] = [
      [Buffer.from('hello, this is not numpy'), /not a NumPy \.npy file .*np\.save/],
      [Buffer.from([0x93, 0x4e, 0x55]), /not a NumPy \.npy file/],
      [specNpy(`{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }`).subarray(0, 40), /truncated inside its \.npy header/],
      [specNpy(`{'descr': '<f4', 'shape': (2, 2), }`), /exactly the keys 'descr', 'fortran_order' and 'shape'/],
      [specNpy(`{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), 'extra': 1}`), /exactly the keys/],
      [specNpy(`{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2.5), }`), /invalid 'shape'/],
      [specNpy(`{'descr': '<f4', 'fortran_order': 0, 'shape': (2, 2), }`), /invalid 'shape' or 'fortran_order'/],
      [specNpy(`{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2)`), /cannot parse the \.npy header/],
      [Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 4, 0, 0, 0]), /format version 4\.0/],
    ];
    for (const [i, [bytes, pattern]] of broken.entries()) {
      const path = join(dir, `broken${i}.npy`);
      await writeFile(path, bytes);
      const error = await errorOf(readNpyHeader(path));
      expect(error, `case ${i}`).toMatchObject({ code: 'E_FORMAT_INVALID' });
      expect(error.message).toMatch(new RegExp(`broken${i}\\.npy`));
      expect(error.message).toMatch(pattern);
    }
  });

  it('a truncated file: E_FORMAT_INVALID with expected vs found bytes and the first incomplete row', async () => {
    const path = join(dir, 'cut.npy');
    await writeNpy(path, new Float32Array(15), 5, 3);
    await truncate(path, 128 + 2 * 12 + 5);
    const error = await errorOf(readNpyHeader(path));
    expect(error.code).toBe('E_FORMAT_INVALID');
    expect(error.message).toMatch(/cut\.npy is truncated: .* needs 188 bytes .* found 157; row 2 \(0-based\) is the first incomplete row.*np\.save/);
  });

  it('a missing file: E_INPUT_MISSING', async () => {
    const error = await errorOf(readNpyHeader(join(dir, 'missing.npy')));
    expect(error.code).toBe('E_INPUT_MISSING');
    expect(error.message).toMatch(/missing\.npy/);
  });
});
