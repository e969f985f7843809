/** The worker pool of `embed`: each worker holds one model; tasks are batches of texts. */
import { Piscina } from 'piscina';
import { compiledWorkerPath, workerExecArgv } from '../util/worker-path.js';
import { InternalError, deserializeError } from '../errors.js';
import type { DfReply, EmbedReply, EmbedTask, WorkerReply } from './protocol.js';

/** Runs embed tasks on worker threads. */
export interface EmbedPool {
  embed(task: Exclude<EmbedTask, { kind: 'df' }>): Promise<EmbedReply>;
  documentFrequencies(task: Extract<EmbedTask, { kind: 'df' }>): Promise<DfReply>;
  close(): Promise<void>;
}


/** A pool of `threads` workers. */
export function createEmbedPool(threads: number): EmbedPool {
  const pool = new Piscina({ filename: compiledWorkerPath(import.meta.url, 'embed'), execArgv: workerExecArgv(), minThreads: threads, maxThreads: threads, idleTimeout: 60_000 });
  const run = async (task: EmbedTask): Promise<EmbedReply | DfReply> => {
    const reply = (await pool.run(task)) as WorkerReply;
    if (reply.kind === 'error') throw deserializeError(reply.error);
    return reply;
  };
  return {
    async embed(task) {
      const reply = await run(task);
      if (reply.kind !== 'vectors') throw new InternalError('embed worker answered a batch with document frequencies');
      return reply;
    },
    async documentFrequencies(task) {
      const reply = await run(task);
      if (reply.kind !== 'df') throw new InternalError('embed worker answered a count with vectors');
      return reply;
    },
    close: () => pool.destroy(),
  };
}
