/**
 * Runs the embedders `embed` uses for the embedding detector: the hashing embedder, a static model or an ONNX model
 * folder (see embedders/model.ts), on the shared worker pool (embedders/pool.ts, tasks from
 * embedders/protocol.ts) or, with `threads: 0`, on this thread; remote servers through embed's own
 * client path (embedders/endpoint/embed-texts.ts), on this thread, which only waits on sockets. Nothing here re-implements a model: vectors equal those
 * `tidepool embed` writes for the same texts, model and (hashing) IDF weights.
 */
import { randomUUID } from 'node:crypto';
import { InternalError } from '../errors.js';
import { embedRemote } from '../embedders/endpoint/embed-texts.js';
import { HashingEmbedder, type DocumentFrequency } from '../embedders/hashing/index.js';
import type { EmbedModel } from '../embedders/model.js';
import { OnnxEmbedder } from '../embedders/onnx/embedder.js';
import { loadModelFolder } from '../embedders/onnx/model-folder.js';
import { StaticEmbedder } from '../embedders/static/embedder.js';
import { loadStaticModelFolder } from '../embedders/static/model-folder.js';
import { createEmbedPool, type EmbedPool } from '../embedders/pool.js';
import type { EmbedTask } from '../embedders/protocol.js';

/** Texts per worker task: a few model calls' worth (as `embed` uses). */
function taskRows(model: EmbedModel): number {
  return model.kind === 'onnx' ? 64 : 512;
}

/** A model that runs in this process (not on remote servers). */
type LocalModel = Exclude<EmbedModel, { kind: 'endpoint' }>;

/** Embeds texts with one model, on workers or inline. */
export class EmbedRunner {
  private idf: { weights: Float32Array; buffer: SharedArrayBuffer; key: string } | undefined;
  private inlineHashing: HashingEmbedder | undefined;
  private inlineOnnx: Promise<OnnxEmbedder> | undefined;
  private inlineStatic: Promise<StaticEmbedder> | undefined;

  private constructor(
    readonly model: EmbedModel,
    private readonly pool: EmbedPool | undefined,
  ) {}

  /** A runner on `threads` workers (0: this thread). */
  static create(model: EmbedModel, threads: number): EmbedRunner {
    // Remote servers need no workers: the requests are in flight together from this thread.
    return new EmbedRunner(model, threads > 0 && model.kind !== 'endpoint' ? createEmbedPool(threads) : undefined);
  }

  /** Vector length. */
  get dim(): number {
    return this.model.dim;
  }

  /** Hashing model: adds `texts` as documents to `df` (on the workers when there are some). */
  async countDocuments(texts: readonly string[], df: DocumentFrequency): Promise<void> {
    const model = this.hashingModel();
    if (this.pool === undefined) {
      df.add(texts);
      return;
    }
    const tasks: Promise<void>[] = [];
    for (let at = 0; at < texts.length; at += 2048) {
      const task: EmbedTask = { kind: 'df', params: model.params, texts: texts.slice(at, at + 2048) };
      tasks.push(this.pool.documentFrequencies(task).then((reply) => {
        for (let i = 0; i < reply.buckets.length; i++) df.counts[reply.buckets[i]!]! += reply.counts[i]!;
        df.documents += reply.documents;
      }));
    }
    await Promise.all(tasks);
  }

  /** Hashing model: the IDF weights every later {@link embed} uses. */
  useIdf(weights: Float32Array): void {
    const model = this.hashingModel();
    const buffer = new SharedArrayBuffer(weights.byteLength);
    new Float32Array(buffer).set(weights);
    this.idf = { weights, buffer, key: `decontam:${randomUUID()}` };
    this.inlineHashing = this.pool === undefined ? new HashingEmbedder(model.params, weights) : undefined;
  }

  /** Vectors of `texts`, row i for text i (texts x dim, float32). */
  async embed(texts: readonly string[]): Promise<Float32Array> {
    const dim = this.model.dim;
    const vectors = new Float32Array(texts.length * dim);
    if (texts.length === 0) return vectors;
    if (this.model.kind === 'endpoint') return (await embedRemote(this.model, texts, { into: vectors })).vectors;
    if (this.pool === undefined) return this.embedInline(this.model, texts, vectors);
    const pool = this.pool;
    // Length-sorted tasks, as `embed` makes them, so an ONNX batch pads little.
    const order = Uint32Array.from(texts.keys()).sort((a, b) => texts[a]!.length - texts[b]!.length || a - b);
    const model = this.model;
    const size = taskRows(model);
    const tasks: Promise<void>[] = [];
    for (let at = 0; at < order.length; at += size) {
      const indexes = order.subarray(at, at + size);
      const batch = Array.from(indexes, (i) => texts[i]!);
      const task = this.task(model, batch);
      tasks.push(pool.embed(task).then((reply) => {
        for (let j = 0; j < indexes.length; j++) vectors.set(reply.vectors.subarray(j * dim, (j + 1) * dim), indexes[j]! * dim);
      }));
    }
    await Promise.all(tasks);
    return vectors;
  }

  /** Stops the workers (or frees the inline model). */
  async close(): Promise<void> {
    await this.pool?.close();
    const onnx = await this.inlineOnnx?.catch(() => undefined);
    await onnx?.release();
  }

  private task(model: LocalModel, texts: string[]): Exclude<EmbedTask, { kind: 'df' }> {
    if (model.kind === 'onnx') return { kind: 'onnx', model: model.spec, texts };
    if (model.kind === 'static') return { kind: 'static', model: model.spec, texts };
    if (this.idf === undefined) throw new InternalError('decontam: hashing embedder used before its IDF weights were set');
    return { kind: 'hashing', params: model.params, idf: this.idf.buffer, idfKey: this.idf.key, texts };
  }

  private async embedInline(model: LocalModel, texts: readonly string[], vectors: Float32Array): Promise<Float32Array> {
    if (model.kind === 'hashing') {
      if (this.inlineHashing === undefined) throw new InternalError('decontam: hashing embedder used before its IDF weights were set');
      this.inlineHashing.embedInto(texts, vectors);
      return vectors;
    }
    if (model.kind === 'static') {
      const { dir, maxLength } = model.spec;
      this.inlineStatic ??= loadStaticModelFolder(dir, { maxLength }).then((folder) => StaticEmbedder.create(folder));
      vectors.set((await this.inlineStatic).embed(texts).vectors);
      return vectors;
    }
    const { spec } = model;
    this.inlineOnnx ??= loadModelFolder(spec.dir, spec.maxLength === undefined ? {} : { maxLength: spec.maxLength }).then((folder) => OnnxEmbedder.create(folder, { device: spec.device, batchTokens: spec.batchTokens }));
    const result = await (await this.inlineOnnx).embed(texts);
    vectors.set(result.vectors);
    return vectors;
  }

  private hashingModel(): Extract<EmbedModel, { kind: 'hashing' }> {
    if (this.model.kind !== 'hashing') throw new InternalError(`decontam: document frequencies asked of a ${this.model.kind} model`);
    return this.model;
  }
}
