/**
 * Read-only file mappings through the native/mmap addon (N-API: one build serves every Node version),
 * built by `npm run build` where a C compiler is installed. A mapped file's pages come straight from the
 * page cache: no fresh memory to fault in page by page (12-16 µs a page on this project's VM, 0.5 s for
 * a 147 MB `.npy`) and no copy. Without the addon, callers read the file into memory as before.
 */
import { constants } from 'node:buffer';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { TidepoolError } from '../errors.js';

/** The addon's path (src/store and dist/store both sit two folders below the package's root). */
export const MMAP_ADDON_PATH = fileURLToPath(new URL('../../native/mmap/build/Release/tidepool_mmap.node', import.meta.url));

interface MmapAddon {
  map(path: string): ArrayBuffer;
  mapInto(path: string, buffer: ArrayBuffer, fileOffset: number, length: number): number;
}

/** Slack a buffer for `mapInto` needs around the mapped pages (two of the largest pages Linux uses for them). */
const MAP_INTO_SLACK = 2 * 65_536;
/**
 * `mapInto` maps over a buffer of its own allocation: glibc serves requests over 32 MiB with mmap and
 * munmaps them whole when freed, ending the file mapping with them. Smaller ones may share the heap.
 */
const MAP_INTO_MIN_BYTES = 64 * 1024 * 1024;

/** Whether files can be mapped here, and why not. */
export type MappingSupport = { ok: true } | { ok: false; reason: string };

let loaded: { addon: MmapAddon } | { reason: string } | undefined;

function load(): { addon: MmapAddon } | { reason: string } {
  if (loaded !== undefined) return loaded;
  if (!existsSync(MMAP_ADDON_PATH)) {
    loaded = { reason: 'the mmap addon (native/mmap) is not built: run `npm run build` where a C compiler is installed' };
  } else {
    try {
      const addon = createRequire(import.meta.url)(MMAP_ADDON_PATH) as Partial<MmapAddon>;
      // A build left from another tidepool version may lack a function: rebuilt, it has them.
      loaded = typeof addon.map === 'function' && typeof addon.mapInto === 'function' ? { addon: addon as MmapAddon } : { reason: 'the mmap addon (native/mmap) is out of date: run `npm run build` again' };
    } catch (error) {
      loaded = { reason: `the mmap addon (native/mmap) does not load: ${(error as Error).message.split('\n')[0]}; run \`npm run build\` again` };
    }
  }
  return loaded;
}

/** Whether {@link mapFileRange} maps files here. */
export function mappingSupport(): MappingSupport {
  const state = load();
  return 'addon' in state ? { ok: true } : { ok: false, reason: state.reason };
}

/** Bytes of a file, mapped read-only: `length` bytes from `offset` in `buffer`. */
export interface MappedRange {
  buffer: ArrayBuffer;
  offset: number;
}

/**
 * Bytes [fileOffset, fileOffset + length) of the file at `path`, mapped read-only and private (writing
 * through it kills the process; truncating the file while it is mapped makes reads past its new end
 * fatal), their pages read in up front, at an offset in the returned buffer that is a multiple of 4 (so
 * a Float32Array can view them); unmapped when the buffer is garbage-collected. A file up to the largest
 * external buffer (Node 20: 4 GiB) is mapped whole as that buffer; a larger one over a buffer allocated
 * for it.
 * Null when the addon is not available, or the range cannot be placed so: read the file instead.
 * @param wholeFileLimit files up to this size are mapped whole (tests lower it to map over a buffer).
 * @throws TidepoolError `E_INPUT_MISSING` naming the file when it cannot be opened or mapped.
 */
export function mapFileRange(path: string, fileOffset: number, length: number, wholeFileLimit = constants.MAX_LENGTH): MappedRange | null {
  const state = load();
  // Unaligned values could never be viewed: decided before anything is mapped and read in.
  if (!('addon' in state) || fileOffset % 4 !== 0) return null;
  const { addon } = state;
  try {
    if (statSync(path).size <= wholeFileLimit) {
      const buffer = addon.map(path);
      return buffer.byteLength >= fileOffset + length ? { buffer, offset: fileOffset } : null;
    }
    if (length < MAP_INTO_MIN_BYTES) return null;
    const buffer = new ArrayBuffer(length + MAP_INTO_SLACK);
    const offset = addon.mapInto(path, buffer, fileOffset, length);
    return offset % 4 === 0 ? { buffer, offset } : null;
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    const fix = code === 'ENOENT' ? 'Check the path.' : code === 'EACCES' ? 'Check its permissions.' : code === 'ENOMEM' ? 'Not enough address space: pass --memory-budget to stream it instead.' : 'Check the file.';
    throw new TidepoolError('E_INPUT_MISSING', `${message.startsWith('cannot') ? message : `cannot map ${path}: ${message}`}. ${fix}`, { path, code }, { cause: error });
  }
}
