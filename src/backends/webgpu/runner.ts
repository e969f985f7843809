/**
 * The runner: owns one device, its compiled pipelines (by program `cacheKey`) and its limits. It
 * uploads typed arrays, runs programs split into bounded dispatches, and reads results back.
 * Callers never see a `GPUDevice`, only {@link DeviceBuffer} handles.
 */
import { InternalError, TidepoolError } from '../../errors.js';
import { acquireDevice, type AcquireOptions, type AdapterDescription, type GpuDevice, type KeyLimits } from './device.js';
import { splitDispatches, type BindingKind, type RowRange, type WgslProgram } from './program.js';

/** `GPUBufferUsage` and `GPUMapMode` bits (WebGPU spec values; the package does not install its globals). */
const USAGE = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, UNIFORM: 0x40, STORAGE: 0x80 } as const;
const MAP_READ = 0x1;

/** A buffer on the runner's device. */
export interface DeviceBuffer {
  /** Size in bytes. */
  readonly bytes: number;
  /** Frees the device memory now (it would otherwise wait for garbage collection). */
  destroy(): void;
}

/** Options of {@link GpuRunner.create}. */
export interface RunnerOptions extends AcquireOptions {
  /**
   * Most multiply-adds one dispatch may carry (`items x costPerItem`); larger runs are split into
   * several dispatches, each submitted and finished before the next. Keeps every submit short for OS
   * GPU watchdogs and for SwiftShader. @default 2 ** 30
   */
  maxWorkPerDispatch?: number;
  /** Limits lower than the device's (for tests of the splitting): each is min(given, device). */
  limits?: Partial<KeyLimits>;
}

/** A buffer this runner made. */
class RunnerBuffer implements DeviceBuffer {
  constructor(readonly buffer: GPUBuffer, readonly bytes: number) {}
  destroy(): void {
    this.buffer.destroy();
  }
}

/** The one owner of a WebGPU device in tidepool. */
export class GpuRunner {
  private readonly pipelines = new Map<string, { pipeline: GPUComputePipeline; layout: GPUBindGroupLayout }>();
  private readonly params: GPUBuffer;
  private failure: Error | null = null;
  private destroyed = false;

  private constructor(
    private readonly gpu: GpuDevice,
    /** Effective limits: the device's, lowered by {@link RunnerOptions.limits}. */
    readonly limits: KeyLimits,
    private readonly maxWorkPerDispatch: number,
  ) {
    this.params = gpu.device.createBuffer({ size: 16, usage: USAGE.UNIFORM | USAGE.COPY_DST, label: 'tidepool params' });
    gpu.device.addEventListener('uncapturederror', (event) => {
      this.failure ??= new InternalError(`WebGPU error: ${event.error.message}`);
    });
    void gpu.device.lost.then((info) => {
      if (!this.destroyed) this.failure ??= new TidepoolError('E_DEVICE_UNAVAILABLE', `the WebGPU device was lost (${info.reason}): ${info.message}. Run \`tidepool doctor\`, or use --backend cpu.`);
    });
  }

  /** Acquires a device (see {@link acquireDevice}) and wraps it. */
  static async create(options: RunnerOptions = {}): Promise<GpuRunner> {
    const gpu = await acquireDevice(options);
    const limits = { ...gpu.limits };
    for (const [name, value] of Object.entries(options.limits ?? {}) as [keyof KeyLimits, number][]) limits[name] = Math.min(limits[name], value);
    return new GpuRunner(gpu, limits, options.maxWorkPerDispatch ?? 2 ** 30);
  }

  /** The adapter the device came from. */
  get adapter(): AdapterDescription {
    return this.gpu.adapter;
  }

  /** A zero-filled storage buffer of `bytes` (rounded up to 4), readable and writable by copies. */
  storage(bytes: number, label = 'tidepool'): DeviceBuffer {
    this.check();
    const size = Math.max(4, Math.ceil(bytes / 4) * 4);
    if (size > this.limits.maxBufferSize) throw new InternalError(`a ${size}-byte buffer exceeds maxBufferSize ${this.limits.maxBufferSize}; split it`);
    const buffer = this.gpu.device.createBuffer({ size, usage: USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST, label });
    return new RunnerBuffer(buffer, size);
  }

  /** A storage buffer holding `data` (its bytes padded to a multiple of 4). */
  upload(data: ArrayBufferView, label = 'tidepool'): DeviceBuffer {
    const buffer = this.storage(data.byteLength, label);
    this.write(buffer, data);
    return buffer;
  }

