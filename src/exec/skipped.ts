/** Runs that do not happen: a language no interpreter runs, an abort before the start. Pure. */
import { execLanguage } from './languages.js';
import { resolveExecLimits } from './limits.js';
import type { ExecLanguage, ExecLimits, ExecRequest, ExecResult } from './types.js';

/** A `skipped` {@link ExecResult} with `reason`. */
export function skipped(reason: string): ExecResult {
  return { verdict: 'skipped', exitCode: null, signal: null, output: '', outputTruncated: false, seconds: 0, reason };
}

/**
 * What every sandbox checks before it runs `request`: its language (else skipped, `unknownLanguage`
 * saying why), its limits over `defaults` (bad ones throw `E_USAGE`), and an abort before the start.
 * @returns the language and limits to run with, or the skipped result.
 */
export function admitRequest(request: ExecRequest, defaults: Readonly<ExecLimits>, unknownLanguage: (name: string) => string, signal?: AbortSignal): { language: ExecLanguage; limits: ExecLimits } | ExecResult {
  const language = execLanguage(request.language);
  if (language === null) return skipped(unknownLanguage(request.language));
  const limits = resolveExecLimits(request.limits, defaults, 'request.limits');
  if (signal?.aborted === true) return skipped('the run was aborted before it started');
  return { language, limits };
}
