/**
 * The doctor's judgement, pure: from {@link DoctorFacts} to a status, advice a person can act on,
 * and the text `tidepool doctor` prints.
 */
import type { AdapterDescription } from '../backends/webgpu/device.js';
import { SANDBOX_FIX } from '../exec/index.js';
import { formatBytes } from '../util/byte-size.js';
import type { EndpointFact } from './endpoints.js';
import type { DoctorFacts, HubCacheFact, IcdFact } from './facts.js';

/** What `--backend webgpu` would run on. */
export type WebGpuStatus = 'gpu' | 'software' | 'none';

/** The doctor's findings. */
export interface DoctorReport {
  facts: DoctorFacts;
  status: {
    /** `gpu`: a hardware adapter; `software`: only a CPU implementation (SwiftShader, llvmpipe); `none`. */
    webgpu: WebGpuStatus;
    /** Whether `embed --device cuda` can run. */
    onnxCuda: boolean;
    /** Whether `embed --device webgpu` can run: in this onnxruntime-node build, with an adapter to run on. */
    onnxWebgpu: boolean;
  };
  /** What to install or change, most important first; empty when everything works. */
  advice: string[];
}

/** The devices `embed --device` names. */
const ONNX_DEVICES = ['cpu', 'webgpu', 'cuda'] as const;

/** What the advice tells people to run (Debian/Ubuntu package names). */
export const INSTALL = {
  loader: '`apt-get install libvulkan1`',
  mesa: '`apt-get install libvulkan1 mesa-vulkan-drivers`',
  nvidia: 'the NVIDIA driver\'s Vulkan ICD (Ubuntu: `apt-get install libnvidia-gl-<driver version>`, which `nvidia-driver-<version>` brings; Debian: `apt-get install nvidia-driver nvidia-vulkan-icd`)',
  swiftshader: '`apt-get install chromium libvulkan1`, then `export VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json`',
  cuda: '`ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js` in the tidepool folder (downloads the CUDA provider, which `npm ci` leaves out; needs the CUDA 12 and cuDNN 9 libraries on the library path)',
} as const;

function isSoftware(adapter: AdapterDescription): boolean {
  return adapter.isFallbackAdapter || /swiftshader|llvmpipe|lavapipe|software/i.test(`${adapter.architecture} ${adapter.device} ${adapter.description}`);
}

