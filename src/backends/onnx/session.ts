/**
 * The one module that imports onnxruntime-node. Everything else passes plain typed arrays.
 */
import * as ort from 'onnxruntime-node';
import { TidepoolError } from '../../errors.js';

/** Options for {@link OnnxSession.create}. */
export interface OnnxSessionOptions {
  /** Threads inside one operator (MLAS GEMM). @default 1 */
  intraOpThreads?: number;
  /** Execution provider. @default 'cpu' */
  device?: 'cpu' | 'webgpu' | 'cuda';
}

/** A float32 (or int64) input tensor: data plus dims. */
export interface TensorInput {
  data: Float32Array | BigInt64Array;
  dims: readonly number[];
}

/** An inference session on an in-memory model. */
export class OnnxSession {
  private constructor(private readonly session: ort.InferenceSession) {}

  /** Loads a model from bytes. */
  static async create(model: Uint8Array, options: OnnxSessionOptions = {}): Promise<OnnxSession> {
    try {
      const session = await ort.InferenceSession.create(model, {
        executionProviders: [options.device ?? 'cpu'],
        intraOpNumThreads: options.intraOpThreads ?? 1,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
      });
      return new OnnxSession(session);
    } catch (error) {
      throw new TidepoolError('E_INTERNAL', `onnxruntime could not load a model tidepool built: ${(error as Error).message}`, {}, { cause: error });
    }
  }

  /** Runs the model and returns the named float32 outputs. */
  async run(feeds: Readonly<Record<string, TensorInput>>, outputs: readonly string[]): Promise<Record<string, Float32Array>> {
    const tensors: Record<string, ort.Tensor> = {};
    for (const [name, input] of Object.entries(feeds)) {
      tensors[name] = input.data instanceof Float32Array ? new ort.Tensor('float32', input.data, input.dims) : new ort.Tensor('int64', input.data, input.dims);
    }
    const result = await this.session.run(tensors, [...outputs]);
    const out: Record<string, Float32Array> = {};
    for (const name of outputs) out[name] = result[name]!.data as Float32Array;
    return out;
  }

  /** Frees the native session. */
  async release(): Promise<void> {
    await this.session.release();
  }
}
