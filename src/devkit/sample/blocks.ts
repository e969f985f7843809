/**
 * Pre-rendered statement blocks. Writing every function statement by statement and then JSON-escaping it
 * costs ~25 µs a row; composing functions from blocks that are rendered and escaped once costs a few.
 * A block refers to the function's parameters through slots (one per {@link ValueKind}, plus the
 * receiver, plus the row's tag in tagged blocks), filled in per function, so bodies still use their own
 * parameters.
 *
 * Each block is built on first use from its own seed (library seed + index), so a library is
 * deterministic whatever order blocks are first asked for in, and only blocks in use cost memory.
 */
import type { Dialect, FunctionShape, ValueKind, Variable } from './dialect.js';
import { mix32, Random } from './random.js';
import { writeStatement, writeTaggedStatement, type StatementContext } from './statements.js';

/**
 * Value kinds in slot order: slot `i` holds how the function refers to its value of kind `SLOT_KINDS[i]`,
 * a parameter or, where the signature has none of that kind, a field (`self._users`).
 */
export const SLOT_KINDS: readonly ValueKind[] = ['id', 'count', 'list', 'map', 'flag', 'object'];
/** Slot of the receiver's name (Go's `s` in `s.cache`). */
export const RECEIVER_SLOT = SLOT_KINDS.length;
/** Slot of the row's unique tag, in tagged blocks. */
export const TAG_SLOT = RECEIVER_SLOT + 1;
/**
 * Blocks per library. A body draws a few, so bodies rarely repeat; larger libraries are measurably
 * slower (every block and header drawn is a likely cache miss, and 12 libraries share the cache). On one
 * core of a 2-core VM, blocks/headers per library of 1024/2048 gave ~225k rows/s, 512/1024 ~270k and
 * 512/512 ~320k.
 */
export const LIBRARY_SIZE = 512;
/** Tagged blocks (one statement carrying the tag) per library. */
export const TAGGED_LIBRARY_SIZE = 128;

/** Nouns placeholders stand for in messages and loop variables (`for item in <list>`). */
const PLACEHOLDER_NOUNS: Readonly<Record<ValueKind, string>> = { id: 'key', count: 'count', list: 'item', map: 'option', flag: 'flag', object: 'value' };
/**
 * Marks a slot in raw text; never produced by the vocabulary. A Latin-1 character on purpose: a
 * non-Latin-1 mark would make V8 store every block as two-byte strings, and every row built from them,
 * which makes concatenation and writing several times slower.
 */
const SLOT_MARK = '\u0001';
// eslint-disable-next-line no-control-regex -- the slot mark is a control character by design
const SLOT_PATTERN = /\u0001(\d)/;
// eslint-disable-next-line no-control-regex -- these are exactly the characters JSON escapes
const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;

/** `text` as it reads inside a JSON string (without the quotes). */
export function escapeJson(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text).slice(1, -1) : text;
}

/** A few statements at body depth (~5 lines), JSON-escaped, with slots for parameter names. */
export interface Block {
  /**
   * Escaped text, alternating with slot numbers: `[text, slot, text, ..., slot, text]`. One array, not
   * two, because each array a row touches is a likely cache miss. Ends with an escaped newline.
   */
  pieces: (string | number)[];
  lines: number;
  /** Kind of the last local the block declares at its own top level, if any. */
  returnKind: ValueKind | undefined;
  /** `return <that local>` at body depth, JSON-escaped ('' when the block declares nothing). */
  returnJson: string;
}

/** The text of `block`: slot `i` becomes `values[i]`, slot {@link TAG_SLOT} becomes `tag`. */
export function renderBlock(block: Block, values: readonly string[], tag: string): string {
  const { pieces } = block;
  let text = pieces[0] as string;
  for (let i = 1; i < pieces.length; i += 2) {
    const slot = pieces[i] as number;
    text += (slot === TAG_SLOT ? tag : values[slot]!) + (pieces[i + 1] as string);
  }
  return text;
}

/** The blocks of one language, for methods or for free functions (they reach fields differently). */
export class BlockLibrary {
  private readonly blocks: (Block | undefined)[] = new Array<Block | undefined>(LIBRARY_SIZE);
  private readonly taggedBlocks: (Block | undefined)[] = new Array<Block | undefined>(TAGGED_LIBRARY_SIZE);
  /** One level of indentation, JSON-escaped. */
  readonly indentJson: string;
  /** What ends a function after its return line: an escaped newline and the block end, or nothing (Python). */
  readonly closeJson: string;

  constructor(readonly dialect: Dialect, readonly isMethod: boolean, private readonly seed: number) {
    this.indentJson = escapeJson(dialect.indent);
    this.closeJson = dialect.blockEnd === null ? '' : '\\n' + dialect.blockEnd;
  }

  /** The block at `index` in [0, {@link LIBRARY_SIZE}). */
  get(index: number): Block {
    return (this.blocks[index] ??= this.build(index, false));
  }

  /** The tagged block at `index` in [0, {@link TAGGED_LIBRARY_SIZE}): one statement using slot {@link TAG_SLOT}. */
  tagged(index: number): Block {
    return (this.taggedBlocks[index] ??= this.build(index, true));
  }

  private build(index: number, tagged: boolean): Block {
    const random = new Random(mix32(this.seed ^ mix32(index + (tagged ? 0x7a61e3 : 0x51ed27))));
    const scope: Variable[] = SLOT_KINDS.map((kind, slot) => ({ name: kind, kind, noun: PLACEHOLDER_NOUNS[kind], expression: SLOT_MARK + String(slot) }));
    const fn: FunctionShape = {
      name: '', className: '', isMethod: this.isMethod, receiver: SLOT_MARK + String(RECEIVER_SLOT),
      params: [], returns: 'object', returnNoun: 'value', style: 0,
    };
    const ctx: StatementContext = { random, dialect: this.dialect, fn, scope, text: '', lines: 0 };
    if (tagged) writeTaggedStatement(ctx, 1, SLOT_MARK + String(TAG_SLOT));
    else {
      // A few statements sharing a scope, so later ones use what earlier ones declared.
      const target = 1 + random.below(8);
      while (ctx.lines < target) writeStatement(ctx, 1, target - ctx.lines + random.below(3));
    }
    const pieces: (string | number)[] = ctx.text.split(SLOT_PATTERN);
    for (let i = 0; i < pieces.length; i++) pieces[i] = i % 2 === 0 ? escapeJson(pieces[i] as string) : Number(pieces[i]);
    const returned = scope.length > SLOT_KINDS.length ? scope[scope.length - 1] : undefined;
    return {
      pieces, lines: ctx.lines,
      returnKind: returned?.kind,
      returnJson: returned === undefined ? '' : this.indentJson + escapeJson(this.dialect.returnLine(this.dialect.ref(returned.name))),
    };
  }
}
