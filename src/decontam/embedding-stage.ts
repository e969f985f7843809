/**
 * The embedding detector's shell: picks the model (`--model`, or the one `--embeddings` names), sets
 * the hashing model's IDF weights, embeds the benchmark items, and then gives each window of records
 * its vectors (embedded on the workers, or read from `--embeddings`) and their matches.
 *
 * Hashing IDF weights: `tidepool embed` weighs tokens by their document frequency over the corpus it
 * embeds. With `--embeddings`, the same weights are recounted over the same pairs.arrow and template,
 * so the benchmark vectors live in the stored vectors' space. Without it, they are counted over the
 * benchmark items themselves (one document per item): a record's verdict then depends only on the
 * record and the benchmarks, and the run needs one pass over the input, not two.
 */
import { floorsFor } from './candidates.js';
import { DocumentFrequency } from '../embedders/hashing/index.js';
import { readTextWindows } from '../store/pairs-input.js';
import { resolveEmbedModel, type EmbedModel } from '../embedders/model.js';
import { resolveModelOptions } from '../embedders/options.js';
import { Progress, type ProgressSink } from '../util/progress.js';
import { EmbedRunner } from './embedder.js';
import { EmbeddingCursor, openEmbeddings, type EmbeddingsSource } from './embeddings-input.js';
import type { DecontamInput, DecontamRecord } from './input.js';
import type { BenchmarkItem } from './layouts.js';
import type { ResolvedDecontamOptions } from './options.js';
import { SimilarityKernel, cosineMatches, normalizeRows, type EmbeddingMatch } from './similarity.js';

/** Where the IDF weights of a hashing model came from (null for ONNX models). */
export type IdfSource = 'benchmark items' | 'input pairs' | null;

/** The embedding detector, ready to score windows of records. */
export class EmbeddingStage {
  private cursorChain: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly model: EmbedModel,
    readonly idfSource: IdfSource,
    readonly source: EmbeddingsSource | undefined,
    private readonly runner: EmbedRunner,
    private readonly kernel: SimilarityKernel,
    private readonly bench: Float32Array,
    private readonly cursor: EmbeddingCursor | undefined,
    /** Lowest cosine returned: the candidates' floor (see candidates.ts). */
    private readonly floor: number,
  ) {}

  /** Resolves the model, sets its IDF, embeds the benchmark items. */
  static async open(options: ResolvedDecontamOptions, input: DecontamInput, items: readonly BenchmarkItem[], log: ProgressSink | undefined): Promise<EmbeddingStage> {
    const settings = options.embedding;
    let source: EmbeddingsSource | undefined;
    let model: EmbedModel;
    if (options.embeddings !== undefined && input.kind === 'pairs') {
      source = await openEmbeddings(options.embeddings, input.pairs, { device: settings.device, batchTokens: settings.batchTokens, model: settings.modelGiven ? settings.model : undefined, endpoint: settings.endpoint }, log);
      model = source.model;
    } else {
      model = await resolveEmbedModel(resolveModelOptions({ model: settings.model, device: settings.device, variant: settings.variant, maxLength: settings.maxLength, batchTokens: settings.batchTokens, hashing: settings.hashing, hub: settings.hub, endpoint: settings.endpoint }), log);
    }
    const runner = EmbedRunner.create(model, options.threads);
    try {
      let idfSource: IdfSource = null;
      if (model.kind === 'hashing') {
        const df = new DocumentFrequency(model.params.buckets);
        if (source !== undefined && input.kind === 'pairs') {
          await countPairs(runner, input, source, df, log);
          idfSource = 'input pairs';
        } else {
          await runner.countDocuments(items.map((item) => item.embedText), df);
          idfSource = 'benchmark items';
        }
        runner.useIdf(df.idf());
      }
      const bench = normalizeRows(await runner.embed(items.map((item) => item.embedText)), model.dim);
      const kernel = await SimilarityKernel.create(bench, model.dim);
      const cursor = source === undefined ? undefined : new EmbeddingCursor(source.path, model.dim);
      return new EmbeddingStage(model, idfSource, source, runner, kernel, bench, cursor, floorsFor({ ngram: options.ngram.threshold, embedding: settings.threshold }).embedding);
    } catch (error) {
      await runner.close();
      throw error;
    }
  }

  /** Starts getting the vectors of a window (rows x dim): from `--embeddings` in file order, or embedded. */
  vectors(records: readonly DecontamRecord[]): Promise<Float32Array> {
    const cursor = this.cursor;
    if (cursor === undefined) return this.runner.embed(records.map((record) => record.embedText));
    const next = this.cursorChain.then(() => cursor.take(records.map((record) => record.rowId)));
    this.cursorChain = next.catch(() => undefined);
    return next;
  }

  /** Per record: the benchmark items whose cosine reaches the candidates' floor, best first. */
  async matches(vectors: Float32Array): Promise<EmbeddingMatch[][]> {
    const best = await this.kernel.maxCosine(vectors);
    const dim = this.model.dim;
    // The kernel sums in float32: re-check rows near the threshold in float64 rather than trust its last digit.
    return Array.from(best, (score, row) => (score >= this.floor - 1e-4 ? cosineMatches(vectors, row, this.bench, dim, this.floor) : []));
  }

  /** Stops the workers and frees the sessions. */
  async close(): Promise<void> {
    await this.cursor?.close();
    await this.kernel.release();
    await this.runner.close();
  }
}

/** Recounts `embed`'s document frequencies over the pairs, with the template the embeddings used. */
async function countPairs(runner: EmbedRunner, input: Extract<DecontamInput, { kind: 'pairs' }>, source: EmbeddingsSource, df: DocumentFrequency, log: ProgressSink | undefined): Promise<void> {
  const progress = new Progress({ label: 'decontam: IDF of the embedded pairs', unit: 'rows', total: input.pairs.rows, sink: log ?? { write: () => undefined, isTTY: false }, quiet: log === undefined });
  for await (const window of readTextWindows(input.pairs, source.template, 8192)) {
    await runner.countDocuments(window.texts, df);
    progress.update(df.documents);
  }
  progress.finish();
}
