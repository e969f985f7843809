/**
 * What one worker holds for a static model: the vectors, the optional per-token weights and
 * token-to-row mapping, and the tokenizer. A text's vector is model2vec's `StaticModel.encode`
 * (MinishLab/model2vec, model2vec/model.py `_encode_batch`, read at c901407): the mean over its
 * token ids of `vectors[mapping[id]] * weights[id]` (a plain mean of the weighted vectors, not a
 * weighted average), a zero vector for a text with no ids, then, when the model normalises,
 * division by `norm + 1e-32`. Sums run in float64, so the result is the exact mean rounded once
 * to float32 (model2vec sums in the vectors' own precision).
 */
import { readFile } from 'node:fs/promises';
import { TidepoolError } from '../../errors.js';
import { parseModelJsonObject } from '../onnx/folder-files.js';
import type { StaticModelFolder } from './model-folder.js';
import { readSafetensors, tensorToFloat32, tensorToIntegers } from './safetensors.js';
import { StaticTokenizer } from './static-tokenizer.js';

/** The vectors of one call to {@link StaticEmbedder.embed}, with counts for the log and the manifest. */
export interface StaticBatchResult {
  /** texts.length x dim, row-major, in input order. */
  vectors: Float32Array;
  /** Token ids averaged (after dropping unknown tokens and truncation). */
  tokens: number;
  /** Texts cut to fit the max length. */
  truncated: number;
  /** Texts that were empty or whitespace. */
  empty: number;
  /** Texts with no known token: their vector is all zeros. */
  zeroVectors: number;
}

/** A static (model2vec) sentence embedder. */
export class StaticEmbedder {
  private constructor(
    private readonly tokenizer: StaticTokenizer,
    private readonly vectors: Float32Array,
    private readonly weights: Float32Array | undefined,
    private readonly mapping: Int32Array | undefined,
    /** Width of every vector. */
    readonly dim: number,
    readonly normalize: boolean,
  ) {}

  /** Loads the folder's tensors and tokenizer. */
  static async create(folder: StaticModelFolder): Promise<StaticEmbedder> {
    const path = folder.safetensorsPath;
    const tensors = readSafetensors(new Uint8Array(await readFile(path)), path);
    const vectors = tensorToFloat32(tensors.get(folder.embeddingTensor)!, folder.embeddingTensor, path);
    const weightsTensor = tensors.get('weights');
    const mappingTensor = tensors.get('mapping');
    const weights = weightsTensor === undefined ? undefined : tensorToFloat32(weightsTensor, 'weights', path);
    const mapping = mappingTensor === undefined ? undefined : tensorToIntegers(mappingTensor, 'mapping', path);
    if (mapping !== undefined) {
      const bad = mapping.findIndex((row) => row < 0 || row >= folder.rows);
      if (bad >= 0) throw new TidepoolError('E_MODEL_INVALID', `${path}: "mapping" sends token id ${bad} to row ${mapping[bad]}, but "${folder.embeddingTensor}" has ${folder.rows} rows. Re-save the model.`, { path });
    }
    const tokenizerJson = parseModelJsonObject(folder.tokenizerPath, await readFile(folder.tokenizerPath, 'utf8'));
    const tokenizer = StaticTokenizer.create(tokenizerJson, folder.maxLength, folder.tokenizerPath);
    return new StaticEmbedder(tokenizer, vectors, weights, mapping, folder.dim, folder.normalize);
  }

  /** Per token id, the summed weight of its occurrences in the current text (zero between texts). */
  private idWeight: Float64Array | undefined;

  /** Embeds `texts`; row i of the result is text i. */
  embed(texts: readonly string[]): StaticBatchResult {
    const { dim, vectors: table, weights, mapping } = this;
    const out = new Float32Array(texts.length * dim);
    const sum = new Float64Array(dim);
    // Code repeats its tokens (brackets, dots, identifiers): each distinct id's vector is added once, times its summed weight.
    const idWeight = (this.idWeight ??= new Float64Array(this.tokenizer.vocabularySize));
    const distinct: number[] = [];
    let tokens = 0;
    let truncated = 0;
    let empty = 0;
    let zeroVectors = 0;
    texts.forEach((text, row) => {
      if (text.trim() === '') empty++;
      const encoding = this.tokenizer.encode(text);
      if (encoding.truncated) truncated++;
      const ids = encoding.ids;
      tokens += ids.length;
      if (ids.length === 0) {
        zeroVectors++;
        return;
      }
      distinct.length = 0;
      for (const id of ids) {
        if (idWeight[id] === 0) distinct.push(id);
        idWeight[id]! += weights === undefined ? 1 : weights[id]!;
      }
      sum.fill(0);
      for (const id of distinct) {
        const base = (mapping === undefined ? id : mapping[id]!) * dim;
        const weight = idWeight[id]!;
        idWeight[id] = 0;
        addScaled(sum, table, base, weight);
      }
      let scale = 1 / ids.length;
      if (this.normalize) {
        let squares = 0;
        for (let k = 0; k < dim; k++) {
          const value = sum[k]! * scale;
          squares += value * value;
        }
        scale /= Math.sqrt(squares) + 1e-32;
      }
      const offset = row * dim;
      for (let k = 0; k < dim; k++) out[offset + k] = sum[k]! * scale;
    });
    return { vectors: out, tokens, truncated, empty, zeroVectors };
  }
}

/** `sum += weight * table[base .. base + sum.length]`, four lanes a step (V8 does not vectorise; unrolled, it runs markedly faster). */
function addScaled(sum: Float64Array, table: Float32Array, base: number, weight: number): void {
  const dim = sum.length;
  let k = 0;
  for (; k + 4 <= dim; k += 4) {
    const at = base + k;
    sum[k] = sum[k]! + weight * table[at]!;
    sum[k + 1] = sum[k + 1]! + weight * table[at + 1]!;
    sum[k + 2] = sum[k + 2]! + weight * table[at + 2]!;
    sum[k + 3] = sum[k + 3]! + weight * table[at + 3]!;
  }
  for (; k < dim; k++) sum[k] = sum[k]! + weight * table[base + k]!;
}
