/** Which model `embed` (and `decontam`) runs: the built-in hashing embedder, or an ONNX model folder on a device. */
import { resolveDevice } from '../backends/onnx/session.js';
import type { ProgressSink } from '../util/progress.js';
import { hashingModelKey, type HashingParams } from './hashing/index.js';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { looksLikeHubId } from '../util/hub-id.js';
import { resolveHubModel, type ResolvedHubModel } from './hub/resolve.js';
import { hubSettingsFromEnv } from './hub/settings.js';
import { loadModelFolder } from './onnx/model-folder.js';
import type { ResolvedModelOptions } from './options.js';
import type { OnnxModelSpec } from './protocol.js';

/** Default tokens per model call on the CPU: a few rows of similar length, cache-sized. */
export const CPU_BATCH_TOKENS = 1024;
/** Default tokens per model call on a GPU, which needs large batches to fill. */
export const GPU_BATCH_TOKENS = 16384;

/** A resolved model: what workers load, and how it is named in manifests and the resume key. */
export type EmbedModel =
  | { kind: 'hashing'; params: HashingParams; dim: number; key: string; device: 'cpu'; maxLength: null; describe: Record<string, unknown> }
  | { kind: 'onnx'; spec: OnnxModelSpec; dim: number; key: string; device: OnnxModelSpec['device']; maxLength: number; describe: Record<string, unknown> };

/** A Hub id that is not a local path, resolved through the Hugging Face cache; undefined for a local folder. */
async function resolveHubId(options: ResolvedModelOptions, log: ProgressSink | undefined): Promise<ResolvedHubModel | undefined> {
  if (!looksLikeHubId(options.model) || existsSync(options.model)) return undefined;
  const settings = options.hub ?? hubSettingsFromEnv({}, homedir());
  const resolved = await resolveHubModel(options.model, settings, { log: (line) => log?.write(`embed: ${line}\n`) });
  log?.write(`embed: ${options.model} is ${resolved.repo}@${resolved.commit} in ${resolved.dir}${resolved.downloaded.length === 0 ? ' (cached)' : ''}\n`);
  return resolved;
}

/** Checks the model folder (or the hashing parameters) and picks the device; notes go to `log`. */
export async function resolveEmbedModel(options: ResolvedModelOptions, log: ProgressSink | undefined): Promise<EmbedModel> {
  if (options.hashing !== undefined) {
    const params = options.hashing;
    return { kind: 'hashing', params, dim: params.dim, key: hashingModelKey(params), device: 'cpu', maxLength: null, describe: { name: 'hashing', ...params } };
  }
  const hub = await resolveHubId(options, log);
  const folder = await loadModelFolder(hub?.dir ?? options.model, options.maxLength === undefined ? {} : { maxLength: options.maxLength });
  // A snapshot folder is named by its commit: the Hub id is the name people know.
  const name = hub === undefined ? folder.name : hub.repo;
  const source = hub === undefined ? {} : { hub: { repo: hub.repo, revision: hub.revision, commit: hub.commit } };
  const { device, reason } = resolveDevice(options.device);
  for (const note of [...folder.notes, `device ${device}: ${reason}`]) log?.write(`embed: ${note}\n`);
  const batchTokens = options.batchTokens ?? (device === 'cpu' ? CPU_BATCH_TOKENS : GPU_BATCH_TOKENS);
  const spec: OnnxModelSpec = { dir: folder.dir, maxLength: folder.maxLength, device, batchTokens };
  return {
    kind: 'onnx',
    spec,
    dim: folder.hiddenSize,
    key: `onnx:${name}:sha256=${folder.onnxSha256}:pooling=${folder.pooling}:normalize=${String(folder.normalize)}:maxLength=${folder.maxLength}`,
    device,
    maxLength: folder.maxLength,
    describe: { name, ...source, dir: folder.dir, onnx: folder.onnxPath, sha256: folder.onnxSha256, pooling: folder.pooling, normalize: folder.normalize, maxLength: folder.maxLength, dim: folder.hiddenSize },
  };
}
