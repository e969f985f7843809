/**
 * What each stage section of a pipeline file may hold: every option of the stage's command, under
 * the camelCase name commander gives its flag (`--pool-size` -> `poolSize`), with the type the flag
 * parses to, so that a mistyped value is named with its pipeline key and its own type
 * (`select.k must be a positive integer, got "5" (a string)`), never passed on to crash a stage.
 * Pure: no file access.
 */
import type { StageName } from './stage-names.js';

/** The type of an option's value. */
export type OptionKind =
  | { type: 'integer'; min: number; max?: number }
  | { type: 'number'; min: number; max?: number; openMin?: boolean; openMax?: boolean }
  | { type: 'boolean' }
  | { type: 'string' }
  | { type: 'choice'; values: readonly string[] }
  /** Strings; a string is read as the flag reads it: comma-separated (`"python"` -> `["python"]`). */
  | { type: 'list' }
  /** A path, resolved against the pipeline file's folder. */
  | { type: 'path' }
  /** Paths; one string is a one-element list. */
  | { type: 'paths' }
  /** A path, or `false` for none (export's `--no-card`). */
  | { type: 'path-or-false' }
  /** `true` for a folder of the stage's own, `false` for none, or a path (report's `--png DIR`). */
  | { type: 'path-or-boolean' }
  /** A path, except the built-in model name `hashing`. */
  | { type: 'model' }
  /** generate's LLM: `"scripted"`, or `{ "model", "baseURL"?, "apiKeyEnv"? }`. */
  | { type: 'llm' };

/** One option of a stage section. */
export interface OptionSpec {
  kind: OptionKind;
  /** The command-line flag it stands for, when there is one (for messages). */
  flag?: string;
  required?: boolean;
}

const count: OptionKind = { type: 'integer', min: 0 };
const positive: OptionKind = { type: 'integer', min: 1 };
const rate: OptionKind = { type: 'number', min: 0, max: 1, openMax: true };
const nonNegative: OptionKind = { type: 'number', min: 0 };
const precision: OptionKind = { type: 'choice', values: ['fp32', 'fp16'] };
const device: OptionKind = { type: 'choice', values: ['auto', 'cpu', 'webgpu', 'cuda'] };
const spec = (kind: OptionKind, flag?: string, required = false): OptionSpec => ({ kind, ...(flag === undefined ? {} : { flag }), ...(required ? { required } : {}) });

/**
 * Every stage's options. Keys are the commands' camelCase option names; a few older pipeline names
 * (generate's `discriminate`, `goodExamples`, `timeoutMs`, `discriminatorTemperature`) stay accepted.
 * Flags the pipeline sets itself (`--out`, `--data`, `--embeddings`, `--coreset`, `--input`, `--work`
 * and the stage folders) are not here: see {@link WIRED_BY_PIPELINE}.
 */
