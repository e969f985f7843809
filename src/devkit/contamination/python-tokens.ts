/**
 * A small Python tokenizer for the contamination transformations: enough to tell names, strings,
 * comments and brackets apart, and to put the source back together byte for byte (the tokens,
 * whitespace included, concatenate to the input). Not a validator: malformed code still tokenizes.
 */

/** What a token is. `space` is blanks and line continuations; `newline` is one `\n`. */
export type TokenKind = 'name' | 'number' | 'string' | 'comment' | 'op' | 'space' | 'newline';

/** One token: its kind and its exact text. */
export interface Token {
  kind: TokenKind;
  text: string;
}

const PATTERNS: readonly [TokenKind, RegExp][] = [
  ['newline', /\r?\n/y],
  ['space', /(?:[ \t\f]+|\\\r?\n)+/y],
  ['comment', /#[^\n]*/y],
  // Prefixes (r, b, f, u and pairs) then triple- or single-quoted bodies with backslash escapes.
  ['string', /(?:[rRbBuUfF]{1,2})?(?:'''[\s\S]*?(?<!\\)(?:\\\\)*'''|"""[\s\S]*?(?<!\\)(?:\\\\)*"""|'(?:[^'\\\n]|\\[\s\S])*'|"(?:[^"\\\n]|\\[\s\S])*")/y],
  ['name', /[A-Za-z_][A-Za-z0-9_]*/y],
  ['number', /(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?[jJ]?/y],
  ['op', /\*\*=|\/\/=|>>=|<<=|->|:=|==|!=|<=|>=|\*\*|\/\/|<<|>>|[-+*/%&|^@]=|[\s\S]/y],
];

/** The tokens of `source`; `tokens.map((t) => t.text).join('')` equals `source`. */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < source.length) {
    for (const [kind, pattern] of PATTERNS) {
      pattern.lastIndex = at;
      const match = pattern.exec(source);
      if (match === null || match[0] === '') continue;
      tokens.push({ kind, text: match[0] });
      at += match[0].length;
      break;
    }
  }
  return tokens;
}

/** The text of a token list. */
export function untokenize(tokens: readonly Token[]): string {
  return tokens.map((token) => token.text).join('');
}

/** Whether a token carries meaning (not blanks, comments or line ends). */
export function isSignificant(token: Token): boolean {
  return token.kind !== 'space' && token.kind !== 'comment' && token.kind !== 'newline';
}

/** Python's keywords and soft keywords: never renamed. */
export const KEYWORDS: ReadonlySet<string> = new Set(
  'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield match case'.split(' '),
);

/** Python 3.11's builtins (`dir(builtins)` without dunders) plus `self`/`cls`: never renamed. */
export const BUILTINS: ReadonlySet<string> = new Set(
  ('ArithmeticError AssertionError AttributeError BaseException BaseExceptionGroup BlockingIOError BrokenPipeError BufferError BytesWarning ChildProcessError ConnectionAbortedError ConnectionError ConnectionRefusedError ConnectionResetError DeprecationWarning EOFError Ellipsis EncodingWarning EnvironmentError Exception ExceptionGroup FileExistsError FileNotFoundError FloatingPointError FutureWarning GeneratorExit IOError ImportError ImportWarning IndentationError IndexError InterruptedError IsADirectoryError KeyError KeyboardInterrupt LookupError MemoryError ModuleNotFoundError NameError NotADirectoryError NotImplemented NotImplementedError OSError OverflowError PendingDeprecationWarning PermissionError ProcessLookupError RecursionError ReferenceError ResourceWarning RuntimeError RuntimeWarning StopAsyncIteration StopIteration SyntaxError SyntaxWarning SystemError SystemExit TabError TimeoutError TypeError UnboundLocalError UnicodeDecodeError UnicodeEncodeError UnicodeError UnicodeTranslateError UnicodeWarning UserWarning ValueError Warning ZeroDivisionError '
    + 'abs aiter all anext any ascii bin bool breakpoint bytearray bytes callable chr classmethod compile complex copyright credits delattr dict dir divmod enumerate eval exec exit filter float format frozenset getattr globals hasattr hash help hex id input int isinstance issubclass iter len license list locals map max memoryview min next object oct open ord pow print property quit range repr reversed round set setattr slice sorted staticmethod str sum super tuple type vars zip self cls _').split(' '),
);
