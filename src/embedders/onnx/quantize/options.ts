/** Options of `tidepool quantize` (and of {@link quantizeModelFolder} called as a library). */
import type { CpuFeatures } from '../../../backends/cpu-features.js';
import { KINDS, OptionProblems, option, type OptionTable } from '../../../util/options.js';

/** What a caller may set. */
export interface QuantizeOptions {
  /** The model folder (its fp32 `model.onnx` or `onnx/model.onnx` is read). */
  model: string;
  /** The file to write. @default `model_<target>.onnx` next to the fp32 model, for this CPU's target */
  out?: string | undefined;
  /** Overwrite an existing output file. @default false */
  force?: boolean | undefined;
  /**
   * One scale per output column (true) or one per weight matrix. Per column keeps cosine to fp32
   * higher at no run-time cost (bench/results/quantize.md). @default true
   */
  perChannel?: boolean | undefined;
  /** The CPU whose int8 file is written (the CLI passes readCpuFeatures()). */
  cpu: CpuFeatures;
  /** Write this variant instead of the CPU's (`qint8_avx512_vnni`, `qint8_avx512`, `quint8_avx2`, `qint8_arm64`). */
  variant?: string | undefined;
}

/** Complete, validated options. */
export interface ResolvedQuantizeOptions {
  model: string;
  out: string | undefined;
  force: boolean;
  perChannel: boolean;
  cpu: CpuFeatures;
  variant: string | undefined;
}

/** The options table (flags for messages). */
export const QUANTIZE_OPTIONS: OptionTable = {
  model: option(KINDS.path, '--model', true),
  out: option(KINDS.path, '--out'),
  force: option(KINDS.boolean, '--force'),
  perChannel: option(KINDS.boolean, '--no-per-channel'),
  variant: option(KINDS.string, '--variant'),
};

/** Checks every option, collecting all problems into one `E_USAGE` error. */
export function resolveQuantizeOptions(options: QuantizeOptions): ResolvedQuantizeOptions {
  const problems = new OptionProblems('quantize', QUANTIZE_OPTIONS);
  if (typeof options.model !== 'string' || options.model.trim() === '') problems.add('{name} is empty: pass a model folder with an fp32 model.onnx', 'model');
  const out = problems.value('out', options.out);
  const force = problems.value('force', options.force, false);
  const perChannel = problems.value('perChannel', options.perChannel, true);
  const variant = problems.value('variant', options.variant);
  problems.throwIfAny();
  return { model: options.model, out, force, perChannel, cpu: options.cpu, variant };
}