  /** Writes `data` at byte `offset` of `buffer` (ordered before every later submit). */
  write(buffer: DeviceBuffer, data: ArrayBufferView, offset = 0): void {
    this.check();
    // Dawn copies from any ArrayBuffer, shared or not; the WebGPU typings only name ArrayBuffer.
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength) as Uint8Array<ArrayBuffer>;
    const whole = bytes.byteLength - (bytes.byteLength % 4);
    if (whole > 0) this.gpu.device.queue.writeBuffer(unwrap(buffer), offset, bytes, 0, whole);
    if (whole < bytes.byteLength) {
      const tail = new Uint8Array(4);
      tail.set(bytes.subarray(whole));
      this.gpu.device.queue.writeBuffer(unwrap(buffer), offset + whole, tail);
    }
  }

  /** The compiled pipeline for a program, compiled once per `cacheKey`. */
  private pipeline(program: WgslProgram): { pipeline: GPUComputePipeline; layout: GPUBindGroupLayout } {
    let cached = this.pipelines.get(program.cacheKey);
    if (cached === undefined) {
      const device = this.gpu.device;
      const layout = device.createBindGroupLayout({
        label: program.cacheKey,
        entries: program.bindings.map((kind, binding) => ({ binding, visibility: 0x4 /* GPUShaderStage.COMPUTE */, buffer: { type: bufferType(kind) } })),
      });
      const module = device.createShaderModule({ code: program.code, label: program.cacheKey });
      const pipeline = device.createComputePipeline({ label: program.cacheKey, layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }), compute: { module, entryPoint: 'main' } });
      cached = { pipeline, layout };
      this.pipelines.set(program.cacheKey, cached);
    }
    return cached;
  }

  /** Pipelines compiled so far. */
  get compiledPrograms(): number {
    return this.pipelines.size;
  }

  /**
   * Runs `program` over `items` work items, split into dispatches that respect the grid limit and
   * {@link RunnerOptions.maxWorkPerDispatch}. `paramsFor(range)` gives the uniform (4 u32) of each
   * dispatch; `buffers` bind to the program's bindings in order, the uniform last. Each dispatch is
   * submitted alone and awaited, so at most one is in flight.
   */
  async run(program: WgslProgram, buffers: readonly DeviceBuffer[], items: number, itemsPerWorkgroup: number, costPerItem: number, paramsFor: (range: RowRange) => Uint32Array): Promise<void> {
    this.check();
    if (buffers.length + 1 !== program.bindings.length) throw new InternalError(`${program.cacheKey} binds ${program.bindings.length - 1} buffers and a uniform, got ${buffers.length} buffers`);
    const { pipeline, layout } = this.pipeline(program);
    const device = this.gpu.device;
    const bindGroup = device.createBindGroup({
      layout,
      entries: [...buffers, null].map((buffer, binding) => ({ binding, resource: { buffer: buffer === null ? this.params : unwrap(buffer) } })),
    });
    const maxGrid = this.limits.maxComputeWorkgroupsPerDimension;
    const byGrid = maxGrid * maxGrid * itemsPerWorkgroup;
    const byWork = Math.floor(this.maxWorkPerDispatch / Math.max(1, costPerItem));
    for (const range of splitDispatches(items, itemsPerWorkgroup, Math.min(byGrid, byWork))) {
      const params = paramsFor(range);
      if (params.length !== 4) throw new InternalError(`program params are 4 u32, got ${params.length}`);
      device.queue.writeBuffer(this.params, 0, params);
      const [x, y, z] = program.dispatch(range.rows, maxGrid);
      const encoder = device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(x, y, z);
      pass.end();
      device.queue.submit([encoder.finish()]);
      await device.queue.onSubmittedWorkDone();
      this.check();
    }
  }

  /** Copies `bytes` from `buffer` (at byte `offset`) back to the host. */
  async read(buffer: DeviceBuffer, bytes = buffer.bytes, offset = 0): Promise<ArrayBuffer> {
    this.check();
    const size = Math.ceil(bytes / 4) * 4;
    const device = this.gpu.device;
    const staging = device.createBuffer({ size, usage: USAGE.MAP_READ | USAGE.COPY_DST, label: 'tidepool readback' });
    try {
      const encoder = device.createCommandEncoder();
      encoder.copyBufferToBuffer(unwrap(buffer), offset, staging, 0, size);
      device.queue.submit([encoder.finish()]);
      await staging.mapAsync(MAP_READ);
      this.check();
      return staging.getMappedRange().slice(0, bytes);
    } finally {
      staging.destroy();
    }
  }

  /** Throws the first device error or loss seen so far. */
  private check(): void {
    if (this.destroyed) throw new InternalError('the GPU runner was used after destroy()');
    if (this.failure !== null) throw this.failure;
  }

  /** Frees the device (every buffer on it) and lets Node exit; await it before the process ends. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    this.pipelines.clear();
    await this.gpu.destroy();
  }
}

function bufferType(kind: BindingKind): GPUBufferBindingType {
  return kind === 'read' ? 'read-only-storage' : kind === 'storage' ? 'storage' : 'uniform';
}

function unwrap(buffer: DeviceBuffer): GPUBuffer {
  if (!(buffer instanceof RunnerBuffer)) throw new InternalError('a DeviceBuffer from another runner was passed');
  return buffer.buffer;
}
