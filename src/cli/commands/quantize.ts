/** `tidepool quantize --model DIR`: write the int8 ONNX variant of a model folder for this CPU. */
import { Command } from 'commander';
import { printSummary, type CommonFlags } from '../output.js';

interface QuantizeFlags extends CommonFlags {
  model: string;
  out?: string;
  force?: boolean;
  perChannel?: boolean;
  variant?: string;
}

const mib = (bytes: number): string => `${(bytes / 1_048_576).toFixed(1)} MiB`;

/** Builds the `quantize` command. */
export function quantizeCommand(): Command {
  return new Command('quantize')
    .description("write a dynamic int8 version of a model folder's fp32 ONNX model (MatMul weights int8, activations quantized at run time), named for this CPU (model_qint8_avx512_vnni.onnx, model_quint8_avx2.onnx, ...) so `embed --variant auto` picks it")
    .requiredOption('-m, --model <dir>', 'model folder with model.onnx (or onnx/model.onnx)')
    .option('-o, --out <file>', "file to write (default: model_<target>.onnx next to the fp32 model, for this CPU's target)")
    .option('--force', 'overwrite the output file when it exists')
    .option('--no-per-channel', 'one weight scale per matrix instead of one per output column (lower cosine to fp32; for comparison)')
    .option('--variant <name>', "write another CPU's file instead of this one's: qint8_avx512_vnni, qint8_avx512, quint8_avx2, qint8_arm64")
    .option('--json', 'print a JSON summary as the last stdout line')
    .option('-q, --quiet', 'no progress output')
    .action(async (flags: QuantizeFlags) => {
      const { quantizeModelFolder } = await import('../../embedders/onnx/quantize/index.js');
      const { readCpuFeatures } = await import('../../backends/cpu-features.js');
      const result = await quantizeModelFolder({ model: flags.model, out: flags.out, force: flags.force, perChannel: flags.perChannel, variant: flags.variant, cpu: readCpuFeatures() });
      printSummary(
        flags,
        result,
        `quantized ${result.quantized} MatMuls to ${result.variant} (${result.perChannel ? 'per-column' : 'per-tensor'} int8 weights; ${result.keptFloat} MatMuls of two activations stay float): ${mib(result.bytesBefore)} -> ${mib(result.bytesAfter)} in ${result.seconds.toFixed(1)}s -> ${result.output}`,
      );
    });
}
