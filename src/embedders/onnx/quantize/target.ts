/**
 * Which int8 file `tidepool quantize` writes for a CPU: the name `--variant auto` looks for first on that
 * CPU (variants.ts's {@link autoPreference}), with the weight format that CPU family's int8 kernels want.
 */
import type { CpuFeatures } from '../../../backends/cpu-features.js';
import { autoPreference } from '../variants.js';
import type { WeightFormat } from './weights.js';

/** A variant name and how its weights are stored. */
export interface QuantTarget {
  /** `qint8_avx512_vnni`, `qint8_avx512`, `quint8_avx2` or `qint8_arm64`. */
  variant: string;
  format: Omit<WeightFormat, 'perChannel'>;
}

/**
 * Formats per target. VNNI (and ARM's dot products) multiply u8 x s8 into int32 exactly: full 8-bit
 * weights. AVX-512 without VNNI multiplies u8 x s8 pairs into int16 (vpmaddubsw), which saturates at
 * 255 * 127 * 2 > 32767: 7-bit weights, as onnxruntime's `reduce_range`. AVX2 files are `quint8` (as
 * optimum writes them): u8 weights, which onnxruntime multiplies with a kernel that does not saturate.
 */
const FORMATS: Readonly<Record<string, QuantTarget['format']>> = {
  qint8_avx512_vnni: { type: 'int8', maxLevel: 127 },
  qint8_avx512: { type: 'int8', maxLevel: 63 },
  quint8_avx2: { type: 'uint8', maxLevel: 127 },
  qint8_arm64: { type: 'int8', maxLevel: 127 },
};

/** The target for `cpu`, or undefined when `auto` would pick no int8 file there (no AVX2, AVX-512 or arm64). */
export function quantTargetOf(cpu: CpuFeatures): QuantTarget | undefined {
  const variant = autoPreference({ device: 'cpu', cpu })[0];
  const format = variant === undefined ? undefined : FORMATS[variant];
  return variant === undefined || format === undefined ? undefined : { variant, format };
}

/** The target of a variant name, for `--target`-less library callers that name one (benchmarks, tests). */
export function quantTargetNamed(variant: string): QuantTarget | undefined {
  const format = FORMATS[variant];
  return format === undefined ? undefined : { variant, format };
}
