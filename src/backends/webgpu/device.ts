/**
 * Device acquisition through Dawn (the `webgpu` package): the one place that calls `create()`,
 * `requestAdapter` and `requestDevice`. Everything above sees {@link GpuDevice} and plain data.
 */
import { create } from 'webgpu';
import { TidepoolError } from '../../errors.js';

/** What an adapter says about itself (`GPUAdapterInfo`), plus the Dawn backend when known. */
export interface AdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** Dawn backend (vulkan, metal, d3d12...), when listed. */
  backend: string | null;
  /** True for a software (CPU) implementation such as SwiftShader: correct, but slow. */
  isFallbackAdapter: boolean;
  /** Whether the adapter offers the `shader-f16` feature. */
  shaderF16: boolean;
  /** Every feature the adapter offers. */
  features: string[];
  /** The limits tidepool's kernels depend on. */
  limits: KeyLimits;
}

/** The adapter limits that decide tiling and splitting. */
export interface KeyLimits {
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
  maxComputeWorkgroupsPerDimension: number;
  maxComputeWorkgroupStorageSize: number;
  maxComputeInvocationsPerWorkgroup: number;
  maxStorageBuffersPerShaderStage: number;
}

/** Options of {@link acquireDevice}. */
export interface AcquireOptions {
  /** Dawn options passed to `create()`, e.g. `backend=vulkan` or `adapter=NAME`. @default [] */
  dawnFlags?: readonly string[];
  /** @default 'high-performance' */
  powerPreference?: GPUPowerPreference;
}

/** A device with what was learnt while acquiring it. Call {@link GpuDevice.destroy} when done. */
export interface GpuDevice {
  readonly device: GPUDevice;
  readonly adapter: AdapterDescription;
  /** The limits the device was created with (the adapter's best for the key limits). */
  readonly limits: KeyLimits;
  /**
   * Destroys the device, waits until Dawn has torn it down, and drops the Dawn instance (Node cannot
   * exit while one is referenced). Always await it before the process or worker ends.
   */
  destroy(): Promise<void>;
}

/** What to do when no adapter is found: the same text the doctor prints. */
export const NO_ADAPTER_HINT = [
  'Run `tidepool doctor` to see what is missing.',
  'Linux: WebGPU runs on Vulkan: install the loader and a driver ICD (Debian/Ubuntu: `apt-get install libvulkan1 mesa-vulkan-drivers` for AMD/Intel; the NVIDIA driver package ships its own Vulkan ICD, e.g. `nvidia-driver` or `libnvidia-gl-<version>`).',
  'No GPU (CI, tests): SwiftShader, a CPU Vulkan, comes with Debian\'s chromium: `apt-get install chromium libvulkan1` and set VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json.',
  'Or use --backend cpu.',
].join(' ');

const KEY_LIMITS: readonly (keyof KeyLimits)[] = [
  'maxBufferSize', 'maxStorageBufferBindingSize', 'maxComputeWorkgroupsPerDimension',
  'maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup', 'maxStorageBuffersPerShaderStage',
];

/** The key limits of a `GPUSupportedLimits`. */
export function keyLimits(limits: GPUSupportedLimits): KeyLimits {
  const out = {} as KeyLimits;
  for (const name of KEY_LIMITS) out[name] = limits[name];
  return out;
}

/** Describes an adapter (plain data, safe to print or serialise). */
export function describeAdapter(adapter: GPUAdapter, backend: string | null = null): AdapterDescription {
  const info = adapter.info;
  const features = [...adapter.features].map(String).sort();
  // Older Dawn builds lack the field, whatever the typings say.
  const isFallbackAdapter = (info as Partial<GPUAdapterInfo>).isFallbackAdapter;
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    backend,
    isFallbackAdapter: isFallbackAdapter ?? false,
    shaderF16: features.includes('shader-f16'),
    features,
    limits: keyLimits(adapter.limits),
  };
}

