/**
 * Comments removed from JavaScript code: line comments, block comments and JSDoc, found by the parser
 * (so `//` inside a string or a regular expression stays). Lines a comment leaves blank are dropped.
 */
import { dropEmptiedLines, REMOVED } from '../removed-lines.js';
import { parseJs } from './parse.js';

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
  return dropEmptiedLines(marked).join('\n');
}
