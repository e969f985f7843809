/**
 * The one set of option validators every stage uses. A stage declares its options once, as a table of
 * {@link OptionSpec} (kind, range, flag); its `resolve*Options` checks the values it is given against
 * that table through {@link OptionProblems}, and the pipeline checks a pipeline file against the same
 * tables. A message names the option as the user wrote it: the flag (`--pool-size`) for the command
 * line, the pipeline key (`select.poolSize`) for a pipeline file (see {@link OptionNaming}).
 * Pure: no file access.
 */
import { existsSync } from 'node:fs';
import { TidepoolError } from '../errors.js';
import { parseByteSize } from './byte-size.js';
import { looksLikeHubId } from './hub-id.js';

/** The type of an option's value. */
export type OptionKind =
  | { type: 'integer'; min: number; max?: number }
  | { type: 'number'; min: number; max?: number; openMin?: boolean; openMax?: boolean }
  | { type: 'boolean' }
  | { type: 'string' }
  /** A size in bytes: a number of bytes, or a string such as `"4G"` or `"512MiB"` (see `util/byte-size.ts`). */
  | { type: 'size' }
  | { type: 'choice'; values: readonly string[] }
  /** Strings; a string is read as the flag reads it: comma-separated (`"python"` -> `["python"]`). */
  | { type: 'list' }
  /** A path (resolved against the pipeline file's folder there). */
  | { type: 'path' }
  /** Paths; one string is a one-element list. */
  | { type: 'paths' }
  /** A path, or `false` for none (export's `--no-card`). */
  | { type: 'path-or-false' }
  /** `true` for a folder of the stage's own, `false` for none, or a path (report's `--png DIR`). */
  | { type: 'path-or-boolean' }
  /** A path, except the built-in model name `hashing` and a Hub id (`org/name[@revision]`) that is no local path. */
  | { type: 'model' }
  /** generate's LLM in a pipeline file: `"scripted"`, or `{ "model", "baseURL"?, "apiKeyEnv"? }`. */
  | { type: 'llm' };

/** One option of a stage. */
export interface OptionSpec {
  kind: OptionKind;
  /** The command-line flag it stands for, when there is one (for messages). */
  flag?: string;
  required?: boolean;
}

/** A stage's options: camelCase name (commander's name for the flag) -> spec. */
export type OptionTable = Readonly<Record<string, OptionSpec>>;

/** Kinds used across stages. */
export const KINDS = {
  count: { type: 'integer', min: 0 },
  positive: { type: 'integer', min: 1 },
  rate: { type: 'number', min: 0, max: 1, openMax: true },
  nonNegative: { type: 'number', min: 0 },
  precision: { type: 'choice', values: ['fp32', 'fp16'] },
  device: { type: 'choice', values: ['auto', 'cpu', 'webgpu', 'cuda'] },
  boolean: { type: 'boolean' },
  string: { type: 'string' },
  size: { type: 'size' },
  list: { type: 'list' },
  path: { type: 'path' },
} as const satisfies Record<string, OptionKind>;

/** An {@link OptionSpec}. */
export function option(kind: OptionKind, flag?: string, required = false): OptionSpec {
  return { kind, ...(flag === undefined ? {} : { flag }), ...(required ? { required } : {}) };
}

/** How a message names an option (given its table name): by flag, by pipeline key, or as an API field. */
export type OptionNaming = (name: string) => string;

/** Names options by their flags in `table` (`poolSize` -> `--pool-size`); one without a flag as `options.NAME`. */
export function flagNaming(table: OptionTable): OptionNaming {
  return (name) => {
    const flag = table[name]?.flag;
    return flag !== undefined && flag.startsWith('-') ? flag : `options.${name}`;
  };
}

/** Names options by their keys in a pipeline file's stage section (`select.poolSize`). */
export function pipelineNaming(stage: string): OptionNaming {
  return (name) => `${stage}.${name}`;
}

/** A value as a message shows it: itself and its type, e.g. `"5" (a string)`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' && !Number.isFinite(value)) return `${String(value)} (a number)`;
  // A URL's credentials (`https://user:secret@host`) never reach a message.
  const json = JSON.stringify(value).replace(/(\/\/)[^/@\s"]*@/g, '$1***@');
  const shown = json.length > 60 ? `${json.slice(0, 57)}...` : json;
  const type = Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'an object' : typeof value === 'number' ? 'a number' : typeof value === 'boolean' ? 'a boolean' : 'a string';
  return `${shown} (${type})`;
}

/** What a kind expects, as a message says it. */
export function expectedOf(kind: OptionKind): string {
  switch (kind.type) {
    case 'integer':
      if (kind.max !== undefined) return `an integer from ${kind.min} to ${kind.max}`;
      return kind.min === 1 ? 'a positive integer' : kind.min === 0 ? 'a non-negative integer' : `an integer >= ${kind.min}`;
    case 'number': {
      if (kind.max === undefined) {
        if (kind.openMin === true) return kind.min === 0 ? 'a positive number' : `a number > ${kind.min}`;
        return kind.min === 0 ? 'a non-negative number' : `a number >= ${kind.min}`;
      }
      return `a number in ${kind.openMin === true ? '(' : '['}${kind.min}, ${kind.max}${kind.openMax === true ? ')' : ']'}`;
    }
    case 'boolean':
      return 'true or false';
    case 'string':
      return 'a string';
    case 'size':
      return 'a size in bytes (a number, or a string such as "4G", "512MiB" or "1.5GB")';
    case 'choice':
      return `one of ${kind.values.map((value) => `"${value}"`).join(', ')}`;
    case 'list':
      return 'a list of strings (or one comma-separated string)';
    case 'path':
      return 'a path (a string)';
    case 'paths':
      return 'a list of paths (or one path)';
    case 'path-or-false':
      return 'a path, or false for none';
    case 'path-or-boolean':
      return 'true (a folder in the stage\'s own), false, or a path';
    case 'model':
      return '"hashing", the path of a model folder, or a Hugging Face Hub id (org/name[@revision])';
    case 'llm':
      return '"scripted" (the project\'s scripted stand-in, not a model) or {"model": "NAME", "baseURL": "http://127.0.0.1:8000/v1", "apiKeyEnv": "OPENAI_API_KEY"} (baseURL and apiKeyEnv optional; baseURL may list several endpoints separated by commas, see README "Several servers")';
  }
}

