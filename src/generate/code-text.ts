/**
 * Cheap text checks used by the prechecks: fenced blocks, whether a line looks like code, rough
 * bracket balance, whether a text names a language, and a real syntax check where Node has a parser
 * (JavaScript). Rough by design: they only save discriminator calls, so a miss costs a call and a
 * false alarm costs one sample.
 */
import { Script } from 'node:vm';

const FENCE_BLOCK = /```[^\n]*\n?([\s\S]*?)(?:```|$)/g;
const HASH_COMMENT_LANGUAGES = new Set(['python', 'ruby', 'shell', 'bash', 'sh', 'r', 'perl', 'yaml', 'toml', 'powershell', 'elixir', 'julia']);
/** Languages where `'` is not (only) a string quote: Rust lifetimes, OCaml/Haskell primes, Lisp quotes. */
const NO_SINGLE_QUOTE_STRINGS = new Set(['rust', 'ocaml', 'haskell', 'lisp', 'scheme', 'clojure', 'elm', 'f#', 'fsharp']);
const PAIRS: Readonly<Record<string, string>> = { ')': '(', ']': '[', '}': '{' };

/** Other names a language goes by in prose. */
const LANGUAGE_ALIASES: Readonly<Record<string, readonly string[]>> = {
  javascript: ['js', 'node.js', 'nodejs'],
  typescript: ['ts'],
  python: ['py'],
  'c++': ['cpp', 'cxx'],
  'c#': ['csharp', 'c sharp'],
  go: ['golang'],
  shell: ['bash', 'sh'],
  bash: ['shell', 'sh'],
  ruby: ['rb'],
  rust: ['rs'],
  kotlin: ['kt'],
};

/** The text with fenced blocks' fence lines removed (their contents kept), and the prose outside fences. */
export function splitFences(text: string): { code: string; outside: string; fenced: boolean } {
  const blocks = [...text.matchAll(FENCE_BLOCK)];
  if (blocks.length === 0) return { code: text, outside: '', fenced: false };
  return { code: blocks.map((b) => b[1]!).join('\n'), outside: text.replace(FENCE_BLOCK, ' ').trim(), fenced: true };
}

const CODE_LINE = [
  /[;{}]\s*$/,
  /^\s*(def|class|function|fn|func|import|from|return|const|let|var|public|private|static|#include|package|using)\b/,
  /^\s*(if|for|while)\s*\(.*\)\s*\{?\s*$/,
  /^\s*[\w.[\]]+\s*=[^=]/,
  /^\s*(\/\/|#!)/,
];

/** True when more than half of the non-blank lines look like code, or the text holds a fenced block. */
export function looksLikeCode(text: string): boolean {
  if (text.includes('```')) return true;
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  if (lines.length === 0) return false;
  const codeLines = lines.filter((line) => CODE_LINE.some((pattern) => pattern.test(line))).length;
  return codeLines * 2 > lines.length;
}

/**
 * Whether (), [] and {} balance in `code`, skipping strings ('...', "...", `...`, Python triple
 * quotes) and comments (`#` in hash-comment languages, else `//` and `/* *\/`). A string or block
 * comment left open at the end counts as unbalanced.
 */
export function bracketsBalance(code: string, language: string): boolean {
  const lang = language.trim().toLowerCase();
  const hashComments = HASH_COMMENT_LANGUAGES.has(lang);
  const singleQuotes = !NO_SINGLE_QUOTE_STRINGS.has(lang);
  const stack: string[] = [];
  let i = 0;
  const skipTo = (terminator: string, from: number): boolean => {
    const end = code.indexOf(terminator, from);
    i = end === -1 ? code.length : end + terminator.length;
    return end !== -1;
  };
  while (i < code.length) {
    const ch = code[i]!;
    if (hashComments && ch === '#') skipTo('\n', i);
    else if (!hashComments && code.startsWith('//', i)) skipTo('\n', i);
    else if (!hashComments && code.startsWith('/*', i)) {
      if (!skipTo('*/', i + 2)) return false;
    } else if (code.startsWith('"""', i) || code.startsWith("'''", i)) {
      if (!skipTo(code.slice(i, i + 3), i + 3)) return false;
    } else if (ch === '"' || ch === '`' || (ch === "'" && singleQuotes)) {
      if (!skipString(code, i, (end) => (i = end))) return false;
    } else {
      if (ch === '(' || ch === '[' || ch === '{') stack.push(ch);
      else if (ch in PAIRS && stack.pop() !== PAIRS[ch]) return false;
      i++;
    }
  }
  return stack.length === 0;
}

/** Skips the string opening at `start`; `"` and `'` strings end at a newline too (unterminated). */
function skipString(code: string, start: number, setEnd: (end: number) => void): boolean {
  const quote = code[start]!;
  for (let j = start + 1; j < code.length; j++) {
    const ch = code[j];
    if (ch === '\\') j++;
    else if (ch === quote) {
      setEnd(j + 1);
      return true;
    } else if (ch === '\n' && quote !== '`') return false;
  }
  return false;
}

/** True when `text` names `language` (or a common alias) as a word, case-insensitively. */
export function namesLanguage(text: string, language: string): boolean {
  const lang = language.trim().toLowerCase();
  if (lang === '') return false;
  let patterns = NAME_PATTERNS.get(lang);
  if (patterns === undefined) {
    patterns = [lang, ...(LANGUAGE_ALIASES[lang] ?? [])].map((name) => new RegExp(`(^|[^a-z0-9+#_])${escapeRegExp(name)}($|[^a-z0-9+#_])`));
    if (NAME_PATTERNS.size >= 256) NAME_PATTERNS.clear();
    NAME_PATTERNS.set(lang, patterns);
  }
  const haystack = text.toLowerCase();
  return patterns.some((pattern) => pattern.test(haystack));
}

/** The word patterns of a language's names, built once per language (this runs for every sample). */
const NAME_PATTERNS = new Map<string, RegExp[]>();

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Languages whose syntax Node itself can check (its JavaScript compiler), by lower-case name or alias. */
const JAVASCRIPT_NAMES: ReadonlySet<string> = new Set(['javascript', 'js', 'node.js', 'nodejs']);

/**
 * Checks `code` with a parser at hand: JavaScript is compiled (never run) by Node's own compiler, as
 * a script or else as the body of a class (methods cut out of one). Returns the syntax error's
 * message, null when the code parses, and undefined when there is no parser for `language` or the
 * code is an ES module (import/export, top-level await) or JSX, which a script compile cannot judge.
 */
export function syntaxError(code: string, language: string): string | null | undefined {
  if (!JAVASCRIPT_NAMES.has(language.trim().toLowerCase())) return undefined;
  const message = compileError(code);
  if (message === null) return null;
  if (message === undefined || MODULE_SYNTAX.test(message)) return undefined;
  // Code cut from a class (CodeSearchNet's JavaScript is full of methods) parses as a class body.
  return compileError(`(class {\n${code}\n})`) === null ? null : message;
}

/** The SyntaxError message of compiling `code` as a script (never run), null when it compiles. */
function compileError(code: string): string | null | undefined {
  try {
    new Script(code, { filename: 'output.js' });
    return null;
  } catch (error) {
    return error instanceof SyntaxError ? error.message : undefined;
  }
}

/** Script-compile errors that mean "module code" or "JSX", which a script compile cannot judge, not "broken". */
const MODULE_SYNTAX = /import statement|import\.meta|Unexpected token 'export'|await is only valid|Cannot use import|Unexpected token '<'/;

