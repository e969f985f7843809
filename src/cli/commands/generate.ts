/** `tidepool generate --data DIR --coreset DIR --out DIR --model NAME` */
import { Command, InvalidArgumentError, Option } from 'commander';
import { TidepoolError } from '../../errors.js';
import type { CodeOceanTask } from '../../generate/tasks.js';
import { endpointKeys, OPENAI_URL, resolveLlmEndpoint } from '../llm-endpoint.js';
import { parseCount, parseList, parsePositive } from '../parse.js';
import { interruptSignal, printSummary, progressSink, say, type CommonFlags } from '../output.js';

interface GenerateFlags extends CommonFlags {
  data: string;
  coreset: string;
  out: string;
  model?: string;
  baseUrl?: string;
  apiKey?: string;
  mode?: 'codeocean' | 'oss-instruct';
  tasks?: string[];
  discriminatorModel?: string;
  discriminator: boolean;
  concurrency?: number;
  rpm?: number;
  tpm?: number;
  maxUsd?: number;
  maxTokens?: number;
  limit?: number;
  seed?: number;
  translateTo?: string[];
  temperature?: number;
  replyTokens?: number;
  prompts?: string;
  prices?: string;
  poolCapacity?: number;
  poolEpoch?: number;
  examples?: number;
  badExamples?: number;
  maxRetries?: number;
  timeout?: number;
  maxAnswerBytes?: number;
  unreachableSeconds?: number;
  checkpointSeconds?: number;
  shard?: string;
  merge?: boolean;
  batch?: boolean;
  pollInterval?: number;
  execute?: boolean;
  execConcurrency?: number;
  requirePass?: boolean;
  unsafeNoSandbox?: boolean;
  execFreshSandbox?: boolean;
}

function parseNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`expected a non-negative number, got "${value}"`);
  return n;
}

