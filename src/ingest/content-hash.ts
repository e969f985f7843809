/**
 * Content identity of code for exact de-duplication: a 64-bit hash of the code's UTF-8 bytes with
 * every whitespace character (what JavaScript's `\s` matches) skipped, so re-indented or re-wrapped
 * copies hash equal. The hot path runs in WebAssembly (wasm/content-hash.wat): per-character loops in
 * JavaScript cost several times more. {@link contentHashReference} is the plain-JS definition it must match.
 * At 2,000,000 distinct rows the chance of any collision is about 1e-7.
 */
import { WASM_BASE64 } from './wasm/content-hash.wasm.js';

const INPUT_OFFSET = 16;
const PAGE = 65536;

const MASK64 = (1n << 64n) - 1n;
const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;

function fmix64(h: bigint): bigint {
  h ^= h >> 33n;
  h = (h * 0xff51afd7ed558ccdn) & MASK64;
  h ^= h >> 33n;
  h = (h * 0xc4ceb9fe1a85ec53n) & MASK64;
  return h ^ (h >> 33n);
}

/** Byte length of the UTF-8 whitespace character at `i`, or 0. */
function whitespaceAt(bytes: Uint8Array, i: number): number {
  const c = bytes[i]!;
  if (c <= 0x20) return c === 0x20 || (c >= 9 && c <= 13) ? 1 : 0;
  const d = bytes[i + 1];
  const e = bytes[i + 2];
  if (c === 0xc2) return d === 0xa0 ? 2 : 0;
  if (d === undefined || e === undefined) return 0;
  if (c === 0xe2) {
    if (d === 0x80) return (e >= 0x80 && e <= 0x8a) || e === 0xa8 || e === 0xa9 || e === 0xaf ? 3 : 0;
    return d === 0x81 && e === 0x9f ? 3 : 0;
  }
  if (c === 0xe1) return d === 0x9a && e === 0x80 ? 3 : 0;
  if (c === 0xe3) return d === 0x80 && e === 0x80 ? 3 : 0;
  if (c === 0xef) return d === 0xbb && e === 0xbf ? 3 : 0;
  return 0;
}

/**
 * The definition of the hash in plain JavaScript (BigInt, slow; the tests hold the kernel to it):
 * 64-bit FNV-1a over the UTF-8 bytes that are not whitespace, finished with murmur3's fmix64.
 */
export function contentHashReference(bytes: Uint8Array): [hi: number, lo: number] {
  let h = FNV_OFFSET;
  for (let i = 0; i < bytes.length;) {
    const skip = whitespaceAt(bytes, i);
    if (skip > 0) {
      i += skip;
      continue;
    }
    h = ((h ^ BigInt(bytes[i]!)) * FNV_PRIME) & MASK64;
    i++;
  }
  h = fmix64(h);
  return [Number(h >> 32n), Number(h & 0xffffffffn)];
}

/** Two 32-bit halves as 16 hex characters (the `content_hash` column). */
export function hashHex(hi: number, lo: number): string {
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

/** Hashes strings with the WebAssembly kernel. One per thread; not re-entrant. */
export class ContentHasher {
  private readonly memory: WebAssembly.Memory;
  private readonly run: (length: number) => void;
  private view: Buffer;
  private words: Uint32Array;
  /** High and low halves of the last hash. */
  hi = 0;
  lo = 0;

  constructor() {
    const module = new WebAssembly.Module(Buffer.from(WASM_BASE64, 'base64'));
    const instance = new WebAssembly.Instance(module);
    this.memory = instance.exports.memory as WebAssembly.Memory;
    this.run = instance.exports.hash as (length: number) => void;
    this.view = Buffer.from(this.memory.buffer);
    this.words = new Uint32Array(this.memory.buffer, 0, 2);
  }

  /**
   * Hashes `text` (result in {@link hi}/{@link lo}) and returns its UTF-8 bytes, a view valid until
   * the next call, so callers can store the bytes without encoding the string twice.
   */
  hash(text: string): Buffer {
    const worst = INPUT_OFFSET + text.length * 3;
    if (worst > this.view.length) {
      this.memory.grow(Math.ceil((worst - this.view.length) / PAGE));
      this.view = Buffer.from(this.memory.buffer);
      this.words = new Uint32Array(this.memory.buffer, 0, 2);
    }
    const length = this.view.write(text, INPUT_OFFSET, 'utf8');
    this.run(length);
    this.hi = this.words[0]!;
    this.lo = this.words[1]!;
    return this.view.subarray(INPUT_OFFSET, INPUT_OFFSET + length);
  }
}

let shared: ContentHasher | undefined;

/** The content hash of `code` as 16 hex characters. */
export function contentHash(code: string): string {
  shared ??= new ContentHasher();
  shared.hash(code);
  return hashHex(shared.hi, shared.lo);
}
