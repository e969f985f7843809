/**
 * Select options: user-facing {@link SelectOptions} -> {@link resolveSelectOptions} ->
 * {@link ResolvedSelectOptions}, where every default is set once and every value is checked against
 * {@link SELECT_OPTIONS}, the table `tidepool run` checks a pipeline file's `select` section against.
 */
import { availableParallelism } from 'node:os';
import { parseByteSize } from '../util/byte-size.js';
import type { EmbeddingPrecision } from '../store/embeddings.js';
import { KINDS, OptionProblems, flagNaming, option, type OptionNaming, type OptionTable } from '../util/options.js';

/** Every option of `tidepool select` (the command's camelCase names), checked by the resolver and by `tidepool run`. */
export const SELECT_OPTIONS: OptionTable = {
  k: option(KINDS.positive, '--k', true),
  first: option(KINDS.count, '--first'),
  seed: option(KINDS.count, '--seed'),
  alreadySelected: option(KINDS.path, '--already-selected'),
  precision: option(KINDS.precision, '--precision'),
  threads: option(KINDS.positive, '--threads'),
  backend: option({ type: 'choice', values: ['cpu', 'webgpu'] }, '--backend'),
  poolSize: option(KINDS.positive, '--pool-size'),
  checkpointSeconds: option(KINDS.count, '--checkpoint-seconds'),
  baseline: option(KINDS.boolean, '--no-baseline'),
  memoryBudget: option(KINDS.size, '--memory-budget'),
  bounds: option(KINDS.boolean, '--bounds'),
};

/**
 * The resolver's table: {@link SELECT_OPTIONS} plus the input and output paths, which a pipeline file
 * does not take (the pipeline wires them), so they stay out of the shared table.
 */
const RUN_OPTIONS: OptionTable = {
  ...SELECT_OPTIONS,
  embeddings: option(KINDS.path, '--embeddings', true),
  out: option(KINDS.path, '--out', true),
};

/** Precision of select's working copy of the embeddings: float32, or float16 (half the memory). */
export type Precision = EmbeddingPrecision;

/** A compute backend of `tidepool select`. */
export type SelectBackend = 'cpu' | 'webgpu';

/** What `tidepool select` (and a pipeline's `select` section) is given; unset fields take their defaults. */
export interface SelectOptions {
  /** A `.npy` matrix, or an embeddings.arrow (or the folder of `tidepool embed` holding one). */
  embeddings: string;
  /** Rows to pick. */
  k: number;
  /** Output folder for coreset.arrow and manifest.json. */
  out: string;
  /** `row_id` of the first center. @default a seeded random row */
  first?: number | undefined;
  /** Seed of the random first row and of the random baseline. @default 0 */
  seed?: number | undefined;
  /** A coreset.arrow (or the folder holding one) whose rows are already selected (warm start). */
  alreadySelected?: string | undefined;
  /** Working copy precision. @default 'fp32' */
  precision?: Precision | undefined;
  /** CPU threads for the GEMM. @default all cores (`os.availableParallelism()`) */
  threads?: number | undefined;
  /** @default 'cpu' */
  backend?: SelectBackend | undefined;
  /** Candidate pool size M. @default min(n, max(256, ceil(4 sqrt(n)))) for n rows, 2 sqrt(n) where lazy refresh runs in memory (`defaultPoolSize` in greedy.ts) */
  poolSize?: number | undefined;
  /** Compute the covering radius of a seeded random subset of the same size. @default true */
  baseline?: boolean | undefined;
  /**
   * Exact triangle-inequality pruning of distance evaluations (same picks either way). Off by default:
   * on Gaussian and real-code embeddings it skips almost nothing and its bookkeeping costs time
   * (bench/results/select-RC.md, select-fixed.md). @default false
   */
  bounds?: boolean | undefined;
  /** Seconds between checkpoints. @default 60 */
  checkpointSeconds?: number | undefined;
  /**
   * Bytes the run's data may take (bytes, or a size such as `"4G"`): the matrix is held in memory when
   * it fits with the per-point state, else streamed from disk block by block each pass (same picks).
   * @default three quarters of the memory available when the run starts ({@link defaultMemoryBudget})
   */
  memoryBudget?: number | string | undefined;
}

/** {@link SelectOptions} with every default set and every value checked. */
export interface ResolvedSelectOptions {
  embeddings: string;
  k: number;
  out: string;
  first: number | undefined;
  seed: number;
  alreadySelected: string | undefined;
  precision: Precision;
  threads: number;
  backend: SelectBackend;
  /**
   * Candidate pool size M, or undefined for the default for the number of rows, which is known only
   * once the embeddings are read (`defaultPoolSize` in greedy.ts, applied by the run).
   */
  poolSize: number | undefined;
  baseline: boolean;
  bounds: boolean;
  checkpointSeconds: number;
  /** Bytes. */
  memoryBudget: number;
}

/** Three quarters of the memory this process can still take (free memory, or its cgroup's limit when lower), in bytes. */
export function defaultMemoryBudget(): number {
  return Math.floor(0.75 * process.availableMemory());
}

function memoryBudgetOf(problems: OptionProblems, given: number | string | undefined): number {
  if (given === undefined) return defaultMemoryBudget();
  const checked = problems.value('memoryBudget', given);
  const bytes = parseByteSize(checked);
  if (bytes === undefined) return 0; // the problem is recorded
  if (bytes === 0) problems.add('{name} must be more than 0 bytes, got 0: give the memory the run may use, e.g. 4G', 'memoryBudget');
  return bytes;
}

/**
 * Sets every default of `options` and checks every value, collecting all problems.
 * @param naming how messages name an option. @default its flag (`--pool-size`); a pipeline passes
 *   `pipelineNaming('select')` (`select.poolSize`)
 * @throws TidepoolError `E_USAGE` listing every problem found
 */
export function resolveSelectOptions(options: SelectOptions, naming: OptionNaming = flagNaming(RUN_OPTIONS)): ResolvedSelectOptions {
  const problems = new OptionProblems('select', RUN_OPTIONS, naming);
  // The types require these, but a JavaScript caller or a pipeline section may still leave them out.
  const required = <T>(name: 'embeddings' | 'k' | 'out', value: T): T => {
    if ((value as unknown) === undefined) problems.add('{name} is required', name);
    else problems.value(name, value);
    return value;
  };
  const resolved: ResolvedSelectOptions = {
    embeddings: required('embeddings', options.embeddings),
    k: required('k', options.k),
    out: required('out', options.out),
    first: problems.value('first', options.first),
    seed: problems.value('seed', options.seed, 0),
    alreadySelected: problems.value('alreadySelected', options.alreadySelected),
    precision: problems.value<Precision>('precision', options.precision, 'fp32'),
    threads: problems.value('threads', options.threads, availableParallelism()),
    backend: problems.value<SelectBackend>('backend', options.backend, 'cpu'),
    poolSize: problems.value('poolSize', options.poolSize),
    baseline: problems.value('baseline', options.baseline, true),
    bounds: problems.value('bounds', options.bounds, false),
    checkpointSeconds: problems.value('checkpointSeconds', options.checkpointSeconds, 60),
    memoryBudget: memoryBudgetOf(problems, options.memoryBudget),
  };
  if (resolved.first !== undefined && resolved.alreadySelected !== undefined) {
    problems.add('{name} and {name} exclude each other: a warm start continues from the rows already selected', 'first', 'alreadySelected');
  }
  problems.throwIfAny();
  return resolved;
}