export const STAGE_OPTIONS: Readonly<Record<StageName, Readonly<Record<string, OptionSpec>>>> = {
  sample: {
    rows: spec(count, '--rows', true),
    seed: spec(count, '--seed'),
    naming: spec({ type: 'choice', values: ['original', 'hf'] }, '--naming'),
    duplicateRate: spec(rate, '--duplicate-rate'),
    nearDuplicateRate: spec(rate, '--near-duplicate-rate'),
    badLineRate: spec(rate, '--bad-line-rate'),
    languages: spec({ type: 'list' }, '--languages'),
    gzipLevel: spec({ type: 'integer', min: 0, max: 9 }, '--gzip-level'),
  },
  ingest: {
    inputs: spec({ type: 'paths' }, 'INPUTS...'),
    languages: spec({ type: 'list' }, '--languages'),
    minCodeLines: spec(count, '--min-code-lines'),
    maxCodeLines: spec(positive, '--max-code-lines'),
    minCodeChars: spec(count, '--min-code-chars'),
    maxCodeChars: spec(positive, '--max-code-chars'),
    minDocstringWords: spec(count, '--min-docstring-words'),
    maxLineBytes: spec(positive, '--max-line-bytes'),
    dedup: spec({ type: 'boolean' }, '--no-dedup'),
    threads: spec(count, '--threads'),
  },
  embed: {
    model: spec({ type: 'model' }, '--model', true),
    text: spec({ type: 'string' }, '--text'),
    precision: spec(precision, '--precision'),
    device: spec(device, '--device'),
    maxLength: spec(positive, '--max-length'),
    batchTokens: spec(positive, '--batch-tokens'),
    windowRows: spec(positive, '--window-rows'),
    threads: spec(positive, '--threads'),
    dim: spec(positive, '--dim'),
    buckets: spec(positive, '--buckets'),
    seed: spec(count, '--seed'),
  },
  select: {
    k: spec(positive, '--k', true),
    first: spec(count, '--first'),
    seed: spec(count, '--seed'),
    alreadySelected: spec({ type: 'path' }, '--already-selected'),
    precision: spec(precision, '--precision'),
    threads: spec(positive, '--threads'),
    backend: spec({ type: 'choice', values: ['cpu', 'webgpu'] }, '--backend'),
    poolSize: spec(positive, '--pool-size'),
    checkpointSeconds: spec(count, '--checkpoint-seconds'),
    baseline: spec({ type: 'boolean' }, '--no-baseline'),
  },
  generate: {
    llm: spec({ type: 'llm' }, '--model, --base-url', true),
    mode: spec({ type: 'choice', values: ['codeocean', 'oss-instruct'] }, '--mode'),
    tasks: spec({ type: 'list' }, '--tasks'),
    discriminatorModel: spec({ type: 'string' }, '--discriminator-model'),
    discriminator: spec({ type: 'boolean' }, '--no-discriminator'),
    discriminate: spec({ type: 'boolean' }),
    concurrency: spec(positive, '--concurrency'),
    rpm: spec(positive, '--rpm'),
    tpm: spec(positive, '--tpm'),
    maxUsd: spec(nonNegative, '--max-usd'),
    maxTokens: spec(positive, '--max-tokens'),
    limit: spec(positive, '--limit'),
    seed: spec(count, '--seed'),
    translateTo: spec({ type: 'list' }, '--translate-to'),
    temperature: spec(nonNegative, '--temperature'),
    discriminatorTemperature: spec(nonNegative),
    replyTokens: spec(positive, '--reply-tokens'),
    prompts: spec({ type: 'path' }, '--prompts'),
    prices: spec({ type: 'path' }, '--prices'),
    poolCapacity: spec(positive, '--pool-capacity'),
    poolEpoch: spec(positive, '--pool-epoch'),
    examples: spec(count, '--examples'),
    goodExamples: spec(count),
    badExamples: spec(count, '--bad-examples'),
    maxRetries: spec(count, '--max-retries'),
    timeout: spec(positive, '--timeout'),
    timeoutMs: spec(positive),
    maxAnswerBytes: spec(positive, '--max-answer-bytes'),
    unreachableSeconds: spec(positive, '--unreachable-seconds'),
    checkpointSeconds: spec(count, '--checkpoint-seconds'),
  },
  decontam: {
    bench: spec({ type: 'paths' }, '--bench', true),
    exact: spec({ type: 'boolean' }, '--no-exact'),
    minExactChars: spec(positive, '--min-exact-chars'),
    ngram: spec({ type: 'boolean' }, '--no-ngram'),
    ngramN: spec(positive, '--ngram-n'),
    ngramThreshold: spec({ type: 'number', min: 0, max: 1, openMin: true }, '--ngram-threshold'),
    minNgrams: spec(positive, '--min-ngrams'),
    embed: spec({ type: 'boolean' }, '--no-embed'),
    model: spec({ type: 'model' }, '--model'),
    embedThreshold: spec({ type: 'number', min: -1, max: 1 }, '--embed-threshold'),
    device: spec(device, '--device'),
    maxLength: spec(positive, '--max-length'),
    batchTokens: spec(positive, '--batch-tokens'),
    dim: spec(positive, '--dim'),
    buckets: spec(positive, '--buckets'),
    seed: spec(count, '--seed'),
    maxSolutions: spec(count, '--max-solutions'),
    threads: spec(count, '--threads'),
    windowRows: spec(positive, '--window-rows'),
  },
  export: {
    format: spec({ type: 'choice', values: ['alpaca', 'sharegpt', 'messages', 'parquet'] }, '--format', true),
    out: spec({ type: 'path' }, '--out'),
    withMetadata: spec({ type: 'boolean' }, '--with-metadata'),
    system: spec({ type: 'string' }, '--system'),
    card: spec({ type: 'path-or-false' }, '--card, --no-card'),
    rowGroupRows: spec(positive, '--row-group-rows'),
    force: spec({ type: 'boolean' }, '--force'),
  },
  report: {
    png: spec({ type: 'path-or-boolean' }, '--png'),
    chromium: spec({ type: 'path' }, '--chromium'),
    sample: spec(positive, '--sample'),
    seed: spec(count, '--seed'),
  },
};

