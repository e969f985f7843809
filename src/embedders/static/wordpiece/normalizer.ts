/**
 * The BertNormalizer exactly as `@huggingface/tokenizers` (0.2.x) applies it, since that library is
 * the reference the own tokenizer is held to: clean_text drops NUL, U+FFFD and code points in
 * \p{Cc}/\p{Cf}/\p{Co}/\p{Cs} (tab, LF and CR excepted) and turns JavaScript's `\s` into a space;
 * Chinese characters are padded with spaces per UTF-16 unit (so, as there, only BMP ranges match);
 * then the whole string is lower-cased (String#toLowerCase, final sigma included) and accents are
 * stripped (NFD, then \p{Mn} removed) after lower-casing. Pure-ASCII text takes a fast path with the
 * same result.
 */
import type { WordPieceConfig } from './config.js';

/** What clean_text does with one code point. */
const enum Clean {
  Keep,
  Drop,
  Space,
}

const CONTROL = /^\p{Cc}|\p{Cf}|\p{Co}|\p{Cs}$/u;
const SPACE = /^\s$/u;
const NON_SPACING_MARK = /\p{Mn}/gu;
const cleanOfCodePoint = new Map<number, Clean>();

function cleanOf(codePoint: number, char: string): Clean {
  let kind = cleanOfCodePoint.get(codePoint);
  if (kind === undefined) {
    // The same tests, in the same order, as the reference's clean_text.
    if (codePoint === 0 || codePoint === 0xfffd || (char !== '\t' && char !== '\n' && char !== '\r' && CONTROL.test(char))) kind = Clean.Drop;
    else kind = SPACE.test(char) ? Clean.Space : Clean.Keep;
    cleanOfCodePoint.set(codePoint, kind);
  }
  return kind;
}

function isChineseUnit(unit: number): boolean {
  return (unit >= 0x4e00 && unit <= 0x9fff) || (unit >= 0x3400 && unit <= 0x4dbf) || (unit >= 0xf900 && unit <= 0xfaff);
}

/** Whether `text` is ASCII with no character that clean_text would drop (controls other than \t \n \r, NUL, DEL). */
function isCleanAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0x7f || (unit < 0x20 && unit !== 0x09 && unit !== 0x0a && unit !== 0x0d)) return false;
  }
  return true;
}

function cleanText(text: string): string {
  let out = '';
  for (const char of text) {
    const kind = cleanOf(char.codePointAt(0)!, char);
    if (kind === Clean.Keep) out += char;
    else if (kind === Clean.Space) out += ' ';
  }
  return out;
}

function padChinese(text: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    if (!isChineseUnit(text.charCodeAt(i))) continue;
    out += `${text.slice(from, i)} ${text[i]!} `;
    from = i + 1;
  }
  return from === 0 ? text : out + text.slice(from);
}

/**
 * `text` normalised. Whitespace of an ASCII text may stay tab/LF/CR where the reference writes a
 * space: the pre-tokenizer treats every `\s` alike, so the tokens are the same.
 */
export function normalizeBert(text: string, config: WordPieceConfig): string {
  if (isCleanAscii(text)) return config.lowercase ? text.toLowerCase() : text; // NFD and CJK padding leave ASCII unchanged
  let out = config.cleanText ? cleanText(text) : text;
  if (config.handleChineseChars) out = padChinese(out);
  if (config.lowercase) out = out.toLowerCase();
  if (config.stripAccents) out = out.normalize('NFD').replace(NON_SPACING_MARK, '');
  return out;
}
