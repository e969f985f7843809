/**
 * Comments removed from JavaScript code: line comments, block comments and JSDoc, found by the parser
 * (so `//` inside a string or a regular expression stays). Lines a comment leaves blank are dropped.
 */
import { parseJs } from './parse.js';

const REMOVED = '\u0001';

/** `source` without its comments (lines they leave blank are dropped, trailing blanks trimmed). */
export function stripJsComments(source: string): string {
  const { comments } = parseJs(source);
  let marked = '';
  let at = 0;
  for (const comment of comments) {
    marked += `${source.slice(at, comment.start)}${REMOVED}`;
    at = comment.end;
  }
  marked += source.slice(at);
  const lines: string[] = [];
  for (const line of marked.split('\n')) {
    if (!line.includes(REMOVED)) {
      lines.push(line);
      continue;
    }
    const rest = line.replaceAll(REMOVED, '').trimEnd();
    if (rest.trim() !== '') lines.push(rest);
  }
  return lines.join('\n');
}
