/** Messages between ingest's main thread and its workers. */
import type { PackedChunk } from './arena.js';
import type { ChunkOptions, ChunkResult } from './chunk.js';

/** A block of complete jsonl lines to parse: in a shared slot, or its own (transferred) buffer. */
export type JsonlChunkTask =
  | { slot: number; length: number; firstLine: number; options: ChunkOptions }
  | { bytes: Uint8Array; firstLine: number; options: ChunkOptions };

/** The worker's answer: the result packed into the slot's output buffer, or the result itself. */
export type JsonlChunkReply = { packed: PackedChunk } | { result: ChunkResult };
