// AssemblyScript (compiled to WebAssembly by `npm run build:wasm`; not part of the TypeScript build).
//
// The jsonl fast path of ingest: parses the common shape of a CodeSearchNet record straight from the
// UTF-8 bytes of a block into Arrow column buffers (offsets + bytes + validity) in this module's
// memory, with the filters, the whitespace-insensitive content hash and its hex column on the way.
// It never decides anything the JavaScript path (chunk.ts: JSON.parse + toPairFields + filterReason)
// would decide differently: any line it is not sure about (bad JSON, a missing or mistyped field, a
// key written with escapes, a field under both namings, a lone surrogate, invalid UTF-8, a non-ASCII
// language, deep nesting, an over-long line) stops the scan, and the caller runs that line through
// the JavaScript path and appends the row, if any, with putString/putNull/commitRow.

// Columns, in pairs.arrow order (see CHUNK_STRING_COLUMNS in ../chunk.ts).
const LANGUAGE: i32 = 0;
const REPO: i32 = 1;
const PATH: i32 = 2;
const FUNC_NAME: i32 = 3;
const URL: i32 = 4;
const DOCSTRING: i32 = 5;
const CODE: i32 = 6;
const HASH: i32 = 7;
const COLUMNS: i32 = 8;

// Filter reasons, in the order filterReason (../core.ts) tries them.
const F_LANGUAGE: i32 = 0;
const F_CHARS_MIN: i32 = 1;
const F_CHARS_MAX: i32 = 2;
const F_LINES_MIN: i32 = 3;
const F_LINES_MAX: i32 = 4;
const F_WORDS_MIN: i32 = 5;

// Per-column state: base of its bytes, bytes used, offsets array, validity bitmap, null count,
// and the bytes used when the current row began (to roll a row back).
const colBytes = memory.data(COLUMNS * 4);
const colUsed = memory.data(COLUMNS * 4);
const colOffsets = memory.data(COLUMNS * 4);
const colValidity = memory.data(COLUMNS * 4);
const colNulls = memory.data(COLUMNS * 4);
const colRowStart = memory.data(COLUMNS * 4);
const filtered = memory.data(6 * 4);
// Allowed languages: up to 64 names of up to 64 bytes (the caller falls back to JavaScript beyond).
const languageNames = memory.data(64 * 64);
const languageLengths = memory.data(64 * 4);
// Container kinds of the value being skipped (1 = object, 2 = array).
const MAX_DEPTH: i32 = 256;
const stack = memory.data(MAX_DEPTH);

let input: usize = 0;
let lines: usize = 0;
let hashHi: usize = 0;
let hashLo: usize = 0;
let scratchBase: usize = 0;
let rows: u32 = 0;
let read: u32 = 0;
let rowNulls: u32 = 0;
let stopLine: u32 = 0;
let languageCount: i32 = -1; // -1: no language filter
let minChars: f64 = 0;
let maxChars: f64 = Infinity;
let minLines: f64 = 0;
let maxLines: f64 = Infinity;
let minWords: f64 = 0;
let maxLineBytes: u32 = 0;
// Results of the last string decode / statistics pass.
let decodedEnd: usize = 0;
let codeChars: u32 = 0;
let codeLines: u32 = 0;
let h: u64 = 0;

@inline function u32At(table: usize, i: i32): u32 {
  return load<u32>(table + (<usize>i << 2));
}
@inline function setU32At(table: usize, i: i32, value: u32): void {
  store<u32>(table + (<usize>i << 2), value);
}
@inline function align16(n: usize): usize {
  return (n + 15) & ~(<usize>15);
}

/** Sets the filters (the same values as ChunkOptions) and clears the allowed languages. */
export function configure(minCodeChars: f64, maxCodeChars: f64, minCodeLines: f64, maxCodeLines: f64, minDocstringWords: f64, maxLine: u32): void {
  languageCount = -1;
  minChars = minCodeChars;
  maxChars = maxCodeChars;
  minLines = minCodeLines;
  maxLines = maxCodeLines;
  minWords = minDocstringWords;
  maxLineBytes = maxLine;
}

/** Where the caller writes allowed language number `i` (then calls addLanguage). */
export function languageSlot(i: i32): usize {
  return languageNames + (<usize>i << 6);
}

