/**
 * The canonicaliser of the n-gram detector: code as a stream of token classes in which every
 * identifier is `ID`, every number `NUM` and every string literal `STR`, while keywords (the reserved
 * words of Python and JavaScript/TypeScript, one shared list: {@link KEYWORDS}) and operators stay
 * themselves, and what re-printers add or remove (parentheses, semicolons, trailing commas, strings
 * standing alone) is left out. Renaming identifiers consistently (or changing constants and messages)
 * leaves the stream unchanged; changing the structure does not.
 *
 * Language-agnostic rules, applied to any text: `#` and `//` start a line comment, `/* ... *\/` is a
 * block comment (comments are dropped); `"""`, `'''`, and `"`/`'` closed on the same line, and
 * backticks closed anywhere, are strings (a quote left open on its line is punctuation, so an
 * apostrophe in prose does not swallow the line); a Markdown code fence (three backticks and an info
 * word) is dropped, so code in a fenced block is tokenised as code. Allocation-free per token. Pure.
 */
import { isNonAsciiSeparator } from '../embedders/hashing/tokenize.js';
import { isWhitespaceUnit } from './normalize.js';

/** Token class of every identifier. */
export const ID = 1;
/** Token class of every number. */
export const NUM = 2;
/** Token class of every string literal. */
export const STR = 3;

/**
 * Keywords kept as themselves: words that cannot name a variable in Python or JavaScript/TypeScript,
 * the languages of the benchmarks. A word that is a keyword in some language but a legal name in the
 * text's own (`char`, `end`, `string`, `map`, `match`, `type` in Python; `from`, `as` in JavaScript) is
 * an identifier here: a consistent renaming may rename it, and the stream must not change when it does.
 * Python's `def`/`elif`/`lambda` and JavaScript's `function`/`const`/`typeof` still keep each
 * language's structure. Left out on purpose though reserved in JavaScript: `new`, `default`, `case`,
 * `delete`, `this`, common Python names. Built-in function names (`len`, `print`) are identifiers too.
 */
export const KEYWORDS: readonly string[] = [
  // Python (reserved keywords)
  'False', 'None', 'True', 'and', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del', 'elif', 'else',
  'except', 'finally', 'for', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal', 'not', 'or', 'pass', 'raise',
  'return', 'try', 'while', 'with', 'yield',
  // JavaScript / TypeScript (reserved words, beyond Python's)
  'var', 'let', 'const', 'function', 'typeof', 'instanceof', 'void', 'switch', 'do', 'throw', 'catch', 'null', 'true', 'false',
  'export', 'extends', 'super', 'enum',
];

/** Operators of two or more characters kept as one token (longest match first). */
export const OPERATORS: readonly string[] = [
  '>>>=', '===', '!==', '**=', '//=', '<<=', '>>=', '>>>', '...', '<=>',
  '=>', '->', '::', ':=', '==', '!=', '<=', '>=', '&&', '||', '??', '?.', '++', '--',
  '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '<<', '>>', '**', '..',
];

const FIRST_KEYWORD_ID = 8;
const FIRST_OPERATOR_ID = FIRST_KEYWORD_ID + KEYWORDS.length;
/** Single ASCII punctuation unit `u` has class `FIRST_PUNCT_ID + u`. */
const FIRST_PUNCT_ID = FIRST_OPERATOR_ID + OPERATORS.length;

const OPEN_PAREN = FIRST_PUNCT_ID + 40;
const CLOSE_PAREN = FIRST_PUNCT_ID + 41;
const COMMA = FIRST_PUNCT_ID + 44;
const SEMICOLON = FIRST_PUNCT_ID + 59;
const BACKSLASH = FIRST_PUNCT_ID + 92;
const CLOSE_BRACKET = FIRST_PUNCT_ID + 93;
const CLOSE_BRACE = FIRST_PUNCT_ID + 125;

/** Largest token class id (for sizing tables). */
export const MAX_TOKEN_ID = FIRST_PUNCT_ID + 127;