/** Judges the facts. */
export function buildDoctorReport(facts: DoctorFacts): DoctorReport {
  const advice: string[] = [];
  const { webgpu, onnx, vulkan } = facts;
  const linux = facts.platform === 'linux';
  let status: WebGpuStatus = 'none';
  if (!webgpu.loaded) {
    advice.push(`The webgpu package did not load (${webgpu.error}). Reinstall it with \`npm install webgpu\`; prebuilt binaries exist for Linux x64/arm64, macOS and Windows.`);
  } else if (webgpu.preferred !== null) {
    status = isSoftware(webgpu.preferred) ? 'software' : 'gpu';
  }
  if (linux && vulkan !== null && status !== 'gpu') {
    if (vulkan.loader === null) advice.push(`The Vulkan loader (libvulkan.so.1) is missing: ${INSTALL.loader}.`);
    if (vulkan.override !== null) {
      for (const icd of vulkan.icds.filter((entry) => entry.source === 'env' && !entry.exists)) advice.push(`${vulkan.override.name} names ${icd.path}, which does not exist: fix or unset it.`);
    }
    for (const icd of vulkan.icds.filter((entry) => entry.exists && entry.libraryExists === false)) advice.push(`The Vulkan ICD ${icd.path} points to ${icd.resolvedLibrary ?? icd.libraryPath ?? '?'}, which does not exist: reinstall its driver package.`);
    const hasNvidiaIcd = vulkan.icds.some((icd) => /nvidia/i.test(`${icd.path} ${icd.libraryPath ?? ''}`));
    if (facts.nvidiaDriver !== null && !hasNvidiaIcd) {
      advice.push(`The NVIDIA driver is loaded (${facts.nvidiaDriver}) but its Vulkan ICD is not installed: install ${INSTALL.nvidia}.${vulkan.override === null ? '' : ` ${vulkan.override.name} is set and hides the system ICDs: unset it.`}`);
    } else if (vulkan.icds.filter((icd) => icd.exists).length === 0) {
      // Chromium's SwiftShader sits outside the loader's folders: when it is there, say how to use it, not how to install it.
      const cpuVulkan = vulkan.swiftshaderIcd === null
        ? `SwiftShader, a CPU Vulkan, comes with Debian's chromium: ${INSTALL.swiftshader}`
        : `SwiftShader, a CPU Vulkan, is installed (with chromium) but the loader only uses it when told to: \`export VK_ICD_FILENAMES=${vulkan.swiftshaderIcd}\``;
      advice.push(`No Vulkan driver (ICD) is installed. AMD or Intel GPU: ${INSTALL.mesa}. NVIDIA GPU: ${INSTALL.nvidia}. No GPU (CI, tests): ${cpuVulkan}.`);
    }
  }
  if (webgpu.loaded && status === 'none') {
    advice.push(`No WebGPU adapter was found${webgpu.failure === null ? '' : ` (${webgpu.failure})`}: \`select --backend webgpu\` cannot run; use --backend cpu${linux ? '' : ', or update the GPU driver'}.`);
  }
  if (status === 'software') {
    advice.push(`The only WebGPU adapter is a software one (${describe(webgpu.loaded ? webgpu.preferred : null)}): right for tests, slow for real runs. Install a GPU driver for speed (${linux ? `AMD/Intel: ${INSTALL.mesa}; NVIDIA: ${INSTALL.nvidia}` : 'your GPU vendor\'s driver'}).`);
  }
  let onnxCuda = false;
  let onnxWebgpu = false;
  if (!onnx.loaded) {
    advice.push(`onnxruntime-node did not load (${onnx.error}): reinstall the dependencies with \`npm ci\` in the tidepool folder.`);
  } else {
    onnxCuda = onnx.available.includes('cuda');
    // onnxruntime bundles its own Dawn, on the same drivers: no adapter above, no adapter there.
    onnxWebgpu = onnx.available.includes('webgpu') && status !== 'none';
    if (!onnxCuda && facts.nvidiaDriver !== null) {
      advice.push(`\`embed --device cuda\` needs onnxruntime-node's CUDA provider, which is not installed (${onnx.cudaProvider.path}): ${INSTALL.cuda}.`);
    }
  }
  for (const endpoint of facts.endpoints ?? []) {
    const failure = endpoint.probe?.ok === false ? endpoint.probe.failure : !endpoint.models.ok && endpoint.probe === null ? endpoint.models.failure : null;
    if (failure !== null) advice.push(`The embedding server ${endpoint.url} ${failure.kind === 'other' ? 'failed' : 'did not work'}: ${failure.message}.`);
  }
  if (facts.fileMapping?.ok === false) advice.push(`\`select\` reads .npy inputs into memory instead of mapping them (slower to load): ${facts.fileMapping.reason}.`);
  if (facts.sandbox?.ok === false) advice.push(`Generated code cannot run in the sandbox here (${facts.sandbox.reason}): \`generate --execute\` refuses to run. ${SANDBOX_FIX}`);
  return { facts, status: { webgpu: status, onnxCuda, onnxWebgpu }, advice };
}

/** The sandbox section of the printed report. */
function sandboxLines(sandbox: NonNullable<DoctorFacts['sandbox']>): string[] {
  return [
    'Sandbox (bubblewrap), used by `generate --execute`',
    sandbox.ok
      ? `  works: bubblewrap ${sandbox.version}; a test program ran with no network, a read-only system, no home and no environment, under resource limits`
      : `  does not work: ${sandbox.reason}`,
    ...(sandbox.ok && sandbox.warm !== undefined
      ? [sandbox.warm === null ? '  warm sandboxes work: programs run one after another in kept sandboxes, cleaned between them' : `  warm sandboxes do not work (${sandbox.warm}): each program gets a new sandbox (slower, as safe)`]
      : []),
    ...(sandbox.ok && sandbox.warm === null && sandbox.javascript !== undefined
      ? [sandbox.javascript.mode === 'forked' ? '  JavaScript programs are forked from a started Node (the fork server, native/fork)' : `  JavaScript programs each start a new Node (about 2x slower, as safe): ${sandbox.javascript.reason}`]
      : []),
  ];
}

