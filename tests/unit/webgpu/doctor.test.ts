import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AdapterDescription } from '../../../src/backends/webgpu/device.js';
import type { DoctorFacts, OnnxFact, WebGpuFact } from '../../../src/doctor/facts.js';
import { summarizeDawnOutput } from '../../../src/doctor/dawn-messages.js';
import { gatherDoctorFacts, probeVulkan, SWIFTSHADER_ICD } from '../../../src/doctor/probe.js';
import { buildDoctorReport, formatDoctorReport } from '../../../src/doctor/report.js';
import { tempDir } from '../../helpers/files.js';

const limits = { maxBufferSize: 2 ** 31, maxStorageBufferBindingSize: 2 ** 31, maxComputeWorkgroupsPerDimension: 65_535, maxComputeWorkgroupStorageSize: 32_768, maxComputeInvocationsPerWorkgroup: 1024, maxStorageBuffersPerShaderStage: 10 };
const swiftshader: AdapterDescription = { vendor: 'google', architecture: 'swiftshader', device: 'swiftshader-device-subzero-', description: 'SwiftShader driver 5.0.0', backend: 'vulkan', isFallbackAdapter: true, shaderF16: false, features: [], limits };
const nvidia: AdapterDescription = { vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H100', description: 'NVIDIA: 550.54', backend: 'vulkan', isFallbackAdapter: false, shaderF16: true, features: ['shader-f16'], limits };
const onnxCpu: OnnxFact = { loaded: true, version: '1.30.0', available: ['cpu', 'webgpu'], cudaProvider: { path: '/x/libonnxruntime_providers_cuda.so', present: false } };
const noAdapter: WebGpuFact = { loaded: true, adapters: [], preferred: null, failure: 'requestAdapter() found no adapter', dawnMessages: [] };

function facts(overrides: Partial<DoctorFacts>): DoctorFacts {
  return {
    platform: 'linux', arch: 'x64', node: 'v20.0.0',
    webgpu: noAdapter,
    onnx: onnxCpu,
    vulkan: { override: null, icds: [], icdFolders: ['/usr/share/vulkan/icd.d'], loader: '/usr/lib/x86_64-linux-gnu/libvulkan.so.1', loaderSearched: [], swiftshaderIcd: null },
    nvidiaDriver: null,
    hubCache: null,
    endpoints: null,
    ...overrides,
  };
}

describe('doctor report (pure)', () => {
  it('no driver at all: says what to install for AMD/Intel, NVIDIA and CPU-only testing', () => {
    const report = buildDoctorReport(facts({ vulkan: { override: null, icds: [], icdFolders: [], loader: null, loaderSearched: ['/usr/lib'], swiftshaderIcd: null } }));
    expect(report.status.webgpu).toBe('none');
    const advice = report.advice.join('\n');
    expect(advice).toContain('apt-get install libvulkan1`');
    expect(advice).toContain('mesa-vulkan-drivers');
    expect(advice).toContain('libnvidia-gl-');
    expect(advice).toContain('VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json');
    expect(formatDoctorReport(report)).toContain('libvulkan.so.1 not found (searched /usr/lib)');
  });

  it('NVIDIA kernel driver without its Vulkan ICD: names the ICD package, and the override hiding it', () => {
    const report = buildDoctorReport(facts({
      nvidiaDriver: 'NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.15',
      vulkan: { override: { name: 'VK_ICD_FILENAMES', value: '/nope.json' }, icds: [{ path: '/nope.json', source: 'env', exists: false, libraryPath: null, resolvedLibrary: null, libraryExists: null }], icdFolders: [], loader: '/lib/libvulkan.so.1', loaderSearched: [], swiftshaderIcd: null },
    }));
    const advice = report.advice.join('\n');
    expect(advice).toContain('VK_ICD_FILENAMES names /nope.json, which does not exist');
    expect(advice).toMatch(/NVIDIA driver is loaded .* Vulkan ICD is not installed/);
    expect(advice).toContain('hides the system ICDs');
    expect(advice).toContain('ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js');
  });

  it('a software adapter works but is flagged as slow; a GPU adapter needs no advice', () => {
    const software = buildDoctorReport(facts({ webgpu: { loaded: true, adapters: [{ backend: 'vulkan', name: 'SwiftShader Device (Subzero)', details: swiftshader }], preferred: swiftshader, failure: null, dawnMessages: [] } }));
    expect(software.status.webgpu).toBe('software');
    expect(software.advice.join('\n')).toMatch(/software one .*slow for real runs/);
    const text = formatDoctorReport(software);
    expect(text).toContain('vulkan: SwiftShader Device (Subzero)');
    expect(text).toContain('shader-f16: no');
    expect(text).toContain('storage binding 2 GiB');
    const gpu = buildDoctorReport(facts({ webgpu: { loaded: true, adapters: [{ backend: 'vulkan', name: 'NVIDIA H100', details: nvidia }], preferred: nvidia, failure: null, dawnMessages: [] }, onnx: { ...onnxCpu, available: ['cpu', 'webgpu', 'cuda'] } }));
    expect(gpu.status).toEqual({ webgpu: 'gpu', onnxCuda: true, onnxWebgpu: true });
    expect(gpu.advice).toEqual([]);
    expect(formatDoctorReport(gpu)).toContain('Everything tidepool can use is working.');
  });

  it('Dawn reported problems are printed as short lines under WebGPU', () => {
    const text = formatDoctorReport(buildDoctorReport(facts({ webgpu: { ...noAdapter, dawnMessages: ['Vulkan found no driver it could load'] } })));
    expect(text).toContain('  Dawn reported: Vulkan found no driver it could load\n');
  });

  it('packages that fail to load are reported, not thrown', () => {
    const report = buildDoctorReport(facts({ webgpu: { loaded: false, error: 'dawn.node: cannot open shared object' }, onnx: { loaded: false, error: 'binding missing' }, vulkan: null, platform: 'darwin' }));
    expect(report.advice.join('\n')).toMatch(/webgpu package did not load .*npm install webgpu/);
    expect(report.advice.join('\n')).toMatch(/onnxruntime-node did not load/);
    expect(formatDoctorReport(report)).not.toContain('Vulkan\n');
  });
});

describe('doctor probes (real files in a fake root)', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir: root, cleanup } = await tempDir('tidepool-doctor-')));
  afterEach(async () => cleanup());

  async function put(path: string, text = ''): Promise<void> {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), text);
  }

  it('reads system ICD manifests, resolves their libraries, and finds the loader', async () => {
    await put('/usr/share/vulkan/icd.d/radeon_icd.x86_64.json', JSON.stringify({ ICD: { library_path: '/usr/lib/x86_64-linux-gnu/libvulkan_radeon.so' } }));
    await put('/usr/lib/x86_64-linux-gnu/libvulkan_radeon.so');
    await put('/etc/vulkan/icd.d/nvidia_icd.json', JSON.stringify({ ICD: { library_path: 'libGLX_nvidia.so.0' } }));
    await put('/usr/share/vulkan/icd.d/broken.json', JSON.stringify({ ICD: { library_path: '/usr/lib/gone.so' } }));
    await put('/usr/lib64/libvulkan.so.1');
    const vulkan = probeVulkan({}, root);
    expect(vulkan.override).toBeNull();
    expect(vulkan.loader).toBe('/usr/lib64/libvulkan.so.1');
    expect(vulkan.icds).toEqual([
      { path: '/etc/vulkan/icd.d/nvidia_icd.json', source: 'system', exists: true, libraryPath: 'libGLX_nvidia.so.0', resolvedLibrary: null, libraryExists: null },
      { path: '/usr/share/vulkan/icd.d/broken.json', source: 'system', exists: true, libraryPath: '/usr/lib/gone.so', resolvedLibrary: '/usr/lib/gone.so', libraryExists: false },
      { path: '/usr/share/vulkan/icd.d/radeon_icd.x86_64.json', source: 'system', exists: true, libraryPath: '/usr/lib/x86_64-linux-gnu/libvulkan_radeon.so', resolvedLibrary: '/usr/lib/x86_64-linux-gnu/libvulkan_radeon.so', libraryExists: true },
    ]);
  });

  it('an override replaces the system ICDs; relative library paths resolve against the manifest', async () => {
    await put('/usr/share/vulkan/icd.d/radeon_icd.json', JSON.stringify({ ICD: { library_path: 'libvulkan_radeon.so' } }));
    await put('/opt/chromium/vk_swiftshader_icd.json', JSON.stringify({ ICD: { library_path: './libvk_swiftshader.so' } }));
    await put('/opt/chromium/libvk_swiftshader.so');
    await put('/custom/lib/libvulkan.so.1');
    const vulkan = probeVulkan({ VK_ICD_FILENAMES: '/opt/chromium/vk_swiftshader_icd.json:/missing.json', LD_LIBRARY_PATH: '/custom/lib' }, root);
    expect(vulkan.override).toEqual({ name: 'VK_ICD_FILENAMES', value: '/opt/chromium/vk_swiftshader_icd.json:/missing.json' });
    expect(vulkan.loader).toBe('/custom/lib/libvulkan.so.1');
    expect(vulkan.icds.map((icd) => [icd.path, icd.exists, icd.resolvedLibrary, icd.libraryExists])).toEqual([
      ['/opt/chromium/vk_swiftshader_icd.json', true, '/opt/chromium/libvk_swiftshader.so', true],
      ['/missing.json', false, null, null],
    ]);
  });

  it('chromium\'s SwiftShader present but not selected: the advice sets VK_ICD_FILENAMES instead of installing chromium', async () => {
    await put(SWIFTSHADER_ICD, JSON.stringify({ ICD: { library_path: './libvk_swiftshader.so' } }));
    await put('/usr/lib/x86_64-linux-gnu/libvulkan.so.1');
    const vulkan = probeVulkan({}, root);
    expect(vulkan.swiftshaderIcd).toBe('/usr/lib/chromium/vk_swiftshader_icd.json');
    const advice = buildDoctorReport(facts({ vulkan })).advice.join('\n');
    expect(advice).toContain('`export VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json`');
    expect(advice).not.toContain('apt-get install chromium');
    // Without it, installing chromium is the advice.
    const bare = probeVulkan({}, join(root, 'elsewhere'));
    expect(bare.swiftshaderIcd).toBeNull();
    expect(buildDoctorReport(facts({ vulkan: bare })).advice.join('\n')).toContain('apt-get install chromium libvulkan1');
  });

  it('gathers facts with injected WebGPU and onnxruntime probes, and the NVIDIA driver line', async () => {
    await put('/proc/driver/nvidia/version', 'NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.15\nGCC version: 12\n');
    const gathered = await gatherDoctorFacts({ env: {}, root, platform: 'linux', webgpu: () => Promise.resolve(noAdapter), onnx: () => Promise.resolve(onnxCpu) });
    expect(gathered.nvidiaDriver).toBe('NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.15');
    expect(gathered.vulkan?.icds).toEqual([]);
    const elsewhere = await gatherDoctorFacts({ env: {}, root, platform: 'darwin', webgpu: () => Promise.resolve(noAdapter), onnx: () => Promise.resolve(onnxCpu) });
    expect(elsewhere.vulkan).toBeNull();
  });
});

