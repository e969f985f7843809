/** Options of `tidepool generate`: what users may pass, and the complete, validated set a run uses. */
import { displayEndpoint, parseEndpointList } from './endpoints/spec.js';
import { availableParallelism } from 'node:os';
import type { ProgressSink } from '../util/progress.js';
import { CODE_OCEAN_TASKS, type CodeOceanTask } from './tasks.js';
import { DEFAULT_TRANSLATE_TO, type GenerateMode } from './units.js';
import { checkShardOption, type Shard } from '../store/shards.js';
import { KINDS, OptionProblems, option, type OptionKind, type OptionNaming, type OptionTable } from '../util/options.js';

/** Sampling temperature: what OpenAI-compatible servers accept. */
const TEMPERATURE: OptionKind = { type: 'number', min: 0, max: 2 };
/** A number above 0, not necessarily whole (a budget in USD, an outage window in seconds). */
const POSITIVE_NUMBER: OptionKind = { type: 'number', min: 0, openMin: true };

/** One endpoint of a run, resolved. */
export interface ResolvedEndpoint {
  /** The base URL (no fragment); may hold credentials, so show it only through `redactUrl`. */
  baseURL: string;
  /** Never written anywhere. */
  apiKey: string;
  /** The model name sent to this server in place of the job's; undefined: the job's. */
  model: string | undefined;
}