function describe(adapter: AdapterDescription | null): string {
  if (adapter === null) return 'none';
  return adapter.description || [adapter.vendor, adapter.architecture, adapter.device].filter((part) => part !== '').join(' ') || 'unnamed adapter';
}

function bytes(value: number): string {
  if (value >= 2 ** 30 && value % 2 ** 30 === 0) return `${value / 2 ** 30} GiB`;
  if (value >= 2 ** 20 && value % 2 ** 20 === 0) return `${value / 2 ** 20} MiB`;
  if (value >= 2 ** 10 && value % 2 ** 10 === 0) return `${value / 2 ** 10} KiB`;
  return `${value} B`;
}

function adapterLines(adapter: AdapterDescription): string[] {
  const { limits } = adapter;
  return [
    `${describe(adapter)} (vendor ${adapter.vendor || '?'}, architecture ${adapter.architecture || '?'}${isSoftware(adapter) ? ', software' : ''}), shader-f16: ${adapter.shaderF16 ? 'yes' : 'no'}`,
    `limits: buffer ${bytes(limits.maxBufferSize)}, storage binding ${bytes(limits.maxStorageBufferBindingSize)}, workgroups/dimension ${limits.maxComputeWorkgroupsPerDimension}, workgroup memory ${bytes(limits.maxComputeWorkgroupStorageSize)}, invocations/workgroup ${limits.maxComputeInvocationsPerWorkgroup}`,
  ];
}

function hubCacheLines(cache: HubCacheFact): string[] {
  const lines = ['Hugging Face cache, used by `embed --model org/name[@revision]` (shared with Python\'s huggingface_hub)'];
  lines.push(`  location: ${cache.cacheDir}${cache.exists ? '' : ' (not created yet: the first Hub download creates it)'} (HF_HUB_CACHE, else HF_HOME/hub, else XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub)`);
  lines.push(`  endpoint: ${cache.endpoint}${cache.offline ? ' (offline: HF_HUB_OFFLINE is set, only cached models are used)' : ''}`);
  if (cache.repos.length === 0) lines.push('  models: none cached');
  for (const repo of cache.repos) {
    const refs = Object.entries(repo.refs).map(([name, commit]) => `${name} -> ${commit.slice(0, 12)}`);
    const partial = repo.incompleteBytes > 0 ? `, ${formatBytes(repo.incompleteBytes)} in unfinished downloads` : '';
    lines.push(`  - ${repo.repo}: ${formatBytes(repo.bytes)}${partial}; revisions: ${refs.length === 0 ? 'none (commits only)' : refs.join(', ')}; snapshots: ${repo.snapshots.length === 0 ? 'none' : repo.snapshots.map((commit) => commit.slice(0, 12)).join(', ')}`);
  }
  return lines;
}

/** Model ids shown per server: OpenAI's API lists about a hundred. */
const MODELS_SHOWN = 10;

function endpointLines(endpoints: readonly EndpointFact[]): string[] {
  const lines = ['Embedding servers, used by `embed --endpoint` (OpenAI-compatible /v1/embeddings)'];
  for (const endpoint of endpoints) {
    lines.push(`  - ${endpoint.url}`);
    if (endpoint.models.ok) {
      const { ids } = endpoint.models;
      const more = ids.length > MODELS_SHOWN ? `, and ${ids.length - MODELS_SHOWN} more` : '';
      lines.push(`      answers: yes; models: ${ids.length === 0 ? 'none listed' : `${ids.slice(0, MODELS_SHOWN).join(', ')}${more}`}`);
    } else {
      lines.push(`      GET /v1/models: ${endpoint.models.failure.message}`);
    }
    const { probe } = endpoint;
    if (probe === null) lines.push('      embeddings: not probed (pass --model NAME to embed one text)');
    else if (probe.ok) lines.push(`      embeddings with ${probe.model}: ok, ${probe.dim} dimensions, ${probe.latencyMs} ms for one text`);
    else lines.push(`      embeddings with ${probe.model}: ${probe.failure.message}`);
  }
  return lines;
}

