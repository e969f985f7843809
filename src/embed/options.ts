/** Embed options: user-facing `EmbedOptions` -> validated `ResolvedEmbedOptions`. */
import { InternalError } from '../errors.js';
import type { EmbeddingPrecision } from '../store/embeddings.js';
import { DEFAULT_TEXT_TEMPLATE, compileTemplate, type TextTemplate } from '../store/pairs-template.js';
import { checkModelFields, resolveHashingField, throwEmbedProblems, type ModelOptions, type ResolvedModelOptions } from '../embedders/options.js';
import { KINDS, option, type OptionTable } from '../util/options.js';

/** What a user may set (all optional but the model): the model's options plus the stage's own. */
export interface EmbedOptions extends ModelOptions {
  /** @default '{docstring}\n{code}' */
  text?: string | undefined;
  /** @default 'fp32' */
  precision?: EmbeddingPrecision | undefined;
  /** Rows per journaled window (the unit of resume). @default 8192 for hashing, 2048 for ONNX models */
  windowRows?: number | undefined;
}

/** Complete, validated options. */
export interface ResolvedEmbedOptions extends ResolvedModelOptions {
  template: TextTemplate;
  precision: EmbeddingPrecision;
  windowRows: number | undefined;
}

/** Every option of `tidepool embed` (the command's camelCase names), checked by the resolver and by `tidepool run`. */
export const EMBED_OPTIONS: OptionTable = {
  model: option({ type: 'model' }, '--model', true),
  text: option(KINDS.string, '--text'),
  precision: option(KINDS.precision, '--precision'),
  device: option(KINDS.device, '--device'),
  maxLength: option(KINDS.positive, '--max-length'),
  batchTokens: option(KINDS.positive, '--batch-tokens'),
  windowRows: option(KINDS.positive, '--window-rows'),
  threads: option(KINDS.positive, '--threads'),
  dim: option(KINDS.positive, '--dim'),
  buckets: option(KINDS.positive, '--buckets'),
  seed: option(KINDS.count, '--seed'),
};

/** Validates every field, collecting all problems into one `E_USAGE` error. */
export function resolveEmbedOptions(options: EmbedOptions): ResolvedEmbedOptions {
  const problems: string[] = [];
  checkModelFields(options, problems);
  if (options.windowRows !== undefined && (!Number.isInteger(options.windowRows) || options.windowRows < 1)) problems.push(`options.windowRows must be an integer >= 1, got ${String(options.windowRows)}`);
  let template: TextTemplate | undefined;
  try {
    template = compileTemplate(options.text ?? DEFAULT_TEXT_TEMPLATE);
  } catch (error) {
    problems.push((error as Error).message);
  }
  const hashing = resolveHashingField(options, problems);
  throwEmbedProblems(problems);
  if (template === undefined) throw new InternalError('embed template missing without a problem reported');
  return {
    model: options.model,
    template,
    precision: options.precision ?? 'fp32',
    device: options.device ?? 'auto',
    maxLength: options.maxLength,
    batchTokens: options.batchTokens,
    windowRows: options.windowRows,
    hashing,
  };
}
