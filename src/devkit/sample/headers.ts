/**
 * Function headers: name, class, parameters, return kind, signature, docstring summary and doc comment,
 * rendered and JSON-escaped once, on first use, from their own seed (like blocks). A header also fixes
 * what each block slot stands for: its parameter of that kind, or else a field of the receiver
 * (`self._users`, `$this->options`), so any block fits any header and nothing is rendered per row.
 */
import { escapeJson, RECEIVER_SLOT, SLOT_KINDS } from './blocks.js';
import type { Dialect, FunctionShape, ValueKind, Variable } from './dialect.js';
import { generateSummary } from './docstring.js';
import { mix32, Random } from './random.js';
import { capitalize, joinWords, NOUNS, nounPhrase, plural, VERBS } from './vocabulary.js';

/**
 * Headers per library (12 libraries for the six languages: ~6,000 distinct headers). Each recurs with
 * different bodies and docstring details; more cost speed (cache misses, see LIBRARY_SIZE in blocks.ts).
 */
export const HEADER_COUNT = 512;

const CLASS_SUFFIXES = ['Service', 'Manager', 'Handler', 'Repository', 'Controller', 'Client', 'Parser', 'Builder', 'Store', 'Helper'] as const;
const COUNT_NAMES = [['limit'], ['count'], ['offset'], ['page', 'size'], ['max', 'retries'], ['timeout'], ['depth']] as const;
const MAP_NAMES = [['options'], ['config'], ['params'], ['attrs'], ['headers'], ['extra', 'fields']] as const;
const FLAG_NAMES = [['force'], ['strict'], ['verbose'], ['recursive'], ['dry', 'run'], ['skip', 'cache']] as const;
const PARAM_COUNTS = [0, 1, 1, 1, 2, 2, 2, 3, 3, 4] as const;
const RETURN_KINDS: readonly ValueKind[] = ['object', 'object', 'object', 'list', 'list', 'id', 'map', 'count', 'flag'];
/** Stands for the detail sentences in a rendered doc comment, which is split there (Latin-1, see blocks.ts). */
const DETAILS_MARK = '\u0002';

/** The fixed part of a function: everything but its body, JSON-escaped where it is text. */
export interface Header {
  /** The `func_name` field. */
  readonly funcName: string;
  /** Slot values for blocks: what each kind refers to, then the receiver (the tag is passed per row). */
  readonly values: string[];
  readonly returnKind: ValueKind;
  /** `return <the slot value of returnKind>` at body depth. */
  readonly returnJson: string;
  /** The code up to the body when the docstring has no details: signature, newline, Python's docstring. */
  readonly codeHeadJson: string;
  /** The code up to the details for Python (signature, newline, docstring head); as codeHeadJson otherwise. */
  readonly codeHeadDetailedJson: string;
  readonly signatureLines: number;
  /** The docstring's first sentence (or lone word); `oneWord` docstrings get no details. */
  readonly summary: string;
  readonly oneWord: boolean;
  /** Doc text without details: the comment before the code, or for Python the docstring lines in it. */
  readonly docJson: string;
  /** The doc text with details is `docHeadJson + details + docTailJson`. */
  readonly docHeadJson: string;
  readonly docTailJson: string;
  /** Lines the doc adds to the code, without and with details (Python only: comments are outside the code). */
  readonly docLinesInCode: readonly [number, number];
}

function nameWords(random: Random, kind: ValueKind, noun: string): readonly string[] {
  switch (kind) {
    case 'id': return random.chance(0.6) ? [noun, 'id'] : [noun, 'name'];
    case 'count': return random.pick(COUNT_NAMES);
    case 'list': return [plural(noun)];
    case 'map': return random.pick(MAP_NAMES);
    case 'flag': return random.pick(FLAG_NAMES);
    case 'object': return [noun];
  }
}

/** The headers of one language, for methods or for free functions. */
export class HeaderLibrary {
  private readonly headers: (Header | undefined)[] = new Array<Header | undefined>(HEADER_COUNT);

