/**
 * Dynamic int8 quantization of an ONNX graph, as onnxruntime's `quantize_dynamic` does it: every MatMul
 * whose B is a float32 rank-2 initializer becomes
 *
 *   DynamicQuantizeLinear(A) -> A_q (uint8), A_scale, A_zero_point   (once per distinct A)
 *   MatMulInteger(A_q, B_q, A_zero_point, B_zero_point) -> int32
 *   Cast(to float) * (A_scale * B_scale)
 *
 * Standard ONNX operators only (opset >= 11); onnxruntime's CPU graph optimiser fuses the chain into
 * MatMulIntegerToFloat. MatMuls of two activations (attention scores, context) stay float. Pure: model
 * bytes in, model bytes out.
 */
import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';
import { quantizeWeights, type WeightFormat } from './weights.js';

const { onnx } = onnxProto;
const { DataType } = onnx.TensorProto;

/** Operators that mean the model is already quantized. */
const QUANTIZED_OPS = new Set(['MatMulInteger', 'DynamicQuantizeLinear', 'QuantizeLinear', 'DequantizeLinear', 'QLinearMatMul', 'MatMulIntegerToFloat', 'DynamicQuantizeMatMul', 'QGemm', 'QAttention']);
/** DynamicQuantizeLinear arrived in opset 11. */
export const MIN_QUANTIZE_OPSET = 11;

/** What quantization did, for the CLI's report. */
export interface QuantizeReport {
  /** MatMuls whose weights became int8. */
  quantized: number;
  /** MatMuls left in float (both inputs computed, or weights that are not float32 rank 2). */
  keptFloat: number;
  /** Float weights replaced, in bytes, and the int8 weights and scales that replaced them. */
  floatWeightBytes: number;
  int8WeightBytes: number;
}

/** The model's bytes, or why it cannot be quantized (a `code` and a message without the file name). */
export type QuantizeOutcome = { ok: true; bytes: Uint8Array; report: QuantizeReport } | { ok: false; code: 'E_MODEL_INVALID' | 'E_USAGE'; message: string };

function floatValues(tensor: OnnxTypes.ITensorProto): Float32Array | undefined {
  if (tensor.dataType !== DataType.FLOAT || tensor.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) return undefined;
  const raw = tensor.rawData;
  if (raw != null && raw.length > 0) {
    // Copy: raw_data is a view into the decoded file at an arbitrary (often unaligned) offset.
    const bytes = new Uint8Array(raw.length);
    bytes.set(raw);
    return new Float32Array(bytes.buffer, 0, raw.length / 4);
  }
  return tensor.floatData == null ? undefined : Float32Array.from(tensor.floatData);
}

function rawTensor(name: string, dataType: number, dims: readonly number[], bytes: Uint8Array): OnnxTypes.ITensorProto {
  return { name, dataType, dims: [...dims], rawData: bytes };
}

