/**
 * Whether a `--model` value reads as a Hugging Face Hub id (`org/name` or `org/name@revision`).
 * Shared by the option checks (a Hub id is not a path to resolve against a pipeline file's folder)
 * and the Hub resolver; a value that is an existing local path is always a path.
 */

const REPO_PATTERN = /^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*$/;

/** True for `org/name` and `org/name@revision` (no leading `.` or `/`, exactly one `/` before any `@`). */
export function looksLikeHubId(value: string): boolean {
  const at = value.indexOf('@');
  const repo = at < 0 ? value : value.slice(0, at);
  return REPO_PATTERN.test(repo) && !repo.includes('..') && (at < 0 || value.length > at + 1);
}
