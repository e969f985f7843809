/**
 * The options that choose and configure an embedding model, shared by `embed` (which adds its own text,
 * precision and window options) and `decontam` (which embeds benchmark items with the same models).
 */
import { TidepoolError } from '../errors.js';
import { resolveHashingOptions, type HashingOptions, type HashingParams } from './hashing/index.js';

/** Where ONNX models run. `auto` picks the best provider that works here, and says why. */
export type EmbedDevice = 'auto' | 'cpu' | 'webgpu' | 'cuda';

/** What a user may set about the model (all optional but the model). */
export interface ModelOptions {
  /** `hashing` (built in) or a model folder in the Hugging Face / sentence-transformers layout. */
  model: string;
  /** @default 'auto' */
  device?: EmbedDevice | undefined;
  /** Tokens per text; default: the model's own maximum. */
  maxLength?: number | undefined;
  /**
   * Rows x padded length per model call. @default 1024 on the CPU (small batches of similar length stay
   * in cache and pad least: measured 1.5x faster than 16384 here), 16384 on a GPU
   */
  batchTokens?: number | undefined;
  /** Parameters of the hashing model. */
  hashing?: HashingOptions | undefined;
}

/** Complete, validated model options. */
export interface ResolvedModelOptions {
  model: string;
  device: EmbedDevice;
  maxLength: number | undefined;
  batchTokens: number | undefined;
  hashing: HashingParams | undefined;
}

/** Validates the integer model fields and the model name, adding each problem found to `problems`. */
export function checkModelFields(options: ModelOptions, problems: string[]): void {
  const integer = (name: string, value: number | undefined, min: number): void => {
    if (value !== undefined && (!Number.isInteger(value) || value < min)) problems.push(`options.${name} must be an integer >= ${min}, got ${String(value)}`);
  };
  integer('maxLength', options.maxLength, 2);
  integer('batchTokens', options.batchTokens, 1);
  if (options.model.trim() === '') problems.push("options.model must be 'hashing' or a model folder");
}

/** The hashing model's parameters (undefined for an ONNX model), adding a problem found to `problems`. */
export function resolveHashingField(options: ModelOptions, problems: string[]): HashingParams | undefined {
  if (options.model !== 'hashing') return undefined;
  try {
    return resolveHashingOptions(options.hashing ?? {});
  } catch (error) {
    problems.push((error as Error).message);
    return undefined;
  }
}

/** Throws the one `E_USAGE` error that lists every problem of embed options, if there is any. */
export function throwEmbedProblems(problems: readonly string[]): void {
  if (problems.length > 0) throw new TidepoolError('E_USAGE', `invalid embed options:\n  - ${problems.join('\n  - ')}`, { problems: [...problems] });
}

/** Validates every model field, collecting all problems into one `E_USAGE` error. */
export function resolveModelOptions(options: ModelOptions): ResolvedModelOptions {
  const problems: string[] = [];
  checkModelFields(options, problems);
  const hashing = resolveHashingField(options, problems);
  throwEmbedProblems(problems);
  return { model: options.model, device: options.device ?? 'auto', maxLength: options.maxLength, batchTokens: options.batchTokens, hashing };
}
