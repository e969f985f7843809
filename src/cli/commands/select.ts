/** `tidepool select --embeddings PATH --k K --out DIR` */
import { Command, Option } from 'commander';
import { parseCount, parsePositive, parseSize } from '../parse.js';
import { interruptSignal, printSummary, progressSink, type CommonFlags } from '../output.js';
import type { Precision, SelectBackend } from '../../select/options.js';

interface SelectFlags extends CommonFlags {
  embeddings: string;
  k: number;
  out: string;
  first?: number;
  seed?: number;
  alreadySelected?: string;
  precision?: Precision;
  threads?: number;
  backend?: SelectBackend;
  poolSize?: number;
  baseline: boolean;
  bounds: boolean;
  checkpointSeconds?: number;
  memoryBudget?: number;
}

/** Builds the `select` command. */
export function selectCommand(): Command {
  return new Command('select')
    .description('pick a maximally diverse coreset with exact k-center greedy (farthest-first traversal) into DIR/coreset.arrow')
    .requiredOption('-e, --embeddings <path>', 'embeddings: a NumPy .npy (float32/float16, N x d), or the output folder (or embeddings.arrow) of `tidepool embed`')
    .requiredOption('-k, --k <k>', 'number of rows to pick', parsePositive)
    .requiredOption('-o, --out <dir>', 'output folder for coreset.arrow and manifest.json')
    .option('--first <row_id>', 'first center (default: a seeded random row)', parseCount)
    .option('--seed <n>', 'seed for the random first row and the random baseline (default: 0)', parseCount)
    .option('--already-selected <coreset.arrow>', 'warm start: rows already selected (a coreset.arrow)')
    .addOption(new Option('--precision <p>', 'working copy precision, in memory or on disk when streamed (default: fp32)').choices(['fp32', 'fp16']))
    .option('--threads <n>', 'CPU threads for the GEMM (default: all cores)', parsePositive)
    .addOption(new Option('--backend <name>', 'compute backend: cpu (onnxruntime GEMM, the default) or webgpu (Vulkan/Metal/D3D12 via Dawn; see `tidepool doctor`)').choices(['cpu', 'webgpu']))
    .option('--memory-budget <size>', 'memory the data may take, e.g. 4G or 512M: a matrix that does not fit is streamed from disk each pass, same picks (default: 3/4 of the available memory)', parseSize)
    .option('--pool-size <m>', 'candidate pool size M (default: min(N, max(256, ceil(4 sqrt N))) for N rows; 2 sqrt N where lazy passes run in memory)', parsePositive)
    .addOption(new Option('--checkpoint-seconds <s>', 'seconds between checkpoints (default: 60)').argParser(parseCount).hideHelp())
    .option('--no-baseline', 'skip the random-subset baseline radius (costs one extra pass of k centers)')
    .option('--bounds', 'prune folds with triangle-inequality bounds (exact, same picks): pays only where points sit much closer to their nearest center than centers to each other; Gaussian and real-code embeddings do not (README "Select")')
    .option('--no-bounds', 'fold every new center into every refreshed point (the default)')
    .option('--json', 'print a JSON summary as the last stdout line')
    .option('-q, --quiet', 'no progress output')
    .action(async (flags: SelectFlags) => {
      const { runSelect } = await import('../../select/run.js');
      const { signal, dispose } = interruptSignal();
      try {
        const summary = await runSelect({
          embeddings: flags.embeddings, k: flags.k, out: flags.out, first: flags.first, seed: flags.seed,
          alreadySelected: flags.alreadySelected, precision: flags.precision, threads: flags.threads,
          backend: flags.backend, poolSize: flags.poolSize, baseline: flags.baseline, bounds: flags.bounds, checkpointSeconds: flags.checkpointSeconds, memoryBudget: flags.memoryBudget, progress: progressSink(flags), signal,
        });
        const baseline = summary.randomBaselineRadius === null ? '' : ` (random subset: ${summary.randomBaselineRadius.toFixed(4)})`;
        printSummary(flags, summary, `picked ${summary.k} of ${summary.n} rows in ${summary.seconds.toFixed(1)}s, ${summary.passes} full passes, distance evaluations ${(100 * summary.work.share).toFixed(1)}% of n·k: covering radius ${summary.radius.toFixed(4)}${baseline} -> ${flags.out}/coreset.arrow`);
      } finally {
        dispose();
      }
    });
}
