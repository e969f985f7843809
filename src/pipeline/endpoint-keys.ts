/**
 * `embed.endpoint`, `embed.concurrency`, `embed.endpointBatch` (and decontam's): the pipeline keys for
 * remote `/v1/embeddings` servers, as the stages' APIs take them (`endpoint: {urls, concurrency,
 * batchSize}`). The key is never one of them: the stage gets it from the environment when it runs
 * (PipelineEnvironment.embeddingApiKey, OPENAI_API_KEY read in `cli/`). Pure.
 */
import { OPENAI_BASE_URL } from '../embedders/endpoint/wire.js';
import type { EndpointOptions } from '../embedders/options.js';
import type { PipelineEnvironment } from './host.js';

/** The pipeline keys about servers (not the model's identity: the model's name and dimension are). */
export const ENDPOINT_KEYS = ['endpoint', 'concurrency', 'endpointBatch'] as const;

/** Whether a section embeds on servers: `endpoint` given, or `model: "openai:NAME"` (OpenAI's API). */
export function usesServers(options: Readonly<Record<string, unknown>>): boolean {
  return options.endpoint !== undefined || (typeof options.model === 'string' && options.model.startsWith('openai:'));
}

/** The section without its endpoint keys, and the endpoint options they make (undefined for a local model). */
export function endpointRequest<T extends Record<string, unknown>>(section: T): { rest: Omit<T, (typeof ENDPOINT_KEYS)[number]>; endpoint: EndpointOptions | undefined } {
  const { endpoint, concurrency, endpointBatch, ...rest } = section as T & { endpoint?: string[]; concurrency?: number; endpointBatch?: number };
  if (!usesServers(section)) return { rest, endpoint: undefined };
  return { rest, endpoint: { urls: endpoint ?? [OPENAI_BASE_URL], concurrency, batchSize: endpointBatch } };
}

/**
 * The endpoint options with the environment's key added, when the stage runs; `openai:NAME` with no
 * `endpoint` in the section goes to `$OPENAI_BASE_URL` when set (embed's and generate's rule), else OpenAI's API.
 */
export function withApiKey(endpoint: EndpointOptions | undefined, section: Readonly<Record<string, unknown>>, environment: PipelineEnvironment): EndpointOptions | undefined {
  if (endpoint === undefined) return undefined;
  const urls = section.endpoint === undefined && environment.embeddingBaseURL !== undefined ? [environment.embeddingBaseURL] : endpoint.urls;
  return { ...endpoint, urls, apiKey: environment.embeddingApiKey };
}

/** Problems of a section's endpoint keys that its stage's resolver cannot see, with the key each is about (URLs are checked by the resolver). */
export function endpointKeyProblems(stage: string, options: Readonly<Record<string, unknown>>, environment: PipelineEnvironment): { key: string; problem: string }[] {
  const problems: { key: string; problem: string }[] = [];
  if (!usesServers(options)) {
    for (const key of ['concurrency', 'endpointBatch']) {
      if (options[key] !== undefined) problems.push({ key, problem: `${stage}.${key} applies to remote embedding servers: add ${stage}.endpoint (URL[,URL...]) with ${stage}.model naming the model they serve, or drop ${stage}.${key}` });
    }
    return problems;
  }
  if (options.endpoint === undefined && environment.embeddingApiKey === undefined && environment.embeddingBaseURL === undefined) {
    problems.push({ key: 'model', problem: `${stage}.model ${String(options.model)} goes to OpenAI's API (${OPENAI_BASE_URL}), which needs a key: set OPENAI_API_KEY in the environment of \`tidepool run\`, or name another server in ${stage}.endpoint (or OPENAI_BASE_URL)` });
  }
  return problems;
}
