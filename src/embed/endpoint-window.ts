/**
 * One window embedded on remote servers, on the main thread (the work is waiting on sockets): rows the
 * window's journal already holds are taken from it, the rest sent, and each answer journaled before its
 * slot sends again (see endpoint-journal.ts), so a killed run re-sends only the batches in flight.
 */
import { embedRemote } from '../embedders/endpoint/embed-texts.js';
import type { EndpointModel } from '../embedders/endpoint/resolve.js';
import { EndpointJournal } from './endpoint-journal.js';
import type { WindowStats } from './parts.js';

/**
 * Rows per window for remote servers (not derived from --concurrency or the server list, which may change
 * between a run and its resume: the window size is part of the run's identity). 16,384 rows keep 2 x 16
 * requests of 32 texts busy for 16 rounds between drains, and hold 16,384 x 3,072 x 4 bytes (200 MB)
 * at most for OpenAI's largest model.
 */
export const ENDPOINT_WINDOW_ROWS = 16_384;

/**
 * The vectors of one window after another in one array: a new 25 MB array per window cost its page
 * faults on first touch at every window (~0.2-0.6 s of CPU per 5 windows; the copy of the answers
 * into the window was the top line of --cpu-prof). A window's vectors are valid until the next {@link take}.
 */
export class WindowVectors {
  private buffer = new Float32Array(0);

  /** An array of `length` floats in the last window's memory (not zeroed: the journal's reader zeroes it). */
  take(length: number): Float32Array {
    if (this.buffer.length < length) this.buffer = new Float32Array(length);
    return this.buffer.subarray(0, length);
  }
}

/**
 * Embeds `texts` (window `window`) on `model`'s servers; vectors in window order, in `scratch`'s
 * memory when given (then valid until its next use: the caller writes them out first).
 * `onDrained` is called once every request is sent (see the client's `embed`): the next window may start then.
 */
export async function embedWindowRemote(texts: readonly string[], window: number, model: EndpointModel, partsDir: string, onTask: (rows: number) => void, scratch?: WindowVectors, onDrained?: () => void): Promise<{ vectors: Float32Array; stats: Omit<WindowStats, 'seconds'> }> {
  const dim = model.dim;
  const saved = await EndpointJournal.read(partsDir, window, texts.length, dim, scratch?.take(texts.length * dim));
  const { vectors } = saved;
  let tokens = saved.tokens;
  if (saved.count > 0) onTask(saved.count);
  const rows = [...texts.keys()].filter((row) => saved.answered[row] !== 1);
  if (rows.length > 0) {
    const journal = await EndpointJournal.open(partsDir, window, saved.bytes);
    try {
      const sent = await embedRemote(model, texts, {
        rows, into: vectors, onDrained, onBatch: async (batch) => {
          await journal.append(batch.indexes, batch.vectors, batch.tokens);
          onTask(batch.indexes.length);
        },
      });
      tokens += sent.tokens;
    } finally {
      await journal.close();
    }
  }
  let empty = 0;
  let zeroVectors = 0;
  texts.forEach((text, row) => {
    if (text.trim() === '') empty++;
    if (vectors.subarray(row * dim, (row + 1) * dim).every((value) => value === 0)) zeroVectors++;
  });
  // No padding on our side; truncation happens (or not) on the server, which does not say.
  return { vectors, stats: { rows: texts.length, tokens, paddedTokens: tokens, truncated: 0, empty, zeroVectors } };
}