/** User-facing options (all but the paths, model and endpoint optional). */
export interface GenerateOptions {
  /** Output folder of `ingest` (holds pairs.arrow), or the file. */
  data: string;
  /** Output folder of `select` (holds coreset.arrow), or the file. */
  coreset: string;
  out: string;
  /** Generator model id. */
  model: string;
  /** Discriminator model id. @default the generator's */
  discriminatorModel?: string | undefined;
  /** Ask a discriminator (false: the prechecks alone decide). @default true */
  discriminate?: boolean | undefined;
  /**
   * One OpenAI-compatible base URL, or several separated by commas, each with optional
   * `#model=NAME&key_env=VAR` (see endpoints/spec.ts): requests are spread over all of them.
   */
  baseURL: string;
  /** Never written anywhere. The key of every endpoint that names no `key_env`. */
  apiKey: string;
  /** The values of the variables endpoints name in `key_env` (the CLI reads them). Never written anywhere. */
  endpointKeys?: Readonly<Record<string, string>> | undefined;
  /** @default 'codeocean' */
  mode?: GenerateMode | undefined;
  /** CodeOcean tasks. @default all four */
  tasks?: readonly CodeOceanTask[] | undefined;
  /** Units (so requests) in flight on each endpoint. @default 16 */
  concurrency?: number | undefined;
  rpm?: number | undefined;
  tpm?: number | undefined;
  maxUsd?: number | undefined;
  maxTokens?: number | undefined;
  /** Use only the first N coreset rows. */
  limit?: number | undefined;
  /** @default 0 */
  seed?: number | undefined;
  /** @default DEFAULT_TRANSLATE_TO */
  translateTo?: readonly string[] | undefined;
  /** Generator temperature. @default 0.7 */
  temperature?: number | undefined;
  /** Discriminator temperature. @default 0 */
  discriminatorTemperature?: number | undefined;
  /** max_tokens of each reply. @default 2048 */
  replyTokens?: number | undefined;
  /** Folder of prompt files overriding the defaults. */
  prompts?: string | undefined;
  /** JSON price table extending the built-in one. */
  prices?: string | undefined;
  /** Entries per task in each case pool. @default 24 */
  poolCapacity?: number | undefined;
  /**
   * Units per pool epoch: prompts of epoch e see the pools as of the end of epoch e-2.
   * @default 4 x concurrency, at least 256; with `batch`, {@link BATCH_POOL_EPOCH} (a resumed run keeps the epoch it started with)
   */
  poolEpoch?: number | undefined;
  /** Good examples in a generator prompt. @default 2 */
  goodExamples?: number | undefined;
  /** Bad examples (with reasons) in a generator prompt. @default 1 */
  badExamples?: number | undefined;
  /** The client's retries per request. @default 4 */
  maxRetries?: number | undefined;
  /** Per-request timeout in ms. @default 120000 */
  timeoutMs?: number | undefined;
  /**
   * Most bytes of one answer that are read; a longer answer fails its request (the unit is retried
   * later) and is neither stored nor quoted back. @default answerByteLimit(replyTokens)
   */
  maxAnswerBytes?: number | undefined;
  /**
   * Seconds without any answer from the server, with the last requests all failing to reach it,
   * after which the run stops with `E_LLM_UNREACHABLE` (what finished is kept; a rerun resumes). @default 60
   */
  unreachableSeconds?: number | undefined;
  /** Seconds between checkpoints. @default 2 */
  checkpointSeconds?: number | undefined;
  /**
   * Send the requests through the provider's Batch API (`/v1/files` + `/v1/batches`, 24 h window) at
   * batch prices: each pool epoch's requests go out as batches, polled every `pollInterval` seconds. @default false
   */
  batch?: boolean | undefined;
  /** `--batch`: seconds between polls of a running batch. @default 30 */
  pollInterval?: number | undefined;
  /**
   * Run each generation, repair and OSS-Instruct sample's tests in the sandbox (Python and JavaScript).
   * Undefined: on where the sandbox check passes, off (with a one-line note) where it does not;
   * true: on, and a sandbox that cannot run stops the run with `E_SANDBOX_UNAVAILABLE`. @default undefined
   */
  execute?: boolean | undefined;
  /** Sandbox runs at once. @default the machine's cores (`os.availableParallelism()`) */
  execConcurrency?: number | undefined;
  /** A sample must pass its tests to be accepted (a skipped execution rejects it too). @default false */
  requirePass?: boolean | undefined;
  /** Run samples without the sandbox where bubblewrap cannot run (limits and timeout still apply; no isolation). @default false */
  unsafeNoSandbox?: boolean | undefined;
  /**
   * One new sandbox per sample instead of warm sandboxes that run one sample after another (each in a
   * fresh process, everything left by the last one killed and wiped). Slower; for complete separation
   * of samples from each other (README "Execution checks"). @default false
   */
  execFreshSandbox?: boolean | undefined;
  /** `I/N`: generate only shard I of N (0-based) of the plan's units into the shared output folder, then merge if it is the last. */
  shard?: string | undefined;
  /** Only merge the finished shards' parts into the usual outputs. @default false */
  merge?: boolean | undefined;
  progress?: ProgressSink | undefined;
  /** Stops the run cleanly: no new units start, in-flight ones finish. */
  signal?: AbortSignal | undefined;
  /** Messages for people (stderr in the CLI). */
  log?: ((line: string) => void) | undefined;
}

type DefaultedFields0 = Omit<GenerateOptions, 'endpointKeys' | 'execute' | 'discriminatorModel' | 'rpm' | 'tpm' | 'maxUsd' | 'maxTokens' | 'limit' | 'prompts' | 'prices' | 'progress' | 'signal' | 'log' | 'shard'>;
type DefaultedFields = { [K in keyof DefaultedFields0]-?: Exclude<DefaultedFields0[K], undefined> };

/** Every option resolved. */
export interface ResolvedGenerateOptions extends DefaultedFields {
  /** The endpoints of `baseURL`, each with its key (at least one). */
  endpoints: ResolvedEndpoint[];
  /** `auto` until the job is prepared (see `prepareGenerate`), which settles it on the sandbox check. */
  execute: boolean | 'auto';
  discriminatorModel: string | null;
  rpm: number | undefined;
  tpm: number | undefined;
  maxUsd: number | undefined;
  maxTokens: number | undefined;
  limit: number | undefined;
  prompts: string | undefined;
  prices: string | undefined;
  progress: ProgressSink | undefined;
  signal: AbortSignal | undefined;
  log: (line: string) => void;
  shard: Shard | undefined;
}

