/**
 * JavaScript parsing for the JS transformations: acorn (ESTree) with comments collected, and a
 * generic walker that visits every node with its parent and the key it sits under.
 */
import { parse, type Comment, type Node } from 'acorn';
import { InternalError, TidepoolError } from '../../../errors.js';

/** A parsed JavaScript source: its ESTree program and its comments. */
export interface ParsedJs {
  program: Node;
  comments: Comment[];
}

/** Parses `source` as a script (else a module); every syntax error names where it is. */
export function parseJs(source: string): ParsedJs {
  const comments: Comment[] = [];
  const attempt = (sourceType: 'script' | 'module'): Node =>
    parse(source, { ecmaVersion: 'latest', sourceType, allowHashBang: true, allowReturnOutsideFunction: true, onComment: comments, locations: false });
  try {
    return { program: attempt('script'), comments };
  } catch {
    comments.length = 0;
    try {
      return { program: attempt('module'), comments };
    } catch (error) {
      throw new TidepoolError('E_BAD_RECORD', `the code does not parse as JavaScript (${(error as Error).message}): ${JSON.stringify(source.slice(0, 200))}. Only valid JavaScript can be transformed.`);
    }
  }
}

/** What {@link walkJs} passes for each node. */
export interface Visit {
  node: Node & Record<string, unknown>;
  parent: (Node & Record<string, unknown>) | undefined;
  key: string;
}

const isNode = (value: unknown): value is Node & Record<string, unknown> => typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';

/** Visits every node of `root` depth-first in source order; `visit` returning false skips the node's children. */
export function walkJs(root: Node, visit: (step: Visit) => boolean): void {
  const stack: Visit[] = [{ node: root as Node & Record<string, unknown>, parent: undefined, key: '' }];
  while (stack.length > 0) {
    const step = stack.pop()!;
    if (!visit(step)) continue;
    const children: Visit[] = [];
    for (const [key, value] of Object.entries(step.node)) {
      if (Array.isArray(value)) for (const item of value) { if (isNode(item)) children.push({ node: item, parent: step.node, key }); }
      else if (isNode(value)) children.push({ node: value, parent: step.node, key });
    }
    children.sort((a, b) => b.node.start - a.node.start);
    stack.push(...children);
  }
}

/** Text edits applied at once (ranges must not overlap; insertions at one position are kept in order; an identical edit twice is kept once). */
export interface Edit {
  start: number;
  end: number;
  text: string;
}

/** `source` with `edits` applied. */
export function applyEdits(source: string, edits: readonly Edit[]): string {
  const sorted = [...new Map(edits.map((edit) => [`${edit.start}:${edit.end}:${edit.text}`, edit])).values()].sort((a, b) => a.start - b.start || a.end - b.end);
  let out = '';
  let at = 0;
  for (const edit of sorted) {
    if (edit.start < at) throw new InternalError(`overlapping edits at ${edit.start} (previous edit ends at ${at}): this is a bug in the JS transformations.`);
    out += source.slice(at, edit.start) + edit.text;
    at = edit.end;
  }
  return out + source.slice(at);
}
