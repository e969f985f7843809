/**
 * Docstrings and comments removed from Python code: every comment, and every string that stands
 * alone as a statement (docstrings of the module, classes and functions). A block left empty gets
 * `pass`, so the result still parses.
 */
import { tokenize, type Token } from './python-tokens.js';
import { dropEmptiedLines, REMOVED } from './removed-lines.js';

const BLOCK_HEADER = /^\s*(?:async\s+)?(?:def|class|if|elif|else|for|while|try|except|finally|with)\b.*:$/;

/** Whether token i is a string statement: the first code on its line and the last before the line ends. */
function isStringStatement(tokens: readonly Token[], i: number): boolean {
  if (tokens[i]?.kind !== 'string') return false;
  const isBlank = (t: Token | undefined): boolean => t?.kind === 'space' || t?.kind === 'comment';
  let before = i - 1;
  while (isBlank(tokens[before])) before--;
  let after = i + 1;
  while (isBlank(tokens[after])) after++;
  const startsLine = before < 0 || tokens[before]?.kind === 'newline';
  const endsLine = after >= tokens.length || tokens[after]?.kind === 'newline';
  return startsLine && endsLine;
}

/** `source` without comments and docstrings (lines they leave blank are dropped). */
export function stripDocs(source: string): string {
  const tokens = tokenize(source);
  const marked = tokens.map((token, i) => (token.kind === 'comment' || isStringStatement(tokens, i) ? REMOVED : token.text)).join('');
  return fillEmptyBlocks(dropEmptiedLines(marked)).join('\n');
}

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

/** `pass` under each block header whose body was removed. */
function fillEmptyBlocks(lines: readonly string[]): string[] {
  const out: string[] = [];
  lines.forEach((line, i) => {
    out.push(line);
    if (!BLOCK_HEADER.test(line)) return;
    const next = lines.slice(i + 1).find((candidate) => candidate.trim() !== '');
    if (next === undefined || indentOf(next) <= indentOf(line)) out.push(`${' '.repeat(indentOf(line) + 4)}pass`);
  });
  return out;
}
