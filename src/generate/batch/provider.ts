/**
 * The Batch API of an OpenAI-compatible provider, through the official `openai` client's `files` and
 * `batches` resources (its retries of 429/5xx/connection errors included): upload an input file,
 * create a batch, find either again by name after a crash, poll, download the result files. Failures
 * become typed errors: unreachable, a refused key, or a server without a Batch API.
 */
import OpenAI, { APIConnectionError, APIError, toFile } from 'openai';
import { TidepoolError } from '../../errors.js';
import { redactUrl, redactUrls } from '../../util/redact-url.js';
import { connectionFailure } from '../llm.js';

/** A batch as the provider reports it. */
export interface ProviderBatch {
  id: string;
  status: string;
  outputFileId: string | null;
  errorFileId: string | null;
  counts: { total: number; completed: number; failed: number };
  /** The provider's messages for a failed batch. */
  errors: string[];
}

/** Statuses after which a batch changes no more. */
export const FINAL_STATUSES: ReadonlySet<string> = new Set(['completed', 'failed', 'expired', 'cancelled']);

/** Connection settings of {@link BatchProvider}. */
export interface BatchProviderOptions {
  baseURL: string;
  apiKey: string;
  /** The client's retries per call. @default 4 */
  maxRetries?: number;
  /** Milliseconds per call (uploads and downloads of large files included). @default 600000 */
  timeoutMs?: number;
}

/** The Batch API calls a batch run makes. */
export class BatchProvider {
  private readonly client: OpenAI;
  private readonly timeoutMs: number;
  /** The endpoint as it may be shown: no credentials. */
  readonly displayURL: string;

  constructor(options: BatchProviderOptions) {
    this.timeoutMs = options.timeoutMs ?? 600_000;
    this.displayURL = redactUrl(options.baseURL);
    this.client = new OpenAI({ baseURL: options.baseURL, apiKey: options.apiKey, maxRetries: options.maxRetries ?? 4, timeout: this.timeoutMs });
  }

  /** Uploads `content` as `filename` with `purpose=batch`; resolves to the file id. */
  async upload(filename: string, content: string): Promise<string> {
    const file = await this.call('upload the batch input file', async () => this.client.files.create({ file: await toFile(Buffer.from(content), filename, { type: 'application/jsonl' }), purpose: 'batch' }));
    return file.id;
  }

  /** The id of an uploaded batch input file named `filename` (the newest), if the provider holds one. */
  async findFile(filename: string): Promise<string | undefined> {
    return this.call('list the uploaded files', async () => {
      for await (const file of this.client.files.list({ purpose: 'batch' })) if (file.filename === filename) return file.id;
      return undefined;
    });
  }

  /** Creates a batch over `fileId` for `/v1/chat/completions` with the 24 h window, tagged with `metadata`; resolves to its id. */
  async create(fileId: string, metadata: Record<string, string>): Promise<string> {
    const batch = await this.call('create the batch', () => this.client.batches.create({ input_file_id: fileId, endpoint: '/v1/chat/completions', completion_window: '24h', metadata }));
    return batch.id;
  }

  /**
   * The id of a batch tagged `tag` under metadata key `key` (the newest), if the provider holds one:
   * a create whose answer was lost. Batches are listed newest first, so only the `within` newest are looked at.
   */
  async findBatch(key: string, tag: string, within = 1000): Promise<string | undefined> {
    return this.call('list the batches', async () => {
      let seen = 0;
      for await (const batch of this.client.batches.list({ limit: 100 })) {
        if (batch.metadata?.[key] === tag) return batch.id;
        if (++seen >= within) break;
      }
      return undefined;
    });
  }

  /** The batch `id` as the provider reports it now. */
  async retrieve(id: string): Promise<ProviderBatch> {
    const batch = await this.call(`poll batch ${id}`, () => this.client.batches.retrieve(id));
    return {
      id: batch.id, status: batch.status, outputFileId: batch.output_file_id ?? null, errorFileId: batch.error_file_id ?? null,
      counts: { total: batch.request_counts?.total ?? 0, completed: batch.request_counts?.completed ?? 0, failed: batch.request_counts?.failed ?? 0 },
      errors: (batch.errors?.data ?? []).map((error) => `${error.code ?? 'error'}: ${error.message ?? ''}${error.line === undefined || error.line === null ? '' : ` (line ${error.line})`}`),
    };
  }

  /** The text of file `id` (a result file). */
  async download(id: string): Promise<string> {
    return this.call(`download file ${id}`, async () => (await this.client.files.content(id)).text());
  }

  /** Runs one call, turning the client's failures into typed errors that say what was being done. */
  private async call<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw this.failure(what, error);
    }
  }

  private failure(what: string, error: unknown): Error {
    if (error instanceof APIConnectionError) {
      return new TidepoolError('E_LLM_UNREACHABLE', `could not ${what} at ${this.displayURL}: ${connectionFailure(error, this.timeoutMs)}, after retries. Batches already submitted are listed in .generate/batches.json; check the server, then rerun the same command to resume`, { url: this.displayURL });
    }
    if (error instanceof APIError) {
      const status = (error.status as number | undefined) ?? 0;
      const says = redactUrls(error.message);
      if (status === 401 || status === 403) return new TidepoolError('E_LLM_AUTH', `the provider refused the API key when trying to ${what} (${says}); set OPENAI_API_KEY (or pass --api-key) to a key this server accepts`, { status });
      if (status === 404 && /list|upload|create/.test(what)) {
        return new TidepoolError('E_LLM_REQUEST', `${this.displayURL} has no Batch API (404 when trying to ${what}: ${says}); leave out --batch for this server, or point --base-url at a provider with /v1/files and /v1/batches`, { status });
      }
      return new TidepoolError('E_LLM_REQUEST', `the provider answered ${status} when trying to ${what} (${says}), after retries; rerun the same command to resume (submitted batches are kept)`, { status });
    }
    return error instanceof Error ? error : new Error(String(error));
  }
}
