/** `tidepool embed --data DIR --model MODEL --out DIR` */
import { Command, Option } from 'commander';
import { parseCount, parsePositive } from '../parse.js';
import type { EndpointFlags } from '../embed-endpoint.js';
import { addEndpointFlags } from '../endpoint-flags.js';
import type { EmbedSummary } from '../../embed/run.js';
import { interruptSignal, printSummary, progressSink, say, type CommonFlags } from '../output.js';

interface EmbedFlags extends CommonFlags, EndpointFlags {
  data: string;
  model: string;
  offline?: boolean;
  out: string;
  text?: string;
  precision?: 'fp32' | 'fp16';
  device?: 'auto' | 'cpu' | 'webgpu' | 'cuda';
  variant?: string;
  maxLength?: number;
  batchTokens?: number;
  windowRows?: number;
  threads?: number;
  dim?: number;
  buckets?: number;
  seed?: number;
  shard?: string;
  merge?: boolean;
}

/** Builds the `embed` command. */
export function embedCommand(): Command {
  return addEndpointFlags(new Command('embed')
    .description('embed every pair of DIR/pairs.arrow into OUT/embeddings.arrow (row_id + FixedSizeList<Float32|Float16>); resumes after a crash')
    .requiredOption('-d, --data <dir>', 'output folder of `tidepool ingest` (or its pairs.arrow)')
    .requiredOption('-m, --model <model>', "'hashing' (built in, no weights), a model folder in the Hugging Face / sentence-transformers layout with an ONNX export, a static model folder (model2vec / StaticEmbedding: model.safetensors + tokenizer.json), or a Hub id org/name[@revision] (through the Hugging Face cache: HF_HUB_CACHE, HF_HOME, HF_ENDPOINT, HF_TOKEN); with --endpoint, the model name the servers serve (openai:NAME: OpenAI's API)"), {
    endpoint: 'embed on OpenAI-compatible /v1/embeddings servers (TEI, vLLM, Ollama, OpenAI), comma-separated; --model names the model they serve (openai:NAME: OpenAI\'s API, or OPENAI_BASE_URL)',
  })
    .option('--offline', 'Hub ids: use only the Hugging Face cache, never the network (as HF_HUB_OFFLINE=1)')
    .requiredOption('-o, --out <dir>', 'output folder for embeddings.arrow and manifest.json')
    .option('--text <template>', "what is embedded, from pairs.arrow fields (default: '{docstring}\\n{code}')")
    .addOption(new Option('--precision <p>', 'stored precision (default: fp32)').choices(['fp32', 'fp16']))
    .addOption(new Option('--device <d>', 'where ONNX models run (default: auto: CUDA when installed, else CPU)').choices(['auto', 'cpu', 'webgpu', 'cuda']))
    .option('--variant <name>', 'which ONNX file of the model folder runs: auto (the int8 export for this CPU, fp16 on a GPU, else model.onnx) or a name: fp32, O2, qint8_avx512_vnni, quint8_avx2, quantized, fp16 (default: auto)')
    .option('--max-length <n>', "tokens per text, longer texts are truncated and counted (default: the model's maximum)", parsePositive)
    .option('--batch-tokens <n>', 'rows x padded length per model call (default: 1024 on the CPU, 16384 on a GPU)', parsePositive)
    .option('--threads <n>', 'worker threads, one model each (default: cores, at most 4)', parsePositive)
    .option('--dim <n>', 'hashing model: output dimensions (default: 256)', parsePositive)
    .option('--buckets <n>', 'hashing model: feature-hashing buckets, a power of two (default: 1048576)', parsePositive)
    .option('--seed <n>', 'hashing model: seed of the random projection (default: 0)', parseCount)
    .option('--shard <I/N>', 'embed only shard I of N (0-based) into the shared --out, then write its completion marker; the last shard to finish merges (see README "Sharded runs")')
    .option('--merge', 'only merge the finished shards of --out into embeddings.arrow (same other flags as the shards)')
    .addOption(new Option('--window-rows <n>', 'rows per journaled window (the unit of resume; default: 8192)').argParser(parsePositive).hideHelp())
    .option('--json', 'print a JSON summary as the last stdout line')
    .option('-q, --quiet', 'no progress output')
    .action(async (flags: EmbedFlags) => {
      const { runEmbed } = await import('../../embed/run.js');
      const { hubSettings } = await import('../hub-settings.js');
      const { endpointOptions } = await import('../embed-endpoint.js');
      const { signal, dispose } = interruptSignal();
      try {
        const summary = await runEmbed({
          data: flags.data, model: flags.model, hub: hubSettings(process.env, flags.offline === true), out: flags.out, text: flags.text, precision: flags.precision, device: flags.device, variant: flags.variant,
          maxLength: flags.maxLength, batchTokens: flags.batchTokens, windowRows: flags.windowRows, threads: flags.threads, shard: flags.shard, merge: flags.merge,
          hashing: { dim: flags.dim, buckets: flags.buckets, seed: flags.seed }, endpoint: endpointOptions(flags.model, flags, process.env),
          progress: progressSink(flags), signal,
        });
        if (summary.shard !== undefined || summary.merged === true) {
          printShardSummary(flags, summary);
          return;
        }
        if (summary.resumedRows > 0) say(flags, `resumed: ${summary.resumedRows} rows were already embedded by an interrupted run`);
        if (summary.estimatedCostUSD !== undefined) say(flags, `${summary.tokens} tokens, estimated cost $${summary.estimatedCostUSD.toFixed(4)}`);
        if (summary.truncated > 0) say(flags, `${summary.truncated} texts were longer than the model's maximum and were truncated`);
        const { out, ...fields } = summary;
        // rowsPerSecond counts the embedding itself (not start-up, the hashing model's counting pass or assembly).
        const rate = `${Math.round(summary.rowsPerSecond)} rows/s${summary.tokensPerSecond === null ? '' : `, ${Math.round(summary.tokensPerSecond)} tokens/s`} while embedding`;
        printSummary(flags, fields, `embedded ${summary.rows} rows (dim ${summary.dim}, ${summary.device}) in ${summary.seconds.toFixed(1)}s (${rate}) -> ${out}/embeddings.arrow`);
      } finally {
        dispose();
      }
    });
}

/** What a shard or a merge did, in a line (and the `--json` summary). */
function printShardSummary(flags: EmbedFlags, summary: EmbedSummary): void {
  const { out, ...fields } = summary;
  const lines: string[] = [];
  if (summary.shard !== undefined) {
    const range = summary.windows === undefined ? '' : ` (windows ${summary.windows.start}..${summary.windows.end - 1})`;
    lines.push(summary.alreadyDone === true ? `shard ${summary.shard}${range} had already finished: nothing to do` : `shard ${summary.shard}${range}: embedded ${summary.rows} rows (${summary.resumedRows} resumed) in ${summary.seconds.toFixed(1)}s`);
  }
  if (summary.merged === true) {
    lines.push(summary.alreadyMerged === true ? `${out} was already merged: nothing to do` : `merged ${summary.mergedRows ?? summary.rows} rows of every shard -> ${out}/embeddings.arrow`);
  } else if (summary.missingShards !== undefined && summary.missingShards.length > 0) {
    lines.push(`waiting for shard${summary.missingShards.length === 1 ? '' : 's'} ${summary.missingShards.join(', ')}; the last to finish merges (or run --merge)`);
  } else if (summary.merged === false) {
    lines.push('every shard has finished; another process is merging');
  }
  printSummary(flags, fields, lines.join('\n'));
}
