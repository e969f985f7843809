/**
 * Which ONNX file of a model folder runs: sentence-transformers repos ship `onnx/model.onnx` beside
 * `model_O1..O4.onnx` and int8 exports for one CPU each (`model_qint8_avx512_vnni.onnx`,
 * `model_qint8_avx512.onnx`, `model_quint8_avx2.onnx`, `model_qint8_arm64.onnx`); Xenova-style repos ship
 * `model_quantized.onnx` and `model_fp16.onnx`. A variant is named by what follows `model_` (`fp32` for
 * `model.onnx`). The choice is pure: the folder's files, the device and the CPU's flags come in as data.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { TidepoolError } from '../../errors.js';
import type { CpuFeatures } from '../../backends/cpu-features.js';

/** The variant name of `model.onnx`. */
export const FP32_VARIANT = 'fp32';
/** `auto`: the best variant for the device and CPU. */
export const AUTO_VARIANT = 'auto';

/** One ONNX file of a folder. */
export interface OnnxVariant {
  /** `fp32` for model.onnx, else what follows `model_` (`qint8_avx512_vnni`, `O2`, `fp16`). */
  name: string;
  /** Path relative to the folder (`onnx/model_O2.onnx`). */
  file: string;
}

/** Where the model runs, which decides what `auto` prefers. */
export interface VariantTarget {
  device: 'cpu' | 'webgpu' | 'cuda';
  cpu: CpuFeatures;
}

const VARIANT_FILE = /^model(?:_([A-Za-z0-9_]+))?\.onnx$/;

/** `model_O2.onnx`, `onnx/model_O2.onnx` and `O2` all name `O2`; `model.onnx` and `model` name `fp32`. */
export function variantName(request: string): string {
  const file = request.replace(/^(?:\.\/)?onnx\//, '');
  const match = VARIANT_FILE.exec(file);
  if (match !== null) return match[1] ?? FP32_VARIANT;
  return file === 'model' ? FP32_VARIANT : file.replace(/^model_/, '');
}

async function filesIn(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((entry) => entry.isFile() || entry.isSymbolicLink()).map((entry) => entry.name);
  } catch {
    return [];
  }
}

/**
 * The ONNX variants among `files` (paths relative to a folder or repo root, `/`-separated): top level
 * before onnx/ (a name in both is the top-level file), sorted by name within each. Pure, so a Hub
 * repo's file list and a folder on disk are read by the same rule.
 */
export function onnxVariantsOf(files: readonly string[]): OnnxVariant[] {
  const variants = new Map<string, OnnxVariant>();
  for (const prefix of ['', 'onnx/']) {
    const names = files.filter((file) => file.startsWith(prefix) && !file.slice(prefix.length).includes('/')).map((file) => file.slice(prefix.length)).sort();
    for (const name of names) {
      const match = VARIANT_FILE.exec(name);
      const variant = match === null ? undefined : (match[1] ?? FP32_VARIANT);
      if (variant !== undefined && !variants.has(variant)) variants.set(variant, { name: variant, file: prefix + name });
    }
  }
  return [...variants.values()];
}

/** The folder's ONNX variants ({@link onnxVariantsOf} over its top level and onnx/). */
export async function listOnnxVariants(dir: string): Promise<OnnxVariant[]> {
  const top = await filesIn(dir);
  const nested = (await filesIn(join(dir, 'onnx'))).map((name) => `onnx/${name}`);
  return onnxVariantsOf([...top, ...nested]);
}

/**
 * What `auto` prefers on `target`, best first; the fp32 model is the fallback after these. The int8
 * exports use instructions of one CPU family (VNNI's int8 dot products, AVX-512, AVX2, ARM's dot
 * products): a newer CPU runs an older family's file, never the reverse. Xenova's `quantized` is not
 * picked by `auto`: it is one generic int8 export whose accuracy the repo does not state; name it to use it.
 */
export function autoPreference(target: VariantTarget): string[] {
  if (target.device !== 'cpu') return ['fp16'];
  if (target.cpu.arch === 'arm64') return ['qint8_arm64'];
  const flags = new Set(target.cpu.flags);
  const vnni = flags.has('avx512_vnni');
  const avx512 = vnni || flags.has('avx512f') || flags.has('avx512bw');
  const avx2 = avx512 || flags.has('avx2');
  return [...(vnni ? ['qint8_avx512_vnni'] : []), ...(avx512 ? ['qint8_avx512'] : []), ...(avx2 ? ['quint8_avx2'] : [])];
}

/** The variant that runs, and why (for the log). */
export interface VariantChoice {
  variant: OnnxVariant;
  reason: string;
}

/**
 * Picks the variant: a named one must exist; `auto` takes the first of {@link autoPreference} the folder
 * has, else the fp32 model.
 * @param place - How errors name where the variants are. @default "the model folder DIR"
 */
export function chooseOnnxVariant(dir: string, variants: readonly OnnxVariant[], request: string, target: VariantTarget, place = `the model folder ${dir}`): VariantChoice {
  const have = variants.map((variant) => `${variant.name} (${variant.file})`).join(', ');
  if (request !== AUTO_VARIANT) {
    const name = variantName(request);
    const found = variants.find((variant) => variant.name === name);
    if (found !== undefined) return { variant: found, reason: `variant ${name} was requested` };
    throw new TidepoolError('E_MODEL_MISSING', `${place} has no ONNX variant "${name}" (model_${name}.onnx at the top level or under onnx/). It has: ${have === '' ? 'none' : have}. Pass one of these to --variant, or --variant auto.`, { path: dir, variant: name, available: variants.map((variant) => variant.name) });
  }
  const preference = autoPreference(target);
  for (const name of preference) {
    const found = variants.find((variant) => variant.name === name);
    if (found !== undefined) return { variant: found, reason: `auto: ${name} suits ${target.device === 'cpu' ? `this CPU (${target.cpu.arch})` : `the ${target.device} device`}` };
  }
  const fp32 = variants.find((variant) => variant.name === FP32_VARIANT);
  if (fp32 !== undefined) return { variant: fp32, reason: `auto: ${preference.length === 0 ? 'no int8 variant suits this CPU' : `the folder has none of ${preference.join(', ')}`}, so the fp32 model` };
  throw new TidepoolError('E_MODEL_MISSING', `${place} has no model.onnx (nor onnx/model.onnx), and none of its ONNX variants suits ${target.device === 'cpu' ? 'this CPU' : target.device}: it has ${have}. Pass one of these to --variant.`, { path: dir, available: variants.map((variant) => variant.name) });
}
