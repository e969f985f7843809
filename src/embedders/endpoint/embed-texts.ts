/**
 * The one path by which texts are embedded on remote servers: `embed` calls it per window (journaling
 * each answer in `onBatch`), `decontam` for benchmark items and records (nothing to journal: they are
 * re-embedded in seconds). Both therefore share the client's batching, 413 splits, retries and checks.
 */
import type { AnsweredBatch } from './client.js';
import type { EndpointModel } from './resolve.js';

/** What {@link embedRemote} may be given besides the texts. */
export interface RemoteEmbedOptions {
  /** Which texts to send (indexes into `texts`). @default all */
  rows?: readonly number[] | undefined;
  /** Where vectors go (texts x dim); rows not sent keep their values. @default a new zeroed array */
  into?: Float32Array | undefined;
  /** Awaited for each answered batch before its vectors are used and its slot sends again (embed journals it here). */
  onBatch?: ((batch: AnsweredBatch) => Promise<void>) | undefined;
  /** Called once every batch is sent (the client's `embed`); not called when there is nothing to send. */
  onDrained?: (() => void) | undefined;
}

/** Embeds `texts` on `model`'s servers: vectors in text order (texts x dim), and the tokens the servers counted. */
export async function embedRemote(model: EndpointModel, texts: readonly string[], options: RemoteEmbedOptions = {}): Promise<{ vectors: Float32Array; tokens: number }> {
  const { dim } = model;
  const vectors = options.into ?? new Float32Array(texts.length * dim);
  let tokens = 0;
  if (texts.length === 0 || options.rows?.length === 0) return { vectors, tokens };
  await model.client.embed(texts, dim, async (batch) => {
    await options.onBatch?.(batch);
    // Batches are runs of consecutive rows (taken in order from the queue; a 413 split keeps that):
    // one copy for the run. An element-by-element loop here cost 0.8 s of CPU per 81,920 rows (--cpu-prof).
    const source = batch.vectors;
    const { indexes } = batch;
    const first = indexes[0]!;
    if (indexes.every((row, j) => row === first + j)) {
      vectors.set(source, first * dim);
    } else {
      for (let j = 0; j < indexes.length; j++) vectors.set(source.subarray(j * dim, (j + 1) * dim), indexes[j]! * dim);
    }
    tokens += batch.tokens;
  }, options.rows, options.onDrained);
  return { vectors, tokens };
}