/** Adds an allowed language of `length` bytes written at languageSlot(count). */
export function addLanguage(length: u32): void {
  if (languageCount < 0) languageCount = 0;
  setU32At(languageLengths, languageCount, length);
  languageCount++;
}

function ensureMemory(end: usize): void {
  const have = <usize>memory.size() << 16;
  if (end > have) {
    if (memory.grow(<i32>((end - have + 0xffff) >>> 16)) < 0) unreachable();
  }
}

/**
 * Lays out memory for a block of `length` bytes and resets every column. Returns where the caller
 * copies the block. Every region is sized for the worst case, so no row can overflow.
 */
export function reserve(length: u32): usize {
  let at = align16(__heap_base);
  input = at;
  at = align16(at + length + 32);
  // A row needs at least 40 bytes of input ({"code":"","docstring":"","language":""}).
  const maxRows = (length >>> 5) + 16;
  lines = at;
  at = align16(at + (<usize>maxRows << 2));
  hashHi = at;
  at = align16(at + (<usize>maxRows << 2));
  hashLo = at;
  at = align16(at + (<usize>maxRows << 2));
  for (let c = 0; c < COLUMNS; c++) {
    setU32At(colOffsets, c, <u32>at);
    at = align16(at + (<usize>(maxRows + 1) << 2));
    setU32At(colValidity, c, <u32>at);
    at = align16(at + (<usize>maxRows >>> 3) + 1);
    setU32At(colBytes, c, <u32>at);
    // Decoded strings never outgrow their input; a lower-cased language may grow by half.
    at = align16(at + (c === HASH ? <usize>maxRows << 4 : (<usize>length << 1) + 64) + 16);
  }
  scratchBase = at;
  ensureMemory(at);
  memory.fill(input + length, 0, 32);
  for (let c = 0; c < COLUMNS; c++) {
    setU32At(colUsed, c, 0);
    setU32At(colNulls, c, 0);
    store<u32>(u32At(colOffsets, c), 0);
    memory.fill(u32At(colValidity, c), 0, (maxRows >>> 3) + 1);
  }
  for (let f = 0; f < 6; f++) setU32At(filtered, f, 0);
  rows = 0;
  read = 0;
  return input;
}

/** Scratch memory of `length` bytes after the columns (for the caller's putString). */
export function scratch(length: u32): usize {
  ensureMemory(scratchBase + length);
  return scratchBase;
}

export function inputAt(): usize { return input; }
export function rowCount(): u32 { return rows; }
export function readCount(): u32 { return read; }
export function stoppedLine(): u32 { return stopLine; }
export function filteredCount(reason: i32): u32 { return u32At(filtered, reason); }
export function linesAt(): usize { return lines; }
export function hashHiAt(): usize { return hashHi; }
export function hashLoAt(): usize { return hashLo; }
export function bytesAt(c: i32): usize { return u32At(colBytes, c); }
export function bytesUsed(c: i32): u32 { return u32At(colUsed, c); }
export function offsetsAt(c: i32): usize { return u32At(colOffsets, c); }
export function validityAt(c: i32): usize { return u32At(colValidity, c); }
export function nullCount(c: i32): u32 { return u32At(colNulls, c); }

// ---- rows -------------------------------------------------------------------------------------

/** Starts a row: remembers where every column stands. */
export function beginRow(): void {
  for (let c = 0; c < COLUMNS; c++) setU32At(colRowStart, c, u32At(colUsed, c));
  rowNulls = 0;
}

function rollBack(): void {
  for (let c = 0; c < COLUMNS; c++) setU32At(colUsed, c, u32At(colRowStart, c));
}

/** Appends `length` bytes at `from` (scratch) as the current row's value of column `c`. */
export function putString(c: i32, from: usize, length: u32): void {
  const used = u32At(colUsed, c);
  memory.copy(u32At(colBytes, c) + used, from, length);
  setU32At(colUsed, c, used + length);
}

/** Marks the current row's value of column `c` as null. */
export function putNull(c: i32): void {
  rowNulls |= 1 << c;
}

@inline function isAsciiSpace(c: u32): bool {
  return c === 0x20 || c - 9 <= 4;
}

