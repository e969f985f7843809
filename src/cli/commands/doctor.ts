/** `tidepool doctor`: what GPU support this machine has, and what to install. Always exits 0: it is a report. */
import { Command } from 'commander';
import type { CommonFlags } from '../output.js';

interface DoctorFlags extends CommonFlags {
  endpoint?: string;
  apiKey?: string;
  model?: string;
}

/** How long the doctor waits for each request to an embedding server: short, so it never hangs. */
const ENDPOINT_TIMEOUT_MS = 5000;

/** Builds the `doctor` command. */
export function doctorCommand(): Command {
  return new Command('doctor')
    .description('report WebGPU adapters, the Vulkan loader and drivers, and onnxruntime-node\'s execution providers and the Hugging Face cache\'s models, whether generated code can run in the bubblewrap sandbox (Linux), with what to install when something is missing; with --endpoint (or OPENAI_BASE_URL), whether each embedding server answers')
    .option('--endpoint <urls>', 'check these OpenAI-compatible /v1/embeddings servers, comma-separated (default: OPENAI_BASE_URL when set)')
    .option('--api-key <key>', 'key for the servers (default: OPENAI_API_KEY); never printed')
    .option('-m, --model <name>', 'embed one text with this model on each server (dimension, latency)')
    .option('--json', 'print the report as JSON (the last stdout line)')
    .action(async (flags: DoctorFlags) => {
      const { gatherDoctorFacts, buildDoctorReport, formatDoctorReport } = await import('../../doctor/index.js');
      const { hubSettings } = await import('../hub-settings.js');
      const env = process.env;
      const urls = (flags.endpoint ?? env.OPENAI_BASE_URL ?? '').split(',').map((url) => url.trim()).filter((url) => url !== '');
      const fromFlag = flags.apiKey !== undefined && flags.apiKey !== '';
      const apiKey = fromFlag ? flags.apiKey : env.OPENAI_API_KEY === '' ? undefined : env.OPENAI_API_KEY;
      const endpoints = { urls, model: flags.model, apiKey, keySource: fromFlag ? '--api-key' : 'OPENAI_API_KEY', timeoutMs: ENDPOINT_TIMEOUT_MS };
      const { probeSandbox } = await import('../../exec/index.js');
      const sandbox = process.platform === 'linux' ? { sandbox: () => probeSandbox() } : {};
      const report = buildDoctorReport(await gatherDoctorFacts({ env, hub: hubSettings(env), endpoints, ...sandbox }));
      process.stdout.write(flags.json ? `${JSON.stringify(report)}\n` : formatDoctorReport(report));
    });
}