describe('Dawn output', () => {
  // What Dawn (webgpu 0.6) prints when the Vulkan loader finds no driver: twice, with its build path.
  const raw = [
    'Warning: vkCreateInstance: Found no drivers!',
    'Warning: vkCreateInstance failed with VK_ERROR_INCOMPATIBLE_DRIVER',
    '    at CheckVkSuccessImpl (/home/runner/work/node-webgpu/node-webgpu/third_party/dawn/src/dawn/native/vulkan/VulkanError.cpp:106)',
    '',
  ].join('\n');

  it('becomes one short explanation, without stack locations or build paths', () => {
    const lines = summarizeDawnOutput(`${raw}\n${raw}`);
    expect(lines).toEqual(['Vulkan found no driver it could load (vkCreateInstance: VK_ERROR_INCOMPATIBLE_DRIVER), so Dawn has no Vulkan adapter']);
  });

  it('keeps other messages once each, without paths, shortened, and at most `limit` of them', () => {
    const lines = summarizeDawnOutput(['Warning: loader_get_json: Failed to open JSON file /x.json', 'Error: something odd (/build/dawn/a.cpp:1)', 'Error: something odd (/build/dawn/a.cpp:1)', `Warning: ${'y'.repeat(500)}`, 'a', 'b'].join('\n'), 4);
    expect(lines[0]).toBe('loader_get_json: Failed to open JSON file /x.json');
    expect(lines[1]).toBe('something odd');
    expect(lines[2]!.length).toBeLessThanOrEqual(160);
    expect(lines).toHaveLength(4);
  });
});