/**
 * Every option of `tidepool generate` (the command's camelCase names), checked by the resolver and by
 * `tidepool run`, with the real ranges: temperatures from 0 to 2 (what OpenAI-compatible servers take),
 * a budget and an outage window above 0. A few API names stand beside the flags' names (`discriminate`,
 * `goodExamples`, `timeoutMs`, `discriminatorTemperature`): the pipeline accepts them too.
 */
export const GENERATE_OPTIONS: OptionTable = {
  llm: option({ type: 'llm' }, '--model, --base-url', true),
  mode: option({ type: 'choice', values: ['codeocean', 'oss-instruct'] }, '--mode'),
  tasks: option(KINDS.list, '--tasks'),
  discriminatorModel: option(KINDS.string, '--discriminator-model'),
  discriminator: option(KINDS.boolean, '--no-discriminator'),
  discriminate: option(KINDS.boolean),
  concurrency: option(KINDS.positive, '--concurrency'),
  rpm: option(KINDS.positive, '--rpm'),
  tpm: option(KINDS.positive, '--tpm'),
  maxUsd: option(POSITIVE_NUMBER, '--max-usd'),
  maxTokens: option(KINDS.positive, '--max-tokens'),
  limit: option(KINDS.positive, '--limit'),
  seed: option(KINDS.count, '--seed'),
  translateTo: option(KINDS.list, '--translate-to'),
  temperature: option(TEMPERATURE, '--temperature'),
  discriminatorTemperature: option(TEMPERATURE),
  replyTokens: option(KINDS.positive, '--reply-tokens'),
  prompts: option(KINDS.path, '--prompts'),
  prices: option(KINDS.path, '--prices'),
  poolCapacity: option(KINDS.positive, '--pool-capacity'),
  poolEpoch: option(KINDS.positive, '--pool-epoch'),
  examples: option(KINDS.count, '--examples'),
  goodExamples: option(KINDS.count),
  badExamples: option(KINDS.count, '--bad-examples'),
  maxRetries: option(KINDS.count, '--max-retries'),
  timeout: option(KINDS.positive, '--timeout'),
  timeoutMs: option(KINDS.positive),
  maxAnswerBytes: option(KINDS.positive, '--max-answer-bytes'),
  unreachableSeconds: option(POSITIVE_NUMBER, '--unreachable-seconds'),
  checkpointSeconds: option(KINDS.count, '--checkpoint-seconds'),
  batch: option(KINDS.boolean, '--batch'),
  pollInterval: option(POSITIVE_NUMBER, '--poll-interval'),
  execute: option(KINDS.boolean, '--no-execute'),
  execConcurrency: option(KINDS.positive, '--exec-concurrency'),
  requirePass: option(KINDS.boolean, '--require-pass'),
  unsafeNoSandbox: option(KINDS.boolean, '--unsafe-no-sandbox'),
  execFreshSandbox: option(KINDS.boolean, '--exec-fresh-sandbox'),
  shard: option(KINDS.string, '--shard'),
  merge: option(KINDS.boolean, '--merge'),
};

/**
 * Fills defaults and validates; every problem is reported at once.
 * @param naming how messages name an option. @default its flag (`--concurrency`); the pipeline passes `pipelineNaming('generate')`
 */