const operatorKey = (text: string, at: number, length: number): number => {
  let key = 0;
  for (let k = 0; k < length; k++) key = key * 128 + text.charCodeAt(at + k);
  return key;
};
const OPERATOR_IDS = [new Map<number, number>(), new Map<number, number>(), new Map<number, number>()];
for (const [index, op] of OPERATORS.entries()) OPERATOR_IDS[op.length - 2]!.set(operatorKey(op, 0, op.length), FIRST_OPERATOR_ID + index);

const MAX_KEYWORD_LENGTH = Math.max(...KEYWORDS.map((k) => k.length));
const KEYWORD_TABLE_SIZE = 1024;
const keywordSlots = new Int32Array(KEYWORD_TABLE_SIZE).fill(-1);

/** FNV-1a of `text[start, end)`, for the keyword table. */
function wordHash(text: string, start: number, end: number): number {
  let hash = 0x811c9dc5;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}
for (const [index, keyword] of KEYWORDS.entries()) {
  let slot = wordHash(keyword, 0, keyword.length) & (KEYWORD_TABLE_SIZE - 1);
  while (keywordSlots[slot] !== -1) slot = (slot + 1) & (KEYWORD_TABLE_SIZE - 1);
  keywordSlots[slot] = index;
}

/** The keyword index of `text[start, end)`, or -1. */
function keywordIndex(text: string, start: number, end: number): number {
  const length = end - start;
  if (length > MAX_KEYWORD_LENGTH) return -1;
  let slot = wordHash(text, start, end) & (KEYWORD_TABLE_SIZE - 1);
  for (;;) {
    const index = keywordSlots[slot]!;
    if (index === -1) return -1;
    const keyword = KEYWORDS[index]!;
    if (keyword.length === length) {
      let same = true;
      for (let k = 0; k < length; k++) {
        if (keyword.charCodeAt(k) !== text.charCodeAt(start + k)) {
          same = false;
          break;
        }
      }
      if (same) return index;
    }
    slot = (slot + 1) & (KEYWORD_TABLE_SIZE - 1);
  }
}

/** ASCII classes of the scanner's dispatch. */
const OTHER = 0;
const SPACE = 1;
const LETTER = 2;
const DIGIT = 3;
const ASCII_CLASS = new Uint8Array(128);
for (let unit = 0; unit < 128; unit++) {
  const char = String.fromCharCode(unit);
  if (/\s/.test(char)) ASCII_CLASS[unit] = SPACE;
  else if (/[A-Za-z_$]/.test(char)) ASCII_CLASS[unit] = LETTER;
  else if (/[0-9]/.test(char)) ASCII_CLASS[unit] = DIGIT;
}
/** ASCII units that appear after the first character of some operator (others end a token at once). */
const OPERATOR_TAIL = new Uint8Array(128);
for (const op of OPERATORS) for (let k = 1; k < op.length; k++) OPERATOR_TAIL[op.charCodeAt(k)] = 1;

/** True for units that continue an identifier: ASCII letters, digits, `_`, `$`, and non-ASCII word units. */
function isWordUnit(unit: number): boolean {
  if (unit < 128) return ASCII_CLASS[unit]! >= LETTER;
  return !isNonAsciiSeparator(unit) && !isWhitespaceUnit(unit);
}

const isDigit = (unit: number): boolean => unit >= 48 && unit <= 57;

/** Turns texts into canonical token streams; reuse one per thread (it keeps its buffers). */
export class CanonicalScanner {
  /** Class of each token of the last {@link scan}: {@link ID}, {@link NUM}, {@link STR}, a keyword or an operator. */
  ids: Int32Array<ArrayBuffer> = new Int32Array(1024);
  /** Start (inclusive, in UTF-16 units) of each token of the last scan. */
  starts: Int32Array<ArrayBuffer> = new Int32Array(1024);
  /** End (exclusive) of each token of the last scan. */
  ends: Int32Array<ArrayBuffer> = new Int32Array(1024);
  /** Tokens found by the last scan. */
  count = 0;