/** Builds the `generate` command. */
export function generateCommand(): Command {
  return new Command('generate')
    .description('write instruction data from the coreset with an LLM (CodeOcean generator-discriminator or OSS-Instruct) into DIR/instructions.jsonl')
    .requiredOption('-d, --data <dir>', 'output folder of `tidepool ingest` (holds pairs.arrow)')
    .requiredOption('-c, --coreset <dir>', 'output folder of `tidepool select` (holds coreset.arrow)')
    .requiredOption('-o, --out <dir>', 'output folder: instructions.jsonl, rejected.jsonl, pools/, manifest.json')
    .option('-m, --model <name>', 'generator model id (default: $TIDEPOOL_MODEL)')
    .option('--base-url <urls>', `OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1 for vLLM, or several separated by commas, each with optional #model=NAME&key_env=VAR (see README "Several servers"; default: $OPENAI_BASE_URL or ${OPENAI_URL})`)
    .option('--api-key <key>', 'API key (default: $OPENAI_API_KEY; prefer the variable, flags end up in shell history)')
    .addOption(new Option('--mode <mode>', 'pipeline (default: codeocean)').choices(['codeocean', 'oss-instruct']))
    .option('--tasks <list>', 'CodeOcean tasks, comma-separated (default: generation,summarization,translation,repair)', parseList)
    .option('--discriminator-model <name>', 'discriminator model id (default: the generator model)')
    .option('--no-discriminator', 'no discriminator calls: the rule-based prechecks alone decide')
    .option('--concurrency <n>', 'requests in flight on each endpoint (default: 16)', parsePositive)
    .option('--rpm <n>', 'at most this many requests per minute', parsePositive)
    .option('--tpm <n>', 'at most this many tokens per minute', parsePositive)
    .option('--max-usd <x>', 'stop cleanly once this much has been spent (list prices; see --prices)', parseNumber)
    .option('--max-tokens <n>', 'stop cleanly once this many tokens have been spent', parsePositive)
    .option('--limit <n>', 'use only the first N coreset rows (by rank)', parsePositive)
    .option('--seed <n>', 'seed for translation targets, OSS-Instruct seed cuts and few-shot choice (default: 0)', parseCount)
    .option('--translate-to <list>', 'languages translation samples may target (default: python,java,javascript,go,c++,rust)', parseList)
    .option('--temperature <t>', 'generator temperature (default: 0.7; the discriminator uses 0)', parseNumber)
    .option('--reply-tokens <n>', 'max_tokens of each reply (default: 2048)', parsePositive)
    .option('--prompts <dir>', 'folder of prompt files overriding the defaults (same file names as prompts/ in the package)')
    .option('--prices <file>', 'JSON price table {"model": {"input": USD per 1M, "output": USD per 1M}} extending the built-in one')
    .option('--pool-capacity <n>', 'examples kept per task in each case pool (default: 24)', parsePositive)
    .option('--pool-epoch <n>', "units per pool epoch; prompts see pools as of two epochs back (default: 4 x --concurrency, at least 256; 2048 with --batch; a rerun keeps the job's epoch)", parsePositive)
    .option('--examples <n>', 'good few-shot examples per generator prompt (default: 2)', parseCount)
    .option('--bad-examples <n>', 'rejected few-shot examples (with reasons) per generator prompt (default: 1)', parseCount)
    .option('--max-retries <n>', "the client's retries of 429/5xx/connection errors per request (default: 4)", parseCount)
    .option('--timeout <s>', 'seconds one request may take (default: 120)', parsePositive)
    .option('--max-answer-bytes <n>', 'bytes of one answer read at most; a longer answer fails its request (default: 32 per --reply-tokens token + 64 KiB)', parsePositive)
    .option('--unreachable-seconds <s>', 'stop with an error when the last requests all failed to reach the server and nothing came back for this long (default: 60)', parsePositive)
    .addOption(new Option('--checkpoint-seconds <s>', 'seconds between checkpoints (default: 2)').argParser(parseCount).hideHelp())
    .option('--batch', "send the requests through the provider's Batch API (/v1/files + /v1/batches, 24 h window) at batch prices; a rerun polls the batches already submitted (see README \"Batch mode\")")
    .option('--poll-interval <s>', 'with --batch: seconds between polls of a running batch (default: 30)', parseNumber)
    .option('--execute', 'run each generation, repair and OSS-Instruct sample\'s tests (Python, JavaScript) in the bubblewrap sandbox; stop if it cannot run (default: on where the sandbox check passes, else off with a note)')
    .option('--no-execute', 'do not run the samples\' tests')
    .option('--exec-concurrency <n>', 'sandbox runs at once (default: the machine\'s cores)', parsePositive)
    .option('--require-pass', 'accept a sample only when its tests ran and passed (a skipped run rejects it too)')
    .option('--unsafe-no-sandbox', 'where bubblewrap cannot run, run generated code WITHOUT isolation (resource limits and timeout only); see README "Execution checks"')
    .option('--exec-fresh-sandbox', 'a new sandbox for every sample instead of warm sandboxes that run samples one after another (slower; complete separation between samples)')
    .option('--shard <I/N>', 'generate only shard I of N (0-based) of the plan\'s units into the shared --out (own journal, cache and case pools), then write its completion marker; the last shard to finish merges (see README "Sharded runs")')
    .option('--merge', 'only merge the finished shards of --out into instructions.jsonl and rejected.jsonl (same other flags as the shards)')
    .option('--json', 'print a JSON summary as the last stdout line')
    .option('-q, --quiet', 'no progress output')
    .action(async (flags: GenerateFlags) => {
      const model = flags.model ?? (process.env.TIDEPOOL_MODEL || undefined);
      if (model === undefined || model.trim() === '') throw new TidepoolError('E_USAGE', 'generate needs a model: pass --model NAME (e.g. gpt-4o-mini, or the name your vLLM/Ollama server serves) or set TIDEPOOL_MODEL');
      const endpoint = resolveLlmEndpoint({ baseURL: flags.baseUrl, apiKey: flags.apiKey }, process.env);
      if (endpoint === undefined) {
        throw new TidepoolError('E_USAGE', `no API key for ${OPENAI_URL}: set OPENAI_API_KEY, or point --base-url (or OPENAI_BASE_URL) at a local OpenAI-compatible server such as vLLM, llama.cpp or Ollama`);
      }
      const { runGenerate } = await import('../../generate/run.js');
      const { signal, dispose } = interruptSignal();
      try {
        const summary = await runGenerate({
          data: flags.data, coreset: flags.coreset, out: flags.out, model, baseURL: endpoint.baseURL, apiKey: endpoint.apiKey,
          endpointKeys: endpointKeys(endpoint.baseURL, process.env),
          mode: flags.mode, tasks: flags.tasks as CodeOceanTask[] | undefined, discriminatorModel: flags.discriminatorModel, discriminate: flags.discriminator,
          concurrency: flags.concurrency, rpm: flags.rpm, tpm: flags.tpm, maxUsd: flags.maxUsd, maxTokens: flags.maxTokens, limit: flags.limit,
          seed: flags.seed, translateTo: flags.translateTo, temperature: flags.temperature, replyTokens: flags.replyTokens,
          prompts: flags.prompts, prices: flags.prices, poolCapacity: flags.poolCapacity, poolEpoch: flags.poolEpoch,
          goodExamples: flags.examples, badExamples: flags.badExamples, maxRetries: flags.maxRetries,
          timeoutMs: flags.timeout === undefined ? undefined : flags.timeout * 1000,
          maxAnswerBytes: flags.maxAnswerBytes, unreachableSeconds: flags.unreachableSeconds, checkpointSeconds: flags.checkpointSeconds,
          shard: flags.shard, merge: flags.merge, batch: flags.batch, pollInterval: flags.pollInterval,
          execute: flags.execute, execConcurrency: flags.execConcurrency, requirePass: flags.requirePass, unsafeNoSandbox: flags.unsafeNoSandbox,
          execFreshSandbox: flags.execFreshSandbox,
          progress: progressSink(flags), signal, log: (line) => {
            say(flags, line);
          },
        });
        const cost = summary.usd === null ? '' : `, $${summary.usd.toFixed(4)} at ${flags.batch === true ? 'batch' : 'list'} price`;
        const state = summary.complete ? '' : summary.stopped !== null ? ` (stopped: ${summary.stopped})` : ` (${summary.failed} failed; rerun to retry)`;
        printSummary(flags, summary, `${summary.accepted} accepted, ${summary.rejected} rejected of ${summary.units} units${state}; ${summary.paidRequests} requests (${summary.cachedRequests} from cache)${cost} -> ${flags.out}/instructions.jsonl`);
      } finally {
        dispose();
      }
    });
}
