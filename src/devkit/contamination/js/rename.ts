/**
 * Consistent renaming of a JavaScript solution's own identifiers: the functions and classes it
 * declares, their parameters and every local it binds (`const`/`let`/`var` declarators with their
 * destructuring patterns, `catch` parameters, arrow and function-expression parameters). Property
 * names (`x.name`, `{ name: 1 }`, methods), labels and globals keep their names; a shorthand property
 * (`{ size }`) becomes `{ size: fresh }`, so objects keep their keys and the code computes the same.
 */
import type { Node } from 'acorn';
import { applyEdits, parseJs, walkJs, type Edit } from './parse.js';

const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'item', 'buf', 'acc', 'tmp', 'res', 'vals', 'arr', 'seq', 'data', 'out', 'cur', 'nxt', 'idx', 'node', 'part', 'elem', 'span', 'mark', 'slot', 'aux', 'probe', 'unit', 'chunk', 'piece', 'store', 'entry'];

type AnyNode = Node & Record<string, unknown>;

/** The identifiers a binding pattern declares. */
function patternNames(pattern: AnyNode | null | undefined, into: Set<string>): void {
  if (pattern === null || pattern === undefined) return;
  switch (pattern.type) {
    case 'Identifier': into.add(pattern.name as string); break;
    case 'ObjectPattern': for (const property of pattern.properties as AnyNode[]) patternNames((property.type === 'RestElement' ? property.argument : property.value) as AnyNode, into); break;
    case 'ArrayPattern': for (const element of pattern.elements as (AnyNode | null)[]) patternNames(element, into); break;
    case 'AssignmentPattern': patternNames(pattern.left as AnyNode, into); break;
    case 'RestElement': patternNames(pattern.argument as AnyNode, into); break;
  }
}

/** Names the code binds itself (its renameable identifiers), in first-seen order. */
export function jsBoundNames(source: string): string[] {
  const bound = new Set<string>();
  walkJs(parseJs(source).program, ({ node }) => {
    switch (node.type) {
      case 'FunctionDeclaration':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        patternNames(node.id as AnyNode | null, bound);
        for (const param of node.params as AnyNode[]) patternNames(param, bound);
        break;
      case 'ClassDeclaration': patternNames(node.id as AnyNode | null, bound); break;
      case 'VariableDeclarator': patternNames(node.id as AnyNode, bound); break;
      case 'CatchClause': patternNames(node.param as AnyNode | null, bound); break;
    }
    return true;
  });
  bound.delete('arguments');
  return [...bound];
}

/** A fresh camelCase name for each of `names`, none equal to a word already in `source`, chosen by `random`. */
export function freshJsNames(names: readonly string[], source: string, random: () => number): Map<string, string> {
  const taken = new Set(source.match(/[A-Za-z_$][\w$]*/g) ?? []);
  const mapping = new Map<string, string>();
  for (const name of names) {
    let fresh: string;
    do fresh = `${WORDS[Math.floor(random() * WORDS.length)] ?? 'v'}${1 + Math.floor(random() * 99)}`;
    while (taken.has(fresh));
    taken.add(fresh);
    mapping.set(name, fresh);
  }
  return mapping;
}

/** Whether the identifier at this position names a property, method or label rather than a binding. */
function isPropertyName(parent: AnyNode | undefined, key: string): boolean {
  if (parent === undefined) return false;
  switch (parent.type) {
    case 'MemberExpression': return key === 'property' && parent.computed !== true;
    case 'Property':
    case 'MethodDefinition':
    case 'PropertyDefinition': return key === 'key' && parent.computed !== true;
    case 'LabeledStatement':
    case 'BreakStatement':
    case 'ContinueStatement': return key === 'label';
    case 'MetaProperty': return true;
    default: return false;
  }
}

/** `source` with every identifier it binds renamed consistently; also returns the mapping used. */
export function renameJsWithMapping(source: string, random: () => number): { code: string; mapping: Map<string, string> } {
  const mapping = freshJsNames(jsBoundNames(source), source, random);
  const edits: Edit[] = [];
  walkJs(parseJs(source).program, ({ node, parent, key }) => {
    if (node.type === 'Property' && node.shorthand === true) {
      const name = (node.key as AnyNode).name as string;
      const fresh = mapping.get(name);
      if (fresh !== undefined) edits.push({ start: node.start, end: (node.key as AnyNode).end, text: `${name}: ${fresh}` });
      // The value repeats the key's range (`{ a }`, `{ a = 1 }`): only a default value is left to visit.
      const value = node.value as AnyNode;
      if (value.type === 'AssignmentPattern') walkJs(value.right as AnyNode, (step) => {
        renameVisit(step.node, step.parent ?? value, step.key, mapping, edits);
        return true;
      });
      return false;
    }
    renameVisit(node, parent, key, mapping, edits);
    return true;
  });
  return { code: applyEdits(source, edits), mapping };
}

function renameVisit(node: AnyNode, parent: AnyNode | undefined, key: string, mapping: ReadonlyMap<string, string>, edits: Edit[]): void {
  if (node.type !== 'Identifier') return;
  const fresh = mapping.get(node.name as string);
  if (fresh !== undefined && !isPropertyName(parent, key)) edits.push({ start: node.start, end: node.end, text: fresh });
}

/** `source` with every identifier it binds renamed consistently (fresh names drawn from `random`). */
export function renameJsIdentifiers(source: string, random: () => number): string {
  return renameJsWithMapping(source, random).code;
}