/** A Dawn instance and its first adapter, or the reason there is none. */
async function openAdapter(flags: readonly string[], powerPreference: GPUPowerPreference): Promise<{ gpu: GPU; adapter: GPUAdapter | null; failure: string | null }> {
  const gpu = create([...flags]);
  try {
    const adapter = await gpu.requestAdapter({ powerPreference });
    return { gpu, adapter, failure: adapter === null ? 'requestAdapter() found no adapter' : null };
  } catch (error) {
    return { gpu, adapter: null, failure: (error as Error).message };
  }
}

/**
 * Opens the best adapter and a device on it with the adapter's largest buffer, binding and
 * workgroup-memory limits. No adapter is an `E_DEVICE_UNAVAILABLE` error with what to install.
 */
export async function acquireDevice(options: AcquireOptions = {}): Promise<GpuDevice> {
  const opened = await openAdapter(options.dawnFlags ?? [], options.powerPreference ?? 'high-performance');
  const adapter = opened.adapter;
  if (adapter === null) {
    throw new TidepoolError('E_DEVICE_UNAVAILABLE', `no WebGPU adapter was found (${opened.failure ?? 'unknown reason'}). ${NO_ADAPTER_HINT}`, { failure: opened.failure });
  }
  const description = describeAdapter(adapter);
  const requiredLimits: Record<string, number> = {};
  for (const name of KEY_LIMITS) requiredLimits[name] = adapter.limits[name];
  let device: GPUDevice;
  try {
    // No features: float16 points are read as packed halves in core WGSL (see wgsl/common.ts).
    device = await adapter.requestDevice({ requiredLimits });
  } catch (error) {
    throw new TidepoolError('E_DEVICE_UNAVAILABLE', `the WebGPU adapter ${description.description || description.device} did not give a device: ${(error as Error).message}. ${NO_ADAPTER_HINT}`, { adapter: description }, { cause: error });
  }
  // Held until destroy(): Node cannot exit while Dawn's instance is referenced, so it is dropped there.
  let instance: GPU | null = opened.gpu;
  return {
    device,
    adapter: description,
    limits: keyLimits(device.limits),
    destroy: async () => {
      if (instance === null) return;
      device.destroy();
      // Dawn tears the device down on its own threads, and finishes only after `lost` settles: a
      // process that exits before the next turn of the event loop races that teardown and dies
      // (pthread mutex assertion, std::system_error from a futex, or SIGSEGV; seen with SwiftShader).
      await device.lost;
      await new Promise<void>((resolve) => setImmediate(resolve));
      instance = null;
    },
  };
}

/** One adapter Dawn can see, as {@link listAdapters} reports it. */
export interface ListedAdapter {
  /** Dawn backend name. */
  backend: string;
  /** Adapter name as Dawn lists it. */
  name: string;
  /** Its description, or why it could not be opened. */
  details: AdapterDescription | { error: string };
}

/** Parses Dawn's "Available adapters" list (` * backend: 'vulkan', name: 'NAME'`). */
export function parseAdapterList(message: string): { backend: string; name: string }[] {
  const found: { backend: string; name: string }[] = [];
  for (const match of message.matchAll(/\* backend: '([^']*)', name: '([^']*)'/g)) found.push({ backend: match[1]!, name: match[2]! });
  return found;
}

/**
 * Every adapter Dawn can see (the null backend aside), each opened for its description. Dawn lists
 * them when asked for an adapter name that matches none: that list is parsed here.
 */
export async function listAdapters(): Promise<ListedAdapter[]> {
  const probe = await openAdapter(['adapter=\u{1F50E}tidepool-list-adapters'], 'high-performance');
  const listed = parseAdapterList(probe.failure ?? '').filter((entry) => entry.backend !== 'null');
  const out: ListedAdapter[] = [];
  for (const entry of listed) {
    const opened = await openAdapter([`backend=${entry.backend}`, `adapter=${entry.name}`], 'high-performance');
    out.push({ ...entry, details: opened.adapter === null ? { error: opened.failure ?? 'not found' } : describeAdapter(opened.adapter, entry.backend) });
  }
  return out;
}
