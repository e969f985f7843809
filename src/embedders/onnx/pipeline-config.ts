/**
 * The sentence-transformers pipeline of a model folder: `modules.json` (Transformer → Pooling →
 * Normalize) and the Pooling module's `config.json`. tidepool runs the Transformer in onnxruntime and
 * appends the pooling and normalisation to its graph; any other module would change the embedding,
 * so it is refused rather than skipped.
 */
import { join } from 'node:path';
import { TidepoolError } from '../../errors.js';
import { isFile, parseModelJson, parseModelJsonObject, readModelText } from './folder-files.js';

/** How token vectors become one sentence vector. */
export type PoolingMode = 'mean' | 'cls' | 'max';

/** The pipeline after the Transformer. */
export interface SentencePipeline {
  pooling: PoolingMode;
  normalize: boolean;
  /** `word_embedding_dimension` of the pooling config, when it has one. */
  poolingDimension: number | undefined;
  notes: string[];
}

const MODULE_PREFIX = 'sentence_transformers.models.';
const POOLING_FLAGS: Record<string, PoolingMode | undefined> = {
  pooling_mode_mean_tokens: 'mean',
  pooling_mode_cls_token: 'cls',
  pooling_mode_max_tokens: 'max',
  pooling_mode_mean_sqrt_len_tokens: undefined,
  pooling_mode_weightedmean_tokens: undefined,
  pooling_mode_lasttoken: undefined,
};

interface ModuleEntry {
  type: string;
  path: string;
}

function readModules(path: string, value: unknown): ModuleEntry[] {
  const isModule = (entry: unknown): entry is { type: string; path?: unknown } =>
    typeof entry === 'object' && entry !== null && typeof (entry as { type?: unknown }).type === 'string';
  if (!Array.isArray(value) || !value.every(isModule)) {
    throw new TidepoolError('E_MODEL_INVALID', `${path} should be a JSON array of modules, each with a "type" string. Restore the file from the model's original repository.`, { path });
  }
  return value.map((entry) => ({ type: entry.type, path: typeof entry.path === 'string' ? entry.path : '' }));
}

/** Reads the pooling mode from a Pooling module's `config.json`. */
async function readPooling(path: string): Promise<{ pooling: PoolingMode; dimension: number | undefined }> {
  const text = await readModelText(path, "modules.json lists a Pooling module there; restore the file from the model's original repository.");
  const config = parseModelJsonObject(path, text);
  const enabled = Object.keys(POOLING_FLAGS).filter((flag) => config[flag] === true);
  if (typeof config.pooling_mode === 'string') enabled.push(`pooling_mode_${config.pooling_mode}`);
  const modes = [...new Set(enabled.map((flag) => POOLING_FLAGS[flag] ?? flag))];
  const [mode] = modes;
  if (modes.length !== 1 || (mode !== 'mean' && mode !== 'cls' && mode !== 'max')) {
    const found = enabled.length === 0 ? 'no pooling_mode_* flag set to true' : enabled.join(' + ');
    throw new TidepoolError('E_MODEL_INVALID', `${path}: unknown pooling mode (${found}). tidepool supports exactly one of pooling_mode_mean_tokens, pooling_mode_cls_token, pooling_mode_max_tokens.`, { path, enabled });
  }
  const dimension = config.word_embedding_dimension;
  return { pooling: mode, dimension: typeof dimension === 'number' ? dimension : undefined };
}

/** Reads the pipeline from `modules.json`; without one, mean pooling and no normalisation (noted). */
export async function readSentencePipeline(dir: string): Promise<SentencePipeline> {
  const modulesPath = join(dir, 'modules.json');
  if (!(await isFile(modulesPath))) {
    return { pooling: 'mean', normalize: false, poolingDimension: undefined, notes: ['no modules.json: using mean pooling without normalisation (the transformers default for feature extraction)'] };
  }
  const modules = readModules(modulesPath, parseModelJson(modulesPath, await readModelText(modulesPath, '')));
  const notes: string[] = [];
  let pooling: { pooling: PoolingMode; dimension: number | undefined } | undefined;
  let normalize = false;
  for (const module of modules) {
    const kind = module.type.startsWith(MODULE_PREFIX) ? module.type.slice(MODULE_PREFIX.length) : module.type;
    if (kind === 'Transformer') continue;
    if (kind === 'Pooling') pooling = await readPooling(join(dir, module.path, 'config.json'));
    else if (kind === 'Normalize') normalize = true;
    else {
      throw new TidepoolError('E_MODEL_INVALID', `${modulesPath} lists a ${module.type} module; tidepool runs only Transformer → Pooling → Normalize pipelines, and skipping it would change the embeddings. Choose a model without it.`, { path: modulesPath, module: module.type });
    }
  }
  if (pooling === undefined) {
    notes.push(`${modulesPath} has no Pooling module: using mean pooling`);
    pooling = { pooling: 'mean', dimension: undefined };
  }
  return { pooling: pooling.pooling, normalize, poolingDimension: pooling.dimension, notes };
}
