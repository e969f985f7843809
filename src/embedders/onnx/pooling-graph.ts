/**
 * The sentence-transformers Pooling and Normalize modules as ONNX nodes, appended to the encoder's
 * graph so they run on the device and only [batch, hidden] floats come back instead of
 * [batch, tokens, hidden]. Each step follows sentence-transformers' PyTorch code:
 * - mean: sum(hidden · mask) / max(sum(mask), 1e-9)
 * - cls: hidden[:, 0]
 * - max: max over tokens of hidden where mask, else -1e9
 * - normalize: x / max(‖x‖₂, 1e-12) (torch.nn.functional.normalize)
 */
import type { OnnxExtension, OnnxInitializer, OnnxNode } from '../../backends/onnx/graph.js';
import type { PoolingMode } from './pipeline-config.js';

/** What the pooling reads and writes. */
export interface PoolingGraphOptions {
  /** Token vectors [batch, tokens, hidden]. */
  hidden: string;
  /** Whether `hidden` needs a cast to float32 first (a float16 export). */
  hiddenIsFloat32: boolean;
  /** The int64 attention mask input [batch, tokens]. */
  attentionMask: string;
  pooling: PoolingMode;
  normalize: boolean;
  hiddenSize: number;
  /** Default-domain opset of the model: reductions take `axes` as an input from 13 (Sum) or 18 (Max), an attribute before. */
  opset: number;
  /** Name of the output [batch, hidden]. */
  output: string;
}

const FLOAT = 1;
const BOOL = 9;
const PREFIX = 'tidepool_pooling/';

/** Nodes, constants and the output that turn token vectors into one (normalised) vector per row. */
export function poolingExtension(options: PoolingGraphOptions): OnnxExtension {
  const nodes: OnnxNode[] = [];
  const initializers: OnnxInitializer[] = [];
  /** A constant, added to the model the first time a node uses it (onnxruntime warns about unused ones). */
  const constant = (name: string, type: 'float32' | 'int64', dims: readonly number[], value: number): string => {
    const full = `${PREFIX}${name}`;
    if (!initializers.some((init) => init.name === full)) initializers.push({ name: full, type, dims, values: [value] });
    return full;
  };
  const op = (type: string, inputs: readonly string[], name: string, attributes?: OnnxNode['attributes']): string => {
    const output = `${PREFIX}${name}`;
    nodes.push({ op: type, inputs, outputs: [output], ...(attributes && { attributes }) });
    return output;
  };
  /** A reduction over axis 1 (tokens of [batch, tokens, hidden], features of [batch, hidden]) in the form the opset wants. */
  const reduceAxis1 = (type: 'ReduceSum' | 'ReduceMax', input: string, keepdims: 0 | 1, name: string): string => {
    const axesAsInput = options.opset >= (type === 'ReduceSum' ? 13 : 18);
    return axesAsInput ? op(type, [input, constant('axis_1', 'int64', [1], 1)], name, { keepdims }) : op(type, [input], name, { axes: [1], keepdims });
  };
  const unsqueeze = (input: string, name: string): string => (options.opset >= 13 ? op('Unsqueeze', [input, constant('axis_2', 'int64', [1], 2)], name) : op('Unsqueeze', [input], name, { axes: [2] }));

  const hidden = options.hiddenIsFloat32 ? options.hidden : op('Cast', [options.hidden], 'hidden_float', { to: FLOAT });
  const mask = unsqueeze(op('Cast', [options.attentionMask], 'mask_float', { to: FLOAT }), 'mask_3d');
  let pooled: string;
  if (options.pooling === 'mean') {
    const summed = reduceAxis1('ReduceSum', op('Mul', [hidden, mask], 'masked'), 0, 'sum');
    const count = op('Max', [reduceAxis1('ReduceSum', mask, 0, 'count'), constant('min_count', 'float32', [], 1e-9)], 'count_clamped');
    pooled = op('Div', [summed, count], 'mean');
  } else if (options.pooling === 'cls') {
    pooled = op('Gather', [hidden, constant('cls_index', 'int64', [], 0)], 'cls', { axis: 1 });
  } else {
    const keep = op('Cast', [mask], 'mask_bool', { to: BOOL });
    pooled = reduceAxis1('ReduceMax', op('Where', [keep, hidden, constant('masked_value', 'float32', [], -1e9)], 'filled'), 0, 'max');
  }
  if (options.normalize) {
    const squares = reduceAxis1('ReduceSum', op('Mul', [pooled, pooled], 'squares'), 1, 'sum_squares');
    const norm = op('Max', [op('Sqrt', [squares], 'norm'), constant('min_norm', 'float32', [], 1e-12)], 'norm_clamped');
    nodes.push({ op: 'Div', inputs: [pooled, norm], outputs: [options.output] });
  } else {
    nodes.push({ op: 'Identity', inputs: [pooled], outputs: [options.output] });
  }
  return { nodes, initializers, outputs: [{ name: options.output, type: 'float32', shape: ['batch_size', options.hiddenSize] }] };
}
