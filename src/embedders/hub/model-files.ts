/**
 * Which files of a repo an ONNX sentence-transformers model needs: the configs, the tokenizer and one
 * ONNX file, never the other ONNX variants a repo ships beside it (O1..O4, int8, fp16).
 */

/** Files every model folder needs. */
export const REQUIRED_FILES = ['config.json', 'tokenizer.json'] as const;
/** Files used when the repo has them. */
export const OPTIONAL_FILES = ['tokenizer_config.json', 'special_tokens_map.json', 'modules.json', 'sentence_bert_config.json', '1_Pooling/config.json'] as const;
/** The ONNX files loadModelFolder accepts, in its order of preference. */
export const ONNX_FILES = ['model.onnx', 'onnx/model.onnx'] as const;

/** The files to fetch from a repo whose files are `available`, and what is missing. */
export interface ModelFilePlan {
  files: string[];
  missingRequired: string[];
  /** undefined when the repo has no ONNX export. */
  onnx: string | undefined;
}

/** Picks the files to fetch from the repo's file list. */
export function planModelFiles(available: readonly string[]): ModelFilePlan {
  const present = new Set(available);
  const onnx = ONNX_FILES.find((file) => present.has(file));
  const missingRequired = REQUIRED_FILES.filter((file) => !present.has(file));
  const files: string[] = [...REQUIRED_FILES.filter((file) => present.has(file)), ...OPTIONAL_FILES.filter((file) => present.has(file))];
  // The ONNX data sidecar (external weights of models over 2 GB) must sit beside the graph.
  if (onnx !== undefined) files.push(onnx, ...(present.has(`${onnx}_data`) ? [`${onnx}_data`] : []));
  return { files, missingRequired, onnx };
}
