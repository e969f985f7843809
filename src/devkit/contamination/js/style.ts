/**
 * Quote, semicolon and parenthesis changes of JavaScript code, seeded: prettier with options drawn by
 * `random` (single or double quotes, semicolons or none, arrow parentheses, trailing commas, width,
 * indentation, quoted property names), then redundant parentheses around a share of the `return`
 * arguments, variable initialisers and `if`/`while` tests, which prettier would have removed.
 */
import type { Node } from 'acorn';
import { applyEdits, parseJs, walkJs, type Edit } from './parse.js';
import { reprintWithPrettier, type PrettierStyle } from './prettier.js';

/** Options of {@link jsStyle}. */
export interface JsStyleOptions {
  /** Share of `return` arguments, initialisers and tests wrapped in redundant parentheses. @default 0.5 */
  parenthesesRate?: number;
}

const pick = <T>(random: () => number, choices: readonly T[]): T => choices[Math.floor(random() * choices.length)] ?? (choices[0] as T);

/** Prettier options drawn by `random`. */
export function drawPrettierStyle(random: () => number): PrettierStyle {
  return {
    singleQuote: random() < 0.5,
    semi: random() < 0.5,
    arrowParens: pick(random, ['always', 'avoid'] as const),
    trailingComma: pick(random, ['all', 'es5', 'none'] as const),
    printWidth: pick(random, [60, 80, 100, 120]),
    tabWidth: pick(random, [2, 4]),
    useTabs: random() < 0.2,
    bracketSpacing: random() < 0.5,
    quoteProps: pick(random, ['as-needed', 'consistent', 'preserve'] as const),
  };
}

/** Redundant parentheses around a share of return arguments, initialisers and tests of `source`. */
export function addRedundantParentheses(source: string, random: () => number, rate: number): string {
  const edits: Edit[] = [];
  const wrap = (node: Node | null | undefined): void => {
    if (node === null || node === undefined || random() >= rate) return;
    edits.push({ start: node.start, end: node.start, text: '(' }, { start: node.end, end: node.end, text: ')' });
  };
  walkJs(parseJs(source).program, ({ node }) => {
    if (node.type === 'ReturnStatement') wrap(node.argument as Node | null);
    else if (node.type === 'VariableDeclarator') wrap(node.init as Node | null);
    else if (node.type === 'IfStatement' || node.type === 'WhileStatement') wrap(node.test as Node);
    return true;
  });
  return applyEdits(source, edits);
}

/** `source` re-printed by prettier with seeded options, then given redundant parentheses. */
export async function jsStyle(source: string, random: () => number, options: JsStyleOptions = {}): Promise<string> {
  const printed = await reprintWithPrettier(source, drawPrettierStyle(random));
  return addRedundantParentheses(printed, random, options.parenthesesRate ?? 0.5);
}
