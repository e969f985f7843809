/**
 * Turns a user's ONNX encoder into a sentence embedder: checks it against the folder (inputs, hidden
 * size, vocabulary) and appends the pooling and normalisation ({@link poolingExtension}).
 */
import { OnnxModelEditor } from '../../backends/onnx/graph.js';
import type { OnnxValueSummary } from '../../backends/onnx/graph.js';
import { TidepoolError } from '../../errors.js';
import { join } from 'node:path';
import { EXPORT_HINT } from './model-folder.js';
import type { ModelFolder } from './model-folder.js';
import { poolingExtension } from './pooling-graph.js';

/** Inputs tidepool feeds: token ids and mask always, segment ids (all zero) when the model has them. */
export const SUPPORTED_INPUTS = ['input_ids', 'attention_mask', 'token_type_ids'] as const;

/** The encoder with pooling appended. */
export interface PreparedModel {
  bytes: Uint8Array;
  /** The [batch, hidden] float32 output. */
  output: string;
  /** The model keeps weights in separate files (relative to the model's folder). */
  externalData: boolean;
  notes: string[];
}

/** The token-vector output: `last_hidden_state`, else `token_embeddings`, else the first output of rank 3. */
function tokenVectors(outputs: readonly OnnxValueSummary[], path: string): OnnxValueSummary {
  const byName = outputs.find((value) => value.name === 'last_hidden_state') ?? outputs.find((value) => value.name === 'token_embeddings');
  const found = byName ?? outputs.find((value) => value.shape.length === 3);
  if (found === undefined) {
    const listing = outputs.map((value) => `${value.name} [${value.shape.join(', ')}]`).join(', ');
    throw new TidepoolError('E_MODEL_INVALID', `${path} has no token-vector output (last_hidden_state or any [batch, tokens, hidden] output); it has ${listing}. ${EXPORT_HINT}`, { path });
  }
  return found;
}

/**
 * The word-embedding table: the `Gather` that `input_ids` indexes, else an initializer named
 * `*word_embeddings*`. Undefined when neither is found (a quantised table, say): then no check.
 */
function wordEmbeddingRows(editor: OnnxModelEditor): number | undefined {
  const tables = editor.gatherTables().filter((gather) => gather.dims.length === 2);
  const table = tables.find((gather) => gather.indices === 'input_ids') ?? tables.find((gather) => gather.table.includes('word_embeddings'));
  return table?.dims[0];
}

/** Checks the encoder against the folder and appends pooling. `bytes` are the contents of `folder.onnxPath`. */
export function prepareEmbeddingModel(bytes: Uint8Array, folder: ModelFolder): PreparedModel {
  const path = folder.onnxPath;
  let editor: OnnxModelEditor;
  try {
    editor = OnnxModelEditor.decode(bytes);
  } catch (error) {
    throw new TidepoolError('E_MODEL_INVALID', `${path} is not an ONNX model (${(error as Error).message}). ${EXPORT_HINT}`, { path }, { cause: error });
  }
  const notes: string[] = [];
  const inputs = editor.inputs.map((value) => value.name);
  const unknown = inputs.filter((name) => !(SUPPORTED_INPUTS as readonly string[]).includes(name));
  const missing = ['input_ids', 'attention_mask'].filter((name) => !inputs.includes(name));
  if (unknown.length > 0 || missing.length > 0) {
    throw new TidepoolError('E_MODEL_INVALID', `${path} has inputs ${inputs.join(', ')}; tidepool feeds input_ids and attention_mask (and token_type_ids when present)${missing.length > 0 ? `, and needs ${missing.join(', ')}` : ''}. ${EXPORT_HINT}`, { path, inputs });
  }
  if (editor.opset < 11) throw new TidepoolError('E_MODEL_INVALID', `${path} uses ONNX opset ${editor.opset}; tidepool needs 11 or newer. Re-export with \`optimum-cli export onnx --opset 17 ...\`.`, { path, opset: editor.opset });
  const hidden = tokenVectors(editor.outputs, path);
  const width = hidden.shape.at(-1);
  if (typeof width === 'number' && width !== folder.hiddenSize) {
    throw new TidepoolError('E_MODEL_INVALID', `${join(folder.dir, 'config.json')} says hidden_size ${folder.hiddenSize}, but ${path} outputs ${hidden.name} with ${width} values per token: the config and the model come from different repositories.`, { path, hiddenSize: folder.hiddenSize, width });
  }
  const rows = wordEmbeddingRows(editor);
  if (rows === undefined) notes.push(`${path}: no word-embedding table found, so the tokenizer's vocabulary could not be checked against it`);
  else if (rows < folder.tokenizerVocabSize) {
    throw new TidepoolError('E_MODEL_INVALID', `${join(folder.dir, 'tokenizer.json')} can emit ids up to ${folder.tokenizerVocabSize - 1}, but the word-embedding table of ${path} has ${rows} rows: the tokenizer does not belong to this model. Copy tokenizer.json from the repository the model was exported from.`, { path, rows, tokenizerVocabSize: folder.tokenizerVocabSize });
  }
  const output = editor.hasValue('sentence_embedding') ? 'tidepool_pooling/sentence_embedding' : 'sentence_embedding';
  editor.append(
    poolingExtension({ hidden: hidden.name, hiddenIsFloat32: hidden.type === 'float32', attentionMask: 'attention_mask', pooling: folder.pooling, normalize: folder.normalize, hiddenSize: folder.hiddenSize, opset: editor.opset, output }),
  );
  return { bytes: editor.encode(), output, externalData: editor.usesExternalData, notes };
}
