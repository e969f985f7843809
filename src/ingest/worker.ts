/** Piscina worker: parses one block of jsonl lines into candidate rows (see chunk.ts). */
import { Piscina } from 'piscina';
import { ChunkBuilder, chunkTransferList } from './chunk.js';
import type { JsonlChunkTask } from './protocol.js';

/** Parses a block and moves the result's buffers back to the main thread without copying. */
export default function parseJsonlChunk(task: JsonlChunkTask): unknown {
  const builder = new ChunkBuilder(task.options);
  builder.jsonlBlock(task.bytes, task.firstLine);
  const result = { ...builder.finish(), block: task.bytes.buffer as ArrayBuffer };
  // Piscina's Transferable protocol: the value plus the buffers to move with it.
  const transferable = { [Piscina.transferableSymbol]: chunkTransferList(result), [Piscina.valueSymbol]: result };
  return Piscina.move(transferable as unknown as Parameters<typeof Piscina.move>[0]);
}
