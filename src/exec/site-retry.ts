/**
 * The run a sandbox that starts an interpreter per program shares (the fresh bubblewrap sandbox and
 * the unsafe runner): the language checked, the limits resolved, an abort before the start honoured,
 * and Python started without its `site` module, then once more with it when the program failed for
 * want of it ({@link needsPythonSite}).
 */
import { needsPythonSite } from './languages.js';
import { admitRequest } from './skipped.js';
import type { ExecLanguage, ExecLimits, ExecRequest, ExecResult } from './types.js';

/** One start of the interpreter on `request`'s program, with or without Python's `site` module. */
export type RunOnce = (language: ExecLanguage, limits: ExecLimits, request: ExecRequest, pythonSite: boolean, signal: AbortSignal | undefined) => Promise<ExecResult>;

/**
 * Runs `request` with `runOnce` as described above.
 * @param unknownLanguage the skip reason for a language no interpreter runs.
 */
export async function runWithSiteRetry(request: ExecRequest, defaults: Readonly<ExecLimits>, unknownLanguage: (name: string) => string, runOnce: RunOnce, signal?: AbortSignal): Promise<ExecResult> {
  const admitted = admitRequest(request, defaults, unknownLanguage, signal);
  if ('verdict' in admitted) return admitted;
  const { language, limits } = admitted;
  const first = await runOnce(language, limits, request, false, signal);
  if (language !== 'python' || first.verdict !== 'failed' || !needsPythonSite(first.output)) return first;
  const second = await runOnce(language, limits, request, true, signal);
  return { ...second, seconds: first.seconds + second.seconds };
}