/** Length of the JavaScript `\s` character at p (UTF-8), or 0. */
function spaceAt(p: usize, end: usize): u32 {
  const c = <u32>load<u8>(p);
  if (c <= 0x20) return isAsciiSpace(c) ? 1 : 0;
  if (c < 0xc2 || p + 1 >= end) return 0;
  const d = <u32>load<u8>(p, 1);
  if (c === 0xc2) return d === 0xa0 ? 2 : 0;
  if (p + 2 >= end) return 0;
  const e = <u32>load<u8>(p, 2);
  if (c === 0xe2) {
    if (d === 0x80) return e - 0x80 <= 0x0a || e - 0xa8 <= 1 || e === 0xaf ? 3 : 0;
    return d === 0x81 && e === 0x9f ? 3 : 0;
  }
  if (c === 0xe1) return d === 0x9a && e === 0x80 ? 3 : 0;
  if (c === 0xe3) return d === 0x80 && e === 0x80 ? 3 : 0;
  if (c === 0xef) return d === 0xbb && e === 0xbf ? 3 : 0;
  return 0;
}

/**
 * One pass over the code's UTF-8 bytes: the content hash (FNV-1a 64 over non-whitespace bytes,
 * then fmix64; the same as content-hash.wat), UTF-16 length and line count.
 */
function codeStatistics(p: usize, end: usize): void {
  let hash: u64 = 0xcbf29ce484222325;
  let chars: u32 = 0;
  let newlines: u32 = 0;
  while (p < end) {
    const c = <u32>load<u8>(p);
    if (c - 0x21 < 0xa1) {
      // printable ASCII or a continuation byte: never whitespace
      hash = (hash ^ <u64>c) * 0x100000001b3;
      chars += <u32>(c < 0x80);
      p++;
      continue;
    }
    const skip = spaceAt(p, end);
    if (skip > 0) {
      newlines += <u32>(c === 0x0a);
      chars += 1;
      p += skip;
      continue;
    }
    hash = (hash ^ <u64>c) * 0x100000001b3;
    chars += c >= 0xf0 ? 2 : <u32>(c < 0x80 || c >= 0xc0);
    p++;
  }
  hash ^= hash >> 33;
  hash *= 0xff51afd7ed558ccd;
  hash ^= hash >> 33;
  hash *= 0xc4ceb9fe1a85ec53;
  hash ^= hash >> 33;
  h = hash;
  codeChars = chars;
  codeLines = newlines + 1;
}

/** Words as `text.trim().split(/\s+/)` counts them: runs of non-whitespace. */
function countWords(p: usize, end: usize): u32 {
  let words: u32 = 0;
  let inWord = false;
  while (p < end) {
    const skip = spaceAt(p, end);
    if (skip > 0) {
      inWord = false;
      p += skip;
    } else {
      if (!inWord) words++;
      inWord = true;
      p++;
    }
  }
  return words;
}

/** Lower-cases and trims the language in place; false when it is not ASCII. */
function normaliseLanguage(): bool {
  const base = u32At(colBytes, LANGUAGE);
  let start = <usize>base + u32At(colRowStart, LANGUAGE);
  let end = <usize>base + u32At(colUsed, LANGUAGE);
  for (let p = start; p < end; p++) if (load<u8>(p) >= 0x80) return false;
  const first = start;
  while (start < end && isAsciiSpace(load<u8>(start))) start++;
  while (end > start && isAsciiSpace(load<u8>(end - 1))) end--;
  const length = end - start;
  for (let i: usize = 0; i < length; i++) {
    const c = <u32>load<u8>(start + i);
    store<u8>(first + i, c - 0x41 < 26 ? c + 0x20 : c);
  }
  setU32At(colUsed, LANGUAGE, <u32>(first + length - base));
  return true;
}

function languageAllowed(): bool {
  if (languageCount < 0) return true;
  const base = u32At(colBytes, LANGUAGE);
  const start = <usize>base + u32At(colRowStart, LANGUAGE);
  const length = u32At(colUsed, LANGUAGE) - u32At(colRowStart, LANGUAGE);
  for (let i = 0; i < languageCount; i++) {
    if (u32At(languageLengths, i) === length && memory.compare(languageSlot(i), start, length) === 0) return true;
  }
  return false;
}

