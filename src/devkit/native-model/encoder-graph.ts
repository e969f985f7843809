/**
 * The native BERT encoder as an ONNX graph, with the interface optimum's feature-extraction export
 * of a BERT model has: int64 `input_ids`, `attention_mask`, `token_type_ids` of shape
 * [batch_size, sequence_length] in, float32 `last_hidden_state` [batch_size, sequence_length,
 * hidden] out. Standard opset-17 operators only, so any onnxruntime execution provider runs it.
 */
import { buildOnnxModel } from '../../backends/onnx/graph.js';
import type { OnnxInitializer, OnnxNode } from '../../backends/onnx/graph.js';
import type { MiniBertConfig } from './config.js';
import type { MiniBertWeights } from './weights.js';

/**
 * Added to the attention score of a padding key: BERT's original constant. exp(-10000) is 0 in
 * float32, so padding gets no weight, and unlike float32's minimum it survives a float16 cast.
 */
export const MASKED_SCORE = -10_000;

/** Collects nodes, naming each intermediate value after the step that makes it. */
class GraphBuilder {
  readonly nodes: OnnxNode[] = [];

  op(op: string, inputs: readonly string[], output: string, attributes?: OnnxNode['attributes'], floatAttributes?: readonly string[]): string {
    this.nodes.push({ op, inputs, outputs: [output], ...(attributes && { attributes }), ...(floatAttributes && { floatAttributes }) });
    return output;
  }

  layerNorm(input: string, prefix: string, output: string, epsilon: number): string {
    return this.op('LayerNormalization', [input, `${prefix}.weight`, `${prefix}.bias`], output, { axis: -1, epsilon }, ['epsilon']);
  }

  linear(input: string, prefix: string): string {
    return this.op('Add', [this.op('MatMul', [input, `${prefix}.weight`], `${prefix}/MatMul`), `${prefix}.bias`], `${prefix}/Add`);
  }
}

/** Multi-head self-attention plus its output projection, residual and LayerNorm. */
function attentionBlock(graph: GraphBuilder, hidden: string, prefix: string, epsilon: number): string {
  const heads = (projection: string, perm: readonly number[]): string => {
    const name = `${prefix}.attention.self.${projection}`;
    const split = graph.op('Reshape', [graph.linear(hidden, name), 'const.heads_shape'], `${name}/Reshape`);
    return graph.op('Transpose', [split], `${name}/Transpose`, { perm });
  };
  const query = heads('query', [0, 2, 1, 3]);
  const keyT = heads('key', [0, 2, 3, 1]);
  const value = heads('value', [0, 2, 1, 3]);
  const at = `${prefix}.attention.self`;
  const scores = graph.op('Mul', [graph.op('MatMul', [query, keyT], `${at}/scores`), 'const.attention_scale'], `${at}/scaled`);
  const probs = graph.op('Softmax', [graph.op('Add', [scores, 'extended_attention_mask'], `${at}/masked`)], `${at}/probs`, { axis: -1 });
  const context = graph.op('Transpose', [graph.op('MatMul', [probs, value], `${at}/context`)], `${at}/context/Transpose`, { perm: [0, 2, 1, 3] });
  const merged = graph.op('Reshape', [context, 'const.hidden_shape'], `${at}/context/Reshape`);
  const projected = graph.linear(merged, `${prefix}.attention.output.dense`);
  const residual = graph.op('Add', [projected, hidden], `${prefix}.attention.output/residual`);
  return graph.layerNorm(residual, `${prefix}.attention.output.LayerNorm`, `${prefix}.attention.output`, epsilon);
}

/** The feed-forward block with exact (erf) GELU, residual and LayerNorm. */
function feedForwardBlock(graph: GraphBuilder, hidden: string, prefix: string, epsilon: number, output: string): string {
  const x = graph.linear(hidden, `${prefix}.intermediate.dense`);
  const g = `${prefix}.intermediate/gelu`;
  const erf = graph.op('Erf', [graph.op('Mul', [x, 'const.sqrt_half'], `${g}/scaled`)], `${g}/erf`);
  const gate = graph.op('Mul', [graph.op('Add', [erf, 'const.one'], `${g}/plus_one`), 'const.half'], `${g}/gate`);
  const activated = graph.op('Mul', [x, gate], `${g}/out`);
  const residual = graph.op('Add', [graph.linear(activated, `${prefix}.output.dense`), hidden], `${prefix}.output/residual`);
  return graph.layerNorm(residual, `${prefix}.output.LayerNorm`, output, epsilon);
}

