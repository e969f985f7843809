/**
 * Cheap facts the scripted model reads from code (the first function's name and parameters, the
 * identifiers it uses most) and the one deterministic bug it injects for repair samples. Pure and
 * regex-based: plausible, not a parser.
 */

/** Words that are never a function name or an interesting identifier. */
const KEYWORDS = new Set([
  'and', 'as', 'assert', 'async', 'await', 'break', 'case', 'catch', 'class', 'const', 'continue', 'def', 'default', 'defer', 'del', 'do', 'elif',
  'else', 'elsif', 'end', 'enum', 'except', 'export', 'extends', 'false', 'final', 'finally', 'fn', 'for', 'foreach', 'from', 'func', 'function',
  'global', 'go', 'goto', 'if', 'impl', 'implements', 'import', 'in', 'instanceof', 'interface', 'is', 'lambda', 'let', 'loop', 'match', 'mod',
  'module', 'mut', 'new', 'nil', 'none', 'not', 'null', 'object', 'or', 'package', 'pass', 'private', 'protected', 'pub', 'public', 'raise',
  'range', 'require', 'rescue', 'return', 'self', 'static', 'struct', 'super', 'switch', 'this', 'throw', 'throws', 'true', 'try', 'type',
  'typeof', 'undefined', 'unless', 'until', 'use', 'using', 'val', 'var', 'void', 'when', 'where', 'while', 'with', 'yield', 'int', 'long',
  'float', 'double', 'bool', 'boolean', 'char', 'string', 'str', 'byte', 'short', 'unsigned', 'signed', 'auto', 'echo', 'then', 'done', 'local',
  'println', 'print', 'printf', 'len', 'cls', 'args', 'kwargs', 'array', 'list', 'dict', 'map', 'err', 'error', 'nullptr', 'std', 'java', 'lang',
]);

const DEFINITIONS: readonly RegExp[] = [
  /\bdef\s+(?:self\.)?([A-Za-z_]\w*)/g,
  /\bfunction\s*&?\s*([A-Za-z_$][\w$]*)/g,
  /\bfunc\s+(?:\([^)]*\)\s*)?([A-Za-z_]\w*)/g,
  /\bfn\s+([A-Za-z_]\w*)/g,
  /\bfun\s+(?:<[^>]*>\s*)?(?:\w+\.)?([A-Za-z_]\w*)/g,
  /\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*(?:async\s+)?(?:function\b|\([^()]*\)\s*=>|[A-Za-z_$][\w$]*\s*=>)/g,
  // Java / C / C# methods: modifiers, a return type, the name, parameters, an opening brace.
  /^[ \t]*(?:(?:public|private|protected|internal|static|final|abstract|synchronized|virtual|override|async|inline|extern)\s+)*[\w<>[\],.?*&:]+\s+\**([A-Za-z_]\w*)\s*\([^;{}]*\)\s*(?:const\s*)?(?:throws\s+[\w., ]+)?\{/gm,
];

/** The first defined function's name (`def`, `function`, `func`, `fn`, `fun`, arrow constants, C-family methods), if any. */
export function functionName(code: string): string | undefined {
  let best: { index: number; name: string } | undefined;
  for (const pattern of DEFINITIONS) {
    for (const match of code.matchAll(pattern)) {
      const name = match[1]!;
      if (KEYWORDS.has(name.toLowerCase())) continue;
      if (best === undefined || match.index < best.index) best = { index: match.index, name };
      break;
    }
  }
  return best?.name;
}

/** Parameter names of the function `name` in `code` (receivers like `self` dropped), at most four. */
export function parameterNames(code: string, name: string, language: string): string[] {
  const open = new RegExp(`\\b${escapeRegExp(name)}\\s*(?:<[^<>()]*>|\\[[^\\[\\]()]*\\])?\\s*\\(`).exec(code);
  if (open === null) return [];
  const start = open.index + open[0].length;
  const pieces: string[] = [];
  let depth = 0;
  let from = start;
  for (let i = start; i < code.length; i++) {
    const ch = code[i]!;
    if ('([{<'.includes(ch)) depth++;
    else if (')]}>'.includes(ch) && code[i - 1] !== '-' && code[i - 1] !== '=') {
      if (depth === 0) {
        pieces.push(code.slice(from, i));
        break;
      }
      depth--;
    } else if (ch === ',' && depth === 0) {
      pieces.push(code.slice(from, i));
      from = i + 1;
    }
  }
  const goStyle = language.trim().toLowerCase() === 'go';
  return pieces
    .map((piece) => parameterName(piece, goStyle))
    .filter((param): param is string => param !== undefined)
    .slice(0, 4);
}

function parameterName(piece: string, goStyle: boolean): string | undefined {
  const declaration = piece.split('=')[0]!.replace(/@\w+/g, '').trim();
  const named = declaration.includes(':') ? declaration.split(':')[0]! : declaration;
  const words = named.match(/[A-Za-z_$][\w$]*/g)?.filter((word) => !['mut', 'final', 'const', 'ref', 'out', 'in', 'var', 'val'].includes(word)) ?? [];
  const word = (goStyle && !declaration.includes(':') ? words[0] : words.at(-1))?.replace(/^\$/, '');
  return word === undefined || ['self', 'this', 'cls', '_'].includes(word) ? undefined : word;
}

