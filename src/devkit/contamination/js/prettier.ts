/**
 * Re-printing JavaScript with prettier, as a formatter run over copied code does: comments kept,
 * quotes, semicolons, parentheses, spacing and line breaks normalised to prettier's choices. The
 * style transformation passes other options (single quotes, no semicolons, width).
 */
import { format, type Options } from 'prettier';
import { TidepoolError } from '../../../errors.js';

/** Prettier's options the transformations vary (the parser is always `babel`). */
export type PrettierStyle = Pick<Options, 'singleQuote' | 'semi' | 'arrowParens' | 'trailingComma' | 'printWidth' | 'tabWidth' | 'useTabs' | 'bracketSpacing' | 'quoteProps'>;

/** `source` re-printed by prettier with `style` (default: prettier's defaults). */
export async function reprintWithPrettier(source: string, style: PrettierStyle = {}): Promise<string> {
  try {
    return await format(source, { ...style, parser: 'babel' });
  } catch (error) {
    throw new TidepoolError('E_BAD_RECORD', `prettier could not re-print the code (${(error as Error).message.split('\n')[0] ?? ''}): ${JSON.stringify(source.slice(0, 200))}. Only valid JavaScript can be re-printed.`);
  }
}
