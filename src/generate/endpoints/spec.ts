/**
 * The endpoint list of `--base-url` (and `generate.llm.baseURL` in a pipeline file): one or more
 * OpenAI-compatible base URLs separated by commas, each with optional settings in its fragment:
 *
 *     http://gpu1:8000/v1#model=Qwen/Qwen2.5-Coder-7B-Instruct&key_env=GPU1_KEY,http://gpu2:8000/v1
 *
 * `model=NAME` is the name this server knows the model by (vLLM serves one model per server, under
 * the name it was started with); `key_env=VAR` names the environment variable holding this server's
 * key (a key itself never goes in a URL, a file or a log). Pure: no environment is read here.
 */
import { redactUrl } from '../../util/redact-url.js';

/** One endpoint as written. */
export interface EndpointSpec {
  /** The base URL without the fragment, as the client gets it. */
  baseURL: string;
  /** The model name sent to this server instead of the job's `--model` / `--discriminator-model`; undefined: the job's. */
  model?: string;
  /** The environment variable with this server's API key; undefined: the job's key (`--api-key`, `OPENAI_API_KEY`). */
  keyEnv?: string;
}

/** What {@link parseEndpointList} found: the endpoints and every problem, each naming the endpoint. */
export interface EndpointList {
  endpoints: EndpointSpec[];
  /** Where each endpoint stands in the list as written (1-based; bad ones between are left out of `endpoints`). */
  positions: number[];
  /** Endpoints written, good and bad. */
  written: number;
  problems: string[];
}

/** Settings an endpoint's fragment may hold. */
export const ENDPOINT_SETTINGS = ['model', 'key_env'] as const;

/** An environment variable name as shells take it. */
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Splits `text` into endpoints at its commas; a comma inside an endpoint's query or fragment (one that
 * does not start a new `scheme://`) stays in that endpoint.
 * @param label how the problems name the option, e.g. `--base-url`
 */
export function parseEndpointList(text: string, label: string): EndpointList {
  const endpoints: EndpointSpec[] = [];
  const positions: number[] = [];
  const problems: string[] = [];
  const parts = splitEndpoints(text);
  /** Base URL -> the position it was first given at. */
  const seen = new Map<string, number>();
  for (const [index, part] of parts.entries()) {
    const where = parts.length === 1 ? label : `${label} endpoint ${index + 1}`;
    if (part === '') {
      problems.push(`${where} is empty; give one or more http(s) URLs separated by commas, e.g. http://127.0.0.1:8000/v1,http://127.0.0.1:8001/v1`);
      continue;
    }
    const parsed = parseOne(part, where, problems);
    if (parsed === undefined) continue;
    const first = seen.get(parsed.baseURL);
    if (first !== undefined) problems.push(`${label} names ${redactUrl(parsed.baseURL)} twice (endpoints ${first + 1} and ${index + 1}); give each server once (raise --concurrency for more requests in flight on it)`);
    else seen.set(parsed.baseURL, index);
    endpoints.push(parsed);
    positions.push(index + 1);
  }
  return { endpoints, positions, written: parts.length, problems };
}

function splitEndpoints(text: string): string[] {
  const parts: string[] = [];
  for (const piece of text.split(',')) {
    const last = parts.at(-1);
    if (last !== undefined && !/^\s*[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(piece) && last.includes('?') && !last.includes('#')) parts[parts.length - 1] = `${last},${piece}`;
    else parts.push(piece);
  }
  return parts.map((part) => part.trim());
}

function parseOne(text: string, where: string, problems: string[]): EndpointSpec | undefined {
  const hashAt = text.indexOf('#');
  const urlText = hashAt === -1 ? text : text.slice(0, hashAt);
  const fragment = hashAt === -1 ? '' : text.slice(hashAt + 1);
  let url: URL;
  try {
    url = new URL(urlText);
  } catch {
    problems.push(`${where} must be an http:// or https:// URL such as http://127.0.0.1:8000/v1, found "${redactUrl(urlText)}"`);
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    problems.push(`${where} must be an http:// or https:// URL such as http://127.0.0.1:8000/v1, found "${redactUrl(urlText)}" (scheme ${url.protocol})`);
    return undefined;
  }
  const endpoint: EndpointSpec = { baseURL: urlText };
  if (fragment === '') return endpoint;
  for (const setting of fragment.split('&')) {
    const equals = setting.indexOf('=');
    const name = equals === -1 ? setting : setting.slice(0, equals);
    const value = equals === -1 ? '' : decodeValue(setting.slice(equals + 1));
    if (name === 'model') {
      if (value.trim() === '') problems.push(`${where}: #model= needs the model name this server serves, e.g. #model=Qwen/Qwen2.5-Coder-7B-Instruct`);
      else endpoint.model = value;
    } else if (name === 'key_env') {
      if (!VARIABLE_NAME.test(value)) {
        problems.push(`${where}: #key_env= takes the name of an environment variable holding the key (letters, digits, _), found "${value}"; the key itself never goes in a URL`);
      } else endpoint.keyEnv = value;
    } else {
      problems.push(`${where}: unknown setting "${name}" after #; an endpoint takes ${ENDPOINT_SETTINGS.map((known) => `${known}=`).join(' and ')}, joined by &, e.g. http://127.0.0.1:8000/v1#model=qwen&key_env=GPU1_KEY`);
    }
  }
  return endpoint;
}

function decodeValue(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The environment variables the endpoints of `text` take their keys from (for the CLI, which reads them). */
export function keyVariables(text: string): string[] {
  return [...new Set(parseEndpointList(text, '').endpoints.flatMap((endpoint) => (endpoint.keyEnv === undefined ? [] : [endpoint.keyEnv])))];
}

/** How an endpoint is shown: its URL without credentials, with the model it names. */
export function displayEndpoint(endpoint: Pick<EndpointSpec, 'baseURL' | 'model'>): string {
  return `${redactUrl(endpoint.baseURL)}${endpoint.model === undefined ? '' : ` (model ${endpoint.model})`}`;
}

