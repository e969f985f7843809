/**
 * Read-only file mappings (native/mmap, src/store/mapped-file.ts). The addon is built by `npm run build`;
 * CI builds it (TIDEPOOL_REQUIRE_ADDONS=1), so these tests fail rather than skip where it is missing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TidepoolError } from '../../../src/errors.js';
import { MMAP_ADDON_PATH, mapFileRange, mappingSupport } from '../../../src/store/mapped-file.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tidepool-mmap-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

/** The whole file's bytes through mapFileRange. */
function mapWhole(path: string, size: number): Uint8Array {
  const range = mapFileRange(path, 0, size)!;
  return new Uint8Array(range.buffer, range.offset, size);
}

describe('mapFileRange', () => {
  it('is available here (the addon is built)', () => {
    expect(mappingSupport(), `${MMAP_ADDON_PATH}: build it with \`npm run build\` (needs a C compiler, make, python3)`).toEqual({ ok: true });
  });

  it('gives the file\'s bytes, whatever their size and alignment', async () => {
    for (const size of [1, 4095, 4096, 4097, 3 * 65536 + 17]) {
      const bytes = Buffer.alloc(size);
      for (let i = 0; i < size; i++) bytes[i] = (i * 131 + size) & 0xff;
      const path = join(dir, `f${size}`);
      await writeFile(path, bytes);
      const range = mapFileRange(path, 0, size)!;
      expect(range.buffer.byteLength).toBe(size);
      expect(Buffer.from(mapWhole(path, size)).equals(bytes)).toBe(true);
      // A range from an offset: the same bytes, at a 4-byte aligned offset of the buffer.
      if (size > 200) {
        const part = mapFileRange(path, 128, size - 200)!;
        expect(part.offset % 4).toBe(0);
        expect(Buffer.from(new Uint8Array(part.buffer, part.offset, size - 200)).equals(bytes.subarray(128, size - 72))).toBe(true);
      }
    }
  });

  it('maps an empty file as an empty buffer', async () => {
    const path = join(dir, 'empty');
    await writeFile(path, '');
    expect(mapFileRange(path, 0, 0)!.buffer.byteLength).toBe(0);
  });

  it('maps a file larger than one external buffer can be over a buffer allocated for it: the same bytes, the rest of the buffer untouched', async () => {
    // wholeFileLimit 0 takes the path of files over 4 GiB (Node 20's limit) on a 72 MiB file.
    const size = 72 * 1024 * 1024 + 300;
    const bytes = Buffer.alloc(size);
    for (let i = 0; i < size; i += 4096) bytes.writeUInt32LE(i, i);
    bytes.writeUInt32LE(0xabcdef, size - 4);
    const path = join(dir, 'large');
    await writeFile(path, bytes);
    for (const fileOffset of [128, 4096, 12_345 * 4]) {
      const length = size - fileOffset - 4;
      const range = mapFileRange(path, fileOffset, length, 0)!;
      expect(range.offset % 4).toBe(0);
      expect(range.buffer.byteLength).toBeGreaterThan(length);
      const view = new Uint8Array(range.buffer, range.offset, length);
      expect(Buffer.from(view).equals(bytes.subarray(fileOffset, fileOffset + length))).toBe(true);
      // The buffer's first bytes (its own memory, not the file) are still the zeros it was allocated with, and writable.
      const head = new Uint8Array(range.buffer, 0, 16);
      expect([...head]).toEqual(new Array(16).fill(0));
      head[0] = 1;
    }
    // Under 64 MiB a range is never mapped over a buffer (it could share the heap): null, read it instead.
    expect(mapFileRange(path, 0, 1024, 0)).toBeNull();
  });

  it('names the file and the fix when it cannot be mapped', () => {
    const missing = join(dir, 'missing.npy');
    let error: unknown;
    try {
      mapFileRange(missing, 0, 10);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TidepoolError);
    expect((error as TidepoolError).code).toBe('E_INPUT_MISSING');
    expect((error as Error).message).toContain(missing);
    expect((error as Error).message).toMatch(/no such file.*Check the path/i);
    expect(() => mapFileRange(dir, 0, 10)).toThrow(/Is a directory/);
  });

  it('is read-only: a write through it kills the process and the file is unchanged', async () => {
    const path = join(dir, 'data');
    await writeFile(path, Buffer.from('0123456789'));
    const script = `const m = require(${JSON.stringify(MMAP_ADDON_PATH)}); const view = new Uint8Array(m.map(${JSON.stringify(path)})); console.log('read', view[0]); view[0] = 65; console.log('wrote');`;
    const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(child.stdout).toContain('read 48');
    expect(child.stdout).not.toContain('wrote');
    expect(child.signal).toBe('SIGSEGV');
    expect(await readFile(path, 'utf8')).toBe('0123456789');
  });

  it('unmaps a buffer once it is collected', () => {
    // Map one file 200 times and drop each: without unmapping, the process would keep 200 mappings.
    const script = `
      const fs = require('fs');
      const m = require(${JSON.stringify(MMAP_ADDON_PATH)});
      const path = ${JSON.stringify(join(dir, 'big'))};
      fs.writeFileSync(path, Buffer.alloc(1 << 20, 7));
      const count = () => fs.readFileSync('/proc/self/maps', 'utf8').split('\\n').filter((l) => l.endsWith(path)).length;
      for (let i = 0; i < 200; i++) m.map(path);
      const before = count();
      (async () => {
        for (let i = 0; i < 20 && count() > 0; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 10)); }
        console.log('mapped', before, 'after gc', count());
      })();`;
    const child = spawnSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8' });
    const [, before, after] = /mapped (\d+) after gc (\d+)/.exec(child.stdout) ?? [];
    expect(child.stderr).toBe('');
    expect(Number(before)).toBeGreaterThan(0);
    expect(Number(after)).toBe(0);
  });
});