/** The first filter the current row fails, or -1 (the order of filterReason in ../core.ts). */
function filterRow(): i32 {
  if (!languageAllowed()) return F_LANGUAGE;
  const codeBase = <usize>u32At(colBytes, CODE);
  const codeStart = codeBase + u32At(colRowStart, CODE);
  const codeEnd = codeBase + u32At(colUsed, CODE);
  codeStatistics(codeStart, codeEnd);
  const chars = <f64>codeChars;
  if (chars < minChars) return F_CHARS_MIN;
  if (chars > maxChars) return F_CHARS_MAX;
  // A trailing newline does not start another line.
  const lineCount = <f64>(codeEnd > codeStart && load<u8>(codeEnd - 1) === 0x0a ? codeLines - 1 : codeLines);
  if (lineCount < minLines) return F_LINES_MIN;
  if (lineCount > maxLines) return F_LINES_MAX;
  if (minWords > 0) {
    const docBase = <usize>u32At(colBytes, DOCSTRING);
    if (<f64>countWords(docBase + u32At(colRowStart, DOCSTRING), docBase + u32At(colUsed, DOCSTRING)) < minWords) return F_WORDS_MIN;
  }
  return -1;
}

const HEX = memory.data<u8>([0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66]);

/** Completes the current row (hash from statistics already computed) as line `line`. */
function commit(line: u32): void {
  const row = rows;
  const hashBytes = <usize>u32At(colBytes, HASH) + u32At(colUsed, HASH);
  for (let i = 0; i < 16; i++) {
    const nibble = <u32>(h >> (60 - 4 * <u64>i)) & 15;
    store<u8>(hashBytes + i, load<u8>(HEX + nibble));
  }
  setU32At(colUsed, HASH, u32At(colUsed, HASH) + 16);
  for (let c = 0; c < COLUMNS; c++) {
    store<u32>(<usize>u32At(colOffsets, c) + (<usize>(row + 1) << 2), u32At(colUsed, c));
    if ((rowNulls >> c) & 1) {
      setU32At(colNulls, c, u32At(colNulls, c) + 1);
    } else {
      const byte = <usize>u32At(colValidity, c) + (row >> 3);
      store<u8>(byte, <u32>load<u8>(byte) | (<u32>1 << (row & 7)));
    }
  }
  store<u32>(lines + (<usize>row << 2), line);
  store<u32>(hashHi + (<usize>row << 2), <u32>(h >> 32));
  store<u32>(hashLo + (<usize>row << 2), <u32>h);
  rows = row + 1;
}

/**
 * Completes a row the caller filled with putString/putNull (already validated and filtered by the
 * JavaScript path, language already normalised): hashes its code and appends it.
 */
export function commitRow(line: u32): void {
  const codeBase = <usize>u32At(colBytes, CODE);
  codeStatistics(codeBase + u32At(colRowStart, CODE), codeBase + u32At(colUsed, CODE));
  commit(line);
}

// ---- JSON -------------------------------------------------------------------------------------

const QUOTE: u32 = 0x22;
const BACKSLASH: u32 = 0x5c;

/** Skips JSON whitespace within a line (space, tab, carriage return). */
@inline function skipSpace(p: usize): usize {
  while (true) {
    const c = <u32>load<u8>(p);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return p;
    p++;
  }
}

/** Checks one multi-byte UTF-8 character at p (lead byte c); its length, or 0 when invalid. */
function utf8Length(p: usize, c: u32): usize {
  const d = <u32>load<u8>(p, 1);
  if (c < 0xc2) return 0;
  if (c < 0xe0) return (d & 0xc0) === 0x80 ? 2 : 0;
  const e = <u32>load<u8>(p, 2);
  if (c < 0xf0) {
    if ((d & 0xc0) !== 0x80 || (e & 0xc0) !== 0x80) return 0;
    if (c === 0xe0 && d < 0xa0) return 0; // overlong
    if (c === 0xed && d >= 0xa0) return 0; // surrogate
    return 3;
  }
  const f = <u32>load<u8>(p, 3);
  if (c > 0xf4 || (d & 0xc0) !== 0x80 || (e & 0xc0) !== 0x80 || (f & 0xc0) !== 0x80) return 0;
  if (c === 0xf0 && d < 0x90) return 0; // overlong
  if (c === 0xf4 && d >= 0x90) return 0; // above U+10FFFF
  return 4;
}

