/** Which model `embed` (and `decontam`) runs: the built-in hashing embedder, a static (model2vec) model folder, an ONNX model folder on a device, or remote `/v1/embeddings` servers. */
import { resolve } from 'node:path';
import { TidepoolError } from '../errors.js';
import { readCpuFeatures } from '../backends/cpu-features.js';
import { resolveDevice } from '../backends/onnx/session.js';
import type { ProgressSink } from '../util/progress.js';
import { hashingModelKey, type HashingParams } from './hashing/index.js';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { looksLikeHubId } from '../util/hub-id.js';
import { resolveHubModel, type ResolvedHubModel } from './hub/resolve.js';
import { hubSettingsFromEnv } from './hub/settings.js';
import { loadModelFolder } from './onnx/model-folder.js';
import { FP32_VARIANT } from './onnx/variants.js';
import type { ResolvedModelOptions } from './options.js';
import type { OnnxModelSpec, StaticModelSpec } from './protocol.js';
import { isStaticModelFolder, loadStaticModelFolder } from './static/model-folder.js';
import { resolveEndpointModel, type EndpointModel } from './endpoint/resolve.js';

/** Default tokens per model call on the CPU: a few rows of similar length, cache-sized. */
export const CPU_BATCH_TOKENS = 1024;
/** Default tokens per model call on a GPU, which needs large batches to fill. */
export const GPU_BATCH_TOKENS = 16384;

/** A resolved model: what workers load, and how it is named in manifests and the resume key. */
export type EmbedModel =
  | { kind: 'hashing'; params: HashingParams; dim: number; key: string; device: 'cpu'; maxLength: null; describe: Record<string, unknown> }
  | { kind: 'static'; spec: StaticModelSpec; dim: number; key: string; device: 'cpu'; maxLength: number; describe: Record<string, unknown> }
  | { kind: 'onnx'; spec: OnnxModelSpec; dim: number; key: string; device: OnnxModelSpec['device']; maxLength: number; describe: Record<string, unknown> }
  | EndpointModel;

/** A Hub id that is not a local path, resolved through the Hugging Face cache; undefined for a local folder. */
async function resolveHubId(options: ResolvedModelOptions, log: ProgressSink | undefined): Promise<ResolvedHubModel | undefined> {
  if (!looksLikeHubId(options.model) || existsSync(options.model)) return undefined;
  const settings = options.hub ?? hubSettingsFromEnv({}, homedir());
  const resolved = await resolveHubModel(options.model, settings, { log: (line) => log?.write(`embed: ${line}\n`), progress: log });
  log?.write(`embed: ${options.model} is ${resolved.repo}@${resolved.commit} in ${resolved.dir}${resolved.downloaded.length === 0 ? ' (cached)' : ''}\n`);
  return resolved;
}

/** Checks the model folder (or the hashing parameters) and picks the device; notes go to `log`. */
export async function resolveEmbedModel(options: ResolvedModelOptions, log: ProgressSink | undefined): Promise<EmbedModel> {
  if (options.hashing !== undefined) {
    const params = options.hashing;
    return { kind: 'hashing', params, dim: params.dim, key: hashingModelKey(params), device: 'cpu', maxLength: null, describe: { name: 'hashing', ...params } };
  }
  // Remote servers: `model` names what they serve, never a folder.
  if (options.endpoint !== undefined) return resolveEndpointModel(options.model, options.endpoint, log);
  // A local static model folder first: the Hub path fetches ONNX models only.
  if (await isStaticModelFolder(resolve(options.model))) return resolveStaticModel(options, log);
  const hub = await resolveHubId(options, log);
  // The device first: `--variant auto` prefers fp16 on a GPU and the int8 export for this CPU on the CPU.
  const { device, reason } = resolveDevice(options.device);
  const target = { device, cpu: options.cpu ?? readCpuFeatures() };
  const folder = await loadModelFolder(hub?.dir ?? options.model, { ...(options.maxLength === undefined ? {} : { maxLength: options.maxLength }), variant: options.variant, target });
  // A snapshot folder is named by its commit: the Hub id is the name people know.
  const name = hub === undefined ? folder.name : hub.repo;
  const source = hub === undefined ? {} : { hub: { repo: hub.repo, revision: hub.revision, commit: hub.commit } };
  for (const note of [...folder.notes, `device ${device}: ${reason}`]) log?.write(`embed: ${note}\n`);
  const batchTokens = options.batchTokens ?? (device === 'cpu' ? CPU_BATCH_TOKENS : GPU_BATCH_TOKENS);
  const spec: OnnxModelSpec = { dir: folder.dir, maxLength: folder.maxLength, device, batchTokens, variant: folder.onnxVariant };
  // model.onnx keeps the key it had before variants existed, so earlier runs still resume.
  const variantKey = folder.onnxVariant === FP32_VARIANT ? '' : `:variant=${folder.onnxVariant}`;
  return {
    kind: 'onnx',
    spec,
    dim: folder.hiddenSize,
    key: `onnx:${name}:sha256=${folder.onnxSha256}:pooling=${folder.pooling}:normalize=${String(folder.normalize)}:maxLength=${folder.maxLength}${variantKey}`,
    device,
    maxLength: folder.maxLength,
    describe: { name, ...source, dir: folder.dir, onnx: folder.onnxPath, variant: folder.onnxVariant, sha256: folder.onnxSha256, pooling: folder.pooling, normalize: folder.normalize, maxLength: folder.maxLength, dim: folder.hiddenSize },
  };
}

/** A static model folder (no ONNX file, a model.safetensors with static vectors): always the CPU, where a lookup and a mean are cheapest. */
async function resolveStaticModel(options: ResolvedModelOptions, log: ProgressSink | undefined): Promise<EmbedModel> {
  if (options.device !== 'auto' && options.device !== 'cpu') {
    throw new TidepoolError('E_USAGE', `${resolve(options.model)} is a static embedding model (a table lookup and a mean), which runs on the CPU only; drop --device ${options.device} or pass --device cpu.`, { device: options.device });
  }
  const folder = await loadStaticModelFolder(options.model, options.maxLength === undefined ? {} : { maxLength: options.maxLength });
  log?.write(`embed: static model ${folder.name} (${folder.layout} layout, ${folder.rows} x ${folder.dim} ${folder.dtype}${folder.hasWeights ? ', token weights' : ''}${folder.hasMapping ? ', token mapping' : ''}), max ${folder.maxLength} tokens, on the CPU\n`);
  return {
    kind: 'static',
    spec: { dir: folder.dir, maxLength: folder.maxLength },
    dim: folder.dim,
    key: `static:${folder.name}:sha256=${folder.safetensorsSha256}:normalize=${String(folder.normalize)}:maxLength=${folder.maxLength}`,
    device: 'cpu',
    maxLength: folder.maxLength,
    describe: { name: folder.name, kind: 'static', dir: folder.dir, layout: folder.layout, safetensors: folder.safetensorsPath, sha256: folder.safetensorsSha256, dtype: folder.dtype, weights: folder.hasWeights, mapping: folder.hasMapping, normalize: folder.normalize, maxLength: folder.maxLength, dim: folder.dim },
  };
}
