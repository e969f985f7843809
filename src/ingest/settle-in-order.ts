/**
 * The loop an unsharded run and a shard share: reads the chunks of one input while up to `maxInFlight`
 * of them parse, and settles them in input order (the core de-duplicates and numbers rows in order).
 */
import type { ParsedChunk } from './pool.js';
import { isFileProblem } from './rejects.js';

/** A chunk being parsed, as a {@link ChunkSource} yields it (wrapped: a bare promise would be awaited by the generator). */
export interface ChunkInFlight {
  result: Promise<ParsedChunk>;
}

/**
 * Settles every chunk of `chunks`, in order. `track` wraps a chunk when it is read (to note what was
 * known then, e.g. bytes read for progress); `settle` takes the oldest.
 * @returns the file problem that stopped reading the input (the file is rejected as a whole, the chunks
 * before it are settled), or undefined when it was read to the end.
 * @throws whatever `settle` throws, and any error reading that is not a file problem.
 */
export async function settleInOrder<T>(chunks: AsyncGenerator<ChunkInFlight>, maxInFlight: number, track: (result: Promise<ParsedChunk>) => T, settle: (pending: T) => Promise<void>): Promise<unknown> {
  const queue: T[] = [];
  let failure: unknown;
  try {
    for (;;) {
      let next: IteratorResult<ChunkInFlight>;
      try {
        next = await chunks.next();
      } catch (error) {
        if (!isFileProblem(error)) throw error;
        failure = error;
        break;
      }
      if (next.done === true) break;
      const { result } = next.value;
      result.catch(() => undefined); // awaited in order by settle(); avoid an unhandled rejection meanwhile
      queue.push(track(result));
      while (queue.length > maxInFlight) await settle(queue.shift()!);
    }
  } finally {
    await chunks.return(undefined).catch(() => undefined); // stop reading when the run stops
  }
  while (queue.length > 0) await settle(queue.shift()!);
  return failure;
}