  /** Scans `text`, replacing the previous text's tokens; returns the number of tokens. */
  scan(text: string): number {
    this.count = 0;
    const length = text.length;
    let i = 0;
    while (i < length) {
      const unit = text.charCodeAt(i);
      const cls = unit < 128 ? ASCII_CLASS[unit]! : isWhitespaceUnit(unit) ? SPACE : isNonAsciiSeparator(unit) ? OTHER : LETTER;
      if (cls === SPACE) {
        i++;
      } else if (cls === LETTER) {
        let end = i + 1;
        while (end < length && isWordUnit(text.charCodeAt(end))) end++;
        const keyword = unit < 128 ? keywordIndex(text, i, end) : -1;
        this.push(keyword >= 0 ? FIRST_KEYWORD_ID + keyword : ID, i, end);
        i = end;
      } else if (cls === DIGIT || (unit === 46 && i + 1 < length && isDigit(text.charCodeAt(i + 1)))) {
        i = this.number(text, i);
      } else if (unit >= 128) {
        i++; // non-ASCII punctuation and symbols: not code
      } else {
        i = this.punctuation(text, i, unit);
      }
    }
    if (this.count > 0 && this.ids[this.count - 1] === COMMA) this.count--; // a trailing comma at the end
    return this.count;
  }

  /** A number literal from `i` (hex, exponents, suffixes and `_` separators included); returns its end. */
  private number(text: string, i: number): number {
    let end = i + 1;
    while (end < text.length) {
      const unit = text.charCodeAt(end);
      const previous = text.charCodeAt(end - 1);
      if (isWordUnit(unit) || unit === 46) end++;
      else if ((unit === 43 || unit === 45) && (previous === 101 || previous === 69) && !isHexLiteral(text, i)) end++;
      else break;
    }
    this.push(NUM, i, end);
    return end;
  }

  /** Comments, strings, fences and operators at `i` (an ASCII non-word unit); returns where to go on. */
  private punctuation(text: string, i: number, unit: number): number {
    const length = text.length;
    const next = i + 1 < length ? text.charCodeAt(i + 1) : -1;
    if (unit === 35 || (unit === 47 && next === 47)) return lineEnd(text, i); // # or //
    if (unit === 47 && next === 42) {
      const close = text.indexOf('*/', i + 2);
      return close === -1 ? length : close + 2;
    }
    if (unit === 96 && text.startsWith('```', i)) {
      let end = i + 3;
      while (end < length && text.charCodeAt(end) === 96) end++;
      while (end < length && (isWordUnit(text.charCodeAt(end)) || text.charCodeAt(end) === 43 || text.charCodeAt(end) === 45)) end++;
      return end;
    }
    if (unit === 34 || unit === 39 || unit === 96) {
      const end = stringEnd(text, i, unit);
      if (end > 0) {
        this.pushString(text, i, end);
        return end;
      }
    }
    if (next < 0 || next >= 128 || OPERATOR_TAIL[next] === 0) {
      this.push(FIRST_PUNCT_ID + unit, i, i + 1);
      return i + 1;
    }
    for (let size = 4; size >= 2; size--) {
      if (i + size > length) continue;
      const id = OPERATOR_IDS[size - 2]!.get(operatorKey(text, i, size));
      if (id !== undefined) {
        this.push(id, i, i + size);
        return i + size;
      }
    }
    this.push(FIRST_PUNCT_ID + unit, i, i + 1);
    return i + 1;
  }

  /**
   * A string literal, unless a re-printer could add or remove it without changing the code: a string
   * right after another (implicit concatenation, split by a formatter) is merged into it, and a string
   * standing alone on its line(s) (a docstring or string statement) is dropped.
   */
  private pushString(text: string, start: number, end: number): void {
    if (this.count > 0 && this.ids[this.count - 1] === STR) {
      this.ends[this.count - 1] = end;
      return;
    }
    if (!standsAlone(text, start, end)) this.push(STR, start, end);
  }

