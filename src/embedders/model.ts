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
import { FP32_VARIANT, type VariantTarget } from './onnx/variants.js';
import type { ResolvedModelOptions } from './options.js';
import type { OnnxModelSpec, StaticModelSpec } from './protocol.js';
import { isStaticModelFolder, loadStaticModelFolder } from './static/model-folder.js';
import { staticTokenizerImplementation } from './static/static-tokenizer.js';
import { parseModelJsonObject } from './onnx/folder-files.js';
import { readFile } from 'node:fs/promises';
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

/** A Hub id that is not a local path, resolved through the Hugging Face cache (fetching the variant `target` wants); undefined for a local folder. */
async function resolveHubId(options: ResolvedModelOptions, target: VariantTarget, log: ProgressSink | undefined): Promise<ResolvedHubModel | undefined> {
  if (!looksLikeHubId(options.model) || existsSync(options.model)) return undefined;
  const settings = options.hub ?? hubSettingsFromEnv({}, homedir());
  const resolved = await resolveHubModel(options.model, settings, { log: (line) => log?.write(`embed: ${line}\n`), progress: log, variant: options.variant, target }).catch((error: unknown) => {
    throw alsoNotAFolder(error, options.model);
  });
  log?.write(`embed: ${options.model} is ${resolved.repo}@${resolved.commit} in ${resolved.dir}${resolved.downloaded.length === 0 ? ' (cached)' : ''}\n`);
  for (const note of resolved.notes) log?.write(`embed: ${note}\n`);
  return resolved;
}

/**
 * `a/b` that is no local path is taken for a Hub id (huggingface_hub's rule: an existing path wins), so a
 * mistyped relative folder fails at the Hub; its error then also says that no such folder exists.
 */
function alsoNotAFolder(error: unknown, model: string): unknown {
  if (!(error instanceof TidepoolError) || (error.code !== 'E_MODEL_MISSING' && error.code !== 'E_HUB_UNREACHABLE')) return error;
  const hint = ` (${model} was taken for a Hub id because no folder ${resolve(model)} exists; for a local folder, check the path.)`;
  return new TidepoolError(error.code, `${error.message}${hint}`, { ...error.details }, { cause: error });
}

/** Checks the model folder (or the hashing parameters) and picks the device; notes go to `log`. */
export async function resolveEmbedModel(options: ResolvedModelOptions, log: ProgressSink | undefined): Promise<EmbedModel> {
  if (options.hashing !== undefined) {
    const params = options.hashing;
    return { kind: 'hashing', params, dim: params.dim, key: hashingModelKey(params), device: 'cpu', maxLength: null, describe: { name: 'hashing', ...params } };
  }
  // Remote servers: `model` names what they serve, never a folder.
  if (options.endpoint !== undefined) return resolveEndpointModel(options.model, options.endpoint, log);
  if (await isStaticModelFolder(resolve(options.model))) return resolveStaticModel(options.model, undefined, options, log);
  // The device first: `--variant auto` prefers fp16 on a GPU and the int8 export for this CPU on the CPU, and a Hub download fetches only that file.
  const { device, reason } = resolveDevice(options.device);
  const target: VariantTarget = { device, cpu: options.cpu ?? readCpuFeatures() };
  const hub = await resolveHubId(options, target, log);
  if (hub?.kind === 'static') return resolveStaticModel(hub.dir, hub, options, log);
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

/** A static model folder (no ONNX file, a model.safetensors with static vectors), local or a Hub snapshot: always the CPU, where a lookup and a mean are cheapest. */
async function resolveStaticModel(dir: string, hub: ResolvedHubModel | undefined, options: ResolvedModelOptions, log: ProgressSink | undefined): Promise<EmbedModel> {
  if (options.device !== 'auto' && options.device !== 'cpu') {
    throw new TidepoolError('E_USAGE', `${hub === undefined ? resolve(dir) : options.model} is a static embedding model (a table lookup and a mean), which runs on the CPU only; drop --device ${options.device} or pass --device cpu.`, { device: options.device });
  }
  const folder = await loadStaticModelFolder(dir, options.maxLength === undefined ? {} : { maxLength: options.maxLength });
  // A snapshot folder is named by its commit: the Hub id is the name people know.
  const name = hub === undefined ? folder.name : hub.repo;
  const source = hub === undefined ? {} : { hub: { repo: hub.repo, revision: hub.revision, commit: hub.commit } };
  log?.write(`embed: static model ${name} (${folder.layout} layout, ${folder.rows} x ${folder.dim} ${folder.dtype}${folder.hasWeights ? ', token weights' : ''}${folder.hasMapping ? ', token mapping' : ''}), max ${folder.maxLength} tokens, on the CPU\n`);
  const tokenizerJson = parseModelJsonObject(folder.tokenizerPath, await readFile(folder.tokenizerPath, 'utf8'));
  log?.write(`embed: tokenizer ${staticTokenizerImplementation(tokenizerJson)}\n`);
  return {
    kind: 'static',
    spec: { dir: folder.dir, maxLength: folder.maxLength },
    dim: folder.dim,
    key: `static:${name}:sha256=${folder.safetensorsSha256}:normalize=${String(folder.normalize)}:maxLength=${folder.maxLength}`,
    device: 'cpu',
    maxLength: folder.maxLength,
    describe: { name, ...source, kind: 'static', dir: folder.dir, layout: folder.layout, safetensors: folder.safetensorsPath, sha256: folder.safetensorsSha256, dtype: folder.dtype, weights: folder.hasWeights, mapping: folder.hasMapping, normalize: folder.normalize, maxLength: folder.maxLength, dim: folder.dim },
  };
}
