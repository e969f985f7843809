/**
 * Which files of a repo a model needs, from the repo's file list alone. An ONNX sentence-transformers
 * model: the configs, the tokenizer and the one ONNX file `--variant` chooses (variants.ts's rule over
 * the list), never the other variants a repo ships beside it (O1..O4, int8, fp16). A repo with no ONNX
 * file but a static model's files (model2vec, or sentence-transformers' StaticEmbedding): those files.
 */
import { AUTO_VARIANT, chooseOnnxVariant, onnxVariantsOf, type VariantChoice, type VariantTarget } from '../onnx/variants.js';

/** Files every ONNX model folder needs. */
export const REQUIRED_FILES = ['config.json', 'tokenizer.json'] as const;
/** Files used when the repo has them. */
export const OPTIONAL_FILES = ['tokenizer_config.json', 'special_tokens_map.json', 'modules.json', 'sentence_bert_config.json', '1_Pooling/config.json'] as const;
/** The fp32 ONNX files, in loadModelFolder's order of preference (what offline errors name when none is cached). */
export const ONNX_FILES = ['model.onnx', 'onnx/model.onnx'] as const;

/** The two static layouts a repo's file list can show (static/model-folder.ts reads both). */
const STATIC_LAYOUTS = [
  // sentence-transformers' StaticEmbedding: the folder's name says what it is.
  { layout: 'sentence-transformers', required: ['0_StaticEmbedding/model.safetensors', '0_StaticEmbedding/tokenizer.json'], optional: ['modules.json', 'config_sentence_transformers.json'], confirm: [] },
  // model2vec's own: a transformers repo has the same names, so its small metadata must confirm before the weights come.
  { layout: 'model2vec', required: ['model.safetensors', 'tokenizer.json'], optional: ['config.json', 'modules.json', 'config_sentence_transformers.json'], confirm: ['config.json', 'modules.json'] },
] as const;

/** What `--variant` asks for, and of which device and CPU `auto` thinks. */
export interface VariantRequest {
  /** `auto` or a variant name. @default 'auto' */
  variant?: string | undefined;
  /** @default the CPU with no known flags (so `auto` takes the fp32 model) */
  target?: VariantTarget | undefined;
}

/** The files to fetch from a repo whose files are `available`, and what is missing. */
export type ModelFilePlan =
  | { kind: 'onnx'; files: string[]; missingRequired: string[]; onnx: string; choice: VariantChoice }
  | { kind: 'static'; files: string[]; layout: 'model2vec' | 'sentence-transformers'; confirm: string[] }
  | { kind: 'none'; files: [] };

/** Without a target, `auto` knows nothing of the CPU and takes the fp32 model (as loadModelFolder does). */
export const PLAIN_CPU: VariantTarget = { device: 'cpu', cpu: { arch: 'unknown', flags: [] } };

function staticPlan(layout: (typeof STATIC_LAYOUTS)[number], present: ReadonlySet<string>): ModelFilePlan {
  return { kind: 'static', layout: layout.layout, files: [...layout.required, ...layout.optional.filter((file) => present.has(file))], confirm: layout.confirm.filter((file) => present.has(file)) };
}

/**
 * The small files (config.json, modules.json) that say whether a repo with model2vec's file names is a
 * static model ({@link isStaticMetadata}); empty when its names do not fit. A model2vec repo may also
 * ship an ONNX export (for transformers.js) and a transformers repo has the same names, so these decide.
 */
export function staticMetadataFiles(available: readonly string[]): string[] {
  const present = new Set(available);
  const model2vec = STATIC_LAYOUTS[1];
  return model2vec.required.every((file) => present.has(file)) ? model2vec.confirm.filter((file) => present.has(file)) : [];
}

/**
 * Picks the files to fetch from the repo's file list. A static model comes first (its lookup is exact
 * and cheaper than any ONNX export of it): sentence-transformers' `0_StaticEmbedding/` by its names,
 * model2vec's when `staticConfirmed` (the verdict on {@link staticMetadataFiles}; undefined when not
 * read: then only a repo with no ONNX file is planned as static, with `confirm` naming what to check).
 * Otherwise the ONNX file `request` chooses; a named variant the repo lacks throws E_MODEL_MISSING
 * naming `place` (the repo and revision) and the variants it has.
 */
export function planModelFiles(available: readonly string[], request: VariantRequest = {}, place = 'the repo', staticConfirmed?: boolean): ModelFilePlan {
  const present = new Set(available);
  const [sentenceTransformers, model2vec] = STATIC_LAYOUTS;
  const fits = (layout: (typeof STATIC_LAYOUTS)[number]): boolean => layout.required.every((file) => present.has(file));
  if (fits(sentenceTransformers)) return staticPlan(sentenceTransformers, present);
  if (staticConfirmed === true && fits(model2vec)) return staticPlan(model2vec, present);
  const variants = onnxVariantsOf(available);
  const variant = request.variant ?? AUTO_VARIANT;
  if (variants.length > 0 || variant !== AUTO_VARIANT) {
    const choice = chooseOnnxVariant(place, variants, variant, request.target ?? PLAIN_CPU, place);
    const onnx = choice.variant.file;
    const missingRequired = REQUIRED_FILES.filter((file) => !present.has(file));
    const files: string[] = [...REQUIRED_FILES.filter((file) => present.has(file)), ...OPTIONAL_FILES.filter((file) => present.has(file))];
    // The ONNX data sidecar (external weights of models over 2 GB) must sit beside the graph.
    files.push(onnx, ...(present.has(`${onnx}_data`) ? [`${onnx}_data`] : []));
    return { kind: 'onnx', files, missingRequired, onnx, choice };
  }
  if (staticConfirmed === undefined && fits(model2vec) && staticMetadataFiles(available).length > 0) return staticPlan(model2vec, present);
  return { kind: 'none', files: [] };
}

/**
 * Whether a repo's config.json / modules.json (parsed; undefined when absent) describe a static model:
 * model2vec writes `model_type: "model2vec"` (older saves: `architectures: ["StaticModel"]`), and
 * sentence-transformers names a StaticEmbedding module.
 */
export function isStaticMetadata(config: unknown, modules: unknown): boolean {
  const object = (typeof config === 'object' && config !== null ? config : {}) as { model_type?: unknown; architectures?: unknown };
  if (object.model_type === 'model2vec') return true;
  if (Array.isArray(object.architectures) && object.architectures.includes('StaticModel')) return true;
  return Array.isArray(modules) && modules.some((module) => typeof (module as { type?: unknown }).type === 'string' && (module as { type: string }).type.endsWith('.StaticEmbedding'));
}
