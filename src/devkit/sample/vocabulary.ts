/**
 * Words the sample generator composes identifiers, docstrings, repositories and paths from, plus the
 * casing helpers. Lists are long enough that names repeat the way they do in real code, not so long
 * that the output reads like noise.
 */
import type { Random } from './random.js';

/** Verbs that start function names. */
export const VERBS = [
  'get', 'set', 'load', 'save', 'parse', 'build', 'create', 'update', 'delete', 'remove', 'find', 'fetch',
  'read', 'write', 'send', 'handle', 'process', 'validate', 'check', 'compute', 'convert', 'format', 'render',
  'resolve', 'register', 'apply', 'merge', 'split', 'filter', 'sort', 'normalize', 'encode', 'decode', 'init',
  'reset', 'flush', 'open', 'close', 'start', 'stop', 'emit', 'collect', 'lookup', 'sync', 'refresh', 'extract',
] as const;

/** Nouns for names, fields, types and docstrings. */
export const NOUNS = [
  'user', 'account', 'config', 'request', 'response', 'message', 'event', 'file', 'path', 'token', 'session',
  'record', 'entry', 'item', 'node', 'tree', 'graph', 'edge', 'key', 'value', 'header', 'body', 'query', 'result',
  'table', 'column', 'row', 'index', 'cache', 'buffer', 'stream', 'channel', 'client', 'server', 'handler',
  'option', 'setting', 'field', 'schema', 'model', 'view', 'template', 'route', 'param', 'argument', 'job',
  'task', 'worker', 'queue', 'batch', 'chunk', 'block', 'page', 'image', 'document', 'report', 'order',
  'invoice', 'payment', 'product', 'price', 'address', 'group', 'role', 'permission', 'policy', 'rule',
  'metric', 'label', 'tag', 'version', 'release', 'bundle', 'module', 'plugin', 'service', 'provider',
] as const;

/** Adjectives that sometimes qualify a noun. */
export const ADJECTIVES = [
  'active', 'current', 'default', 'pending', 'raw', 'cached', 'local', 'remote', 'next', 'last', 'first',
  'valid', 'new', 'old', 'max', 'min', 'total', 'parent', 'child', 'base', 'internal', 'public',
] as const;

/** Field names of the receiver (self / this / @ / s). */
export const FIELDS = ['client', 'cache', 'store', 'repository', 'session', 'config', 'registry', 'db', 'http', 'backend', 'manager', 'loader'] as const;

/** Method names called on fields and locals. */
export const METHODS = [
  'get', 'put', 'find', 'fetch', 'lookup', 'load', 'save', 'query', 'execute', 'send', 'read', 'write',
  'update', 'resolve', 'build', 'parse', 'render', 'apply', 'process', 'validate', 'encode', 'decode',
] as const;

/** Repository owners (GitHub users and organisations). */
export const OWNERS = [
  'acme', 'octo', 'pallets', 'spring', 'apache', 'google', 'facebook', 'django', 'rails', 'laravel', 'symfony',
  'golang', 'hashicorp', 'kubernetes', 'mozilla', 'microsoft', 'netflix', 'square', 'shopify', 'twitter',
  'alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'oscar',
  'peggy', 'trent', 'victor', 'walter', 'zed', 'sybil', 'nova', 'lumen', 'quartz', 'cobalt', 'ember', 'tidal',
] as const;

/** Words for project names. */
export const PROJECT_WORDS = [
  'flux', 'core', 'kit', 'hub', 'lib', 'api', 'sdk', 'cli', 'web', 'db', 'orm', 'http', 'json', 'yaml', 'auth',
  'cache', 'queue', 'stream', 'graph', 'log', 'metrics', 'router', 'parser', 'client', 'server', 'utils', 'tools',
  'engine', 'forge', 'pilot', 'spark', 'atlas', 'beacon', 'harbor', 'lattice', 'prism', 'relay', 'vector',
] as const;

/** One-word docstrings seen in real corpora. */
export const ONE_WORD_DOCSTRINGS = ['TODO', 'Deprecated.', 'Internal.', 'Helper.', 'Constructor.', 'Getter.', 'Setter.', 'Wrapper.', 'FIXME'] as const;

/** Non-ASCII fragments that now and then appear in docstrings, so readers meet real UTF-8. */
export const UNICODE_FRAGMENTS = ['(naïve version)', '— see the café example', 'résumé', 'the → operator', 'µs precision', 'Ångström units', '日本語 names', 'ß and ü'] as const;

const capitalized = new Map<string, string>();
const plurals = new Map<string, string>();

/** `word` with its first letter upper-cased (memoised: the vocabulary is small). */
export function capitalize(word: string): string {
  let result = capitalized.get(word);
  if (result === undefined) {
    result = word.charAt(0).toUpperCase() + word.slice(1);
    capitalized.set(word, result);
  }
  return result;
}

/** English plural of a vocabulary noun (memoised). */
export function plural(noun: string): string {
  let result = plurals.get(noun);
  if (result === undefined) {
    if (noun.endsWith('y') && !/[aeiou]y$/.test(noun)) result = `${noun.slice(0, -1)}ies`;
    else if (/(s|x|ch|sh)$/.test(noun)) result = `${noun}es`;
    else result = `${noun}s`;
    plurals.set(noun, result);
  }
  return result;
}

/** How a language spells multi-word identifiers. */
export type Casing = 'snake' | 'camel' | 'pascal';

/** Joins words in the given casing: `['user','id']` -> `user_id` / `userId` / `UserId`. */
export function joinWords(casing: Casing, words: readonly string[]): string {
  let result = '';
  for (let index = 0; index < words.length; index++) {
    const word = words[index]!;
    if (casing === 'snake') result += index === 0 ? word : `_${word}`;
    else result += index === 0 && casing === 'camel' ? word : capitalize(word);
  }
  return result;
}

/** A noun, qualified by an adjective a quarter of the time: the words of a name. */
export function nounPhrase(random: Random): string[] {
  const noun = random.pick(NOUNS);
  return random.chance(0.25) ? [random.pick(ADJECTIVES), noun] : [noun];
}
