/**
 * A benchmark problem's solution as the transformations see it, read from a HumanEval or MBPP line
 * (the layouts of src/decontam/layouts.ts that hold one Python function): the code as the benchmark
 * prints it, the problem text, and the code with the prompt absent (signature and body only).
 */
import { TidepoolError } from '../../errors.js';

/** One benchmark solution to plant. */
export interface BenchmarkSolution {
  /** `<file stem>/<task id>`, as decontam's `removed.jsonl` names it. */
  id: string;
  /** HumanEval: prompt + canonical_solution; MBPP: code. */
  code: string;
  /** The problem text (HumanEval: the prompt's docstring; MBPP: `text`). */
  text: string;
  /** The solution without the prompt: the entry point's signature line(s) and the body. */
  bare: string;
}

/** The solution of one parsed benchmark line, or undefined for a layout with no single solution. */
export function solutionOf(benchmark: string, line: Record<string, unknown>): BenchmarkSolution | undefined {
  const { task_id: taskId, prompt, canonical_solution: solution, code, text, entry_point: entryPoint } = line;
  if (typeof prompt === 'string' && typeof solution === 'string') {
    return { id: `${benchmark}/${String(taskId)}`, code: prompt + solution, text: promptDocstring(prompt), bare: signatureOf(prompt, typeof entryPoint === 'string' ? entryPoint : undefined) + solution };
  }
  if (typeof code === 'string' && typeof text === 'string') return { id: `${benchmark}/${String(taskId)}`, code, text, bare: code };
  return undefined;
}

/** The text of the prompt's last triple-quoted docstring, trimmed. */
function promptDocstring(prompt: string): string {
  const matches = [...prompt.matchAll(/("""|''')([\s\S]*?)\1/g)];
  return matches.at(-1)?.[2]?.trim() ?? '';
}

/** The `def` line(s) of the entry point (else the prompt's last function), up to its closing `:`. */
function signatureOf(prompt: string, entryPoint: string | undefined): string {
  const starts = [...prompt.matchAll(/^def\s+(\w+)\s*\(/gm)];
  const start = starts.findLast((m) => entryPoint === undefined || m[1] === entryPoint) ?? starts.at(-1);
  if (start === undefined) throw new TidepoolError('E_BAD_RECORD', `prompt has no top-level def${entryPoint === undefined ? '' : ` for ${entryPoint}`}: ${JSON.stringify(prompt.slice(0, 200))}. Only function-shaped problems can be planted.`);
  const end = /\)\s*(?:->[^:]*)?:[ \t]*\n/g;
  end.lastIndex = start.index;
  const match = end.exec(prompt);
  if (match === null) throw new TidepoolError('E_BAD_RECORD', `the signature of ${start[1] ?? '?'} does not end with ":" in ${JSON.stringify(prompt.slice(0, 200))}.`);
  return prompt.slice(start.index, match.index + match[0].length);
}
