/** The worker pool that parses jsonl blocks, or an inline stand-in when threads = 0. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { InternalError } from '../errors.js';
import { ChunkBuilder, type ChunkOptions, type ChunkResult } from './chunk.js';
import type { JsonlChunkTask } from './protocol.js';

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

/** Parses jsonl blocks somewhere: in worker threads or inline. */
export interface ChunkParser {
  parse(bytes: Buffer, firstLine: number): Promise<ChunkResult>;
  close(): Promise<void>;
}

/**
 * The compiled worker module. Under a TypeScript runner (tests) this module is `pool.ts`, and worker
 * threads cannot load TypeScript, so the compiled copy in dist/ is used (built by `npm run build`).
 */
function workerPath(): string {
  const here = fileURLToPath(import.meta.url);
  const path = here.endsWith('.ts') ? here.replace(/[\\/]src[\\/]ingest[\\/]pool\.ts$/, '/dist/ingest/worker.js') : here.replace(/pool\.js$/, 'worker.js');
  if (!existsSync(path)) throw new InternalError(`ingest worker not found at ${path}; run \`npm run build\``);
  return path;
}

/** A parser that runs blocks on `threads` worker threads (inline when 0). */
export function createChunkParser(threads: number, options: ChunkOptions): ChunkParser {
  if (threads === 0) {
    return {
      parse(bytes, firstLine) {
        const builder = new ChunkBuilder(options);
        builder.jsonlBlock(bytes, firstLine);
        return Promise.resolve({ ...builder.finish(), block: bytes.buffer as ArrayBuffer });
      },
      close: () => Promise.resolve(),
    };
  }
  const pool = new Piscina({ filename: workerPath(), minThreads: threads, maxThreads: threads, idleTimeout: 1000 });
  return {
    async parse(bytes, firstLine) {
      const task: JsonlChunkTask = { bytes, firstLine, options };
      return (await pool.run(task, { transferList: [bytes.buffer as ArrayBuffer] })) as ChunkResult;
    },
    close: () => pool.destroy(),
  };
}
