/**
 * The shell of `tidepool quantize`: read a model folder's fp32 ONNX file, quantize it (rewrite.ts), and
 * write `model_<target>.onnx` next to it atomically, so `--variant auto` picks it on this CPU.
 */
import { randomBytes } from 'node:crypto';
import { access, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { TidepoolError, writeFailure } from '../../../errors.js';
import { isFolder } from '../folder-files.js';
import { EXPORT_HINT } from '../model-folder.js';
import { FP32_VARIANT, listOnnxVariants } from '../variants.js';
import { resolveQuantizeOptions, type QuantizeOptions } from './options.js';
import { quantizeOnnxModel, type QuantizeReport } from './rewrite.js';
import { quantTargetNamed, quantTargetOf, type QuantTarget } from './target.js';

/** What was written. */
export interface QuantizeResult extends QuantizeReport {
  input: string;
  output: string;
  variant: string;
  perChannel: boolean;
  bytesBefore: number;
  bytesAfter: number;
  seconds: number;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

function targetFor(variant: string | undefined, options: { cpu: QuantizeOptions['cpu'] }): QuantTarget {
  if (variant !== undefined) {
    const named = quantTargetNamed(variant);
    if (named === undefined) throw new TidepoolError('E_USAGE', `--variant ${variant} is not an int8 target tidepool writes: use qint8_avx512_vnni, qint8_avx512, quint8_avx2 or qint8_arm64.`, { variant });
    return named;
  }
  const target = quantTargetOf(options.cpu);
  if (target === undefined) {
    throw new TidepoolError('E_USAGE', `this CPU (${options.cpu.arch}${options.cpu.flags.length === 0 ? ', no instruction-set flags found' : ''}) has no int8 target that --variant auto would pick (it needs AVX2, AVX-512 or arm64). Name one with --variant (qint8_avx512_vnni, qint8_avx512, quint8_avx2, qint8_arm64) to write it for another machine.`, { arch: options.cpu.arch });
  }
  return target;
}

/** Quantizes the fp32 ONNX model of a folder (see {@link QuantizeOptions}); the library form of `tidepool quantize`. */
export async function quantizeModelFolder(options: QuantizeOptions): Promise<QuantizeResult> {
  const started = performance.now();
  const resolved = resolveQuantizeOptions(options);
  const dir = resolve(resolved.model);
  if (!(await isFolder(dir))) throw new TidepoolError('E_MODEL_MISSING', `the model folder ${dir} does not exist (or is not a folder). Pass the folder that holds model.onnx (or onnx/model.onnx).`, { path: dir });
  const fp32 = (await listOnnxVariants(dir)).find((variant) => variant.name === FP32_VARIANT);
  if (fp32 === undefined) throw new TidepoolError('E_MODEL_MISSING', `the model folder ${dir} has no fp32 model.onnx (nor onnx/model.onnx) to quantize. ${EXPORT_HINT}`, { path: dir });
  const input = join(dir, fp32.file);
  const target = targetFor(resolved.variant, resolved);
  const output = resolve(resolved.out ?? join(dirname(input), `model_${target.variant}.onnx`));
  if (output === input) throw new TidepoolError('E_USAGE', `--out ${output} is the fp32 model itself; write the int8 model to another file.`, { path: output });
  if (!resolved.force && (await exists(output))) throw new TidepoolError('E_OUTPUT', `${output} already exists. Pass --force to overwrite it, or --out to write another file.`, { path: output });

  const bytes = await readFile(input);
  const outcome = quantizeOnnxModel(bytes, { ...target.format, perChannel: resolved.perChannel });
  if (!outcome.ok) throw new TidepoolError(outcome.code, `${input} ${outcome.message}.`, { path: input });
  if (outcome.report.quantized === 0) throw new TidepoolError('E_MODEL_INVALID', `${input} has no MatMul with a float32 weight matrix to quantize (${outcome.report.keptFloat} MatMuls of two computed inputs): int8 would not make it faster.`, { path: input });
  // Atomic: a crash leaves the temp file, never a half-written model that --variant auto would pick.
  const temporary = join(dirname(output), `.${basename(output)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temporary, outcome.bytes);
    await rename(temporary, output);
  } catch (error) {
    await rm(temporary, { force: true });
    throw writeFailure(error, output, false);
  }
  return { ...outcome.report, input, output, variant: target.variant, perChannel: resolved.perChannel, bytesBefore: bytes.byteLength, bytesAfter: outcome.bytes.byteLength, seconds: (performance.now() - started) / 1000 };
}
