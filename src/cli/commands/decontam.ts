/** `tidepool decontam --input PATH --bench FILE... --out DIR` */
import { Command, InvalidArgumentError, Option } from 'commander';
import { parseCount, parsePositive } from '../parse.js';
import { interruptSignal, printSummary, progressSink, say, type CommonFlags } from '../output.js';
import type { EndpointFlags } from '../embed-endpoint.js';
import { addEndpointFlags } from '../endpoint-flags.js';

interface DecontamFlags extends CommonFlags, EndpointFlags {
  input?: string;
  bench?: string[];
  out: string;
  coreset?: string;
  embeddings?: string;
  exact: boolean;
  minExactChars?: number;
  ngram: boolean;
  ngramN?: number;
  ngramThreshold?: number;
  minNgrams?: number;
  embed: boolean;
  model?: string;
  offline?: boolean;
  embedThreshold?: number;
  device?: 'auto' | 'cpu' | 'webgpu' | 'cuda';
  variant?: string;
  maxLength?: number;
  batchTokens?: number;
  dim?: number;
  buckets?: number;
  seed?: number;
  maxSolutions?: number;
  threads?: number;
  windowRows?: number;
  shard?: string;
  merge?: boolean;
  rethreshold?: boolean;
}

/** Parses a number in `[min, max]` (exclusive of `min` when `openMin`). */
function numberIn(min: number, max: number, openMin: boolean): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || (openMin ? n <= min : n < min) || n > max) {
      throw new InvalidArgumentError(`expected a number in ${openMin ? '(' : '['}${min}, ${max}], got "${value}"`);
    }
    return n;
  };
}

/** `--rethreshold`: new thresholds from the recorded candidates; the histograms go to stderr. */
async function rethreshold(flags: DecontamFlags): Promise<void> {
  const { rethresholdDecontam } = await import('../../decontam/rethreshold.js');
  const { histogramText, ...summary } = await rethresholdDecontam({ out: flags.out, ngramThreshold: flags.ngramThreshold, embedThreshold: flags.embedThreshold });
  // The distribution is what a person reads before choosing: stdout, unless stdout carries the JSON summary.
  if (flags.json === true) say(flags, histogramText);
  else process.stdout.write(histogramText);
  printSummary(flags, summary, `rethresholded ${summary.records} records (n-gram ${summary.thresholds.ngram}, embedding ${summary.thresholds.embedding}): ${summary.kept} kept, ${summary.removed} removed -> ${summary.out}/kept.jsonl, ${summary.out}/removed.jsonl`);
}