export function resolveGenerateOptions(options: GenerateOptions, naming?: OptionNaming): ResolvedGenerateOptions {
  const problems = new OptionProblems('generate', GENERATE_OPTIONS, naming);
  // The model and endpoint are one `llm` entry in a pipeline file, two flags on the command line.
  const llmField = (flag: string, key: string): string => {
    const llm = problems.name('llm');
    return llm.startsWith('-') ? flag : `${llm}.${key}`;
  };
  if (options.model.trim() === '') problems.add(`${llmField('--model', 'model')} must name the generator model, e.g. --model gpt-4o-mini`);
  const endpoints = resolveEndpoints(options, llmField('--base-url', 'baseURL'), problems);
  const tasks = checkTasks(options.tasks, problems);
  const translateTo = options.translateTo ?? DEFAULT_TRANSLATE_TO;
  if (translateTo.length === 0) problems.add('{name} must name at least one language', 'translateTo');
  else problems.value('translateTo', translateTo);
  const maxUsd = problems.value('maxUsd', options.maxUsd);
  const maxTokens = problems.value('maxTokens', options.maxTokens);
  if (maxUsd !== undefined && maxTokens !== undefined) problems.add('give {name} or {name}, not both', 'maxUsd', 'maxTokens');
  // The flags' names for the API's fields where both mean the same thing (`--examples` is goodExamples).
  const discriminate = problems.value('discriminator', options.discriminate, true);
  const concurrency = problems.value('concurrency', options.concurrency, 16);
  const replyTokens = problems.value('replyTokens', options.replyTokens, 2048);
  const merge = problems.value('merge', options.merge, false);
  const shard = checkShardOption(options.shard, problems);
  const batch = problems.value('batch', options.batch, false);
  // `=== true` on unknown: a value of the wrong type (from a pipeline file) is reported above already.
  const isTrue = (value: unknown): boolean => value === true;
  if (isTrue(batch) && endpoints.length > 1) problems.add(`{name} sends every request through one provider's Batch API: give {name} one endpoint (it lists ${endpoints.length})`, 'batch', 'baseURL');
  if (isTrue(batch) && (shard !== undefined || isTrue(merge))) problems.add('{name} does not run sharded yet: leave out {name} and {name} (one batch job already spreads over the provider)', 'batch', 'shard', 'merge');
  const execute = problems.value('execute', options.execute) ?? 'auto';
  const requirePass = problems.value('requirePass', options.requirePass, false);
  if (requirePass && execute === false) problems.add('{name} needs execution checks: drop {name}', 'requirePass', 'execute');
  if (shard !== undefined && merge) problems.add('{name} and {name} exclude each other: a shard merges by itself when it finishes last; --merge alone merges finished shards', 'shard', 'merge');
  const resolved: ResolvedGenerateOptions = {
    data: options.data, coreset: options.coreset, out: options.out, model: options.model,
    discriminate, discriminatorModel: discriminate ? (problems.value('discriminatorModel', options.discriminatorModel) ?? options.model) : null,
    baseURL: options.baseURL, apiKey: options.apiKey, endpoints, mode: problems.value('mode', options.mode, 'codeocean'), tasks: [...new Set(tasks)],
    concurrency,
    rpm: problems.value('rpm', options.rpm), tpm: problems.value('tpm', options.tpm),
    maxUsd, maxTokens,
    limit: problems.value('limit', options.limit), seed: problems.value('seed', options.seed, 0),
    translateTo: [...translateTo].map((language) => language.toLowerCase()),
    temperature: problems.value('temperature', options.temperature, 0.7),
    discriminatorTemperature: problems.value('discriminatorTemperature', options.discriminatorTemperature, 0),
    replyTokens,
    prompts: problems.value('prompts', options.prompts), prices: problems.value('prices', options.prices),
    poolCapacity: problems.value('poolCapacity', options.poolCapacity, 24),
    poolEpoch: problems.value('poolEpoch', options.poolEpoch) ?? (batch ? BATCH_POOL_EPOCH : defaultPoolEpoch(concurrency * Math.max(1, endpoints.length))),
    batch, pollInterval: problems.value('pollInterval', options.pollInterval, 30),
    goodExamples: problems.value('examples', options.goodExamples, 2), badExamples: problems.value('badExamples', options.badExamples, 1),
    maxRetries: problems.value('maxRetries', options.maxRetries, 4), timeoutMs: problems.value('timeoutMs', options.timeoutMs, 120_000),
    maxAnswerBytes: problems.value('maxAnswerBytes', options.maxAnswerBytes) ?? answerByteLimit(replyTokens),
    unreachableSeconds: problems.value('unreachableSeconds', options.unreachableSeconds, 60),
    checkpointSeconds: problems.value('checkpointSeconds', options.checkpointSeconds, 2),
    execute, execConcurrency: problems.value('execConcurrency', options.execConcurrency) ?? availableParallelism(), requirePass,
    unsafeNoSandbox: problems.value('unsafeNoSandbox', options.unsafeNoSandbox, false),
    execFreshSandbox: problems.value('execFreshSandbox', options.execFreshSandbox, false),
    progress: options.progress, signal: options.signal, log: options.log ?? (() => {}), shard, merge,
  };
  problems.throwIfAny();
  return resolved;
}