  /**
   * Appends a token, leaving out what re-printers and formatters (`ast.unparse`, black, prettier) add or
   * remove without changing the code, so a re-printed copy keeps its stream: parentheses, semicolons,
   * line-continuation backslashes, and a comma right before a closing bracket (a trailing comma).
   */
  private push(id: number, start: number, end: number): void {
    if (id === OPEN_PAREN || id === CLOSE_PAREN || id === SEMICOLON || id === BACKSLASH) {
      if (id === CLOSE_PAREN && this.count > 0 && this.ids[this.count - 1] === COMMA) this.count--;
      return;
    }
    if ((id === CLOSE_BRACKET || id === CLOSE_BRACE) && this.count > 0 && this.ids[this.count - 1] === COMMA) this.count--;
    if (this.count === this.ids.length) {
      const grow = (from: Int32Array): Int32Array<ArrayBuffer> => {
        const to = new Int32Array(from.length * 2);
        to.set(from);
        return to;
      };
      this.ids = grow(this.ids);
      this.starts = grow(this.starts);
      this.ends = grow(this.ends);
    }
    this.ids[this.count] = id;
    this.starts[this.count] = start;
    this.ends[this.count] = end;
    this.count++;
  }
}

/**
 * Whether `text[start, end)` is alone on its line(s): only blanks before it since the line's start and
 * only blanks (or a comment) after it up to the line's end. A docstring, or a string statement.
 */
function standsAlone(text: string, start: number, end: number): boolean {
  for (let i = start - 1; i >= 0; i--) {
    const unit = text.charCodeAt(i);
    if (unit === 10) break;
    if (unit !== 32 && unit !== 9 && unit !== 13) return false;
  }
  for (let i = end; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit === 10 || unit === 35 || (unit === 47 && text.charCodeAt(i + 1) === 47)) return true;
    if (unit !== 32 && unit !== 9 && unit !== 13) return false;
  }
  return true;
}

function isHexLiteral(text: string, start: number): boolean {
  return text.charCodeAt(start) === 48 && (text.charCodeAt(start + 1) | 32) === 120;
}

/** Index of the newline ending the line at `i` (or the text's end). */
function lineEnd(text: string, i: number): number {
  const newline = text.indexOf('\n', i);
  return newline === -1 ? text.length : newline;
}

/**
 * End (exclusive) of the string literal opening at `i` with `quote`, or -1 when it is not one: a
 * single or double quote not closed on its line. Triple quotes run to their closing triple (or the end).
 */
function stringEnd(text: string, i: number, quote: number): number {
  const length = text.length;
  if (quote !== 96 && text.charCodeAt(i + 1) === quote && text.charCodeAt(i + 2) === quote) {
    const triple = String.fromCharCode(quote, quote, quote);
    const close = text.indexOf(triple, i + 3);
    return close === -1 ? length : close + 3;
  }
  for (let j = i + 1; j < length; j++) {
    const unit = text.charCodeAt(j);
    if (unit === 92) j++; // backslash escape
    else if (unit === quote) return j + 1;
    else if (unit === 10 && quote !== 96) return -1;
  }
  return -1;
}

/** The readable name of a token class (`ID`, `NUM`, `STR`, a keyword or an operator). */
export function tokenName(id: number): string {
  if (id === ID) return 'ID';
  if (id === NUM) return 'NUM';
  if (id === STR) return 'STR';
  if (id >= FIRST_PUNCT_ID) return String.fromCharCode(id - FIRST_PUNCT_ID);
  if (id >= FIRST_OPERATOR_ID) return OPERATORS[id - FIRST_OPERATOR_ID]!;
  return KEYWORDS[id - FIRST_KEYWORD_ID] ?? `?${id}`;
}

/** The canonical token stream of `text` as names (for tests and inspection; detectors use the ids). */
export function canonicalize(text: string): string[] {
  const scanner = new CanonicalScanner();
  const count = scanner.scan(text);
  return Array.from(scanner.ids.subarray(0, count), tokenName);
}