function hexValue(c: u32): i32 {
  if (c - 0x30 < 10) return <i32>(c - 0x30);
  const lower = c | 0x20;
  if (lower - 0x61 < 6) return <i32>(lower - 0x61 + 10);
  return -1;
}

/** The code unit of a `\uXXXX` escape whose hex digits start at p, or -1. */
function hex4(p: usize): i32 {
  const a = hexValue(load<u8>(p));
  const b = hexValue(load<u8>(p, 1));
  const c = hexValue(load<u8>(p, 2));
  const d = hexValue(load<u8>(p, 3));
  if ((a | b | c | d) < 0) return -1;
  return (a << 12) | (b << 8) | (c << 4) | d;
}

/**
 * Decodes the JSON string whose body starts at p (after the opening quote) into UTF-8 at `out`
 * (when `write`), checking it on the way. Returns the position after the closing quote (the end of
 * the output in decodedEnd), or 0 when the string is one the JavaScript path must judge.
 */
function decodeString(p: usize, out: usize, write: bool): usize {
  const quote = i8x16.splat(0x22);
  const backslash = i8x16.splat(0x5c);
  const low = i8x16.splat(0x20);
  while (true) {
    // Sixteen plain bytes at a time: no quote, backslash, control character or non-ASCII byte
    // (signed, bytes >= 0x80 compare below 0x20).
    const v = v128.load(p);
    const special = v128.or(v128.or(i8x16.eq(v, quote), i8x16.eq(v, backslash)), i8x16.lt_s(v, low));
    const mask = i8x16.bitmask(special);
    if (write) v128.store(out, v);
    if (mask === 0) {
      p += 16;
      out += 16;
      continue;
    }
    const plain = <usize>ctz(mask);
    p += plain;
    out += plain;
    const c = <u32>load<u8>(p);
    if (c === QUOTE) {
      decodedEnd = out;
      return p + 1;
    }
    if (c === BACKSLASH) {
      const e = <u32>load<u8>(p, 1);
      let value: u32 = 0;
      if (e === 0x22 || e === 0x5c || e === 0x2f) value = e;
      else if (e === 0x6e) value = 0x0a;
      else if (e === 0x74) value = 0x09;
      else if (e === 0x72) value = 0x0d;
      else if (e === 0x62) value = 0x08;
      else if (e === 0x66) value = 0x0c;
      else if (e === 0x75) {
        const unit = hex4(p + 2);
        if (unit < 0) return 0;
        p += 6;
        let code = <u32>unit;
        if (code - 0xd800 < 0x800) {
          // A surrogate: only a high one followed by an escaped low one makes a character.
          if (code >= 0xdc00 || load<u8>(p) !== BACKSLASH || load<u8>(p, 1) !== 0x75) return 0;
          const next = hex4(p + 2);
          if (next < 0xdc00 || next > 0xdfff) return 0;
          p += 6;
          code = 0x10000 + ((code - 0xd800) << 10) + (<u32>next - 0xdc00);
        }
        if (write) {
          if (code < 0x80) {
            store<u8>(out, code);
          } else if (code < 0x800) {
            store<u8>(out, 0xc0 | (code >> 6));
            store<u8>(out, 0x80 | (code & 0x3f), 1);
          } else if (code < 0x10000) {
            store<u8>(out, 0xe0 | (code >> 12));
            store<u8>(out, 0x80 | ((code >> 6) & 0x3f), 1);
            store<u8>(out, 0x80 | (code & 0x3f), 2);
          } else {
            store<u8>(out, 0xf0 | (code >> 18));
            store<u8>(out, 0x80 | ((code >> 12) & 0x3f), 1);
            store<u8>(out, 0x80 | ((code >> 6) & 0x3f), 2);
            store<u8>(out, 0x80 | (code & 0x3f), 3);
          }
        }
        out += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
        continue;
      } else return 0;
      if (write) store<u8>(out, value);
      out++;
      p += 2;
      continue;
    }
    if (c < 0x20) return 0; // a raw control character: invalid JSON
    const length = utf8Length(p, c);
    if (length === 0) return 0;
    if (write) store<u32>(out, load<u32>(p));
    p += length;
    out += length;
  }
}