  constructor(readonly dialect: Dialect, readonly isMethod: boolean, private readonly seed: number) {}

  /** The header at `index` in [0, {@link HEADER_COUNT}). */
  get(index: number): Header {
    return (this.headers[index] ??= this.build(index));
  }

  private build(index: number): Header {
    const random = new Random(mix32(this.seed ^ mix32(index + 0x2b6d1f)));
    const { dialect, isMethod } = this;
    const verb = random.pick(VERBS);
    const words = nounPhrase(random);
    const noun = words[words.length - 1]!;
    const name = joinWords(dialect.functionCasing, [verb, ...words]);
    const className = capitalize(random.pick(NOUNS)) + random.pick(CLASS_SUFFIXES);
    const receiver = className.charAt(0).toLowerCase();
    const fn: FunctionShape = { name, className, isMethod, receiver, params: [], returns: random.pick(RETURN_KINDS), returnNoun: noun, style: random.uint32() };

    // Parameters: a few kinds in random order; the other kinds are fields of the receiver.
    const order = SLOT_KINDS.map((_, slot) => slot);
    for (let i = order.length - 1; i > 0; i--) {
      const j = random.below(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const paramCount = random.pick(PARAM_COUNTS);
    const params: Variable[] = [];
    const values: string[] = new Array<string>(RECEIVER_SLOT + 1).fill('');
    const taken = new Set<string>();
    for (const [position, slot] of order.entries()) {
      const kind = SLOT_KINDS[slot]!;
      let paramNoun = random.pick(NOUNS);
      let variableName = joinWords(dialect.casing, nameWords(random, kind, paramNoun));
      // Two kinds can land on one name (`headers` the map, `headers` the list): draw again.
      while (taken.has(variableName)) {
        paramNoun = random.pick(NOUNS);
        variableName = joinWords(dialect.casing, [...nameWords(random, kind, paramNoun), paramNoun]);
      }
      taken.add(variableName);
      if (position < paramCount) {
        params.push({ name: variableName, kind, noun: paramNoun });
        values[slot] = dialect.ref(variableName);
      } else {
        values[slot] = dialect.member(fn, variableName);
      }
    }
    values[RECEIVER_SLOT] = receiver;
    fn.params = params;

    const summary = generateSummary(random, verb, noun);
    const summaryText = dialect.docSummary(fn, summary.text);
    const signature = dialect.signature(fn);
    const indent = escapeJson(dialect.indent);
    const quotes = '\\"\\"\\"';
    // Signature and doc lines hold nothing JSON escapes (see Dialect): escaping them is joining with '\\n'.
    const withDetails = dialect.docInCode
      ? `${indent}${quotes}${summaryText}\\n\\n${indent}${DETAILS_MARK}\\n${indent}${quotes}\\n`
      : dialect.docComment(fn, summaryText, [DETAILS_MARK]).join('\\n') + '\\n';
    const at = withDetails.indexOf(DETAILS_MARK);
    const docJson = dialect.docInCode ? `${indent}${quotes}${summaryText}${quotes}\\n` : dialect.docComment(fn, summaryText, []).join('\\n') + '\\n';
    const docHeadJson = withDetails.slice(0, at);
    const signatureJson = signature.join('\\n') + '\\n';
    return {
      funcName: isMethod ? `${className}.${name}` : name,
      values,
      returnKind: fn.returns,
      returnJson: indent + escapeJson(dialect.returnLine(values[SLOT_KINDS.indexOf(fn.returns)]!)),
      codeHeadJson: dialect.docInCode ? signatureJson + docJson : signatureJson,
      codeHeadDetailedJson: dialect.docInCode ? signatureJson + docHeadJson : signatureJson,
      signatureLines: signature.length,
      summary: summaryText,
      oneWord: summary.oneWord,
      docJson,
      docHeadJson,
      docTailJson: withDetails.slice(at + DETAILS_MARK.length),
      docLinesInCode: dialect.docInCode ? [1, 4] : [0, 0],
    };
  }
}
