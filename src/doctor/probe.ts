/**
 * The doctor's shell: asks Dawn for its adapters, onnxruntime-node for its providers, and the file
 * system for the Vulkan loader and ICDs. Each probe reports a failure as data instead of throwing.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scanHubCache } from '../embedders/hub/cache-scan.js';
import type { HubSettings } from '../embedders/hub/settings.js';
import { mappingSupport } from '../store/mapped-file.js';
import { summarizeDawnOutput } from './dawn-messages.js';
import { checkEndpoints, type EndpointCheckSettings } from './endpoints.js';
import type { DoctorFacts, IcdFact, OnnxFact, SandboxFact, VulkanFact, WebGpuFact } from './facts.js';

/** Options of {@link gatherDoctorFacts}. */
export interface ProbeOptions {
  /** The environment (VK_ICD_FILENAMES, VK_DRIVER_FILES, LD_LIBRARY_PATH are read). */
  env: Readonly<Record<string, string | undefined>>;
  /** Prefix of every file path looked at (tests point it at a fake tree). @default '/' */
  root?: string;
  /** The WebGPU probe. @default {@link probeWebGpuInChild} with `env` */
  webgpu?: () => Promise<WebGpuFact>;
  /** The onnxruntime probe. @default {@link probeOnnx} */
  onnx?: () => Promise<OnnxFact>;
  /** @default process.platform */
  platform?: string;
  /** The Hub settings the CLI built (the cache to list); no cache section when absent. */
  hub?: HubSettings;
  /** The embedding servers to check; none when absent or with no URL. */
  endpoints?: EndpointCheckSettings;
  /** The sandbox probe (the CLI passes {@link probeSandbox}); no sandbox section when absent. */
  sandbox?: () => Promise<SandboxFact>;
}

/** Where Debian's chromium package puts SwiftShader's ICD manifest (a CPU Vulkan driver). */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** System folders the Vulkan loader reads ICD manifests from (Linux). */
export const ICD_FOLDERS = ['/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d', '/usr/share/vulkan/icd.d'];

/** Folders searched for libvulkan.so.1 after LD_LIBRARY_PATH. */
export const LIBRARY_FOLDERS = [
  '/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib/aarch64-linux-gnu', '/usr/lib/aarch64-linux-gnu',
  '/lib64', '/usr/lib64', '/lib', '/usr/lib', '/usr/local/lib',
];

/** Everything the doctor reports, gathered. */
export async function gatherDoctorFacts(options: ProbeOptions): Promise<DoctorFacts> {
  const platform = options.platform ?? process.platform;
  const root = options.root ?? '/';
  const webgpuProbe = options.webgpu ?? (() => probeWebGpuInChild(options.env));
  // The servers are asked while the local probes run: their time limits then add nothing to the doctor's time.
  const endpoints = options.endpoints === undefined || options.endpoints.urls.length === 0 ? Promise.resolve(null) : checkEndpoints(options.endpoints);
  const sandbox = options.sandbox === undefined ? Promise.resolve(null) : options.sandbox().catch((error: unknown): SandboxFact => ({ ok: false, reason: (error as Error).message }));
  const [webgpu, onnx] = [await webgpuProbe(), await (options.onnx ?? probeOnnx)()];
  return {
    platform,
    arch: process.arch,
    node: process.version,
    webgpu,
    onnx,
    vulkan: platform === 'linux' ? probeVulkan(options.env, root) : null,
    nvidiaDriver: readFirstLine(join(root, '/proc/driver/nvidia/version')),
    hubCache: options.hub === undefined ? null : { ...(await scanHubCache(options.hub.cacheDir)), endpoint: options.hub.endpoint, offline: options.hub.offline },
    endpoints: await endpoints,
    ...(options.sandbox === undefined ? {} : { sandbox: await sandbox }),
    fileMapping: mappingSupport(),
  };
}

/** Dawn's adapters, and the one `--backend webgpu` would get. */
export async function probeWebGpu(): Promise<WebGpuFact> {
  try {
    const { listAdapters, acquireDevice } = await import('../backends/webgpu/device.js');
    const adapters = await listAdapters();
    try {
      const gpu = await acquireDevice();
      await gpu.destroy();
      return { loaded: true, adapters, preferred: gpu.adapter, failure: null, dawnMessages: [] };
    } catch (error) {
      const failure = (error as { details?: { failure?: unknown } }).details?.failure;
      return { loaded: true, adapters, preferred: null, failure: typeof failure === 'string' ? failure : (error as Error).message, dawnMessages: [] };
    }
  } catch (error) {
    return { loaded: false, error: (error as Error).message };
  }
}

/**
 * {@link probeWebGpu} in a child process (the compiled `webgpu-child.js`), so that what Dawn prints on
 * stderr (raw warnings with its build paths) is caught and summarised into `dawnMessages` instead of
 * reaching the terminal. A child that crashes (Dawn can abort) is reported, not thrown.
 */