/** Identifiers of three or more characters, most used first (ties by first use), keywords and literals skipped. */
export function topIdentifiers(code: string, limit: number, exclude: readonly string[] = []): string[] {
  const stripped = code
    .replace(/"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g, ' ')
    .replace(/\/\/.*$|(^|\s)#.*$/gm, ' ');
  const counts = new Map<string, number>();
  for (const [word] of stripped.matchAll(/[A-Za-z_][A-Za-z0-9_]{2,}/g)) {
    if (KEYWORDS.has(word.toLowerCase()) || exclude.includes(word)) continue;
    counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, limit).map(([word]) => word);
}

/** The words of an identifier: `parseHTTPHeader` and `parse_http_header` both give parse, http, header. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word !== '')
    .map((word) => word.toLowerCase());
}

/** Spells `words` as one identifier in the given style. */
export function styleName(words: readonly string[], style: 'snake' | 'camel' | 'pascal'): string {
  if (style === 'snake') return words.join('_');
  const capitalized = words.map((word) => word.charAt(0).toUpperCase() + word.slice(1));
  return style === 'pascal' ? capitalized.join('') : (words[0] ?? '') + capitalized.slice(1).join('');
}

/** A bug injected into code: the buggy text and how the bug shows (a clause after "it"). */
export interface InjectedBug {
  buggy: string;
  symptom: string;
}

interface Mutation {
  index: number;
  length: number;
  replacement: string;
  symptom: string;
}

const FLIPPED: Readonly<Record<string, string>> = { '<': '<=', '<=': '<', '>': '>=', '>=': '>', '==': '!=', '!=': '==', '===': '!==', '!==': '===' };
const BOUNDARY = 'gives the wrong answer exactly at the boundary: a value equal to the limit is handled on the wrong side, an off-by-one';
const INVERTED = 'takes the wrong branch: matching values are treated as different and different ones as matching';
/** Languages where a bare expression statement is valid, so dropping `return` is a logic bug, not a compile error. */
const RETURN_DROPPABLE: Readonly<Record<string, string>> = { python: 'None', javascript: 'undefined', php: 'null' };
const COMMENT_LINE = /^\s*(#|\/\/|\/\*|\*|--)/;

/**
 * Injects one bug into `code`: flips a comparison or (where the language allows it) drops a `return`
 * keyword; with neither, changes a numeric literal, then a boolean literal, then misspells an
 * identifier. `choose(n)` picks among the candidates of the first kind that has any.
 */
export function injectBug(code: string, language: string, choose: (n: number) => number): InjectedBug {
  const nothing = RETURN_DROPPABLE[language.trim().toLowerCase()];
  const comparisons = mutations(code, / (===|!==|==|!=|<=|>=|<|>) /g, (op) => ({ text: ` ${FLIPPED[op.trim()]!} `, symptom: op.includes('=') && !/[<>]/.test(op) ? INVERTED : BOUNDARY }));
  const returns = nothing === undefined ? [] : mutations(code, /\breturn (?=[^\s;])/g, () => ({ text: '', symptom: `returns ${nothing} instead of the result it computes` }));
  const kinds = [
    [...comparisons, ...returns],
    mutations(code, /(?<![\w.])\d+(?![\w.])/g, (n) => ({ text: String(Number(n) + 1), symptom: 'gives results that are slightly off for ordinary inputs, as if a constant were wrong' })),
    mutations(code, /\b(true|false|True|False)\b/g, (b) => ({ text: ({ true: 'false', false: 'true', True: 'False', False: 'True' } as Record<string, string>)[b]!, symptom: 'behaves as if a flag had the opposite value' })),
    mutations(code, /\b[A-Za-z_]\w{2,}\b/g, (word) => ({ text: KEYWORDS.has(word.toLowerCase()) ? word : `${word.slice(0, -2)}${word.at(-1)!}${word.at(-2)!}`, symptom: 'fails with an error about an unknown name as soon as it runs' })),
  ];
  const candidates = kinds.find((list) => list.length > 0) ?? [];
  const chosen = candidates[choose(Math.max(1, candidates.length))];
  if (chosen === undefined) return { buggy: `${code}\n`, symptom: 'does not do what it should' };
  return { buggy: code.slice(0, chosen.index) + chosen.replacement + code.slice(chosen.index + chosen.length), symptom: chosen.symptom };
}

/** Every match of `pattern` outside comment lines, as a mutation. */
function mutations(code: string, pattern: RegExp, replace: (match: string) => { text: string; symptom: string }): Mutation[] {
  const found: Mutation[] = [];
  for (const match of code.matchAll(pattern)) {
    const lineStart = code.lastIndexOf('\n', match.index) + 1;
    const lineEnd = code.indexOf('\n', match.index);
    if (COMMENT_LINE.test(code.slice(lineStart, lineEnd === -1 ? undefined : lineEnd))) continue;
    const { text, symptom } = replace(match[0]);
    if (text !== match[0]) found.push({ index: match.index, length: match[0].length, replacement: text, symptom });
  }
  return found;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
