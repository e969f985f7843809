/**
 * The chat client of a generate run: the one endpoint's {@link LlmClient} (counted, with its model
 * name), or an {@link EndpointPool} over several.
 */
import { performance } from 'node:perf_hooks';
import { LlmClient, type ChatResult, type LlmClientOptions } from '../llm.js';
import type { ResolvedEndpoint } from '../options.js';
import type { ChatSpec } from '../requests.js';
import { EndpointPool, type EndpointClient } from './pool.js';
import { endpointReport, type EndpointReport } from './report.js';
import type { RunLlm } from './run-llm.js';

export type { RunLlm };

/** Settings every endpoint's client shares. */
export type SharedClientOptions = Omit<LlmClientOptions, 'baseURL' | 'apiKey'> & { maxRetries: number };

/** What {@link createRunLlm} needs. */
export interface RunLlmOptions {
  endpoints: readonly ResolvedEndpoint[];
  client: SharedClientOptions;
  /** Requests in flight on each endpoint. */
  concurrency: number;
  log: (line: string) => void;
}

/**
 * One endpoint: its client as before (the client retries `maxRetries` times). Several: a pool whose
 * clients retry once each, since another endpoint is a better second try than the same one; a request
 * goes to at most `maxRetries + 1` endpoints (at least all of them once).
 */
export function createRunLlm(options: RunLlmOptions): RunLlm {
  const { endpoints, client } = options;
  if (endpoints.length === 1) {
    const only = endpoints[0]!;
    return new CountedEndpoint(new LlmClient({ ...client, baseURL: only.baseURL, apiKey: only.apiKey }), only.model);
  }
  const pool = new EndpointPool(
    endpoints.map((endpoint) => ({ client: new LlmClient({ ...client, maxRetries: Math.min(client.maxRetries, 1), baseURL: endpoint.baseURL, apiKey: endpoint.apiKey }), model: endpoint.model })),
    { concurrency: options.concurrency, attempts: Math.max(endpoints.length, client.maxRetries + 1), log: options.log },
  );
  return pool;
}

/** One endpoint: requests go straight to its client, with its model name, and are counted. */
class CountedEndpoint implements RunLlm {
  private readonly counts = { requests: 0, answered: 0, errors: 0, latenciesMs: [] as number[] };

  constructor(private readonly client: EndpointClient, private readonly model: string | undefined) {}

  get displayURL(): string {
    return this.client.displayURL;
  }

  get format(): string {
    return this.client.format;
  }

  probe(): Promise<void> {
    return this.client.probe();
  }

  close(): void {
    this.client.close();
  }

  async chat(spec: ChatSpec): Promise<ChatResult> {
    this.counts.requests++;
    const started = performance.now();
    try {
      const result = await this.client.chat(this.model === undefined ? spec : { ...spec, model: this.model });
      this.counts.answered++;
      this.counts.latenciesMs.push(performance.now() - started);
      return result;
    } catch (error) {
      this.counts.errors++;
      throw error;
    }
  }

  report(): EndpointReport[] {
    return [endpointReport(this.client.displayURL, this.model, this.counts, 0)];
  }
}
