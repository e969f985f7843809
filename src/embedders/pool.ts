/** The embedding worker pool (used by `embed` and `decontam`): each worker holds one model; tasks are batches of texts. */
import { Piscina } from 'piscina';
import { compiledWorkerPath, workerExecArgv } from '../util/worker-path.js';
import { InternalError, deserializeError } from '../errors.js';
import type { DfReply, EmbedReply, EmbedTask, WorkerReply } from './protocol.js';

/** Runs embed tasks on worker threads. */
export interface EmbedPool {
  embed(task: Exclude<EmbedTask, { kind: 'df' }>): Promise<EmbedReply>;
  documentFrequencies(task: Extract<EmbedTask, { kind: 'df' }>): Promise<DfReply>;
  /** Waits for the tasks already given (a worker is never stopped inside onnxruntime), then ends the workers. */
  close(): Promise<void>;
}

/** A pool of `threads` workers. */
export function createEmbedPool(threads: number): EmbedPool {
  const pool = new Piscina({ filename: compiledWorkerPath(import.meta.url, 'embed'), execArgv: workerExecArgv(), minThreads: threads, maxThreads: threads, idleTimeout: 60_000 });
  // Tasks not yet settled: close() waits for them, because terminating a worker while onnxruntime
  // runs inside it aborts the whole process (`terminate called after throwing ... Napi::Error`).
  const inFlight = new Set<Promise<unknown>>();
  const run = async (task: EmbedTask): Promise<EmbedReply | DfReply> => {
    const pending = pool.run(task) as Promise<WorkerReply>;
    inFlight.add(pending);
    try {
      const reply = await pending;
      if (reply.kind === 'error') throw deserializeError(reply.error);
      return reply;
    } finally {
      inFlight.delete(pending);
    }
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
    async close() {
      while (inFlight.size > 0) await Promise.allSettled(inFlight);
      await pool.destroy();
    },
  };
}
