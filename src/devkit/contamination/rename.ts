/**
 * Consistent renaming of a Python solution's own identifiers: the functions it defines, their
 * arguments and every local it binds (assignment and augmented-assignment targets, `for` targets,
 * comprehension variables, `as` names, walrus targets, lambda arguments). Builtins, keywords,
 * attributes (`x.name`), keyword arguments of calls (`f(key=...)`), imported names and dunders keep
 * their names, so the renamed code computes the same thing.
 */
import { BUILTINS, KEYWORDS, tokenize, untokenize, type Token } from './python-tokens.js';

const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'item', 'buf', 'acc', 'tmp', 'res', 'vals', 'arr', 'seq', 'data', 'out', 'cur', 'nxt', 'idx', 'node', 'part', 'elem', 'span', 'mark', 'slot', 'key2', 'aux', 'probe', 'unit', 'chunk', 'piece', 'store'];

const OPENERS: Readonly<Record<string, string>> = { '(': ')', '[': ']', '{': '}' };
const CLOSERS = new Set([')', ']', '}']);
const ASSIGN_OPS = new Set(['=', '+=', '-=', '*=', '/=', '//=', '%=', '**=', '>>=', '<<=', '&=', '|=', '^=', '@=']);

/** Names the code binds itself (its renameable identifiers), in first-seen order. */
export function boundNames(source: string): string[] {
  const tokens = codeTokens(tokenize(source)).map(({ token }) => token);
  const bound = new Set<string>();
  const imported = new Set<string>();
  const bind = (token: Token | undefined): void => {
    if (token?.kind === 'name' && !KEYWORDS.has(token.text)) bound.add(token.text);
  };
  const text = (i: number): string => tokens[i]?.text ?? '';
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token === undefined) continue;
    const previous = text(i - 1);
    if (token.text === 'import') {
      for (let j = i + 1; j < tokens.length && tokens[j]?.kind !== 'newline' && !['def', 'class'].includes(text(j)); j++) {
        if (tokens[j]?.kind === 'name' && text(j) !== 'as' && ![',', '.'].includes(text(j + 1))) imported.add(text(j));
      }
    }
    if (token.kind !== 'name' || previous === '.') continue;
    if (previous === 'def' || previous === 'class' || previous === 'as') bind(token);
    const next = text(i + 1);
    if (next === ':=') bind(token);
    if (ASSIGN_OPS.has(next) || (next === ',' && isAssignmentTarget(tokens, i))) {
      if (previous === '' || ['(', ',', '['].includes(previous) || isLineStart(tokens, i)) {
        if (next !== '=' || !insideCallParens(tokens, i)) bind(token);
      }
    }
    if (next === ':' && isLineStart(tokens, i)) bind(token);
  }
  // for-targets, lambda and def parameters.
  for (let i = 0; i < tokens.length; i++) {
    const word = text(i);
    if (word === 'for') {
      for (let j = i + 1; j < tokens.length && text(j) !== 'in'; j++) if (tokens[j]?.kind === 'name' && text(j - 1) !== '.' && !['.', '[', '('].includes(text(j + 1))) bind(tokens[j]);
    }
    if (word === 'lambda') {
      for (let j = i + 1; j < tokens.length && text(j) !== ':'; j++) if (['lambda', ',', '*', '**'].includes(text(j - 1))) bind(tokens[j]);
    }
    if (word === 'def' && text(i + 2) === '(') {
      let depth = 0;
      for (let j = i + 2; j < tokens.length; j++) {
        if (text(j) in OPENERS) depth++;
        else if (CLOSERS.has(text(j)) && --depth === 0) break;
        else if (depth === 1 && ['(', ',', '*', '**'].includes(text(j - 1)) && tokens[j]?.kind === 'name') bind(tokens[j]);
      }
    }
  }
  return [...bound].filter((name) => !BUILTINS.has(name) && !imported.has(name) && !/^__.*__$/.test(name));
}

/**
 * The tokens that matter for binding, with their index in `tokens`: no blanks or comments, and line
 * ends only outside brackets (a line end inside brackets does not end a statement).
 */
