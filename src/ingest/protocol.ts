/** Messages between ingest's main thread and its workers. */
import type { ChunkOptions, ChunkResult } from './chunk.js';

/** A block of complete jsonl lines to parse. */
export interface JsonlChunkTask {
  /** The block's bytes (transferred, not copied). */
  bytes: Uint8Array;
  /** Line number of the block's first line (1-based). */
  firstLine: number;
  options: ChunkOptions;
}

/** The worker's answer. */
export type JsonlChunkReply = ChunkResult;
