import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiskRows, GATHER_GAP_BYTES } from '../../../src/select/disk-rows.js';
import { gatherSpanBytes } from '../../../src/select/memory-plan.js';
import { memoryRows } from '../../../src/select/row-store.js';
import { float32ArrayToHalf, halfArrayToFloat32 } from '../../../src/store/matrix.js';
import type { WorkingCopy } from '../../../src/select/working-copy.js';
import { tempDir } from '../../helpers/files.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(async () => cleanup());

function matrix(n: number, d: number): Float32Array {
  return Float32Array.from({ length: n * d }, (_, i) => Math.sin(i * 0.37) * 3 + (i % 7));
}

/** Every block a store hands out, copied, as [start, values]. */
async function blocksOf(store: { forEachBlock(rows: number, visit: (start: number, block: WorkingCopy) => Promise<void>): Promise<void> }, blockRows: number): Promise<[number, number[]][]> {
  const seen: [number, number[]][] = [];
  await store.forEachBlock(blockRows, (start, block) => {
    seen.push([start, Array.from(block.values)]);
    return Promise.resolve();
  });
  return seen;
}

describe('DiskRows', () => {
  it.each(['fp32', 'fp16'] as const)('streams the %s rows after a header offset in blocks, and gathers rows, as the in-memory store does', async (precision) => {
    const n = 53;
    const d = 5;
    const values = matrix(n, d);
    const copy: WorkingCopy = precision === 'fp32' ? { precision, values } : { precision, values: float32ArrayToHalf(values) };
    const offset = 96;
    const bytes = new Uint8Array(copy.values.buffer, copy.values.byteOffset, copy.values.byteLength);
    await writeFile(join(dir, 'm.bin'), Buffer.concat([Buffer.alloc(offset, 7), bytes, Buffer.alloc(11)]));
    const disk = await DiskRows.open({ path: join(dir, 'm.bin'), offset, n, d, precision });
    const memory = memoryRows(copy, d);
    try {
      for (const blockRows of [1, 8, 53, 100]) expect(await blocksOf(disk, blockRows), `blocks of ${blockRows}`).toEqual(await blocksOf(memory, blockRows));
      expect(disk.bytesRead).toBe(4 * n * d * (precision === 'fp32' ? 4 : 2));
      const rows = [0, 1, 2, 9, 30, 31, 52, 4];
      const gathered = disk.gather(rows);
      expect(Array.from(gathered)).toEqual(Array.from(memory.gather(rows)));
      // Widened exactly: the rows are the float16-rounded values.
      if (precision === 'fp16') expect(gathered.subarray(0, d)).toEqual(halfArrayToFloat32(float32ArrayToHalf(values.subarray(0, d))));
    } finally {
      await disk.close();
    }
  });

  it.each(['fp32', 'fp16'] as const)('gathers close rows in one read through their gaps, and far, unordered or repeated rows apart (%s)', async (precision) => {
    const d = 64;
    const rowBytes = d * (precision === 'fp32' ? 4 : 2);
    const spanRows = gatherSpanBytes(rowBytes) / rowBytes;
    const gapRows = Math.min(GATHER_GAP_BYTES, gatherSpanBytes(rowBytes) / 4) / rowBytes; // the widest gap read through
    const n = 3 * spanRows;
    const values = matrix(n, d);
    const copy: WorkingCopy = precision === 'fp32' ? { precision, values } : { precision, values: float32ArrayToHalf(values) };
    await writeFile(join(dir, 'm.bin'), new Uint8Array(copy.values.buffer, copy.values.byteOffset, copy.values.byteLength));
    const disk = await DiskRows.open({ path: join(dir, 'm.bin'), offset: 0, n, d, precision });
    const memory = memoryRows(copy, d);
    const read = (rows: number[]): number => {
      const before = disk.bytesRead;
      expect(Array.from(disk.gather(rows)), JSON.stringify(rows.slice(0, 8))).toEqual(Array.from(memory.gather(rows)));
      return (disk.bytesRead - before) / rowBytes;
    };
    try {
      expect(read([5, 7, 8 + gapRows])).toBe(4 + gapRows); // gaps of 1 and gapRows rows: one span, rows 5 to 8 + gapRows
      expect(read([5, 7, 9 + gapRows])).toBe(4); // a gap one row too wide: 5-7 in one read, the last row in another
      expect(read([9, 3, 3, 4])).toBe(4); // descending, then repeated: 9, 3, 3-4
      // Rows step apart (gaps read through) from 0 past one span: the span ends before spanRows rows, the
      // next read starts at the next wanted row, so only that one gap of step - 1 rows is not read.
      const step = gapRows / 2;
      const spaced = Array.from({ length: Math.ceil((spanRows + 3 * step) / step) }, (_, i) => i * step);
      expect(read(spaced)).toBe(spaced.at(-1)! + 1 - (step - 1));
      const scattered = Array.from({ length: 500 }, (_, i) => (i * 7919) % n).sort((a, b) => a - b);
      read(scattered);
    } finally {
      await disk.close();
    }
  });

  it('refuses a file too short for the matrix, and says so when it shrinks during a pass', async () => {
    await writeFile(join(dir, 'short.bin'), Buffer.alloc(10 * 4 * 4 - 1));
    await expect(DiskRows.open({ path: join(dir, 'short.bin'), offset: 0, n: 10, d: 4, precision: 'fp32' })).rejects.toMatchObject({ code: 'E_FORMAT_INVALID', message: expect.stringMatching(/holds 159 bytes where a 10 x 4 fp32 matrix at byte 0 needs 160/) as unknown });
    await writeFile(join(dir, 'ok.bin'), Buffer.alloc(160));
    const disk = await DiskRows.open({ path: join(dir, 'ok.bin'), offset: 0, n: 10, d: 4, precision: 'fp32' });
    try {
      await writeFile(join(dir, 'ok.bin'), Buffer.alloc(70));
      await expect(disk.forEachBlock(3, () => Promise.resolve())).rejects.toMatchObject({ code: 'E_FORMAT_INVALID', message: expect.stringMatching(/ended early at row 4/) as unknown });
    } finally {
      await disk.close();
    }
  });
});
