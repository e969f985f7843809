/**
 * Re-printing through Python's own printer: `ast.unparse(ast.parse(code))` in one python3 child
 * process for a whole batch. This drops comments, normalises quotes, parentheses, spacing and
 * line breaks, as a formatter run over copied code does.
 */
import { spawnSync } from 'node:child_process';
import { TidepoolError } from '../../errors.js';

const SCRIPT = [
  'import ast, json, sys',
  'out = []',
  'for code in json.load(sys.stdin):',
  '    try:',
  '        out.append(ast.unparse(ast.parse(code)) + "\\n")',
  '    except SyntaxError as error:',
  '        out.append({"error": repr(error)})',
  'json.dump(out, sys.stdout)',
].join('\n');

/** Each of `sources` re-printed by `ast.unparse`; `python` is the interpreter to run. */
export function reprintWithPython(sources: readonly string[], python = 'python3'): string[] {
  if (sources.length === 0) return [];
  const run = spawnSync(python, ['-c', SCRIPT], { input: JSON.stringify(sources), encoding: 'utf8', maxBuffer: 1 << 30 });
  if (run.error !== undefined || run.status !== 0) {
    throw new TidepoolError('E_BAD_RECORD', `${python} could not re-print the code (${run.error?.message ?? run.stderr.slice(-500)}). Install Python 3.9 or later (ast.unparse), or pass its path.`, { python });
  }
  const printed = JSON.parse(run.stdout) as (string | { error: string })[];
  return printed.map((result, i) => {
    if (typeof result === 'string') return result;
    throw new TidepoolError('E_BAD_RECORD', `source ${i} does not parse as Python (${result.error}): ${JSON.stringify(sources[i]?.slice(0, 200))}. Only valid Python can be re-printed.`, { index: i });
  });
}