function codeTokens(tokens: readonly Token[]): { token: Token; index: number }[] {
  const kept: { token: Token; index: number }[] = [];
  let depth = 0;
  tokens.forEach((token, index) => {
    if (token.kind === 'space' || token.kind === 'comment' || (token.kind === 'newline' && depth > 0)) return;
    if (token.kind === 'op' && token.text in OPENERS) depth++;
    if (token.kind === 'op' && CLOSERS.has(token.text)) depth = Math.max(0, depth - 1);
    kept.push({ token, index });
  });
  return kept;
}

function isLineStart(tokens: readonly Token[], i: number): boolean {
  return i === 0 || tokens[i - 1]?.kind === 'newline' || tokens[i - 1]?.text === ';';
}

/** `a, b = ...`: a name followed by a comma binds when the statement has a top-level `=` after it. */
function isAssignmentTarget(tokens: readonly Token[], i: number): boolean {
  let depth = 0;
  for (let j = i + 1; j < tokens.length && tokens[j]?.kind !== 'newline'; j++) {
    const text = tokens[j]?.text ?? '';
    if (text in OPENERS) depth++;
    else if (CLOSERS.has(text)) depth--;
    else if (depth <= 0 && ASSIGN_OPS.has(text)) return true;
    else if (depth <= 0 && ['for', 'in', 'lambda', 'return', 'if'].includes(text)) return false;
  }
  return false;
}

/** Whether token i sits directly inside a call's parentheses (then `name=` is a keyword argument). */
function insideCallParens(tokens: readonly Token[], i: number): boolean {
  let depth = 0;
  for (let j = i - 1; j >= 0; j--) {
    const text = tokens[j]?.text ?? '';
    if (CLOSERS.has(text)) depth++;
    else if (text in OPENERS) {
      if (depth === 0) return text === '(' && tokens[j - 1]?.kind === 'name' && tokens[j - 2]?.text !== 'def';
      depth--;
    }
  }
  return false;
}

/** A fresh name for each of `names`, none equal to a name already in `source`, chosen by `random`. */
export function freshNames(names: readonly string[], source: string, random: () => number): Map<string, string> {
  const taken = new Set(tokenize(source).filter((t) => t.kind === 'name').map((t) => t.text));
  const mapping = new Map<string, string>();
  for (const name of names) {
    let fresh: string;
    do fresh = `${WORDS[Math.floor(random() * WORDS.length)] ?? 'v'}_${1 + Math.floor(random() * 99)}`;
    while (taken.has(fresh));
    taken.add(fresh);
    mapping.set(name, fresh);
  }
  return mapping;
}

/** `source` with every identifier it binds renamed consistently (fresh names drawn from `random`). */
export function renameIdentifiers(source: string, random: () => number): string {
  const mapping = freshNames(boundNames(source), source, random);
  const tokens = tokenize(source);
  const significant = codeTokens(tokens);
  const signature = significant.map(({ token }) => token);
  significant.forEach(({ token, index }, k) => {
    const fresh = mapping.get(token.text);
    if (token.kind === 'string' && /^[rRbBuU]?[fF]/.test(token.text)) {
      tokens[index] = { kind: 'string', text: renameInFString(token.text, mapping) };
      return;
    }
    if (token.kind !== 'name' || fresh === undefined || signature[k - 1]?.text === '.') return;
    const keywordArgument = signature[k + 1]?.text === '=' && ['(', ','].includes(signature[k - 1]?.text ?? '') && insideCallParens(signature, k);
    if (!keywordArgument) tokens[index] = { kind: 'name', text: fresh };
  });
  return untokenize(tokens);
}

/** Names inside an f-string's `{...}` replacement fields, renamed (attributes kept). */
function renameInFString(text: string, mapping: ReadonlyMap<string, string>): string {
  return text.replace(/\{[^{}]*\}/g, (field) => field.replace(/(?<![.\w])[A-Za-z_]\w*/g, (name) => mapping.get(name) ?? name));
}