/**
 * Command options a pipeline file does not take, per stage, each with the reason a user is told:
 * the pipeline wires stages together itself, and a secret never belongs in a file.
 */
export const WIRED_BY_PIPELINE: Readonly<Record<StageName, Readonly<Record<string, string>>>> = {
  sample: { out: 'the sample is written into the work folder (WORK/sample/)' },
  ingest: { out: 'ingest writes into WORK/ingest/' },
  embed: { data: 'embed reads WORK/ingest/', out: 'embed writes into WORK/embed/' },
  select: { embeddings: 'select reads WORK/embed/', out: 'select writes into WORK/select/' },
  generate: {
    data: 'generate reads WORK/ingest/', coreset: 'generate reads WORK/select/', out: 'generate writes into WORK/generate/',
    model: 'the model goes in generate.llm: {"model": "NAME", "baseURL": "http://127.0.0.1:8000/v1"}',
    baseUrl: 'the endpoint goes in generate.llm: {"model": "NAME", "baseURL": "http://127.0.0.1:8000/v1"}',
    apiKey: 'an API key never goes in a file: put it in an environment variable and name that variable in generate.llm.apiKeyEnv (default OPENAI_API_KEY)',
  },
  decontam: {
    input: 'decontam checks what generate wrote (WORK/generate/)', out: 'decontam writes into WORK/decontam/',
    coreset: 'it applies to pairs input, and a pipeline\'s decontam checks generated records',
    embeddings: 'it applies to pairs input, and a pipeline\'s decontam checks generated records',
  },
  export: { input: 'export reads WORK/decontam/ (or WORK/generate/ without a decontam stage)' },
  report: {
    out: 'the report is written to WORK/report/report.html', work: 'the report reads the pipeline\'s work folder',
    ingest: 'the report reads WORK/ingest/', embed: 'the report reads WORK/embed/', select: 'the report reads WORK/select/',
    generate: 'the report reads WORK/generate/', decontam: 'the report reads WORK/decontam/',
  },
};

/** Pairs of keys that name the same option (a newer flag name and an older pipeline name): at most one may be set. */
export const SAME_OPTION: Readonly<Partial<Record<StageName, readonly (readonly [string, string])[]>>> = {
  generate: [['discriminator', 'discriminate'], ['examples', 'goodExamples'], ['timeout', 'timeoutMs']],
};

/** A value as a message shows it: itself and its type, e.g. `"5" (a string)`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  const json = JSON.stringify(value);
  const shown = json.length > 60 ? `${json.slice(0, 57)}...` : json;
  const type = Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'an object' : typeof value === 'number' ? 'a number' : typeof value === 'boolean' ? 'a boolean' : 'a string';
  return `${shown} (${type})`;
}

/** What a kind expects, as a message says it. */
function expected(kind: OptionKind): string {
  switch (kind.type) {
    case 'integer':
      if (kind.max !== undefined) return `an integer from ${kind.min} to ${kind.max}`;
      return kind.min === 1 ? 'a positive integer' : kind.min === 0 ? 'a non-negative integer' : `an integer >= ${kind.min}`;
    case 'number': {
      if (kind.max === undefined) return kind.min === 0 ? 'a non-negative number' : `a number >= ${kind.min}`;
      return `a number in ${kind.openMin === true ? '(' : '['}${kind.min}, ${kind.max}${kind.openMax === true ? ')' : ']'}`;
    }
    case 'boolean':
      return 'true or false';
    case 'string':
      return 'a string';
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
      return '"hashing" or the path of a model folder';
    case 'llm':
      return '"scripted" (the project\'s scripted stand-in, not a model) or {"model": "NAME", "baseURL": "http://127.0.0.1:8000/v1", "apiKeyEnv": "OPENAI_API_KEY"} (baseURL and apiKeyEnv optional)';
  }
}

/**
 * Checks one option's value and returns it in the form the stage takes (lists from strings, paths
 * resolved with `resolvePath`), or a problem naming `key` (e.g. `select.k`) and the value with its type.
 */
export function checkOptionValue(key: string, kind: OptionKind, value: unknown, resolvePath: (path: string) => string): { value: unknown } | { problem: string } {
  const wrong = (): { problem: string } => ({ problem: `${key} must be ${expected(kind)}, got ${describeValue(value)}` });
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
      return value === 'hashing' ? { value } : isPath(value) ? { value: resolvePath(value) } : wrong();
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