function icdLine(icd: IcdFact): string {
  if (!icd.exists) return `${icd.path} (missing)`;
  const library = icd.resolvedLibrary ?? icd.libraryPath ?? 'unreadable manifest';
  const state = icd.libraryExists === null ? ' (looked up on the library path)' : icd.libraryExists ? '' : ' (missing)';
  return `${icd.path} -> ${library}${state}`;
}

/** The report as the text `tidepool doctor` prints. */
export function formatDoctorReport(report: DoctorReport): string {
  const { facts } = report;
  const lines: string[] = [`tidepool doctor: ${facts.platform} ${facts.arch}, node ${facts.node}`, ''];
  lines.push('WebGPU (Dawn, the webgpu package), used by `select --backend webgpu`');
  if (!facts.webgpu.loaded) {
    lines.push(`  not loaded: ${facts.webgpu.error}`);
  } else {
    if (facts.webgpu.adapters.length === 0) lines.push('  adapters: none');
    for (const adapter of facts.webgpu.adapters) {
      lines.push(`  - ${adapter.backend}: ${adapter.name}`);
      if ('error' in adapter.details) lines.push(`      could not open: ${adapter.details.error}`);
      else for (const line of adapterLines(adapter.details)) lines.push(`      ${line}`);
    }
    lines.push(`  select --backend webgpu uses: ${facts.webgpu.preferred === null ? `nothing${facts.webgpu.failure === null ? '' : ` (${facts.webgpu.failure})`}` : describe(facts.webgpu.preferred)}`);
    for (const message of facts.webgpu.dawnMessages) lines.push(`  Dawn reported: ${message}`);
  }
  if (facts.vulkan !== null) {
    const { vulkan } = facts;
    lines.push('', 'Vulkan');
    lines.push(`  loader: ${vulkan.loader ?? `libvulkan.so.1 not found (searched ${vulkan.loaderSearched.join(', ')})`}`);
    lines.push(`  ICDs${vulkan.override === null ? ` (from ${vulkan.icdFolders.join(', ')})` : ` (${vulkan.override.name}=${vulkan.override.value})`}:${vulkan.icds.length === 0 ? ' none' : ''}`);
    for (const icd of vulkan.icds) lines.push(`    ${icdLine(icd)}`);
    lines.push(`  NVIDIA kernel driver: ${facts.nvidiaDriver ?? 'not loaded'}`);
  }
  lines.push('', 'onnxruntime-node, used by `embed --device`');
  if (!facts.onnx.loaded) {
    lines.push(`  not loaded: ${facts.onnx.error}`);
  } else {
    const { onnx } = facts;
    lines.push(`  version ${onnx.version}`);
    for (const device of ONNX_DEVICES) {
      const why = !onnx.available.includes(device)
        ? device === 'cuda' ? `not installed (no ${onnx.cudaProvider.path})` : 'not in this build'
        : device === 'webgpu' && report.status.webgpu === 'none' ? 'in this build, but there is no WebGPU adapter to run on (see above)' : 'available';
      lines.push(`  --device ${device}: ${why}`);
    }
  }
  if (facts.hubCache !== null) lines.push('', ...hubCacheLines(facts.hubCache));
  if (facts.endpoints !== null) lines.push('', ...endpointLines(facts.endpoints));
  if (facts.fileMapping !== undefined) {
    lines.push('', 'File mapping (native/mmap), used by `select`');
    lines.push(facts.fileMapping.ok ? '  works: a float32 .npy input is read in place, from the page cache' : `  not available: ${facts.fileMapping.reason}`);
  }
  if (facts.sandbox !== undefined && facts.sandbox !== null) lines.push('', ...sandboxLines(facts.sandbox));
  lines.push('', report.advice.length === 0 ? 'Everything tidepool can use is working.' : 'What to do:');
  for (const item of report.advice) lines.push(`  - ${item}`);
  return `${lines.join('\n')}\n`;
}