export function probeWebGpuInChild(env: Readonly<Record<string, string | undefined>>): Promise<WebGpuFact> {
  return new Promise((done) => {
    execFile(process.execPath, [childScript()], { env: { ...env }, timeout: 120_000, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const lines = stdout.trimEnd().split('\n');
      let fact: WebGpuFact | undefined;
      try {
        fact = JSON.parse(lines.at(-1) ?? '') as WebGpuFact;
      } catch {
        fact = undefined;
      }
      // Dawn may write to stdout too: everything but the JSON line counts as its output.
      const dawnMessages = summarizeDawnOutput(`${lines.slice(0, -1).join('\n')}\n${stderr}`);
      if (fact === undefined) {
        const why = error === null ? 'it printed no result' : typeof error.signal === 'string' ? `it was killed by ${error.signal}` : `it exited with status ${String(error.code)}`;
        done({ loaded: false, error: `the WebGPU probe failed (${why})${dawnMessages.length === 0 ? '' : `: ${dawnMessages.join('; ')}`}` });
        return;
      }
      done(fact.loaded ? { ...fact, dawnMessages } : fact);
    });
  });
}

/** The compiled child script: beside this module in dist/, or in dist/ when this runs from src/ (tests). */
function childScript(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) return here.replace(/[\\/]src[\\/]doctor[\\/]probe\.ts$/, '/dist/doctor/webgpu-child.js');
  return join(dirname(here), 'webgpu-child.js');
}

/** onnxruntime-node's devices (as `embed --device` resolves them) and whether the CUDA provider library is installed. */
export async function probeOnnx(): Promise<OnnxFact> {
  try {
    const { availableDevices } = await import('../backends/onnx/session.js');
    const entry = createRequire(import.meta.url).resolve('onnxruntime-node');
    const packageFolder = join(dirname(entry), '..');
    const { version } = JSON.parse(readFileSync(join(packageFolder, 'package.json'), 'utf8')) as { version: string };
    const library = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
    const path = join(packageFolder, 'bin', 'napi-v6', process.platform, process.arch, library);
    return { loaded: true, version, available: availableDevices(), cudaProvider: { path, present: existsSync(path) } };
  } catch (error) {
    return { loaded: false, error: (error as Error).message };
  }
}

/** The Vulkan loader and the ICD manifests it would read. */
export function probeVulkan(env: Readonly<Record<string, string | undefined>>, root = '/'): VulkanFact {
  const at = (path: string): string => join(root, path);
  const overrideName = ['VK_DRIVER_FILES', 'VK_ICD_FILENAMES'].find((name) => (env[name] ?? '') !== '');
  const override = overrideName === undefined ? null : { name: overrideName, value: env[overrideName]! };
  let manifests: { path: string; source: 'env' | 'system' }[];
  if (override !== null) {
    manifests = override.value.split(':').filter((entry) => entry !== '').map((path) => ({ path, source: 'env' as const }));
  } else {
    manifests = [];
    for (const folder of ICD_FOLDERS) {
      let names: string[] = [];
      try {
        names = readdirSync(at(folder)).filter((name) => name.endsWith('.json')).sort();
      } catch {
        // A missing folder is normal.
      }
      for (const name of names) manifests.push({ path: join(folder, name), source: 'system' });
    }
  }
  const searched = [...(env.LD_LIBRARY_PATH ?? '').split(':').filter((entry) => entry !== ''), ...LIBRARY_FOLDERS];
  const loaderFolder = searched.find((folder) => existsSync(at(join(folder, 'libvulkan.so.1'))));
  return {
    override,
    icds: manifests.map(({ path, source }) => readIcd(path, source, root)),
    icdFolders: ICD_FOLDERS,
    loader: loaderFolder === undefined ? null : join(loaderFolder, 'libvulkan.so.1'),
    loaderSearched: searched,
    swiftshaderIcd: existsSync(at(SWIFTSHADER_ICD)) ? SWIFTSHADER_ICD : null,
  };
}

/** Reads one ICD manifest. */
function readIcd(path: string, source: 'env' | 'system', root: string): IcdFact {
  const file = join(root, path);
  if (!existsSync(file)) return { path, source, exists: false, libraryPath: null, resolvedLibrary: null, libraryExists: null };
  let libraryPath: string | null = null;
  try {
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as { ICD?: { library_path?: unknown } };
    libraryPath = typeof manifest.ICD?.library_path === 'string' ? manifest.ICD.library_path : null;
  } catch {
    libraryPath = null;
  }
  if (libraryPath === null) return { path, source, exists: true, libraryPath, resolvedLibrary: null, libraryExists: false };
  // The loader resolves a path with a slash against the manifest's folder; a bare name on the library path.
  if (!libraryPath.includes('/')) return { path, source, exists: true, libraryPath, resolvedLibrary: null, libraryExists: null };
  const resolvedLibrary = isAbsolute(libraryPath) ? libraryPath : resolve(dirname(path), libraryPath);
  return { path, source, exists: true, libraryPath, resolvedLibrary, libraryExists: existsSync(join(root, resolvedLibrary)) };
}

function readFirstLine(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').split('\n')[0]!.trim() || null;
  } catch {
    return null;
  }
}
