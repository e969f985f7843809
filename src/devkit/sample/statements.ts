/**
 * Statements in language-neutral terms (declare, call, log, loop, branch, guarded call), spelled by a
 * {@link Dialect}. Used to build the pre-rendered blocks functions are composed from (`blocks.ts`).
 */
import type { Dialect, FunctionShape, ValueKind, Variable } from './dialect.js';
import type { Random } from './random.js';
import { FIELDS, METHODS, NOUNS, VERBS, joinWords, nounPhrase, plural } from './vocabulary.js';

const NUMBERS = ['0', '1', '2', '3', '5', '10', '16', '32', '64', '100', '256', '1000', '1024', '3600'] as const;

/** State while writing statements: the text so far, its line count and the variables in scope. */
export interface StatementContext {
  readonly random: Random;
  readonly dialect: Dialect;
  readonly fn: FunctionShape;
  readonly scope: Variable[];
  text: string;
  lines: number;
}

function emit(ctx: StatementContext, depth: number, text: string): void {
  ctx.text += ctx.dialect.indent.repeat(depth) + text + '\n';
  ctx.lines++;
}

/** A random variable in scope, of `kind` when given; reservoir sampling avoids building a filtered list. */
export function pickVariable(ctx: Pick<StatementContext, 'random' | 'scope'>, kind?: ValueKind): Variable | undefined {
  let chosen: Variable | undefined;
  let seen = 0;
  for (const variable of ctx.scope) {
    if (kind !== undefined && variable.kind !== kind) continue;
    seen++;
    if (ctx.random.below(seen) === 0) chosen = variable;
  }
  return chosen;
}

/** How code refers to `variable`. */
function refer(ctx: StatementContext, variable: Variable): string {
  return variable.expression ?? ctx.dialect.ref(variable.name);
}

function argumentList(ctx: StatementContext): string[] {
  const count = ctx.random.below(3);
  const args: string[] = [];
  for (let i = 0; i < count; i++) {
    const variable = pickVariable(ctx);
    args.push(variable === undefined ? ctx.dialect.str(ctx.random.pick(NOUNS)) : refer(ctx, variable));
  }
  return args;
}

function declareLocal(ctx: StatementContext, kind: ValueKind, noun: string, words: readonly string[]): Variable {
  const variable: Variable = { name: joinWords(ctx.dialect.casing, words), kind, noun };
  ctx.scope.push(variable);
  return variable;
}

function fieldCall(ctx: StatementContext, args: string[]): string {
  const { dialect, random } = ctx;
  return dialect.call(dialect.member(ctx.fn, random.pick(FIELDS)), random.pick(METHODS), args);
}

function simpleStatement(ctx: StatementContext, depth: number): void {
  const { dialect, random } = ctx;
  const roll = random.below(10);
  if (roll < 3) {
    const words = nounPhrase(random);
    const expr = fieldCall(ctx, argumentList(ctx));
    const variable = declareLocal(ctx, 'object', words[words.length - 1]!, words);
    emit(ctx, depth, dialect.declare(variable.name, expr));
  } else if (roll === 3) {
    const noun = random.pick(NOUNS);
    const variable = declareLocal(ctx, 'list', noun, [plural(noun)]);
    emit(ctx, depth, dialect.declare(variable.name, dialect.emptyList(noun)));
  } else if (roll === 4) {
    const list = pickVariable(ctx, 'list');
    const expr = list === undefined ? random.pick(NUMBERS) : dialect.size(refer(ctx, list));
    const variable = declareLocal(ctx, 'count', 'total', [list === undefined ? 'count' : 'total']);
    emit(ctx, depth, dialect.declare(variable.name, expr));
  } else if (roll === 5) {
    emit(ctx, depth, dialect.statement(fieldCall(ctx, argumentList(ctx))));
  } else if (roll === 6) {
    const variable = pickVariable(ctx);
    const noun = variable?.noun ?? random.pick(NOUNS);
    emit(ctx, depth, dialect.log(`${random.pick(VERBS)} ${noun}`, variable === undefined ? dialect.str(noun) : refer(ctx, variable)));
  } else if (roll === 7) {
    const list = pickVariable(ctx, 'list');
    const item = pickVariable(ctx, 'object');
    if (list === undefined) emit(ctx, depth, dialect.statement(fieldCall(ctx, [])));
    else emit(ctx, depth, dialect.append(refer(ctx, list), item === undefined || random.chance(0.5) ? fieldCall(ctx, argumentList(ctx)) : refer(ctx, item)));
  } else if (roll === 8) {
    const map = pickVariable(ctx, 'map');
    const value = pickVariable(ctx);
    if (map !== undefined && value !== undefined) emit(ctx, depth, dialect.put(refer(ctx, map), dialect.str(random.pick(NOUNS)), refer(ctx, value)));
    else emit(ctx, depth, dialect.assign(dialect.member(ctx.fn, random.pick(FIELDS)), value === undefined ? dialect.nil : refer(ctx, value)));
  } else {
    const variable = declareLocal(ctx, 'map', 'option', [random.pick(['result', 'params', 'payload', 'context'])]);
    emit(ctx, depth, dialect.declare(variable.name, dialect.emptyMap));
  }
}