/**
 * Checks one value against its kind and returns it in the form a stage takes (lists from strings,
 * paths through `resolvePath`), or a problem naming the option `label` and the value with its type.
 * @param resolvePath makes a path absolute (the pipeline: against its file's folder). @default as given
 */
export function checkOptionValue(label: string, kind: OptionKind, value: unknown, resolvePath: (path: string) => string = (path) => path): { value: unknown } | { problem: string } {
  const wrong = (): { problem: string } => ({ problem: `${label} must be ${expectedOf(kind)}, got ${describeValue(value)}` });
  const isPath = (item: unknown): item is string => typeof item === 'string' && item.trim() !== '';
  switch (kind.type) {
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) && value >= kind.min && (kind.max === undefined || value <= kind.max) ? { value } : wrong();
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return wrong();
      const aboveMin = kind.openMin === true ? value > kind.min : value >= kind.min;
      const belowMax = kind.max === undefined || (kind.openMax === true ? value < kind.max : value <= kind.max);
      return aboveMin && belowMax ? { value } : wrong();
    }
    case 'boolean':
      return typeof value === 'boolean' ? { value } : wrong();
    case 'string':
      return typeof value === 'string' ? { value } : wrong();
    case 'size': {
      const bytes = parseByteSize(value);
      return bytes === undefined ? wrong() : { value: bytes };
    }
    case 'choice':
      return typeof value === 'string' && kind.values.includes(value) ? { value } : wrong();
    case 'list': {
      // As the flag reads it: `--languages python,java`.
      const items = typeof value === 'string' ? value.split(',').map((item) => item.trim()).filter((item) => item !== '') : value;
      return Array.isArray(items) && items.length > 0 && items.every((item) => typeof item === 'string' && item.trim() !== '') ? { value: items } : wrong();
    }
    case 'path':
      return isPath(value) ? { value: resolvePath(value) } : wrong();
    case 'paths': {
      const items = typeof value === 'string' ? [value] : value;
      return Array.isArray(items) && items.length > 0 && items.every(isPath) ? { value: items.map(resolvePath) } : wrong();
    }
    case 'path-or-false':
      return value === false ? { value } : isPath(value) ? { value: resolvePath(value) } : wrong();
    case 'path-or-boolean':
      return typeof value === 'boolean' ? { value } : isPath(value) ? { value: resolvePath(value) } : wrong();
    case 'model':
      // `hashing`, and `openai:NAME` (a model of a remote server, no file).
      if (value === 'hashing' || (typeof value === 'string' && /^openai:[^/\\]+$/.test(value))) return { value };
      // A Hub id stays as written unless it names a folder that is there (a local path wins, as for --model).
      if (typeof value === 'string' && looksLikeHubId(value) && !existsSync(resolvePath(value))) return { value };
      return isPath(value) ? { value: resolvePath(value) } : wrong();
    case 'llm':
      return value === 'scripted' || isLlmEndpoint(value) ? { value } : wrong();
  }
}

const LLM_KEYS = ['model', 'baseURL', 'apiKeyEnv'];

function isLlmEndpoint(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const entries = Object.entries(value as Record<string, unknown>);
  return typeof (value as { model?: unknown }).model === 'string'
    && entries.every(([key, item]) => LLM_KEYS.includes(key) && typeof item === 'string' && item !== '');
}

/**
 * The problems a resolver finds, each naming its option through `name`, thrown together once by
 * {@link OptionProblems.throwIfAny} as one `E_USAGE` error.
 */
export class OptionProblems {
  readonly list: string[] = [];

  /**
   * @param stage the stage, for the message's first line (`invalid select options:`)
   * @param table the stage's options (kinds for {@link value})
   * @param name how messages name an option. @default its flag ({@link flagNaming})
   */
  constructor(readonly stage: string, private readonly table: OptionTable, readonly name: OptionNaming = flagNaming(table)) {}

  /**
   * `value` when given and valid for the kind `table[option]` declares (a problem is recorded when it
   * is not, and `value` returned as it is), else `fallback`.
   */
  value<T>(option: string, value: T | undefined, fallback: T): T;
  value<T>(option: string, value: T | undefined): T | undefined;
  value<T>(option: string, value: T | undefined, fallback?: T): T | undefined {
    if (value === undefined) return fallback;
    const spec = this.table[option];
    if (spec === undefined) throw new TypeError(`option ${option} is not in the ${this.stage} table`);
    const checked = checkOptionValue(this.name(option), spec.kind, value);
    if ('problem' in checked) this.list.push(checked.problem);
    return value;
  }

  /** Records a problem; `{name}` in `message` stands for the option `option` as the user wrote it. */
  add(message: string, ...options: string[]): void {
    let text = message;
    for (const option of options) text = text.replace('{name}', this.name(option));
    this.list.push(text);
  }

  /** @throws TidepoolError `E_USAGE` listing every problem, when there is one. */
  throwIfAny(): void {
    if (this.list.length === 0) return;
    throw new TidepoolError('E_USAGE', `invalid ${this.stage} options:\n  - ${this.list.join('\n  - ')}`, { problems: [...this.list] });
  }
}
