/**
 * Where generate's requests go and with which key, the one rule both `tidepool generate` and
 * `tidepool run` follow. It lives in `cli/` because it reads the environment, which only the CLI does.
 */
import { OPENAI_BASE_URL } from '../embedders/endpoint/wire.js';
import { keyVariables } from '../generate/endpoints/spec.js';

/** OpenAI's own endpoint: the default, and the only one that must have a key (one constant with the embedding client's). */
export const OPENAI_URL = OPENAI_BASE_URL;

/** What the user gave explicitly (a flag, or the pipeline file's `generate.llm`). */
export interface LlmEndpointGiven {
  baseURL?: string | undefined;
  apiKey?: string | undefined;
}

/** The endpoint and key generate uses. */
export interface LlmEndpoint {
  baseURL: string;
  /** The key; `no-key` for a server other than OpenAI's when none was given (local servers want none). */
  apiKey: string;
}

/**
 * The base URL: the given one, else `$OPENAI_BASE_URL`, else OpenAI's. The key: the given one, else the
 * variable `keyVariable` names. An empty value (a flag or variable set to `""`) counts as unset: an empty
 * base URL is no endpoint, and `OPENAI_BASE_URL= cmd` is how a shell user unsets a variable for one
 * command (before this, `tidepool run` kept the empty URL while `tidepool generate` skipped it).
 * Returns `undefined` when OpenAI's endpoint would be used without a key; the caller says so in its own words.
 * @param keyVariable the variable holding the key. @default 'OPENAI_API_KEY'
 */
export function resolveLlmEndpoint(given: Readonly<LlmEndpointGiven>, env: NodeJS.ProcessEnv, keyVariable = 'OPENAI_API_KEY'): LlmEndpoint | undefined {
  const baseURL = nonEmpty(given.baseURL) ?? nonEmpty(env.OPENAI_BASE_URL) ?? OPENAI_URL;
  const apiKey = nonEmpty(given.apiKey) ?? nonEmpty(env[keyVariable]);
  if (apiKey === undefined && baseURL === OPENAI_URL) return undefined;
  return { baseURL, apiKey: apiKey ?? 'no-key' };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/**
 * The keys of the endpoints in `baseURL` that name their own variable (`#key_env=VAR`): each named
 * variable and its value, where set. Only the variables the URL names are read.
 */
export function endpointKeys(baseURL: string, env: NodeJS.ProcessEnv): Record<string, string> {
  const keys: Record<string, string> = {};
  for (const name of keyVariables(baseURL)) {
    const value = nonEmpty(env[name]);
    if (value !== undefined) keys[name] = value;
  }
  return keys;
}
