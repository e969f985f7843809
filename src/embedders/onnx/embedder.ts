/**
 * What one embedding worker holds: the folder's tokenizer and an onnxruntime session on the encoder
 * with pooling appended. `embed` tokenises, sorts by length, runs padded sub-batches and writes each
 * vector back to its input position.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { OnnxSession } from '../../backends/onnx/session.js';
import type { OnnxDevice } from '../../backends/onnx/session.js';
import { TidepoolError } from '../../errors.js';
import { planBatches } from './batches.js';
import type { SubBatch } from './batches.js';
import type { JsonObject } from './folder-files.js';
import type { ModelFolder } from './model-folder.js';
import { prepareEmbeddingModel } from './prepare-model.js';
import { TextTokenizer } from './text-tokenizer.js';
import type { EncodedText } from './text-tokenizer.js';

/** Options for {@link OnnxEmbedder.create}. */
export interface OnnxEmbedderOptions {
  device: OnnxDevice;
  /** Most rows × padded length per session run. @default 16384 */
  batchTokens?: number;
  /** Threads inside one operator. @default 1 */
  intraOpThreads?: number;
}

/** The vectors of one call to {@link OnnxEmbedder.embed}, with token counts for the log and the manifest. */
export interface EmbedBatchResult {
  /** texts.length × dim, row-major, in input order. */
  vectors: Float32Array;
  /** Real tokens, special tokens included. */
  tokens: number;
  /** Tokens fed to the model, padding included. */
  paddedTokens: number;
  /** Texts cut at the folder's max length. */
  truncated: number;
  /** Texts that were empty or whitespace (embedded as the special tokens alone). */
  empty: number;
}

/** Default of {@link OnnxEmbedderOptions.batchTokens}. */
export const DEFAULT_BATCH_TOKENS = 16_384;

/** A sentence embedder on one onnxruntime session. */
export class OnnxEmbedder {
  private constructor(
    private readonly session: OnnxSession,
    private readonly tokenizer: TextTokenizer,
    private readonly output: string,
    private readonly feedsTokenTypes: boolean,
    private readonly batchTokens: number,
    /** Width of every vector. */
    readonly dim: number,
    /** What was assumed or could not be checked while loading, for the log. */
    readonly notes: readonly string[],
  ) {}

  /** Loads the tokenizer and the model (with pooling appended) on the device. */
  static async create(folder: ModelFolder, options: OnnxEmbedderOptions): Promise<OnnxEmbedder> {
    const batchTokens = options.batchTokens ?? DEFAULT_BATCH_TOKENS;
    if (!Number.isInteger(batchTokens) || batchTokens < 1) {
      throw new TidepoolError('E_USAGE', `batch tokens must be a positive integer, got ${batchTokens}.`, { batchTokens });
    }
    const tokenizer = TextTokenizer.create(JSON.parse(folder.tokenizerJson) as JsonObject, JSON.parse(folder.tokenizerConfigJson) as JsonObject, folder.maxLength, join(folder.dir, 'tokenizer.json'));
    const prepared = prepareEmbeddingModel(await readFile(folder.onnxPath), folder);
    const session = await OnnxSession.create(prepared.bytes, {
      device: options.device,
      intraOpThreads: options.intraOpThreads ?? 1,
      source: folder.onnxPath,
      ...(prepared.externalData && { externalDataFolder: dirname(folder.onnxPath) }),
    });
    const feedsTokenTypes = session.inputNames.includes('token_type_ids');
    return new OnnxEmbedder(session, tokenizer, prepared.output, feedsTokenTypes, batchTokens, folder.hiddenSize, prepared.notes);
  }

  /** Embeds `texts`; row i of the result is text i. */
  async embed(texts: readonly string[]): Promise<EmbedBatchResult> {
    const encoded = texts.map((text) => this.tokenizer.encode(text));
    const plan = planBatches(
      encoded.map((text) => text.ids.length),
      this.batchTokens,
    );
    const vectors = new Float32Array(texts.length * this.dim);
    let paddedTokens = 0;
    for (const batch of plan.batches) {
      const rows = plan.order.slice(batch.start, batch.end);
      const pooled = await this.runBatch(rows.map((row) => encoded[row]!), batch);
      rows.forEach((row, index) => {
        vectors.set(pooled.subarray(index * this.dim, (index + 1) * this.dim), row * this.dim);
      });
      paddedTokens += rows.length * batch.paddedLength;
    }
    return {
      vectors,
      tokens: encoded.reduce((sum, text) => sum + text.ids.length, 0),
      paddedTokens,
      truncated: encoded.filter((text) => text.truncated).length,
      empty: encoded.filter((text) => text.empty).length,
    };
  }

  /** Pads one sub-batch with the pad id, runs it, and returns rows × dim pooled floats. */
  private async runBatch(rows: readonly EncodedText[], batch: SubBatch): Promise<Float32Array> {
    const length = batch.paddedLength;
    const dims = [rows.length, length];
    const inputIds = new BigInt64Array(rows.length * length).fill(BigInt(this.tokenizer.padId));
    const attentionMask = new BigInt64Array(rows.length * length);
    rows.forEach((text, row) => {
      const offset = row * length;
      text.ids.forEach((id, position) => {
        inputIds[offset + position] = BigInt(id);
        attentionMask[offset + position] = 1n;
      });
    });
    const feeds = {
      input_ids: { data: inputIds, dims },
      attention_mask: { data: attentionMask, dims },
      ...(this.feedsTokenTypes && { token_type_ids: { data: new BigInt64Array(rows.length * length), dims } }),
    };
    const pooled = (await this.session.run(feeds, [this.output]))[this.output]!;
    if (pooled.length !== rows.length * this.dim) {
      throw new TidepoolError('E_MODEL_INVALID', `the model returned ${pooled.length / rows.length} values per text, but its config.json says hidden_size ${this.dim}: the config and the model come from different repositories.`, { expected: this.dim });
    }
    return pooled;
  }

  /** Frees the session. */
  async release(): Promise<void> {
    await this.session.release();
  }
}