/** Builds the `decontam` command. */
export function decontamCommand(): Command {
  return addEndpointFlags(new Command('decontam')
    .description('remove records that copy or paraphrase benchmark problems (HumanEval, MBPP, DS-1000, APPS, LiveCodeBench .jsonl/.jsonl.gz) into OUT/kept.jsonl and OUT/removed.jsonl (with evidence)')
    .option('-i, --input <path>', 'raw pairs (output folder of `tidepool ingest`, or its pairs.arrow) or generated records (output folder of `tidepool generate`, or a .jsonl/.jsonl.gz)')
    .option('-b, --bench <files...>', 'benchmark files; the layout of each is detected from its fields')
    .requiredOption('-o, --out <dir>', 'output folder for kept.jsonl, removed.jsonl and manifest.json')
    .option('--coreset <dir>', 'pairs input: check only the rows of this coreset (output folder of `tidepool select`, or its coreset.arrow)')
    .option('--embeddings <dir>', 'pairs input: use the vectors of this `tidepool embed` output instead of embedding again (its manifest names the model)')
    .option('--no-exact', 'skip the exact-substring detector')
    .option('--min-exact-chars <n>', 'exact: shortest shared run of whitespace-normalised characters; shorter benchmark pieces are skipped (default: 50)', parsePositive)
    .option('--no-ngram', 'skip the n-gram detector')
    .option('--ngram-n <n>', 'n-gram: tokens per n-gram of canonicalised code (default: 10)', parsePositive)
    .option('--ngram-threshold <x>', "n-gram: least share of a benchmark solution's n-grams found in a record (default: 0.5)", numberIn(0, 1, true))
    .option('--min-ngrams <n>', "n-gram: least number of a benchmark solution's n-grams found in a record (default: 10)", parsePositive)
    .option('--no-embed', 'skip the embedding detector')
    .option('-m, --model <model>', "embedding: 'hashing' (built in), an ONNX model folder, a static (model2vec) model folder or a Hub id org/name[@revision], as for `tidepool embed`; with --endpoint, the model the servers serve (openai:NAME: OpenAI's API, or OPENAI_BASE_URL) (default: hashing)"), {
    endpoint: "embedding: embed on OpenAI-compatible /v1/embeddings servers (TEI, vLLM, Ollama, OpenAI), comma-separated; --model names the model they serve. With --embeddings made on servers: servers of the model its manifest names",
    prefix: 'embedding: ',
  })
    .option('--offline', 'Hub ids: use only the Hugging Face cache, never the network (as HF_HUB_OFFLINE=1)')
    .option('--embed-threshold <x>', 'embedding: least cosine similarity that flags a record (default: 0.9: near-verbatim copies with the hashing model; lower it to catch paraphrases, and check another model on known-clean data first)', numberIn(-1, 1, false))
    .addOption(new Option('--device <d>', 'embedding: where ONNX models run (default: auto)').choices(['auto', 'cpu', 'webgpu', 'cuda']))
    .option('--variant <name>', "embedding: which ONNX file of the model folder runs: auto (the int8 export for this CPU, fp16 on a GPU, else model.onnx) or a name: fp32, O2, qint8_avx512_vnni, quint8_avx2, quantized, fp16 (default: auto)")
    .option('--max-length <n>', "embedding: tokens per text for ONNX models (default: the model's maximum)", parsePositive)
    .option('--batch-tokens <n>', 'embedding: rows x padded length per ONNX model call', parsePositive)
    .option('--dim <n>', 'hashing model: output dimensions (default: 256)', parsePositive)
    .option('--buckets <n>', 'hashing model: feature-hashing buckets, a power of two (default: 1048576)', parsePositive)
    .option('--seed <n>', 'hashing model: seed of the random projection (default: 0)', parseCount)
    .option('--max-solutions <n>', 'APPS: solutions per problem that are checked, 0 for all (default: 5)', parseCount)
    .option('--threads <n>', 'embedding worker threads; 0 = this thread only (default: cores, at most 4)', parseCount)
    .addOption(new Option('--window-rows <n>', 'records per window (default: 8192)').argParser(parsePositive).hideHelp())
    .option('--shard <I/N>', 'check only shard I of N (0-based) of the input\'s lines (generated records) or pairs.arrow rows into the shared --out, then write its completion marker; the last shard to finish merges (see README "Sharded runs")')
    .option('--merge', 'only merge the finished shards of --out into kept.jsonl and removed.jsonl (same other flags as the shards)')
    .option('--rethreshold', 'apply --ngram-threshold / --embed-threshold anew to the finished output in --out from its candidates.jsonl (no --input, --bench or embedding needed; seconds), and print the score distribution per benchmark')
    .option('--json', 'print a JSON summary as the last stdout line')
    .option('-q, --quiet', 'no progress output')
    .action(async (flags: DecontamFlags) => {
      if (flags.rethreshold === true) {
        await rethreshold(flags);
        return;
      }
      if (flags.input === undefined || flags.bench === undefined) {
        const { TidepoolError } = await import('../../errors.js');
        throw new TidepoolError('E_USAGE', `tidepool decontam needs ${flags.input === undefined ? '--input' : '--bench'} (only --rethreshold, which re-applies thresholds to a finished --out, works without --input and --bench)`);
      }
      const { runDecontam } = await import('../../decontam/run.js');
      const { hubSettings } = await import('../hub-settings.js');
      const { endpointOptions } = await import('../embed-endpoint.js');
      const { signal, dispose } = interruptSignal();
      try {
        const summary = await runDecontam({
          input: flags.input, bench: flags.bench, out: flags.out, coreset: flags.coreset, embeddings: flags.embeddings,
          exact: flags.exact, minExactChars: flags.minExactChars,
          ngram: flags.ngram, ngramN: flags.ngramN, ngramThreshold: flags.ngramThreshold, minNgrams: flags.minNgrams,
          embed: flags.embed, model: flags.model, endpoint: endpointOptions(flags.model ?? '', flags, process.env), hub: hubSettings(process.env, flags.offline === true), embedThreshold: flags.embedThreshold, device: flags.device, variant: flags.variant, maxLength: flags.maxLength, batchTokens: flags.batchTokens,
          hashing: { dim: flags.dim, buckets: flags.buckets, seed: flags.seed },
          maxSolutions: flags.maxSolutions, threads: flags.threads, windowRows: flags.windowRows, shard: flags.shard, merge: flags.merge,
          progress: progressSink(flags), signal,
        });
        if (summary.removed > 0) say(flags, `removed by benchmark: ${JSON.stringify(summary.removedByBenchmark)}; by detector: ${JSON.stringify(summary.removedByDetector)}`);
        printSummary(flags, summary, `checked ${summary.records} records in ${summary.seconds.toFixed(1)}s: ${summary.kept} kept, ${summary.removed} removed -> ${summary.out}/kept.jsonl, ${summary.out}/removed.jsonl`);
      } finally {
        dispose();
      }
    });
}
