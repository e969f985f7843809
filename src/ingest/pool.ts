/** The worker pool that parses jsonl blocks, or an inline stand-in when threads = 0. */
import { Piscina } from 'piscina';
import { compiledWorkerPath, workerExecArgv } from '../util/worker-path.js';
import { InternalError } from '../errors.js';
import { SlotArena, unpackChunk } from './arena.js';
import type { ChunkOptions, ChunkResult } from './chunk.js';
import type { JsonlChunkReply, JsonlChunkTask } from './protocol.js';
import type { BlockAllocator } from '../store/jsonl.js';
import { parseJsonlBlock } from './scan-chunk.js';

/** Capacity of a recycled block buffer: a 4 MiB block plus the 1 MiB read that completes it. */
const BLOCK_CAPACITY = 6 * 1024 * 1024;

/**
 * Recycles block buffers: each result hands its block's ArrayBuffer back, so steady-state ingest
 * allocates no new input memory (fresh external memory is what drives V8's full GCs here).
 */
export class BlockRecycler {
  private readonly free: ArrayBuffer[] = [];
  readonly allocate = (bytes: number): ArrayBuffer => {
    if (bytes > BLOCK_CAPACITY) return new ArrayBuffer(bytes);
    return this.free.pop() ?? new ArrayBuffer(BLOCK_CAPACITY);
  };
  release(block: ArrayBuffer | undefined): void {
    if (block !== undefined && block.byteLength === BLOCK_CAPACITY && this.free.length < 16) this.free.push(block);
  }
}

/** A parsed block; `release` must be called once its rows are written (it frees the memory they live in). */
export interface ParsedChunk {
  result: ChunkResult;
  release: () => void;
}

/** Parses jsonl blocks somewhere: in worker threads or inline. */
export interface ChunkParser {
  /** Memory for the next block. */
  allocate: BlockAllocator;
  parse(bytes: Buffer, firstLine: number): Promise<ParsedChunk>;
  close(): Promise<void>;
}


/**
 * A parser that runs blocks on `threads` worker threads (inline when 0). With workers, blocks live in
 * shared slots (`slots` of them; see arena.ts) while one is free, else in buffers of their own.
 */
export function createChunkParser(threads: number, options: ChunkOptions, slots = 0): ChunkParser {
  const recycler = new BlockRecycler();
  const own = (result: ChunkResult): ParsedChunk => ({
    result,
    release: () => {
      recycler.release(result.block);
    },
  });
  if (threads === 0) {
    return {
      allocate: recycler.allocate,
      parse: (bytes, firstLine) => Promise.resolve(own({ ...parseJsonlBlock(bytes, firstLine, options), block: bytes.buffer as ArrayBuffer })),
      close: () => Promise.resolve(),
    };
  }
  const arena = new SlotArena(slots);
  const pool = new Piscina({ filename: compiledWorkerPath(import.meta.url, 'ingest'), execArgv: workerExecArgv(), minThreads: threads, maxThreads: threads, idleTimeout: 1000, workerData: arena.buffers });
  return {
    allocate: (bytes) => arena.take(bytes) ?? recycler.allocate(bytes),
    async parse(bytes, firstLine) {
      const slot = arena.slotOf(bytes.buffer);
      if (slot === undefined) {
        const task: JsonlChunkTask = { bytes, firstLine, options };
        const reply = (await pool.run(task, { transferList: [bytes.buffer as ArrayBuffer] })) as JsonlChunkReply;
        if (!('result' in reply)) throw new InternalError('ingest worker packed a result without a slot');
        return own(reply.result);
      }
      if (bytes.byteOffset !== 0) throw new InternalError('a shared block must start at its slot');
      const task: JsonlChunkTask = { slot, length: bytes.length, firstLine, options };
      let reply: JsonlChunkReply;
      try {
        reply = (await pool.run(task)) as JsonlChunkReply;
      } catch (error) {
        arena.release(slot);
        throw error;
      }
      const result = 'packed' in reply ? unpackChunk(reply.packed, arena.buffers.outputs[slot]!) : reply.result;
      return {
        result,
        release: () => {
          arena.release(slot);
        },
      };
    },
    close: () => pool.destroy(),
  };
}