/** The CodeOcean tasks (all four when not given), each problem with them recorded. */
function checkTasks(given: readonly CodeOceanTask[] | undefined, problems: OptionProblems): readonly CodeOceanTask[] {
  const tasks = given ?? CODE_OCEAN_TASKS;
  if (tasks.length === 0) problems.add(`{name} must name at least one of ${CODE_OCEAN_TASKS.join(', ')}`, 'tasks');
  else problems.value('tasks', tasks);
  for (const task of tasks) {
    if (typeof task === 'string' && !(CODE_OCEAN_TASKS as readonly string[]).includes(task)) problems.add(`{name}: unknown task "${task}"; choose from ${CODE_OCEAN_TASKS.join(', ')}`, 'tasks');
  }
  if (new Set(tasks).size !== tasks.length) problems.add('{name}: a task is named twice', 'tasks');
  return tasks;
}

/**
 * The default for {@link GenerateOptions.maxAnswerBytes}: 32 bytes per token of `max_tokens` (a token
 * is rarely more than 8 characters, and JSON escapes a character in at most 12 bytes) plus 64 KiB for
 * the envelope. Generous for any real answer, and far below what would grow the process's memory.
 */
export function answerByteLimit(replyTokens: number): number {
  return replyTokens * 32 + 65_536;
}

/** The endpoints of `options.baseURL` with their keys; each problem (a bad URL, a key variable not set) recorded. */
function resolveEndpoints(options: GenerateOptions, label: string, problems: OptionProblems): ResolvedEndpoint[] {
  const list = parseEndpointList(options.baseURL, label);
  for (const problem of list.problems) problems.add(problem);
  return list.endpoints.map((endpoint, index) => {
    let apiKey = options.apiKey;
    if (endpoint.keyEnv !== undefined) {
      const key = options.endpointKeys?.[endpoint.keyEnv];
      if (key === undefined || key === '') {
        const where = list.written === 1 ? label : `${label} endpoint ${list.positions[index] ?? index + 1}`;
        problems.add(`${where} (${displayEndpoint(endpoint)}) takes its key from $${endpoint.keyEnv}, which is not set; export ${endpoint.keyEnv}=... or drop #key_env to use the job's key`);
      } else apiKey = key;
    }
    return { baseURL: endpoint.baseURL, apiKey, model: endpoint.model };
  });
}

/**
 * The pool epoch when none is given. Units fold in plan order and a unit may start only once the
 * epoch two back has folded, so the epoch bounds how far past a slow unit the run can go: with fewer
 * than a few times `concurrency` units per epoch, slow units stall the pipeline below `concurrency`.
 */
export function defaultPoolEpoch(concurrency: number): number {
  return Math.max(256, 4 * concurrency);
}

/**
 * The pool epoch of a `--batch` run when none is given. A batch run holds a whole epoch in flight and
 * each epoch costs about three batch turnarounds (generator requests, then discriminator requests and
 * parse retries, then their retries), so the epoch sets how many turnarounds the job waits for:
 * CodeOcean's 20,000 rows x 4 tasks are 40 epochs of 2,048 units, against 313 epochs of the live default.
 */
export const BATCH_POOL_EPOCH = 2048;
