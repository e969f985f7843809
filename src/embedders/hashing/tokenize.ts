/**
 * Code-aware tokenizer of the hashing embedder. It works on UTF-16 code units, allocates nothing per
 * token and reports tokens as spans of the text; a token's string is its span with ASCII A-Z
 * lowercased (other characters kept as they are, so a token never needs a locale).
 *
 * - A word is a maximal run of word units: ASCII letters, digits, `_`, `$`, and every non-ASCII unit
 *   outside {@link isNonAsciiSeparator}'s ranges (so accented and CJK identifiers, and emoji, are words).
 * - Every word is a token. A word that does not start with a digit is an identifier, and its
 *   sub-words are tokens too, unless the identifier is a single sub-word: `parseHTTPResponse_v2` gives
 *   `parsehttpresponse_v2`, `parse`, `http`, `response`, `v2`.
 * - Sub-words: split at `_` and `$`, and before an upper-case letter that follows a lower-case one
 *   (`parse|Response`), before the last of a run of capitals followed by a lower-case letter
 *   (`HTTP|Response`), and between a digit and a letter (`sha256|Sum`); a letter then digits stays one
 *   sub-word (`v2`, `int32`). Non-ASCII word units count as lower-case letters.
 * - Outside words, the longest of {@link OPERATORS} at that point is a token; every other unit
 *   (white space, brackets, lone punctuation) is skipped.
 */

/** Multi-character operators kept as tokens: they tell languages and idioms apart (`:=`, `->`, `=>`, `::`). */
export const OPERATORS: readonly string[] = [
  '===', '!==', '**=', '<<=', '>>=', '>>>', '...',
  '=>', '->', '::', ':=', '==', '!=', '<=', '>=', '&&', '||', '??', '?.', '++', '--',
  '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '<<', '>>', '**',
];

const OTHER = 0;
const LOWER = 1;
const UPPER = 2;
const DIGIT = 3;
const JOINER = 4;
const OPERATOR_START = 5;

const ASCII_CLASS = new Uint8Array(128);
for (let unit = 0; unit < 128; unit++) {
  const char = String.fromCharCode(unit);
  if (char >= 'a' && char <= 'z') ASCII_CLASS[unit] = LOWER;
  else if (char >= 'A' && char <= 'Z') ASCII_CLASS[unit] = UPPER;
  else if (char >= '0' && char <= '9') ASCII_CLASS[unit] = DIGIT;
  else if (char === '_' || char === '$') ASCII_CLASS[unit] = JOINER;
}
const operatorKey = (a: number, b: number, c = 0): number => (a << 14) | (b << 7) | c;
const OPERATORS_2 = new Set<number>();
const OPERATORS_3 = new Set<number>();
for (const op of OPERATORS) {
  ASCII_CLASS[op.charCodeAt(0)] = OPERATOR_START;
  const key = operatorKey(op.charCodeAt(0), op.charCodeAt(1), op.length === 3 ? op.charCodeAt(2) : 0);
  (op.length === 3 ? OPERATORS_3 : OPERATORS_2).add(key);
}

/**
 * Non-ASCII units that separate words: C1 controls and Latin-1 symbols (U+0080-U+00BF), general
 * punctuation through dingbats, arrows, box drawing and other symbols (U+2000-U+2BFF), CJK
 * punctuation (U+3000-U+303F) and the byte order mark (U+FEFF).
 */
export function isNonAsciiSeparator(unit: number): boolean {
  return unit <= 0xbf || (unit >= 0x2000 && unit <= 0x2bff) || (unit >= 0x3000 && unit <= 0x303f) || unit === 0xfeff;
}

function classOf(unit: number): number {
  if (unit < 128) return ASCII_CLASS[unit]!;
  return isNonAsciiSeparator(unit) ? OTHER : LOWER;
}

const isWordClass = (cls: number): boolean => cls !== OTHER && cls !== OPERATOR_START;

/** Length of the operator token at `i` (3 or 2), or 0. */
function operatorLength(text: string, i: number, length: number): number {
  if (i + 1 >= length) return 0;
  const a = text.charCodeAt(i);
  const b = text.charCodeAt(i + 1);
  if (b >= 128) return 0;
  if (i + 2 < length) {
    const c = text.charCodeAt(i + 2);
    if (c < 128 && OPERATORS_3.has(operatorKey(a, b, c))) return 3;
  }
  return OPERATORS_2.has(operatorKey(a, b)) ? 2 : 0;
}

/** Finds token spans; reuse one per thread, as it keeps its buffers between texts. */
export class TokenScanner {
  /** Start (inclusive) of each span found by the last {@link scan}, in code units. */
  starts = new Int32Array(512);
  /** End (exclusive) of each span found by the last {@link scan}. */
  ends = new Int32Array(512);
  /** Number of spans found by the last {@link scan}. */
  count = 0;

  /** Scans `text`, replacing the spans of the previous text; returns the number of spans. */
  scan(text: string): number {
    this.count = 0;
    const length = text.length;
    let i = 0;
    while (i < length) {
      const cls = classOf(text.charCodeAt(i));
      if (cls === OTHER) {
        i++;
      } else if (cls === OPERATOR_START) {
        const op = operatorLength(text, i, length);
        if (op > 0) this.push(i, i + op);
        i += op > 0 ? op : 1;
      } else {
        let end = i + 1;
        while (end < length && isWordClass(classOf(text.charCodeAt(end)))) end++;
        this.push(i, end);
        if (cls !== DIGIT) this.subwords(text, i, end);
        i = end;
      }
    }
    return this.count;
  }

  /** Pushes the sub-words of the identifier `text[start, end)`, or nothing when it is a single sub-word. */
  private subwords(text: string, start: number, end: number): void {
    const before = this.count;
    let partStart = -1;
    let previous = OTHER;
    for (let i = start; i < end; i++) {
      const cls = classOf(text.charCodeAt(i));
      if (cls === JOINER) {
        if (partStart >= 0) this.push(partStart, i);
        partStart = -1;
      } else if (partStart < 0) {
        partStart = i;
      } else if (
        (previous === LOWER && cls === UPPER) ||
        (previous === DIGIT && cls !== DIGIT) ||
        (previous === UPPER && cls === UPPER && i + 1 < end && classOf(text.charCodeAt(i + 1)) === LOWER)
      ) {
        this.push(partStart, i);
        partStart = i;
      }
      previous = cls;
    }
    if (partStart >= 0) this.push(partStart, end);
    if (this.count === before + 1 && this.starts[before] === start && this.ends[before] === end) this.count = before;
  }

  private push(start: number, end: number): void {
    if (this.count === this.starts.length) {
      const starts = new Int32Array(this.count * 2);
      const ends = new Int32Array(this.count * 2);
      starts.set(this.starts);
      ends.set(this.ends);
      this.starts = starts;
      this.ends = ends;
    }
    this.starts[this.count] = start;
    this.ends[this.count] = end;
    this.count++;
  }
}

/** The tokens of `text` as strings, in order (for tests and inspection; the embedder works on spans). */
export function tokenize(text: string): string[] {
  const scanner = new TokenScanner();
  const count = scanner.scan(text);
  const tokens: string[] = [];
  for (let t = 0; t < count; t++) {
    tokens.push(text.slice(scanner.starts[t], scanner.ends[t]).replace(/[A-Z]+/g, (upper) => upper.toLowerCase()));
  }
  return tokens;
}
