/** The LLM side of a generate run, as run.ts and ask.ts see it: one endpoint or several. */
import type { ChatResult } from '../llm.js';
import type { ChatSpec } from '../requests.js';
import type { EndpointReport } from './report.js';

/** What a run asks of its LLM side. */
export interface RunLlm {
  readonly displayURL: string;
  /** The structured-output format in use (several endpoints: each distinct one, joined by `/`). */
  readonly format: string;
  probe(): Promise<void>;
  chat(spec: ChatSpec): Promise<ChatResult>;
  close(): void;
  /** Requests, errors, latency and times taken out, per endpoint. */
  report(): EndpointReport[];
}
