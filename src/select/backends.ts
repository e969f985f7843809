/**
 * Which kernel runs a selection: the CPU GEMM (onnxruntime) or WebGPU. Each loads only when asked for
 * (Dawn's native binding never in CPU runs; onnxruntime while the input is read, see `rows-input.ts`).
 */
import type { MinDistanceKernel } from './kernel.js';
import type { WorkingCopy } from './working-copy.js';

import type { SelectBackend } from './options.js';

export type { SelectBackend } from './options.js';

/** A kernel the caller must release. */
export type ReleasableKernel = MinDistanceKernel & { release(): Promise<void> };

/** Options of {@link createSelectKernel}. */
export interface SelectKernelOptions {
  /** CPU threads for the GEMM (cpu only). */
  threads: number;
  /** Squared row norms (cpu only: the GPU kernel sums squared differences). */
  norms: Float32Array;
}

/** Creates the kernel of a backend over an n x d working copy (float32, or float16 bits). */
export async function createSelectKernel(backend: SelectBackend, points: WorkingCopy, d: number, options: SelectKernelOptions): Promise<ReleasableKernel> {
  if (backend === 'webgpu') {
    const { WebGpuKernel } = await import('./webgpu-kernel.js');
    return WebGpuKernel.create(points, d);
  }
  const { OnnxKernel } = await import('./onnx-kernel.js');
  return OnnxKernel.create(points, d, { threads: options.threads, norms: options.norms });
}
