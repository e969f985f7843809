/** Embed options: user-facing `EmbedOptions` -> validated `ResolvedEmbedOptions`. */
import { InternalError } from '../errors.js';
import type { EmbeddingPrecision } from '../store/embeddings.js';
import { DEFAULT_TEXT_TEMPLATE, compileTemplate, type TextTemplate } from '../store/pairs-template.js';
import { ENDPOINT_OPTIONS, MODEL_OPTIONS, checkModelOptions, type ModelOptions, type ResolvedModelOptions } from '../embedders/options.js';
import { checkShardOption, type Shard } from '../store/shards.js';
import { KINDS, OptionProblems, option, type OptionNaming, type OptionTable } from '../util/options.js';

/** What a user may set (all optional but the model): the model's options plus the stage's own. */
export interface EmbedOptions extends ModelOptions {
  /** @default '{docstring}\n{code}' */
  text?: string | undefined;
  /** @default 'fp32' */
  precision?: EmbeddingPrecision | undefined;
  /** Rows per journaled window (the unit of resume). @default 8192 for hashing, 2048 for ONNX models */
  windowRows?: number | undefined;
  /** Worker threads. @default min(available cores, 4); 1 on WebGPU */
  threads?: number | undefined;
  /** `I/N`: embed only shard I of N (0-based) into the shared output folder, then merge if it is the last. */
  shard?: string | undefined;
  /** Only merge the finished shards' parts into `embeddings.arrow`. @default false */
  merge?: boolean | undefined;
}

/** Complete, validated options. */
export interface ResolvedEmbedOptions extends ResolvedModelOptions {
  template: TextTemplate;
  precision: EmbeddingPrecision;
  windowRows: number | undefined;
  /** Undefined: chosen once the device is known. */
  threads: number | undefined;
  /** Undefined: the whole run. */
  shard: Shard | undefined;
  merge: boolean;
}

/** Every option of `tidepool embed` (the command's camelCase names), checked by the resolver and by `tidepool run`. */
export const EMBED_OPTIONS: OptionTable = {
  ...MODEL_OPTIONS,
  ...ENDPOINT_OPTIONS,
  model: option({ type: 'model' }, '--model', true),
  text: option(KINDS.string, '--text'),
  precision: option(KINDS.precision, '--precision'),
  windowRows: option(KINDS.positive, '--window-rows'),
  threads: option(KINDS.positive, '--threads'),
  shard: option(KINDS.string, '--shard'),
  merge: option(KINDS.boolean, '--merge'),
};

/**
 * Validates every field, collecting all problems into one `E_USAGE` error.
 * @param naming how messages name an option. @default its flag (`--max-length`); the pipeline passes `pipelineNaming('embed')`
 */
export function resolveEmbedOptions(options: EmbedOptions, naming?: OptionNaming): ResolvedEmbedOptions {
  const problems = new OptionProblems('embed', EMBED_OPTIONS, naming);
  const model = checkModelOptions(options, problems);
  const precision = problems.value('precision', options.precision, 'fp32');
  const windowRows = problems.value('windowRows', options.windowRows);
  const threads = problems.value('threads', options.threads);
  const text = problems.value('text', options.text, DEFAULT_TEXT_TEMPLATE);
  const merge = problems.value('merge', options.merge, false);
  const shard = checkShardOption(options.shard, problems);
  if (shard !== undefined && merge) problems.add('{name} and {name} exclude each other: a shard merges by itself when it finishes last; --merge alone merges finished shards', 'shard', 'merge');
  let template: TextTemplate | undefined;
  try {
    // A text that is not a string is a problem already; compiling it would only add a confusing one.
    if (typeof text === 'string') template = compileTemplate(text);
  } catch (error) {
    // The template's own message says what is wrong; the option is named as the user wrote it.
    problems.add(`{name}: ${(error as Error).message}`, 'text');
  }
  problems.throwIfAny();
  if (template === undefined) throw new InternalError('embed template missing without a problem reported');
  return { ...model, template, precision, windowRows, threads, shard, merge };
}