function floatTensor(name: string, dims: readonly number[], values: Float32Array): OnnxTypes.ITensorProto {
  return rawTensor(name, DataType.FLOAT, dims, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
}

function defaultOpset(model: OnnxTypes.IModelProto): number {
  const entry = (model.opsetImport ?? []).find((imported) => imported.domain == null || imported.domain === '' || imported.domain === 'ai.onnx');
  return entry?.version == null ? 0 : Number(entry.version);
}

/** Names not yet used in the graph, derived from a base name. */
class NameSource {
  private readonly used = new Set<string>();

  constructor(graph: OnnxTypes.IGraphProto) {
    for (const value of [...(graph.input ?? []), ...(graph.output ?? []), ...(graph.initializer ?? []), ...(graph.valueInfo ?? [])]) this.used.add(value.name ?? '');
    for (const node of graph.node ?? []) for (const name of [...(node.input ?? []), ...(node.output ?? []), node.name ?? '']) this.used.add(name);
  }

  fresh(base: string): string {
    let name = base;
    for (let index = 1; this.used.has(name); index++) name = `${base}_${index}`;
    this.used.add(name);
    return name;
  }
}

/** A node proto. */
function node(names: NameSource, opType: string, input: string[], output: string[], attribute: OnnxTypes.IAttributeProto[] = []): OnnxTypes.INodeProto {
  return { name: names.fresh(`tidepool_quant_${opType}`), opType, input, output, attribute };
}

/**
 * Quantizes the MatMul weights of an encoded ONNX model. `format` chooses int8 or uint8 storage, the
 * integer range and per-column or per-tensor scales.
 */
export function quantizeOnnxModel(bytes: Uint8Array, format: WeightFormat): QuantizeOutcome {
  let model: OnnxTypes.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (error) {
    return { ok: false, code: 'E_MODEL_INVALID', message: `is not an ONNX model (${(error as Error).message})` };
  }
  const graph = model.graph;
  if (graph == null || (graph.node ?? []).length === 0) return { ok: false, code: 'E_MODEL_INVALID', message: 'holds no graph (an empty or truncated ONNX file)' };
  const nodes = graph.node ?? [];
  const already = nodes.find((candidate) => QUANTIZED_OPS.has(candidate.opType ?? ''));
  if (already !== undefined) return { ok: false, code: 'E_USAGE', message: `is already quantized (it has a ${already.opType} node): quantize the fp32 model.onnx instead` };
  const opset = defaultOpset(model);
  if (opset < MIN_QUANTIZE_OPSET) return { ok: false, code: 'E_MODEL_INVALID', message: `uses ONNX opset ${opset}, but dynamic quantization needs DynamicQuantizeLinear (opset ${MIN_QUANTIZE_OPSET}); re-export it with a newer opset (optimum-cli export onnx --opset 17)` };

  const initializers = new Map((graph.initializer ?? []).map((tensor) => [tensor.name ?? '', tensor]));
  const names = new NameSource(graph);
  const quantizedInputs = new Map<string, { value: string; scale: string; zeroPoint: string }>();
  const replacedWeights = new Set<string>();
  const added: OnnxTypes.ITensorProto[] = [];
  const report: QuantizeReport = { quantized: 0, keptFloat: 0, floatWeightBytes: 0, int8WeightBytes: 0 };
  const rewritten: OnnxTypes.INodeProto[] = [];
  const weightCache = new Map<string, { values: string; scale: string; zeroPoint: string }>();

  for (const original of nodes) {
    if (original.opType !== 'MatMul' || (original.domain != null && original.domain !== '')) {
      rewritten.push(original);
      continue;
    }
    const [input, weightName] = original.input ?? [];
    const output = original.output?.[0];
    const weight = weightName === undefined ? undefined : initializers.get(weightName);
    const dims = (weight?.dims ?? []).map(Number);
    const values = weight === undefined ? undefined : floatValues(weight);
    if (input === undefined || weightName === undefined || output === undefined || values === undefined || dims.length !== 2) {
      report.keptFloat++;
      rewritten.push(original);
      continue;
    }
    const [rows, columns] = dims as [number, number];
    let stored = weightCache.get(weightName);
    if (stored === undefined) {
      const quantized = quantizeWeights(values, rows, columns, format);
      stored = { values: names.fresh(`${weightName}_quantized`), scale: names.fresh(`${weightName}_scale`), zeroPoint: names.fresh(`${weightName}_zero_point`) };
      const integerType = format.type === 'uint8' ? DataType.UINT8 : DataType.INT8;
      added.push(
        rawTensor(stored.values, integerType, dims, new Uint8Array(quantized.values.buffer, quantized.values.byteOffset, quantized.values.byteLength)),
        floatTensor(stored.scale, format.perChannel ? [columns] : [], quantized.scales),
        rawTensor(stored.zeroPoint, integerType, [], Uint8Array.of(quantized.zeroPoint)),
      );
      report.floatWeightBytes += values.byteLength;
      report.int8WeightBytes += quantized.values.byteLength + quantized.scales.byteLength;
      weightCache.set(weightName, stored);
      replacedWeights.add(weightName);
    }
    let activation = quantizedInputs.get(input);
    if (activation === undefined) {
      activation = { value: names.fresh(`${input}_quantized`), scale: names.fresh(`${input}_scale`), zeroPoint: names.fresh(`${input}_zero_point`) };
      rewritten.push(node(names, 'DynamicQuantizeLinear', [input], [activation.value, activation.scale, activation.zeroPoint]));
      quantizedInputs.set(input, activation);
    }
    const integer = names.fresh(`${output}_int32`);
    const asFloat = names.fresh(`${output}_float`);
    const scale = names.fresh(`${output}_scale`);
    rewritten.push(
      node(names, 'MatMulInteger', [activation.value, stored.values, activation.zeroPoint, stored.zeroPoint], [integer]),
      node(names, 'Cast', [integer], [asFloat], [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: DataType.FLOAT }]),
      node(names, 'Mul', [activation.scale, stored.scale], [scale]),
      node(names, 'Mul', [asFloat, scale], [output]),
    );
    report.quantized++;
  }

  // A float weight that something else still reads (a tied embedding) stays.
  const stillRead = new Set(rewritten.flatMap((kept) => kept.input ?? []));
  const dropped = new Set([...replacedWeights].filter((name) => !stillRead.has(name)));
  graph.node = rewritten;
  graph.initializer = [...(graph.initializer ?? []).filter((tensor) => !dropped.has(tensor.name ?? '')), ...added];
  graph.input = (graph.input ?? []).filter((value) => !dropped.has(value.name ?? ''));
  graph.valueInfo = (graph.valueInfo ?? []).filter((value) => !dropped.has(value.name ?? ''));
  model.producerName = model.producerName === '' ? 'tidepool quantize' : `${model.producerName} + tidepool quantize`;
  return { ok: true, bytes: onnx.ModelProto.encode(model).finish(), report };
}
