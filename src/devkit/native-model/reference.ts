/**
 * A plain forward pass of the native BERT encoder in float64, straight from named weights, for one
 * unpadded sequence: what sentence-transformers computes (Transformer → mean Pooling → Normalize),
 * written out loop by loop. It shares nothing with the ONNX graph or onnxruntime, so tests use it
 * as the independent reference the batched, padded onnxruntime output must agree with.
 */
import { InternalError } from '../../errors.js';
import type { MiniBertConfig } from './config.js';

/** Weights by their Hugging Face names; linear weights laid out `[in, out]`. */
export type WeightLookup = ReadonlyMap<string, ArrayLike<number>>;

/** The error function to double precision: Maclaurin series below 2.5, continued fraction above. */
export function erf(x: number): number {
  const z = Math.abs(x);
  let value: number;
  if (z < 2.5) {
    // erf(z) = 2/√π Σ (-1)^n z^(2n+1) / (n! (2n+1))
    let power = z;
    let sum = z;
    for (let n = 1; n < 100 && Math.abs(power) > 1e-17 * Math.abs(sum); n++) {
      power *= (-z * z) / n;
      sum += power / (2 * n + 1);
    }
    value = (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    // erfc(z) = e^(-z²)/√π · 1/(z + ½/(z + 1/(z + 3⁄2/(z + 2/(z + …)))))
    let fraction = z;
    for (let k = 80; k >= 1; k--) fraction = z + k / 2 / fraction;
    value = 1 - Math.exp(-z * z) / (Math.sqrt(Math.PI) * fraction);
  }
  return x < 0 ? -value : value;
}

/** GELU as BERT defines it: x · Φ(x), with the exact normal CDF. */
export function gelu(x: number): number {
  return 0.5 * x * (1 + erf(x / Math.SQRT2));
}

function get(weights: WeightLookup, name: string): ArrayLike<number> {
  const tensor = weights.get(name);
  if (tensor === undefined) throw new InternalError(`the reference forward pass needs the weight ${name}, which is missing`);
  return tensor;
}

/** rows · W + b for W laid out [inSize, outSize]. */
function linear(rows: readonly Float64Array[], weights: WeightLookup, prefix: string): Float64Array[] {
  const w = get(weights, `${prefix}.weight`);
  const b = get(weights, `${prefix}.bias`);
  const inSize = rows[0]!.length;
  const outSize = b.length;
  return rows.map((row) => {
    const out = new Float64Array(outSize);
    for (let o = 0; o < outSize; o++) {
      let sum = b[o]!;
      for (let i = 0; i < inSize; i++) sum += row[i]! * w[i * outSize + o]!;
      out[o] = sum;
    }
    return out;
  });
}

/** LayerNorm over each row (biased variance, as PyTorch and ONNX compute it). */
function layerNorm(rows: readonly Float64Array[], weights: WeightLookup, prefix: string, eps: number): Float64Array[] {
  const gain = get(weights, `${prefix}.weight`);
  const bias = get(weights, `${prefix}.bias`);
  return rows.map((row) => {
    const mean = row.reduce((a, b) => a + b, 0) / row.length;
    const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / row.length;
    const scale = 1 / Math.sqrt(variance + eps);
    return row.map((value, i) => (value - mean) * scale * gain[i]! + bias[i]!);
  });
}

function add(a: readonly Float64Array[], b: readonly Float64Array[]): Float64Array[] {
  return a.map((row, r) => row.map((value, i) => value + b[r]![i]!));
}

/** Multi-head self-attention over all positions (no padding, so no mask). */
function selfAttention(hidden: readonly Float64Array[], weights: WeightLookup, prefix: string, heads: number): Float64Array[] {
  const query = linear(hidden, weights, `${prefix}.query`);
  const key = linear(hidden, weights, `${prefix}.key`);
  const value = linear(hidden, weights, `${prefix}.value`);
  const width = hidden[0]!.length;
  const headSize = width / heads;
  const context = hidden.map(() => new Float64Array(width));
  for (let h = 0; h < heads; h++) {
    const offset = h * headSize;
    query.forEach((q, i) => {
      const scores = key.map((k) => {
        let dot = 0;
        for (let d = 0; d < headSize; d++) dot += q[offset + d]! * k[offset + d]!;
        return dot / Math.sqrt(headSize);
      });
      const max = Math.max(...scores);
      const exps = scores.map((s) => Math.exp(s - max));
      const total = exps.reduce((a, b) => a + b, 0);
      exps.forEach((e, j) => {
        for (let d = 0; d < headSize; d++) context[i]![offset + d]! += (e / total) * value[j]![offset + d]!;
      });
    });
  }
  return context;
}

/**
 * `last_hidden_state` for one unpadded sequence: one float64 row per token.
 * @param tokenTypeIds - Segment ids. @default all 0
 */
export function referenceHiddenStates(config: Readonly<MiniBertConfig>, weights: WeightLookup, ids: readonly number[], tokenTypeIds?: readonly number[]): Float64Array[] {
  const h = config.hiddenSize;
  const words = get(weights, 'embeddings.word_embeddings.weight');
  const positions = get(weights, 'embeddings.position_embeddings.weight');
  const types = get(weights, 'embeddings.token_type_embeddings.weight');
  const embedded = ids.map((id, p) => {
    const type = tokenTypeIds?.[p] ?? 0;
    const row = new Float64Array(h);
    for (let i = 0; i < h; i++) row[i] = words[id * h + i]! + positions[p * h + i]! + types[type * h + i]!;
    return row;
  });
  let hidden = layerNorm(embedded, weights, 'embeddings.LayerNorm', config.layerNormEps);
  for (let layer = 0; layer < config.numHiddenLayers; layer++) {
    const prefix = `encoder.layer.${layer}`;
    const context = selfAttention(hidden, weights, `${prefix}.attention.self`, config.numAttentionHeads);
    const attended = layerNorm(add(linear(context, weights, `${prefix}.attention.output.dense`), hidden), weights, `${prefix}.attention.output.LayerNorm`, config.layerNormEps);
    const inner = linear(attended, weights, `${prefix}.intermediate.dense`).map((row) => row.map(gelu));
    hidden = layerNorm(add(linear(inner, weights, `${prefix}.output.dense`), attended), weights, `${prefix}.output.LayerNorm`, config.layerNormEps);
  }
  return hidden;
}

/** The sentence embedding of one unpadded sequence: mean over its tokens, then L2-normalised. */
export function referenceSentenceEmbedding(config: Readonly<MiniBertConfig>, weights: WeightLookup, ids: readonly number[]): Float64Array {
  const hidden = referenceHiddenStates(config, weights, ids);
  const mean = new Float64Array(config.hiddenSize);
  for (const row of hidden) row.forEach((value, i) => (mean[i]! += value / hidden.length));
  const norm = Math.sqrt(mean.reduce((a, b) => a + b * b, 0));
  return mean.map((value) => value / norm);
}
