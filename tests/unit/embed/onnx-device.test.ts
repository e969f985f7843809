// Devices: what this onnxruntime-node offers, how `auto` resolves, and that a device that is not
// available is an error saying what is available (never a silent fall back to the CPU).
import { describe, expect, it } from 'vitest';
import { availableDevices, OnnxSession, resolveDevice } from '../../../src/backends/onnx/session.js';
import { buildOnnxModel } from '../../../src/backends/onnx/graph.js';

const IDENTITY = buildOnnxModel({
  name: 'identity',
  inputs: [{ name: 'x', type: 'float32', shape: [2] }],
  outputs: [{ name: 'y', type: 'float32', shape: [2] }],
  nodes: [{ op: 'Identity', inputs: ['x'], outputs: ['y'] }],
});

describe('devices', () => {
  it('always offers the CPU, and only devices tidepool knows', () => {
    const devices = availableDevices();
    expect(devices).toContain('cpu');
    for (const device of devices) expect(['cpu', 'webgpu', 'cuda']).toContain(device);
  });

  it('resolves auto to CUDA only when its provider is installed, and says why', () => {
    const { device, reason } = resolveDevice('auto');
    expect(device).toBe(availableDevices().includes('cuda') ? 'cuda' : 'cpu');
    expect(reason).toMatch(/auto/);
    if (device === 'cpu') expect(reason).toMatch(/WebGPU is used only when requested/);
    expect(resolveDevice('cpu')).toEqual({ device: 'cpu', reason: 'cpu was requested' });
  });

  it('takes CUDA only where its provider is installed, and otherwise refuses it naming what is available and what to install', async () => {
    // No skip: where the provider is installed (not on this project's machines) the acceptance is checked instead.
    if (availableDevices().includes('cuda')) {
      expect(resolveDevice('cuda').device).toBe('cuda');
      return;
    }
    const failure = OnnxSession.create(IDENTITY, { device: 'cuda' });
    await expect(failure).rejects.toMatchObject({ code: 'E_DEVICE_UNAVAILABLE' });
    await expect(failure).rejects.toThrow(/available: cpu.*ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules\/onnxruntime-node\/script\/install\.js/s);
    expect(() => resolveDevice('cuda')).toThrow(expect.objectContaining({ code: 'E_DEVICE_UNAVAILABLE' }) as Error);
  });

  it('runs on the CPU and lists the model inputs and outputs', async () => {
    const session = await OnnxSession.create(IDENTITY, { device: 'cpu' });
    expect([session.inputNames, session.outputNames]).toEqual([['x'], ['y']]);
    const { y } = await session.run({ x: { data: Float32Array.of(1, 2), dims: [2] } }, ['y']);
    expect(Array.from(y!)).toEqual([1, 2]);
    await session.release();
  });
});
