/**
 * The syntax a language contributes to a generated function. The body generator
 * (`function.ts`) decides what a function does in language-neutral terms (declare, loop, branch,
 * call, return); a {@link Dialect} spells each piece in one language.
 */
import type { Casing } from './vocabulary.js';

/** What a variable holds, so statements use it plausibly (loop over lists, test flags, ...). */
export type ValueKind = 'id' | 'count' | 'list' | 'map' | 'flag' | 'object';

/** A parameter or local in scope. `name` is already in the language's casing, without sigils. */
export interface Variable {
  name: string;
  kind: ValueKind;
  /** The noun it is about (`user` for `users`), for naming loop items and messages. */
  noun: string;
  /** How to refer to it when that is not `dialect.ref(name)` (a slot mark, filled in later). */
  expression?: string;
}

/** The outside of a function: everything its signature and doc comment need. */
export interface FunctionShape {
  /** Bare name in the language's casing. */
  name: string;
  /** Enclosing class / type (PascalCase), also used in `func_name` for methods. */
  className: string;
  /** A method (has a receiver: self / this / s) rather than a free function. */
  isMethod: boolean;
  /** Name of the receiver where the language names it (Go: `s` in `func (s *Server)`). */
  receiver: string;
  params: readonly Variable[];
  /** Kind of the value the function ends by returning. */
  returns: ValueKind;
  /** The noun of the returned value (names its type in typed languages). */
  returnNoun: string;
  /** Independent random bits the dialect may spend on stylistic choices (modifiers, async, hints). */
  style: number;
}

/** A line relative to the statement's own depth: [extra indent levels, text]. */
export type RelativeLine = readonly [number, string];

/**
 * One language's spelling of the generator's building blocks. Signature and doc comment lines must
 * contain no character JSON escapes (quotes, backslashes, control characters): they are placed in JSON
 * lines as they are, without an escaping pass, which is what makes generation fast.
 */
export interface Dialect {
  readonly language: string;
  /** File extension of source files, with the dot. */
  readonly extension: string;
  /** One level of indentation. */
  readonly indent: string;
  /** Casing of locals and parameters. */
  readonly casing: Casing;
  /** Casing of function names. */
  readonly functionCasing: Casing;
  /** Line closing a block (`}`, `end`), or null where indentation closes it (Python). */
  readonly blockEnd: string | null;
  /** Line between the branches of an if. */
  readonly elseLine: string;
  /** True when the docstring lives inside the code (Python); otherwise it is a comment before it. */
  readonly docInCode: boolean;
  readonly nil: string;
  /** An empty list of `noun`s (Go and Java spell the element type). */
  emptyList(noun: string): string;
  readonly emptyMap: string;
  /** A variable reference (`$name` in PHP). */
  ref(name: string): string;
  /** A field of the receiver (`self._client`, `$this->client`), or a module-level name in free functions. */
  member(fn: FunctionShape, field: string): string;
  /** `target.method(args)` with the language's member operator and method casing. */
  call(target: string, method: string, args: readonly string[]): string;
  str(text: string): string;
  declare(name: string, expr: string): string;
  assign(target: string, expr: string): string;
  statement(expr: string): string;
  append(list: string, item: string): string;
  put(map: string, key: string, value: string): string;
  size(expr: string): string;
  isEmpty(expr: string, kind: ValueKind): string;
  isNil(expr: string): string;
  ifOpen(condition: string): string;
  forOpen(item: string, list: string): string;
  returnLine(expr: string): string;
  throwLine(message: string): string;
  log(message: string, arg: string): string;
  /** A call that can fail, with the language's error handling around it (try/except, `if err != nil`). */
  guarded(name: string, expr: string, message: string): readonly RelativeLine[];
  /** Signature line(s), before the body (including a brace or colon that opens it). */
  signature(fn: FunctionShape): readonly string[];
  /** The docstring's first sentence as this language writes it (Go starts it with the function's name). */
  docSummary(fn: FunctionShape, summary: string): string;
  /** Lines of the doc comment placed before the code in `original_string`; none for Python. */
  docComment(fn: FunctionShape, summary: string, details: readonly string[]): readonly string[];
}

/** `summary` + `details` as comment lines with `prefix` (` * `, `// `, `# `). */
export function commentLines(prefix: string, summary: string, details: readonly string[]): string[] {
  const lines = [prefix + summary];
  if (details.length > 0) lines.push(prefix.trimEnd(), prefix + details.join(' '));
  return lines;
}
