/** Piscina worker: parses one block of jsonl lines into candidate rows (see scan-chunk.ts). */
import { Piscina } from 'piscina';
import { packChunk, type ArenaBuffers } from './arena.js';
import { chunkTransferList } from './chunk.js';
import type { JsonlChunkReply, JsonlChunkTask } from './protocol.js';
import { parseJsonlBlock } from './scan-chunk.js';

const arena = Piscina.workerData as ArenaBuffers | undefined;

/** Parses a block; the result goes back through the shared slot, or moves back without copying. */
export default function parseJsonlChunk(task: JsonlChunkTask): unknown {
  if ('slot' in task) {
    if (arena === undefined) throw new Error('ingest worker started without its shared slots');
    const input = new Uint8Array(arena.inputs[task.slot]!, 0, task.length);
    // Views of the scanner's memory: packChunk copies them into the slot at once (one copy, not two).
    const packed = packChunk(parseJsonlBlock(input, task.firstLine, task.options, true), arena.outputs[task.slot]!);
    if (packed !== null) return { packed } satisfies JsonlChunkReply;
    // Too big for the slot: parse again into memory of its own, which moves back without copying.
    return move({ result: parseJsonlBlock(input, task.firstLine, task.options) });
  }
  return move({ result: { ...parseJsonlBlock(task.bytes, task.firstLine, task.options), block: task.bytes.buffer as ArrayBuffer } });
}

function move(reply: { result: ReturnType<typeof parseJsonlBlock> }): unknown {
  // Piscina's Transferable protocol: the value plus the buffers to move with it.
  const transferable = { [Piscina.transferableSymbol]: chunkTransferList(reply.result), [Piscina.valueSymbol]: reply satisfies JsonlChunkReply };
  return Piscina.move(transferable as unknown as Parameters<typeof Piscina.move>[0]);
}
