/**
 * The one module that imports onnxruntime-node. Everything else passes plain typed arrays.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as Ort from 'onnxruntime-node';
import { TidepoolError } from '../../errors.js';
import type { ErrorCode } from '../../errors.js';

// Required, not imported: importing a CommonJS package from ES modules first scans its source (and its
// dependencies') for exports, time every `select` and `embed` start paid for nothing.
const ort = createRequire(import.meta.url)('onnxruntime-node') as typeof Ort;

/** An execution provider tidepool can run models on. */
export type OnnxDevice = 'cpu' | 'webgpu' | 'cuda';

/** Options for {@link OnnxSession.create}. */
export interface OnnxSessionOptions {
  /** Threads inside one operator (MLAS GEMM). @default 1 */
  intraOpThreads?: number;
  /** Execution provider; one not in {@link availableDevices} is an `E_DEVICE_UNAVAILABLE` error. @default 'cpu' */
  device?: OnnxDevice;
  /**
   * The file the bytes came from, when the model is the user's: a load failure is then an
   * `E_MODEL_INVALID` naming it. Without it the model is one tidepool built and a failure is a bug.
   */
  source?: string;
  /** Folder that the model's external-data files (`model.onnx_data`) are relative to. */
  externalDataFolder?: string;
}

/** An input tensor: float32, float16 (raw IEEE half bits in a Uint16Array), int32 or int64 data, plus dims. */
export interface TensorInput {
  data: Float32Array | Uint16Array | Int32Array | BigInt64Array;
  dims: readonly number[];
}

const DEVICES: readonly OnnxDevice[] = ['cpu', 'webgpu', 'cuda'];

/** Where onnxruntime-node keeps its native libraries (the CUDA provider goes there when installed). */
function bindingFolder(): string {
  const entry = createRequire(import.meta.url).resolve('onnxruntime-node');
  return join(dirname(entry), '..', 'bin', 'napi-v6', process.platform, process.arch);
}

/**
 * Devices this onnxruntime-node build can use: those it lists as supported, where a backend that is
 * not bundled (CUDA) also needs its provider library installed next to the binding.
 */
export function availableDevices(): OnnxDevice[] {
  const listed = ort.listSupportedBackends();
  return DEVICES.filter((device) => {
    const backend = listed.find((candidate) => candidate.name === device);
    if (backend === undefined) return false;
    if (backend.bundled) return true;
    return device === 'cuda' && existsSync(join(bindingFolder(), process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so'));
  });
}

/** What to install for a device that is not available. */
function installHint(device: OnnxDevice): string {
  if (device === 'cuda') {
    return 'Install the CUDA provider with `ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js` in the tidepool folder (Linux or Windows x64, needs internet; CUDA 12 and cuDNN 9 on the library path), or use --device cpu.';
  }
  if (device === 'webgpu') return 'This onnxruntime-node build does not include WebGPU; install a current onnxruntime-node (recent releases bundle it on Windows, macOS and Linux x64), or use --device cpu.';
  return 'Reinstall onnxruntime-node.';
}

/** Throws `E_DEVICE_UNAVAILABLE`, saying what is available and what to install, when `device` cannot be used. */
export function assertDeviceAvailable(device: OnnxDevice): void {
  const available = availableDevices();
  if (available.includes(device)) return;
  throw new TidepoolError('E_DEVICE_UNAVAILABLE', `the ${device} device is not available in this onnxruntime-node ${ort.env.versions.node ?? ''} (available: ${available.join(', ')}). ${installHint(device)}`, { device, available });
}

/**
 * Picks the device for a request. `auto` prefers CUDA when its provider is installed, else the CPU;
 * WebGPU is used only when asked for by name (for now). A named device that is not available is an
 * `E_DEVICE_UNAVAILABLE` error here, before any worker starts: never a silent fall back.
 */
export function resolveDevice(requested: 'auto' | OnnxDevice): { device: OnnxDevice; reason: string } {
  if (requested !== 'auto') {
    assertDeviceAvailable(requested);
    return { device: requested, reason: `${requested} was requested` };
  }
  if (availableDevices().includes('cuda')) return { device: 'cuda', reason: 'auto: the CUDA provider of onnxruntime-node is installed' };
  return { device: 'cpu', reason: 'auto: no CUDA provider is installed for onnxruntime-node (WebGPU is used only when requested with --device webgpu)' };
}

/** An inference session on an in-memory model. */
export class OnnxSession {
  private constructor(private readonly session: Ort.InferenceSession) {}

  /** Loads a model from bytes. */
  static async create(model: Uint8Array, options: OnnxSessionOptions = {}): Promise<OnnxSession> {
    const device = options.device ?? 'cpu';
    if (device !== 'cpu') assertDeviceAvailable(device);
    const extra = options.externalDataFolder === undefined ? {} : { extra: { session: { model_external_initializers_file_folder_path: options.externalDataFolder } } };
    try {
      const session = await ort.InferenceSession.create(model, {
        executionProviders: [device],
        intraOpNumThreads: options.intraOpThreads ?? 1,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
        ...extra,
      });
      return new OnnxSession(session);
    } catch (error) {
      const reason = (error as Error).message;
      const [code, message]: [ErrorCode, string] =
        device !== 'cpu'
          ? ['E_DEVICE_UNAVAILABLE', `onnxruntime could not create a ${device} session${options.source === undefined ? '' : ` for ${options.source}`}: ${reason}. Check the ${device} drivers and libraries, or use --device cpu.`]
          : options.source !== undefined
            ? ['E_MODEL_INVALID', `onnxruntime could not load ${options.source}: ${reason}. Check that the file (and any .onnx_data next to it) is complete, or re-export the model.`]
            : ['E_INTERNAL', `onnxruntime could not load a model tidepool built: ${reason}`];
      throw new TidepoolError(code, message, { device, ...(options.source !== undefined && { path: options.source }) }, { cause: error });
    }
  }

  /** The model's input names, in graph order. */
  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  /** The model's output names, in graph order. */
  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  /** Runs the model and returns the named float32 outputs. */
  async run(feeds: Readonly<Record<string, TensorInput>>, outputs: readonly string[]): Promise<Record<string, Float32Array>> {
    const tensors: Record<string, Ort.Tensor> = {};
    for (const [name, input] of Object.entries(feeds)) {
      const { data, dims } = input;
      tensors[name] = data instanceof Float32Array ? new ort.Tensor('float32', data, dims)
        : data instanceof Uint16Array ? new ort.Tensor('float16', data, dims)
        : data instanceof Int32Array ? new ort.Tensor('int32', data, dims)
        : new ort.Tensor('int64', data, dims);
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
