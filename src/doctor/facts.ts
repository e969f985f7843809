/** What `tidepool doctor` finds out about a machine: plain data, gathered by probe.ts, judged by report.ts. */
import type { AdapterDescription } from '../backends/webgpu/device.js';
import type { HubCacheListing } from '../embedders/hub/cache-scan.js';
import type { EndpointFact } from './endpoints.js';
import type { JavascriptMode } from '../exec/warm.js';
import type { MappingSupport } from '../store/mapped-file.js';

/** One WebGPU adapter Dawn lists. */
export interface AdapterFact {
  /** Dawn backend: vulkan, metal, d3d12, d3d11, opengl, opengles. */
  backend: string;
  /** Name as Dawn lists it. */
  name: string;
  /** Its description, or the error opening it. */
  details: AdapterDescription | { error: string };
}

/** WebGPU through the `webgpu` package (Dawn). */
export type WebGpuFact =
  | {
    loaded: true;
    /** Every adapter Dawn lists (the null backend aside). */
    adapters: AdapterFact[];
    /** The adapter `requestAdapter({ powerPreference: 'high-performance' })` gives: what `--backend webgpu` uses. */
    preferred: AdapterDescription | null;
    /** Why there is no preferred adapter. */
    failure: string | null;
    /**
     * What Dawn printed while probing, boiled down to one short line per distinct problem (its raw
     * lines carry Dawn's own build paths and repeat once per instance).
     */
    dawnMessages: string[];
  }
  | { loaded: false; error: string };

/** onnxruntime-node's execution providers (what `embed --device` can use). */
export type OnnxFact =
  | {
    loaded: true;
    version: string;
    /** Devices tidepool can use now, of cpu, webgpu and cuda (CUDA needs its provider library installed). */
    available: string[];
    /** Where the CUDA provider library must be, and whether it is there. */
    cudaProvider: { path: string; present: boolean };
  }
  | { loaded: false; error: string };

/** A Vulkan ICD manifest (`*.json` naming a driver library). */
export interface IcdFact {
  /** The manifest file. */
  path: string;
  /** Where it was found: a VK_ICD_FILENAMES / VK_DRIVER_FILES entry, or a system ICD folder. */
  source: 'env' | 'system';
  /** Whether the manifest exists. */
  exists: boolean;
  /** `ICD.library_path` as written, or null when unreadable. */
  libraryPath: string | null;
  /** The library resolved to a file, when the path is absolute or relative to the manifest. */
  resolvedLibrary: string | null;
  /** Whether the resolved library exists (null: a bare name, looked up on the library path by the loader). */
  libraryExists: boolean | null;
}

/** The Vulkan side of a Linux machine. */
export interface VulkanFact {
  /** The environment variable that overrides the ICD search, and its value. */
  override: { name: string; value: string } | null;
  /** Manifests the loader will read: the override's entries, else the system folders' files. */
  icds: IcdFact[];
  /** The system folders searched. */
  icdFolders: string[];
  /** The Vulkan loader library (libvulkan.so.1), if found. */
  loader: string | null;
  /** Folders searched for the loader. */
  loaderSearched: string[];
  /**
   * Chromium's SwiftShader ICD (a CPU Vulkan driver) when it is installed, else null: the loader
   * only uses it when VK_ICD_FILENAMES names it.
   */
  swiftshaderIcd: string | null;
}

/** The Hugging Face cache `--model org/name` reads and fills (the token is left out: this is printed). */
export interface HubCacheFact extends HubCacheListing {
  /** Where missing files come from (HF_ENDPOINT). */
  endpoint: string;
  /** HF_HUB_OFFLINE: the cache only. */
  offline: boolean;
}

/** Everything the doctor knows. */
export interface DoctorFacts {
  platform: string;
  arch: string;
  node: string;
  webgpu: WebGpuFact;
  onnx: OnnxFact;
  /** Linux only (elsewhere Dawn uses Metal or Direct3D). */
  vulkan: VulkanFact | null;
  /** The NVIDIA kernel driver's version line (/proc/driver/nvidia/version), when loaded. */
  nvidiaDriver: string | null;
  /** The Hugging Face cache, when the caller passed the Hub settings. */
  hubCache: HubCacheFact | null;
  /** The `/v1/embeddings` servers checked (`doctor --endpoint`, or OPENAI_BASE_URL); null when none was named. */
  endpoints: EndpointFact[] | null;
  /** Whether generated code can run in the bubblewrap sandbox here (`generate --execute`); absent when not probed. */
  sandbox?: SandboxFact | null;
  /** Whether `select` maps its `.npy` inputs (native/mmap) or reads them into memory, and why; absent when not checked. */
  fileMapping?: MappingSupport;
}

/** The sandbox probe's answer: a trivial program ran in the real sandbox, or why it did not. */
/**
 * `warm`: null when warm sandboxes work too, else why not (runs then get a new sandbox each); absent when not checked.
 * `javascript`: how warm sandboxes run JavaScript (forked from a started Node, or a new Node per program and why); absent when not checked.
 */
export type SandboxFact = { ok: true; version: string; warm?: string | null; javascript?: JavascriptMode } | { ok: false; reason: string };
