/** An `--endpoint` model: the client, and the name, dimension and key a run records (never the URLs or the key). */
import type { ProgressSink } from '../../util/progress.js';
import type { ResolvedEndpointOptions } from '../options.js';
import { EndpointClient } from './client.js';
import { PRICES_PER_MILLION } from './wire.js';

/** What the server is said to do with texts longer than the model takes: tidepool sends them whole. */
export const ENDPOINT_TRUNCATION = 'texts are sent whole; the server truncates or refuses long ones (TEI: --auto-truncate; OpenAI: inputs over 8,192 tokens are refused)';

/** A resolved endpoint model. */
export interface EndpointModel {
  kind: 'endpoint';
  client: EndpointClient;
  /** The model name the servers are asked for, without `openai:`. */
  name: string;
  dim: number;
  /** `endpoint:NAME:dim=N` (`openai:` kept): a rerun with other servers of the same model resumes. */
  key: string;
  device: 'remote';
  maxLength: null;
  /** USD per million input tokens, for OpenAI's priced models. */
  pricePerMillion: number | null;
  describe: Record<string, unknown>;
}

/** Builds the client and learns the dimension from one probe request to the first server. */
export async function resolveEndpointModel(model: string, options: ResolvedEndpointOptions, log: ProgressSink | undefined): Promise<EndpointModel> {
  const name = model.startsWith('openai:') ? model.slice('openai:'.length) : model;
  const client = new EndpointClient({ urls: options.urls, model: name, apiKey: options.apiKey, concurrency: options.concurrency, batchSize: options.batchSize, maxRetries: options.maxRetries, retryBaseMs: options.retryBaseMs, timeoutMs: 120_000 }, { log: (line) => log?.write(`embed: ${line}\n`) });
  const dim = await client.probe();
  const endpoints = client.shownURLs;
  log?.write(`embed: ${name} on ${endpoints.join(', ')}: ${dim} dimensions, ${options.concurrency} requests in flight per endpoint, ${options.batchSize} texts per request; ${ENDPOINT_TRUNCATION}\n`);
  const pricePerMillion = PRICES_PER_MILLION[name] ?? null;
  return {
    kind: 'endpoint', client, name, dim, key: `endpoint:${model}:dim=${dim}`, device: 'remote', maxLength: null, pricePerMillion,
    describe: { name: model, kind: 'endpoint', dim, endpoints, truncation: ENDPOINT_TRUNCATION, ...(pricePerMillion === null ? {} : { pricePerMillionTokensUSD: pricePerMillion }) },
  };
}
