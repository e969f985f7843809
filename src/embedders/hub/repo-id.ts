/** Hub model ids as users write them: `org/name` or `org/name@revision`. */
import { TidepoolError } from '../../errors.js';
import { looksLikeHubId } from '../../util/hub-id.js';

/** A model repository and the revision (branch, tag or commit) to use. */
export interface RepoRef {
  /** `org/name`. */
  repo: string;
  /** Branch, tag or 40-hex commit. @default main */
  revision: string;
}

/** A full commit hash: used as is, with no ref to read. */
export const COMMIT_PATTERN = /^[0-9a-f]{40}$/;

/** Whether a `--model` value reads as a Hub id (callers first check that it is not a local path). */
export const looksLikeRepoId = looksLikeHubId;

/** Splits `org/name[@revision]`; throws E_USAGE for anything else. */
export function parseRepoRef(value: string): RepoRef {
  if (!looksLikeRepoId(value)) {
    throw new TidepoolError('E_USAGE', `"${value}" is not a Hub model id: expected org/name or org/name@revision, e.g. sentence-transformers/all-MiniLM-L6-v2`, { model: value });
  }
  const at = value.indexOf('@');
  return at < 0 ? { repo: value, revision: 'main' } : { repo: value.slice(0, at), revision: value.slice(at + 1) };
}
