/**
 * Pure mapping of one raw input record (either field naming) to the fields ingest keeps.
 * CodeSearchNet original naming: code, docstring, language, func_name, repo, path, url, original_string.
 * Hugging Face naming: func_code_string, func_documentation_string, whole_func_string, language, func_name,
 * repository_name, func_path_in_repository, func_code_url.
 */

/** Why a record was rejected. Stable: these keys appear in `rejectedByReason`. */
export type RejectReason =
  | 'invalid_json'
  | 'not_an_object'
  | 'missing_field'
  | 'mistyped_field'
  | 'invalid_utf8'
  | 'line_too_long'
  | 'truncated_gzip'
  | 'corrupt_gzip'
  | 'unreadable_row';

/** Why a whole input file was left out (a line in `rejects.jsonl`, counted in `rejectedFiles`). */
export type FileRejectReason = 'unreadable_file';

/** The fields of a pair before filtering and de-duplication. */
export interface PairFields {
  language: string;
  repo: string | null;
  path: string | null;
  funcName: string | null;
  url: string | null;
  docstring: string;
  code: string;
}

/** A record that could not be used, with the field at fault where there is one. */
export interface FieldProblem {
  reason: RejectReason;
  field?: string;
  detail: string;
}

/** Result of {@link toPairFields}. */
export type RecordResult = { ok: true; fields: PairFields } | { ok: false; problem: FieldProblem };

/** The two field namings in use, mapped to our names: [ours, original, Hugging Face]. */
const NAMINGS = {
  code: ['code', 'func_code_string'],
  docstring: ['docstring', 'func_documentation_string'],
  language: ['language', 'language'],
  funcName: ['func_name', 'func_name'],
  repo: ['repo', 'repository_name'],
  path: ['path', 'func_path_in_repository'],
  url: ['url', 'func_code_url'],
} as const satisfies Record<keyof PairFields, readonly [string, string]>;

/** Every input field name tidepool reads (used to prune columns in columnar inputs). */
export const KNOWN_FIELDS: readonly string[] = [...new Set(Object.values(NAMINGS).flat())];

/** The JSON-ish name of a value's type, for messages (columnar inputs also give bigints, bytes and dates). */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  // An INT64 column (Parquet, Arrow) arrives as a bigint: to the user it is an integer column.
  if (typeof value === 'bigint') return 'integer';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (ArrayBuffer.isView(value)) return 'binary';
  if (value instanceof Date) return 'date';
  return typeof value;
}

/**
 * JSON text of a parsed record for the reject file, whatever it holds: bigints (INT64 columns) are
 * written as decimal strings, which `JSON.stringify` refuses; a value it still cannot write (nesting
 * deeper than the stack allows) is described instead, so a bad record never stops the run.
 */
export function rawJson(value: unknown): string | undefined {
  try {
    return JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item));
  } catch (error) {
    return `(${describeType(value)} that cannot be written as JSON: ${(error as Error).message})`;
  }
}

/** Picks the value of a field under whichever naming the record uses. */
function pick(record: Record<string, unknown>, names: readonly [string, string]): { name: string; value: unknown } {
  if (record[names[0]] !== undefined) return { name: names[0], value: record[names[0]] };
  return { name: names[1], value: record[names[1]] };
}

/** Maps a parsed record to pair fields, or says what is wrong with it. */
export function toPairFields(record: unknown): RecordResult {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    return { ok: false, problem: { reason: 'not_an_object', detail: `expected a JSON object, found ${describeType(record)}` } };
  }
  const row = record as Record<string, unknown>;
  const required = (key: 'code' | 'docstring' | 'language'): string | FieldProblem => {
    const names = NAMINGS[key];
    const { name, value } = pick(row, names);
    if (value === undefined || value === null) {
      return { reason: 'missing_field', field: names[0], detail: `missing "${names[0]}" (or "${names[1]}")` };
    }
    if (typeof value !== 'string') {
      return { reason: 'mistyped_field', field: name, detail: `"${name}" must be a string, found ${describeType(value)}` };
    }
    return value;
  };
  const optional = (key: 'funcName' | 'repo' | 'path' | 'url'): string | null | FieldProblem => {
    const { name, value } = pick(row, NAMINGS[key]);
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string') {
      return { reason: 'mistyped_field', field: name, detail: `"${name}" must be a string or null, found ${describeType(value)}` };
    }
    return value;
  };
  const code = required('code');
  if (typeof code !== 'string') return { ok: false, problem: code };
  const docstring = required('docstring');
  if (typeof docstring !== 'string') return { ok: false, problem: docstring };
  const language = required('language');
  if (typeof language !== 'string') return { ok: false, problem: language };
  const funcName = optional('funcName');
  if (funcName !== null && typeof funcName !== 'string') return { ok: false, problem: funcName };
  const repo = optional('repo');
  if (repo !== null && typeof repo !== 'string') return { ok: false, problem: repo };
  const path = optional('path');
  if (path !== null && typeof path !== 'string') return { ok: false, problem: path };
  const url = optional('url');
  if (url !== null && typeof url !== 'string') return { ok: false, problem: url };
  return { ok: true, fields: { language: language.trim().toLowerCase(), repo, path, funcName, url, docstring, code } };
}
