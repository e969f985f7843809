/**
 * Formatter-style re-printing done on tokens, the changes `black` makes to code written by hand:
 * quote style swapped (`'a'` <-> `"a"`), redundant parentheses around a `return` value or an
 * `if`/`elif`/`while` condition, and long lines split at their last bracket (black's right-hand
 * split), one argument a line with a magic trailing comma when the contents are still too long.
 * Only single-line statements are touched, so the result parses whenever the input does.
 */
import { tokenize, type Token } from './python-tokens.js';

/** Options of {@link blackStyle}. */
export interface BlackStyleOptions {
  /** Lines longer than this are split. @default 60 */
  width?: number;
  /** Chance that a `return`/condition line gets redundant parentheses. @default 0.5 */
  parenthesesRate?: number;
}

const OPENERS: Readonly<Record<string, string>> = { '(': ')', '[': ']', '{': '}' };
const CLOSERS = new Set([')', ']', '}']);

/** `source` re-printed with black-like changes; `random` decides which lines get parentheses. */
export function blackStyle(source: string, random: () => number, options: BlackStyleOptions = {}): string {
  const width = options.width ?? 60;
  const parenthesesRate = options.parenthesesRate ?? 0.5;
  const lines = splitLines(tokenize(source));
  return lines
    .map((line) => {
      if (line.some((t) => t.kind === 'comment' || (t.text.includes('\n') && t.kind !== 'newline')) || !balanced(line)) return line.map((t) => t.text).join('');
      const swapped = line.map(swapQuotes);
      const parenthesised = random() < parenthesesRate ? addParentheses(swapped) : swapped;
      return wrap(parenthesised, width);
    })
    .join('\n');
}

/** Physical lines as token lists (line ends dropped). */
function splitLines(tokens: readonly Token[]): Token[][] {
  const lines: Token[][] = [[]];
  for (const token of tokens) {
    if (token.kind === 'newline') lines.push([]);
    else lines.at(-1)?.push(token);
  }
  return lines;
}

function balanced(line: readonly Token[]): boolean {
  let depth = 0;
  for (const token of line) {
    if (token.kind !== 'op') continue;
    if (token.text in OPENERS) depth++;
    else if (CLOSERS.has(token.text) && --depth < 0) return false;
  }
  return depth === 0 && line.at(-1)?.text !== '\\';
}

/** A plain single-line string with neither quote nor backslash inside, in the other quote style. */
function swapQuotes(token: Token): Token {
  const match = /^([rRbBuU]?)(['"])([^'"\\\n]*)\2$/.exec(token.text);
  if (token.kind !== 'string' || match === null) return token;
  const quote = match[2] === "'" ? '"' : "'";
  return { kind: 'string', text: `${match[1] ?? ''}${quote}${match[3] ?? ''}${quote}` };
}

/** `return x` -> `return (x)`; `if c:` -> `if (c):` (also `elif`, `while`). */
function addParentheses(line: Token[]): Token[] {
  const first = line.findIndex((t) => t.kind !== 'space');
  const keyword = line[first]?.text ?? '';
  if (!['return', 'if', 'elif', 'while'].includes(keyword)) return line;
  let end = line.length;
  while (line[end - 1]?.kind === 'space') end--;
  if (keyword !== 'return') {
    if (line[end - 1]?.text !== ':') return line;
    end--;
    while (line[end - 1]?.kind === 'space') end--;
  }
  const body = line.slice(first + 1, end);
  const start = body.findIndex((t) => t.kind !== 'space');
  if (start < 0 || body.some((t) => t.text === ':' && keyword !== 'return') || body.some((t) => t.text === 'yield' || t.text === 'lambda')) return line;
  const inner = body.slice(start);
  return [...line.slice(0, first + 1), ...body.slice(0, start), { kind: 'op', text: '(' }, ...inner, { kind: 'op', text: ')' }, ...line.slice(end)];
}

const text = (tokens: readonly Token[]): string => tokens.map((t) => t.text).join('');

/** A line longer than `width` split at its last top-level bracket pair. */
function wrap(line: readonly Token[], width: number): string {
  const whole = text(line);
  if (whole.length <= width) return whole;
  let depth = 0;
  let open = -1;
  let close = -1;
  line.forEach((token, i) => {
    if (token.kind !== 'op') return;
    if (token.text in OPENERS && depth++ === 0) open = i;
    else if (CLOSERS.has(token.text) && --depth === 0) close = i;
  });
  if (open < 0 || close < open + 2) return whole;
  const indent = /^[ \t]*/.exec(whole)?.[0] ?? '';
  const inner = `${indent}    `;
  const body = line.slice(open + 1, close);
  const head = text(line.slice(0, open + 1)).trimEnd();
  const tail = text(line.slice(close));
  const items = splitTopLevel(body);
  const previous = line.slice(0, open).filter((t) => t.kind !== 'space').at(-1);
  const subscript = line[open]?.text === '[' && (previous?.kind === 'name' || previous?.text === ')' || previous?.text === ']');
  const oneLine = text(body).trim();
  const noTrailingComma = subscript || items.length < 2 || body.some((t) => t.text === 'lambda' || t.text === 'for' || t.text === '*' || t.text === '**');
  if (inner.length + oneLine.length <= width || noTrailingComma) return `${head}\n${inner}${oneLine}\n${indent}${tail}`;
  return `${head}\n${items.map((item) => `${inner}${item},`).join('\n')}\n${indent}${tail}`;
}

/** The top-level comma-separated items of a bracket's contents, trimmed (a trailing comma dropped). */
function splitTopLevel(body: readonly Token[]): string[] {
  const items: Token[][] = [[]];
  let depth = 0;
  for (const token of body) {
    if (token.kind === 'op' && token.text in OPENERS) depth++;
    if (token.kind === 'op' && CLOSERS.has(token.text)) depth--;
    if (depth === 0 && token.text === ',') items.push([]);
    else items.at(-1)?.push(token);
  }
  return items.map((item) => text(item).trim()).filter((item) => item !== '');
}
