/**
 * Which remote embedding servers `embed` talks to, and with which key: `--endpoint URL[,URL...]`, or
 * for `--model openai:NAME` alone the base URL of generate's rule (src/cli/llm-endpoint.ts:
 * OPENAI_BASE_URL, else OpenAI's). The key: `--api-key`, else OPENAI_API_KEY. It lives in `cli/`
 * because it reads the environment.
 */
import { TidepoolError } from '../errors.js';
import type { EndpointOptions } from '../embedders/options.js';
import { resolveLlmEndpoint } from './llm-endpoint.js';

/** The endpoint flags as commander parsed them. */
export interface EndpointFlags {
  endpoint?: string;
  apiKey?: string;
  concurrency?: number;
  endpointBatch?: number;
}

/** The endpoint options for `model`, or undefined for a local model. */
export function endpointOptions(model: string, flags: EndpointFlags, env: NodeJS.ProcessEnv): EndpointOptions | undefined {
  const tuning = { concurrency: flags.concurrency, batchSize: flags.endpointBatch };
  if (flags.endpoint !== undefined) {
    const key = flags.apiKey ?? env.OPENAI_API_KEY;
    return { urls: flags.endpoint, apiKey: key === '' ? undefined : key, ...tuning };
  }
  if (!model.startsWith('openai:')) {
    if (flags.concurrency !== undefined || flags.endpointBatch !== undefined) throw new TidepoolError('E_USAGE', '--concurrency and --endpoint-batch apply to remote servers: add --endpoint URL, or use --model openai:NAME');
    return undefined;
  }
  const resolved = resolveLlmEndpoint({ apiKey: flags.apiKey }, env);
  if (resolved === undefined) throw new TidepoolError('E_USAGE', `--model ${model} goes to OpenAI's API, which needs a key: set OPENAI_API_KEY (or pass --api-key), or point OPENAI_BASE_URL / --endpoint at another OpenAI-compatible server`);
  return { urls: [resolved.baseURL], apiKey: resolved.apiKey === 'no-key' ? undefined : resolved.apiKey, ...tuning };
}