/** Scalars and shapes the graph uses. */
function constants(config: Readonly<MiniBertConfig>): OnnxInitializer[] {
  const headSize = config.hiddenSize / config.numAttentionHeads;
  return [
    { name: 'const.zero_1d', type: 'int64', dims: [1], values: [0] },
    { name: 'const.mask_axes', type: 'int64', dims: [2], values: [1, 2] },
    { name: 'const.heads_shape', type: 'int64', dims: [4], values: [0, 0, config.numAttentionHeads, headSize] },
    { name: 'const.hidden_shape', type: 'int64', dims: [3], values: [0, 0, config.hiddenSize] },
    { name: 'const.one', type: 'float32', dims: [], values: [1] },
    { name: 'const.half', type: 'float32', dims: [], values: [0.5] },
    { name: 'const.sqrt_half', type: 'float32', dims: [], values: [Math.SQRT1_2] },
    { name: 'const.attention_scale', type: 'float32', dims: [], values: [1 / Math.sqrt(headSize)] },
    { name: 'const.masked_score', type: 'float32', dims: [], values: [MASKED_SCORE] },
  ];
}

/** Serialises the encoder with the given weights as an ONNX model (opset 17). */
export function miniBertOnnxModel(config: Readonly<MiniBertConfig>, weights: MiniBertWeights): Uint8Array {
  const graph = new GraphBuilder();
  const epsilon = config.layerNormEps;
  // Embeddings: word + token type + the first sequence_length position rows, then LayerNorm.
  const sequenceLength = graph.op('Shape', ['input_ids'], 'embeddings/sequence_length', { start: 1, end: 2 });
  const positions = graph.op('Slice', ['embeddings.position_embeddings.weight', 'const.zero_1d', sequenceLength, 'const.zero_1d'], 'embeddings/positions');
  const words = graph.op('Gather', ['embeddings.word_embeddings.weight', 'input_ids'], 'embeddings/words');
  const types = graph.op('Gather', ['embeddings.token_type_embeddings.weight', 'token_type_ids'], 'embeddings/types');
  const summed = graph.op('Add', [graph.op('Add', [words, types], 'embeddings/words_types'), positions], 'embeddings/sum');
  let hidden = graph.layerNorm(summed, 'embeddings.LayerNorm', 'embeddings/output', epsilon);
  // (1 - mask) * MASKED_SCORE, shaped [batch, 1, 1, sequence] to broadcast over heads and queries.
  const mask = graph.op('Cast', ['attention_mask'], 'attention_mask/float', { to: 1 });
  const inverted = graph.op('Sub', ['const.one', mask], 'attention_mask/inverted');
  const additive = graph.op('Mul', [inverted, 'const.masked_score'], 'attention_mask/additive');
  graph.op('Unsqueeze', [additive, 'const.mask_axes'], 'extended_attention_mask');
  for (let layer = 0; layer < config.numHiddenLayers; layer++) {
    const prefix = `encoder.layer.${layer}`;
    const attended = attentionBlock(graph, hidden, prefix, epsilon);
    const last = layer === config.numHiddenLayers - 1;
    hidden = feedForwardBlock(graph, attended, prefix, epsilon, last ? 'last_hidden_state' : `${prefix}/output`);
  }
  const tokens = ['batch_size', 'sequence_length'] as const;
  return buildOnnxModel({
    name: 'tidepool_mini_bert',
    opset: 17,
    inputs: [
      { name: 'input_ids', type: 'int64', shape: tokens },
      { name: 'attention_mask', type: 'int64', shape: tokens },
      { name: 'token_type_ids', type: 'int64', shape: tokens },
    ],
    outputs: [{ name: 'last_hidden_state', type: 'float32', shape: [...tokens, config.hiddenSize] }],
    nodes: graph.nodes,
    initializers: [
      ...[...weights].map(([name, tensor]): OnnxInitializer => ({ name, type: 'float32', dims: tensor.dims, values: tensor.values })),
      ...constants(config),
    ],
  });
}
