/**
 * How a run's rows reach its kernel: sizes the input, plans memory under `--memory-budget`
 * (`memory-plan.ts`), then loads the matrix into memory or opens it for streaming from disk, and builds
 * the kernel over it.
 */
import { stat } from 'node:fs/promises';
import { TidepoolError } from '../errors.js';
import { readArrowSchema } from '../store/arrow-file.js';
import { readNpyHeader } from '../store/npy.js';
import { formatBytes } from '../util/byte-size.js';
import { createSelectKernel, type ReleasableKernel } from './backends.js';
import { openStreamedInput } from './disk-copy.js';
import type { DiskRows } from './disk-rows.js';
import { defaultPoolSize, lazyPays } from './greedy.js';
import { loadSelectionInput } from './input.js';
import { bytesPerValue, planMemory, type MemoryPlan } from './memory-plan.js';
import type { PreparedOnnxKernel } from './onnx-kernel.js';
import { memoryRows } from './row-store.js';
import type { ResolvedSelectOptions } from './options.js';

/** A run's rows, ready to select from. */
export interface SelectionRows {
  n: number;
  d: number;
  rowIds: Float64Array;
  /** Whether `rowIds[i] === i` for every row (a `.npy` file). */
  rowIdsAreIndices: boolean;
  kernel: ReleasableKernel;
  plan: Exclude<MemoryPlan, { mode: 'too-small' }>;
  /** The rows on disk when streamed (bytes read, read seconds). */
  streamed: DiskRows | undefined;
  /** Whether the matrix in memory is the `.npy` file mapped read-only (no copy). */
  mapped: boolean;
  /** Frees the kernel and closes the file. */
  release(): Promise<void>;
}

/**
 * The number of rows (for an Arrow file an upper bound from its size and the width of its values) and
 * the width of the input, read from its header or schema only.
 */
async function inputShape(path: string, column: string): Promise<{ n: number; d: number }> {
  if (path.toLowerCase().endsWith('.npy')) {
    const header = await readNpyHeader(path);
    return { n: header.rows, d: header.dim };
  }
  if (!/\.(arrow|feather|ipc)$/i.test(path)) return { n: 0, d: 0 }; // loadSelectionInput names the format problem
  const field = (await readArrowSchema(path)).fields.find((f) => f.name === column);
  const type = field?.type as { listSize?: number; children?: { type?: { precision?: number } }[] } | undefined;
  const d = type?.listSize ?? 0;
  // Arrow's float precision: 0 is half (2 bytes), 1 single (4).
  const valueBytes = type?.children?.[0]?.type?.precision === 0 ? 2 : 4;
  const { size } = await stat(path);
  return { n: d > 0 ? Math.floor(size / (d * valueBytes)) : 0, d };
}

function usage(message: string): TidepoolError {
  return new TidepoolError('E_USAGE', message);
}

/**
 * Plans memory for the run's input and opens its rows. The plan uses the default pool size unless
 * `--pool-size` is given (the larger default, a streamed run's: the mode is not known yet), and the
 * lazy mode greedy will use.
 * @throws TidepoolError `E_USAGE` when the budget cannot hold even the per-point state and one block
 */
export async function openSelectionRows(run: ResolvedSelectOptions, column = 'embedding'): Promise<SelectionRows> {
  const { precision, threads, backend } = run;
  const shape = await inputShape(run.embeddings, column);
  const plan = shape.n === 0 ? { mode: 'memory' as const, estimate: 0 } : planMemory({
    ...shape, precision, budget: run.memoryBudget, poolSize: run.poolSize ?? defaultPoolSize(shape.n), lazy: lazyPays(shape.n, shape.d), baseline: run.baseline,
  });
  if (plan.mode === 'too-small') {
    throw usage(`--memory-budget ${formatBytes(run.memoryBudget)} is too small for ${run.embeddings} (${shape.n} x ${shape.d}): even streaming the matrix from disk needs ${formatBytes(plan.minimum)} for the per-point state, the candidate pool and one block. Give --memory-budget ${Math.ceil(plan.minimum / 2 ** 20)}M or more (the whole matrix in memory takes ${formatBytes(shape.n * shape.d * bytesPerValue(precision))}).`);
  }
  if (plan.mode === 'stream' && backend !== 'cpu') {
    throw usage(`the ${shape.n} x ${shape.d} ${precision} matrix of ${run.embeddings} does not fit --memory-budget ${formatBytes(run.memoryBudget)}, and streaming it from disk runs on --backend cpu only: use --backend cpu, or raise --memory-budget to hold it (about ${formatBytes(shape.n * shape.d * bytesPerValue(precision))} plus the per-point state).`);
  }
  // onnxruntime loads and builds its graphs while the input is read (both take a while; they overlap).
  const prepared: Promise<PreparedOnnxKernel> | undefined = backend !== 'cpu' || shape.d === 0 ? undefined : import('./onnx-kernel.js').then(({ OnnxKernel }) => OnnxKernel.prepare(shape.d, precision, { threads, ...(plan.mode === 'stream' ? { blockRows: plan.blockRows } : {}) }));
  void prepared?.catch(() => undefined); // awaited below, or released if the read fails
  try {
    if (plan.mode === 'memory') {
      const input = await loadSelectionInput(run.embeddings, precision, column);
      const kernel: ReleasableKernel = prepared === undefined
        ? await createSelectKernel(backend, input.points, input.d, { threads, norms: input.norms })
        : (await prepared).kernel(memoryRows(input.points, input.d), input.norms);
      return { n: input.n, d: input.d, rowIds: input.rowIds, rowIdsAreIndices: input.format === 'npy', kernel, plan, streamed: undefined, mapped: input.mapped, release: () => kernel.release() };
    }
    const input = await openStreamedInput(run.embeddings, precision, run.out, column);
    let kernel: ReleasableKernel;
    try {
      kernel = (await prepared!).kernel(input.rows, input.norms);
    } catch (error) {
      await input.rows.close();
      throw error;
    }
    return {
      n: input.n, d: input.d, rowIds: input.rowIds, rowIdsAreIndices: run.embeddings.toLowerCase().endsWith('.npy'), kernel, plan, streamed: input.rows, mapped: false,
      release: async () => {
        await kernel.release();
        await input.rows.close();
      },
    };
  } catch (error) {
    await (await prepared?.catch(() => undefined))?.release();
    throw error;
  }
}