function condition(ctx: StatementContext, variable: Variable): string {
  const { dialect, random } = ctx;
  const ref = refer(ctx, variable);
  switch (variable.kind) {
    case 'flag': return random.chance(0.7) ? ref : dialect.isEmpty(ref, 'flag');
    case 'count': return `${ref} ${random.pick(['>', '<', '>=', '=='])} ${random.pick(NUMBERS)}`;
    case 'object': return dialect.isNil(ref);
    default: return dialect.isEmpty(ref, variable.kind);
  }
}

function closeBlock(ctx: StatementContext, depth: number): void {
  if (ctx.dialect.blockEnd !== null) emit(ctx, depth, ctx.dialect.blockEnd);
}

function block(ctx: StatementContext, depth: number, lines: number): void {
  const end = ctx.lines + lines;
  while (ctx.lines < end) writeStatement(ctx, depth, end - ctx.lines);
}

function ifStatement(ctx: StatementContext, depth: number, inner: number): void {
  const { dialect, random } = ctx;
  const variable = pickVariable(ctx) ?? declareLocal(ctx, 'flag', 'flag', ['enabled']);
  emit(ctx, depth, dialect.ifOpen(condition(ctx, variable)));
  if (random.chance(0.4)) {
    if (random.chance(0.5)) emit(ctx, depth + 1, dialect.throwLine(`${random.chance(0.5) ? 'invalid' : 'missing'} ${variable.noun}`));
    else emit(ctx, depth + 1, dialect.returnLine(random.chance(0.5) ? dialect.nil : dialect.emptyList(variable.noun)));
  } else {
    block(ctx, depth + 1, inner);
    if (random.chance(0.2)) {
      emit(ctx, depth, dialect.elseLine);
      block(ctx, depth + 1, 1 + random.below(2));
    }
  }
  closeBlock(ctx, depth);
}

function forStatement(ctx: StatementContext, depth: number, inner: number): void {
  const { dialect } = ctx;
  let list = pickVariable(ctx, 'list');
  if (list === undefined) {
    const expr = fieldCall(ctx, []);
    list = declareLocal(ctx, 'list', 'item', ['items']);
    emit(ctx, depth, dialect.declare(list.name, expr));
  }
  const scopeSize = ctx.scope.length;
  const item = declareLocal(ctx, 'object', list.noun, [list.noun]);
  emit(ctx, depth, dialect.forOpen(item.name, refer(ctx, list)));
  block(ctx, depth + 1, inner);
  closeBlock(ctx, depth);
  ctx.scope.length = scopeSize;
}

function guardedStatement(ctx: StatementContext, depth: number): void {
  const { dialect, random } = ctx;
  const noun = random.pick(NOUNS);
  const expr = fieldCall(ctx, argumentList(ctx));
  const variable = declareLocal(ctx, 'object', noun, [noun]);
  const lines = dialect.guarded(variable.name, expr, `failed to ${random.pick(VERBS)} ${noun}`);
  for (const [extra, text] of lines) emit(ctx, depth + extra, text);
}

/**
 * Writes one statement at `depth`: a simple one-liner, or with `remaining` lines to spare sometimes an
 * if, a loop or a guarded call, nesting up to three deep.
 */
export function writeStatement(ctx: StatementContext, depth: number, remaining: number): void {
  const blockCost = ctx.dialect.blockEnd === null ? 1 : 2;
  if (depth < 3 && remaining > blockCost + 1 && ctx.random.chance(0.35)) {
    const inner = 1 + ctx.random.below(Math.min(remaining - blockCost, 8));
    const roll = ctx.random.below(5);
    if (roll < 2) ifStatement(ctx, depth, inner);
    else if (roll < 4) forStatement(ctx, depth, inner);
    else guardedStatement(ctx, depth);
    return;
  }
  simpleStatement(ctx, depth);
}

/**
 * Writes the statement that carries the row's tag (`tag` is the text to put in it, here a slot mark):
 * a key, a cache lookup by key, or a log line mentioning it.
 */
export function writeTaggedStatement(ctx: StatementContext, depth: number, tag: string): void {
  const { dialect, random } = ctx;
  const noun = random.pick(NOUNS);
  const key = dialect.str(`${noun}:${tag}`);
  switch (random.below(3)) {
    case 0: {
      const variable = declareLocal(ctx, 'id', noun, [noun, 'key']);
      emit(ctx, depth, dialect.declare(variable.name, key));
      return;
    }
    case 1: {
      const variable = declareLocal(ctx, 'object', noun, [random.pick(['cached', 'stored', 'found']), noun]);
      emit(ctx, depth, dialect.declare(variable.name, dialect.call(dialect.member(ctx.fn, 'cache'), 'get', [key])));
      return;
    }
    default: {
      const variable = pickVariable(ctx);
      emit(ctx, depth, dialect.log(`${random.pick(VERBS)} ${noun} (ref ${tag})`, variable === undefined ? key : refer(ctx, variable)));
    }
  }
}