/** Skips a JSON number, checking its grammar; 0 when it is not one. */
function skipNumber(p: usize): usize {
  if (load<u8>(p) === 0x2d) p++;
  let c = <u32>load<u8>(p);
  if (c === 0x30) p++;
  else if (c - 0x31 < 9) {
    p++;
    while (<u32>load<u8>(p) - 0x30 < 10) p++;
  } else return 0;
  if (load<u8>(p) === 0x2e) {
    p++;
    if (<u32>load<u8>(p) - 0x30 >= 10) return 0;
    while (<u32>load<u8>(p) - 0x30 < 10) p++;
  }
  c = <u32>load<u8>(p) | 0x20;
  if (c === 0x65) {
    p++;
    c = load<u8>(p);
    if (c === 0x2b || c === 0x2d) p++;
    if (<u32>load<u8>(p) - 0x30 >= 10) return 0;
    while (<u32>load<u8>(p) - 0x30 < 10) p++;
  }
  return p;
}

@inline function matches4(p: usize, word: u32): bool {
  return load<u32>(p) === word;
}

/** Skips any JSON value (checking it); 0 when the JavaScript path must judge the line. */
function skipValue(p: usize): usize {
  let depth = 0;
  while (true) {
    // One scalar value, or the opening of a container.
    p = skipSpace(p);
    const c = <u32>load<u8>(p);
    let afterOpen = false;
    if (c === QUOTE) {
      p = decodeString(p + 1, 0, false);
      if (p === 0) return 0;
    } else if (c === 0x7b || c === 0x5b) {
      if (depth === MAX_DEPTH) return 0;
      store<u8>(stack + depth, c === 0x7b ? 1 : 2);
      depth++;
      p = skipSpace(p + 1);
      afterOpen = true;
    } else if (matches4(p, 0x6c6c756e) || matches4(p, 0x65757274)) {
      p += 4; // null, true
    } else if (matches4(p, 0x736c6166) && load<u8>(p, 4) === 0x65) {
      p += 5; // false
    } else {
      p = skipNumber(p);
      if (p === 0) return 0;
    }
    // Close containers, or move on to the next member.
    while (true) {
      if (depth === 0) return p;
      const kind = load<u8>(stack + depth - 1);
      p = skipSpace(p);
      let d = <u32>load<u8>(p);
      if (afterOpen && d === (kind === 1 ? 0x7d : 0x5d)) {
        depth--;
        p++;
        afterOpen = false;
        continue;
      }
      if (!afterOpen) {
        if (d === (kind === 1 ? 0x7d : 0x5d)) {
          depth--;
          p++;
          continue;
        }
        if (d !== 0x2c) return 0;
        p = skipSpace(p + 1);
        d = load<u8>(p);
      }
      if (kind === 1) {
        // a member: "key": value
        if (d !== QUOTE) return 0;
        p = decodeString(p + 1, 0, false);
        if (p === 0) return 0;
        p = skipSpace(p);
        if (load<u8>(p) !== 0x3a) return 0;
        p++;
      }
      break;
    }
  }
}

// ---- records ----------------------------------------------------------------------------------

function same(p: usize, name: string): bool {
  for (let i = 0; i < name.length; i++) if (<i32>load<u8>(p + i) !== name.charCodeAt(i)) return false;
  return true;
}

/** The column a key (its raw bytes) names under either naming, or -1. */
function keyColumn(p: usize, length: usize): i32 {
  switch (<i32>length) {
    case 3: return same(p, 'url') ? URL : -1;
    case 4:
      if (same(p, 'code')) return CODE;
      if (same(p, 'repo')) return REPO;
      return same(p, 'path') ? PATH : -1;
    case 8: return same(p, 'language') ? LANGUAGE : -1;
    case 9:
      if (same(p, 'docstring')) return DOCSTRING;
      return same(p, 'func_name') ? FUNC_NAME : -1;
    case 13: return same(p, 'func_code_url') ? URL : -1;
    case 15: return same(p, 'repository_name') ? REPO : -1;
    case 16: return same(p, 'func_code_string') ? CODE : -1;
    case 23: return same(p, 'func_path_in_repository') ? PATH : -1;
    case 25: return same(p, 'func_documentation_string') ? DOCSTRING : -1;
    default: return -1;
  }
}

