/**
 * Composes one function from a header (`headers.ts`) and a body of pre-rendered blocks (`blocks.ts`),
 * one of them carrying the row's `tag`, a string literal unique to the row. The tag makes two
 * independently generated functions differ even after whitespace is removed, so exact and near
 * duplicates in a sample come only from the duplicate mechanism.
 *
 * Everything comes out JSON-escaped, ready to go between quotes in a JSON line; the per-row work is
 * random draws and string concatenation, which is what lets a core write ~300,000 rows a second.
 */
import { LIBRARY_SIZE, renderBlock, TAGGED_LIBRARY_SIZE, type BlockLibrary } from './blocks.js';
import type { DetailPool } from './docstring.js';
import { HEADER_COUNT, type HeaderLibrary } from './headers.js';
import type { Random } from './random.js';

/** A generated function; every text field is JSON-escaped (no surrounding quotes). */
export interface GeneratedFunction {
  /** The `func_name` field (never needs escaping). */
  funcName: string;
  /** The function text (for Python, including its docstring). */
  codeJson: string;
  /** Doc comment before the code in `original_string` ('' for Python). */
  docPrefixJson: string;
  docstringJson: string;
  /** Lines of the code. */
  lines: number;
}

/** What one language needs to compose functions: headers and blocks for free functions and for methods. */
export interface LanguageKit {
  readonly headers: readonly [HeaderLibrary, HeaderLibrary];
  readonly blocks: readonly [BlockLibrary, BlockLibrary];
}

/**
 * Target lines of code: log-normal (median ~11, mean ~13; the last block overshoots, making it ~15) clamped to [3, 60], as a table of 1024
 * quantiles indexed by a uniform draw, which is cheaper per row than computing a normal deviate.
 */
const TARGET_LINES = Uint8Array.from({ length: 1024 }, (_, i) => {
  const normal = inverseNormal((i + 0.5) / 1024);
  return Math.min(60, Math.max(3, Math.round(Math.exp(2.4 + 0.62 * normal))));
});

/** Inverse of the standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9). */
function inverseNormal(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const tail = (q: number): number => (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

/**
 * Generates one function in `kit`'s language; `details` supplies docstring sentences.
 * The code is built by concatenation, a rope V8 flattens only when the line is written: joining pieces
 * into a flat string here instead measured ~40% slower.
 */
export function generateFunction(random: Random, kit: LanguageKit, details: DetailPool, tag: string): GeneratedFunction {
  const side = random.chance(0.7) ? 1 : 0; // 70% methods
  const library = kit.blocks[side];
  const dialect = library.dialect;
  const header = kit.headers[side].get(random.below(HEADER_COUNT));
  const detail = header.oneWord ? '' : details.draw(random);
  let code: string;
  let docPrefixJson = '';
  if (detail === '') {
    code = header.codeHeadJson;
    if (!dialect.docInCode) docPrefixJson = header.docJson;
  } else if (dialect.docInCode) {
    code = header.codeHeadDetailedJson + detail + header.docTailJson;
  } else {
    code = header.codeHeadJson;
    docPrefixJson = header.docHeadJson + detail + header.docTailJson;
  }

  // Blocks until the budget is spent, the tagged statement before the first block that starts at or after
  // line `tagAt`; the function returns the last local of the header's return kind, else its parameter or
  // field of that kind.
  // Signature, tag statement, return, close: 4 lines; a Python docstring 1 or 4 more.
  const bodyBudget = Math.max(0, TARGET_LINES[random.below(1024)]! - 4 - (dialect.docInCode ? 2 : 0));
  const values = header.values;
  const tagged = library.tagged(random.below(TAGGED_LIBRARY_SIZE));
  const tagAt = random.below(bodyBudget + 1);
  let returnJson = header.returnJson;
  let lines = 0;
  let tagPending = true;
  while (lines < bodyBudget) {
    if (tagPending && lines >= tagAt) {
      code += renderBlock(tagged, values, tag);
      if (tagged.returnKind === header.returnKind) returnJson = tagged.returnJson;
      tagPending = false;
    }
    let block = library.get(random.below(LIBRARY_SIZE));
    if (block.lines > bodyBudget - lines + 1) block = library.get(random.below(LIBRARY_SIZE)); // one retry keeps lengths on target
    code += renderBlock(block, values, tag);
    lines += block.lines;
    if (block.returnKind === header.returnKind) returnJson = block.returnJson;
  }
  if (tagPending) {
    code += renderBlock(tagged, values, tag);
    if (tagged.returnKind === header.returnKind) returnJson = tagged.returnJson;
  }
  code += returnJson + library.closeJson;
  return {
    funcName: header.funcName,
    codeJson: code,
    docPrefixJson,
    docstringJson: detail === '' ? header.summary : `${header.summary}\\n\\n${detail}`,
    lines: header.signatureLines + header.docLinesInCode[detail === '' ? 0 : 1] + lines + tagged.lines + 1 + (dialect.blockEnd === null ? 0 : 1),
  };
}
