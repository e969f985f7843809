/**
 * Near duplicates: the same code with only whitespace changed, the way copies drift between
 * repositories (another indentation, trailing spaces, blank lines, CRLF). Removing all whitespace gives
 * back the original exactly, which is what whitespace-insensitive de-duplication compares.
 */
import { escapeJson } from './blocks.js';
import type { Random } from './random.js';

/** Indentation units in the order variants use them (after these: 9, 10, ... spaces). */
const INDENT_UNITS: readonly string[] = ['\t', '  ', '    ', '   ', '        ', '     ', '      ', '       '];

/** The `variant`-th indentation unit other than `unit`: distinct variants get distinct units. */
export function indentVariant(unit: string, variant: number): string {
  let seen = -1;
  for (let i = 0; ; i++) {
    const candidate = INDENT_UNITS[i] ?? ' '.repeat(i + 1);
    if (candidate !== unit && ++seen === variant) return candidate;
  }
}

/**
 * Re-indents `code` (indented with `unit` per level) with {@link indentVariant}(unit, variant) and
 * sprinkles in other whitespace changes. Every generated function has an indented line, so the result
 * always differs from `code`; and different variants of one code always differ from each other (they
 * still differ with trailing whitespace, blank lines and CRs taken out), so near duplicates are never
 * exact duplicates of one another.
 *
 * With `escaped`, `code` and the result are JSON-escaped text, which saves unescaping and escaping again.
 * Only valid when the code itself has no backslash (its escaped text has no `\\\\`): then every `\\n` in
 * the escaped text is an escaped newline.
 * The result is then the escaped form of what the raw call returns for the same random state.
 */
export function reflowWhitespace(random: Random, code: string, unit: string, variant: number, escaped = false): string {
  const spell = escaped ? escapeJson : (text: string): string => text;
  const target = spell(indentVariant(unit, variant));
  const unitText = spell(unit);
  const newline = spell(random.chance(0.15) ? '\r\n' : '\n');
  const tab = spell('\t');
  const trailingSpaces = random.chance(0.3);
  const blankLines = random.chance(0.25);
  const lines = code.split(spell('\n'));
  let result = '';
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    let depth = 0;
    while (line.startsWith(unitText, depth * unitText.length)) depth++;
    if (index > 0) result += newline;
    result += target.repeat(depth) + line.slice(depth * unitText.length);
    if (trailingSpaces && random.chance(0.3)) result += random.chance(0.5) ? ' ' : tab;
    if (blankLines && index > 0 && index < lines.length - 1 && random.chance(0.1)) result += newline;
  }
  return result;
}