const REQUIRED: u32 = (1 << CODE) | (1 << DOCSTRING) | (1 << LANGUAGE);
const OPTIONAL: u32 = (1 << REPO) | (1 << PATH) | (1 << FUNC_NAME) | (1 << URL);

/** The end of the key whose body starts at p, or 0 when it has escapes or non-ASCII bytes. */
function keyEnd(p: usize): usize {
  while (true) {
    const c = <u32>load<u8>(p);
    if (c === QUOTE) return p;
    if (c === BACKSLASH || c - 0x20 >= 0x60) return 0;
    p++;
  }
}

/** Parses the members of the object after its `{` at p; the position after `}`, or 0. */
function members(p: usize): usize {
  let seen: u32 = 0;
  p = skipSpace(p);
  while (true) {
    if (load<u8>(p) !== QUOTE) return 0;
    const end = keyEnd(p + 1);
    if (end === 0) return 0;
    const column = keyColumn(p + 1, end - p - 1);
    p = skipSpace(end + 1);
    if (load<u8>(p) !== 0x3a) return 0;
    p = skipSpace(p + 1);
    if (column >= 0) {
      if ((seen >> column) & 1) return 0; // under both namings, or twice
      seen |= 1 << column;
      const c = <u32>load<u8>(p);
      if (c === QUOTE) {
        const base = <usize>u32At(colBytes, column);
        p = decodeString(p + 1, base + u32At(colUsed, column), true);
        if (p === 0) return 0;
        setU32At(colUsed, column, <u32>(decodedEnd - base));
      } else if (matches4(p, 0x6c6c756e)) {
        if ((REQUIRED >> column) & 1) return 0; // missing_field: for the JavaScript path to report
        putNull(column);
        p += 4;
      } else return 0;
    } else {
      p = skipValue(p);
      if (p === 0) return 0;
    }
    p = skipSpace(p);
    const d = <u32>load<u8>(p);
    if (d === 0x7d) break;
    if (d !== 0x2c) return 0;
    p = skipSpace(p + 1);
  }
  if ((seen & REQUIRED) !== REQUIRED) return 0;
  rowNulls |= OPTIONAL & ~seen;
  return p + 1;
}

/**
 * Handles the line at p (block end at stop): a candidate row, a filtered record or a blank line.
 * Returns the position after its newline, or 0 when the JavaScript path must handle it.
 */
function scanLine(p: usize, stop: usize, line: u32): usize {
  let q = skipSpace(p);
  if (q >= stop || load<u8>(q) === 0x0a) return q >= stop ? stop : q + 1; // blank
  if (load<u8>(q) !== 0x7b) return 0;
  beginRow();
  q = members(q + 1);
  if (q !== 0) q = skipSpace(q);
  if (q === 0 || (q < stop && load<u8>(q) !== 0x0a)) {
    rollBack();
    return 0;
  }
  const lineEnd = q < stop ? q : stop;
  const contentEnd = lineEnd > p && load<u8>(lineEnd - 1) === 0x0d ? lineEnd - 1 : lineEnd;
  if (contentEnd - p > <usize>maxLineBytes || !normaliseLanguage()) {
    rollBack();
    return 0;
  }
  read++;
  const reason = filterRow();
  if (reason >= 0) {
    setU32At(filtered, reason, u32At(filtered, reason) + 1);
    rollBack();
  } else {
    commit(line);
  }
  return lineEnd < stop ? lineEnd + 1 : stop;
}

/**
 * Scans the block's lines from offset `from` to `end` (the first is line `firstLine`). Returns
 * `end` when done, or the offset of a line the caller must handle (its number in stoppedLine()).
 */
export function scan(from: u32, end: u32, firstLine: u32): u32 {
  let p = input + from;
  const stop = input + end;
  let line = firstLine;
  while (p < stop) {
    const next = scanLine(p, stop, line);
    if (next === 0) {
      stopLine = line;
      return <u32>(p - input);
    }
    p = next;
    line++;
  }
  stopLine = line;
  return end;
}
