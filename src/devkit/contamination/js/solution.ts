/**
 * A JavaScript benchmark problem's solution as the transformations see it, read from a HumanEval-X
 * style line (`prompt` = a comment with the problem text, then the entry point's declaration;
 * `canonical_solution` = the body and the closing brace): the code, the problem text, and the code
 * with the prompt's comment absent (declaration and body only).
 */
import type { JsBenchmarkSolution } from './transform.js';

const escape = (name: string): string => name.replace(/[$]/g, '\\$');

/** The entry point's declaration in a JS prompt: `function name(`, `const name = (`, `let`/`var`, `async`. */
function declarationStart(prompt: string, entryPoint: string): number {
  const pattern = new RegExp(`^[ \\t]*(?:export\\s+)?(?:(?:async\\s+)?function\\s*\\*?\\s*${escape(entryPoint)}\\s*\\(|(?:const|let|var)\\s+${escape(entryPoint)}\\s*=)`, 'gm');
  return [...prompt.matchAll(pattern)].at(-1)?.index ?? -1;
}

/** Whether a parsed benchmark line is a JavaScript problem (HumanEval layout whose prompt declares the entry point in JS). */
export function isJsProblem(line: Record<string, unknown>): boolean {
  const { prompt, canonical_solution: solution, entry_point: entryPoint } = line;
  return typeof prompt === 'string' && typeof solution === 'string' && typeof entryPoint === 'string' && declarationStart(prompt, entryPoint) >= 0;
}

/** The problem text of a JS prompt: its comments' text, comment markers and leading `*` removed. */
function commentText(prompt: string): string {
  const blocks = [...prompt.matchAll(/\/\*([\s\S]*?)\*\/|\/\/(.*)/g)].map((m) => m[1] ?? m[2] ?? '');
  return blocks.map((block) => block.split('\n').map((l) => l.replace(/^\s*\*?\s?/, '').trimEnd()).join('\n').trim()).filter((t) => t !== '').join('\n');
}

/** The solution of one JS benchmark line, or undefined when the line is not a JS problem. */
export function jsSolutionOf(benchmark: string, line: Record<string, unknown>): JsBenchmarkSolution | undefined {
  const { task_id: taskId, prompt, canonical_solution: solution, entry_point: entryPoint } = line;
  if (typeof prompt !== 'string' || typeof solution !== 'string' || typeof entryPoint !== 'string') return undefined;
  const start = declarationStart(prompt, entryPoint);
  if (start < 0) return undefined;
  return { id: `${benchmark}/${String(taskId)}`, code: prompt + solution, text: commentText(prompt), bare: prompt.slice(start) + solution, entryPoint };
}
