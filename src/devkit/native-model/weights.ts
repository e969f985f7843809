/**
 * Random (untrained) weights of the native BERT encoder, named as in Hugging Face's `BertModel`
 * state dict. Linear weights are stored `[in, out]` (transposed from PyTorch's `[out, in]`), the
 * layout an exported graph's MatMul reads. Every value comes from a 32-bit integer generator seeded
 * by the config's seed and the tensor's name, through exact arithmetic and one rounding to
 * float32: the same bytes on every machine and in any generation order.
 *
 * Scales keep activations near unit size (the model is only for tests, demo and speed figures):
 * projections have standard deviation 1/√fan-in, the two residual branches half that so a token's
 * own embedding stays visible in the output, and LayerNorm gains sit near 1.
 */
import { fnv1a32 } from '../../util/random.js';
import type { MiniBertConfig } from './config.js';

/** One weight tensor. */
export interface WeightTensor {
  dims: readonly number[];
  values: Float32Array;
}

/** Every weight of the encoder by name, in the order the ONNX graph lists them. */
export type MiniBertWeights = ReadonlyMap<string, WeightTensor>;

/** mulberry32: a small, well-mixed 32-bit generator; returns uniform numbers in [-1, 1). */
function uniformGenerator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 31 - 1;
  };
}

/**
 * A tensor of uniform values with the given mean and standard deviation (a uniform variable on
 * [-a, a] has deviation a/√3).
 */
function randomTensor(name: string, dims: readonly number[], seed: number, std: number, mean = 0): WeightTensor {
  const next = uniformGenerator((fnv1a32(name) ^ seed) >>> 0);
  const halfWidth = std * Math.sqrt(3);
  const values = new Float32Array(dims.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) values[i] = mean + next() * halfWidth;
  return { dims, values };
}

/** Standard deviations of the random weights (documented in the model card). */
export const WEIGHT_SCALES = {
  wordEmbedding: 1,
  positionEmbedding: 0.2,
  tokenTypeEmbedding: 0.2,
  layerNormGainSpread: 0.05,
  layerNormBias: 0.05,
  bias: 0.02,
  /** Multiplies 1/√fan-in for the attention-output and feed-forward-output projections. */
  residualBranch: 0.5,
} as const;

/** Generates every weight of the encoder. */
export function miniBertWeights(config: Readonly<MiniBertConfig>): MiniBertWeights {
  const { hiddenSize: h, intermediateSize: inner, seed } = config;
  const weights = new Map<string, WeightTensor>();
  const add = (name: string, dims: readonly number[], std: number, mean = 0): void => {
    weights.set(name, randomTensor(name, dims, seed, std, mean));
  };
  const layerNorm = (prefix: string): void => {
    add(`${prefix}.weight`, [h], WEIGHT_SCALES.layerNormGainSpread, 1);
    add(`${prefix}.bias`, [h], WEIGHT_SCALES.layerNormBias);
  };
  const linear = (prefix: string, fanIn: number, fanOut: number, scale = 1): void => {
    add(`${prefix}.weight`, [fanIn, fanOut], scale / Math.sqrt(fanIn));
    add(`${prefix}.bias`, [fanOut], WEIGHT_SCALES.bias);
  };

  add('embeddings.word_embeddings.weight', [config.vocabSize, h], WEIGHT_SCALES.wordEmbedding);
  // [PAD] (id 0) embeds to zero, like BertEmbeddings' padding_idx.
  weights.get('embeddings.word_embeddings.weight')!.values.fill(0, 0, h);
  add('embeddings.position_embeddings.weight', [config.maxPositionEmbeddings, h], WEIGHT_SCALES.positionEmbedding);
  add('embeddings.token_type_embeddings.weight', [config.typeVocabSize, h], WEIGHT_SCALES.tokenTypeEmbedding);
  layerNorm('embeddings.LayerNorm');
  for (let layer = 0; layer < config.numHiddenLayers; layer++) {
    const prefix = `encoder.layer.${layer}`;
    for (const projection of ['query', 'key', 'value']) linear(`${prefix}.attention.self.${projection}`, h, h);
    linear(`${prefix}.attention.output.dense`, h, h, WEIGHT_SCALES.residualBranch);
    layerNorm(`${prefix}.attention.output.LayerNorm`);
    linear(`${prefix}.intermediate.dense`, h, inner);
    linear(`${prefix}.output.dense`, inner, h, WEIGHT_SCALES.residualBranch);
    layerNorm(`${prefix}.output.LayerNorm`);
  }
  return weights;
}
