/** `tidepool llm-sim [--port 8000] [--host 127.0.0.1] [--latency-ms 0]`: the scripted stand-in LLM server. */
import { Command, InvalidArgumentError } from 'commander';
import { TidepoolError } from '../../errors.js';
import { parseCount, parseRate } from '../parse.js';
import { printSummary, say, type CommonFlags } from '../output.js';

interface LlmSimFlags extends CommonFlags {
  port: number;
  host: string;
  latencyMs: number;
  defectRate?: number;
  unparseableRate?: number;
  rejectRate?: number;
  wrongTestRate?: number;
}

/** Builds the `llm-sim` command. */
export function llmSimCommand(): Command {
  return new Command('llm-sim')
    .description('serve a SCRIPTED stand-in for an LLM (not a model) on an OpenAI-compatible endpoint, for demos, tests and benchmarks of `tidepool generate`')
    .option('--port <n>', 'port to listen on (0: a free one)', parsePort, 8000)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--latency-ms <ms>', 'milliseconds before each reply, a stand-in for generation time', parseCount, 0)
    .option('--defect-rate <r>', 'share of generator replies whose sample a precheck rejects (default: 0.1)', parseRate)
    .option('--unparseable-rate <r>', 'share of generator replies with no JSON at all (default: 0.05)', parseRate)
    .option('--reject-rate <r>', 'share of discriminator replies that reject the sample (default: 0.15)', parseRate)
    .option('--wrong-test-rate <r>', 'share of samples whose tests expect what the solution does not do (default: 0)', parseRate)
    .option('--json', 'print {"baseURL": ...} as a stdout line once listening')
    .option('-q, --quiet', 'no messages on stderr')
    .action(async (flags: LlmSimFlags) => {
      const { startBatchServer } = await import('../../devkit/llm-sim/batch-api.js');
      const { resolveScriptedModelOptions, scriptedModel } = await import('../../devkit/llm-sim/scripted-model.js');
      const model = resolveScriptedModelOptions({ latencyMs: flags.latencyMs, defectRate: flags.defectRate, unparseableRate: flags.unparseableRate, rejectRate: flags.rejectRate, wrongTestRate: flags.wrongTestRate });
      const server = await startBatchServer({ respond: scriptedModel(model), recordRequests: false, port: flags.port, host: flags.host, batch: { recordRequests: false } }).catch((error: unknown) => {
        throw listenError(error, flags);
      });
      const stopped = untilSignal();
      say(
        flags,
        [
          'tidepool llm-sim: this is a SCRIPTED stand-in for an LLM, NOT a model. Its replies are assembled deterministically from each prompt,',
          `  with deliberate flaws: ${percent(model.defectRate)} of samples fail prechecks, ${percent(model.unparseableRate)} of replies hold no JSON, ${percent(model.rejectRate)} of verdicts reject, ${percent(model.wrongTestRate)} of tests expect a wrong value; ${model.latencyMs} ms per reply.`,
          `  listening on ${server.baseURL}`,
          `  pass --base-url ${server.baseURL} to tidepool generate (any API key and model name work; --batch uses its Batch API stand-in). Ctrl-C stops it.`,
        ].join('\n'),
      );
      printSummary(flags, { baseURL: server.baseURL }, server.baseURL);
      const signal = await stopped;
      await server.close();
      say(flags, `tidepool llm-sim: ${signal} received; stopped after ${server.stats.total} request${server.stats.total === 1 ? '' : 's'} (at most ${server.stats.maxInFlight} at once)`);
    });
}

/** Parses a TCP port (0 picks a free one). */
function parsePort(value: string): number {
  const port = parseCount(value);
  if (port > 65_535) throw new InvalidArgumentError(`expected a port from 0 to 65535, got "${value}"`);
  return port;
}

/** Resolves with the first SIGINT or SIGTERM; the server runs until then. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

function listenError(error: unknown, flags: LlmSimFlags): unknown {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  const where = `${flags.host}:${flags.port}`;
  if (code === 'EADDRINUSE') return new TidepoolError('E_USAGE', `llm-sim: ${where} is already in use; pass another --port, or --port 0 for a free one`, { host: flags.host, port: flags.port });
  if (code === 'EACCES') return new TidepoolError('E_USAGE', `llm-sim: no permission to listen on ${where}; pass a --port above 1023`, { host: flags.host, port: flags.port });
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return new TidepoolError('E_USAGE', `llm-sim: cannot listen on ${where}: ${flags.host} is not an address of this machine; pass --host 127.0.0.1`, { host: flags.host });
  return error;
}

function percent(rate: number): string {
  return `${Math.round(rate * 1000) / 10}%`;
}
