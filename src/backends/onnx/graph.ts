/**
 * Builds small ONNX models in code (serialised with the `onnx-proto` protobuf bindings): the fused
 * selection kernels here, and later the project's own test encoder. No Python or `onnx` package needed.
 */
import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';

const { onnx } = onnxProto;

/** Element types used here. */
export type OnnxElementType = 'float32' | 'float16' | 'int64';

const ELEMENT_TYPES: Record<OnnxElementType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  float16: onnx.TensorProto.DataType.FLOAT16,
  int64: onnx.TensorProto.DataType.INT64,
};

/** A graph input or output: name, element type, and shape (a string names a symbolic dimension). */
export interface OnnxValue {
  name: string;
  type: OnnxElementType;
  shape: readonly (number | string)[];
}

/** An attribute value of a node. */
export type OnnxAttribute = number | readonly number[] | string;

/** A node: operator, inputs, outputs, attributes (integers are written as INT/INTS, others as FLOAT). */
export interface OnnxNode {
  op: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes?: Readonly<Record<string, OnnxAttribute>>;
  /** Attribute names whose numbers are floats even when they look integral (e.g. Gemm's alpha). */
  floatAttributes?: readonly string[];
}

/** A constant tensor baked into the model. */
export interface OnnxInitializer {
  name: string;
  type: 'float32' | 'int64';
  dims: readonly number[];
  values: readonly number[];
}

/** The model to build. */
export interface OnnxGraph {
  name: string;
  inputs: readonly OnnxValue[];
  outputs: readonly OnnxValue[];
  nodes: readonly OnnxNode[];
  initializers?: readonly OnnxInitializer[];
  /** ONNX opset. @default 17 */
  opset?: number;
}

function valueInfo(value: OnnxValue): OnnxTypes.IValueInfoProto {
  return {
    name: value.name,
    type: {
      tensorType: {
        elemType: ELEMENT_TYPES[value.type],
        shape: { dim: value.shape.map((dim) => (typeof dim === 'number' ? { dimValue: dim } : { dimParam: dim })) },
      },
    },
  };
}

function attribute(name: string, value: OnnxAttribute, isFloat: boolean): OnnxTypes.IAttributeProto {
  const { AttributeType } = onnx.AttributeProto;
  if (typeof value === 'string') return { name, type: AttributeType.STRING, s: Buffer.from(value) };
  if (typeof value === 'number') {
    return isFloat || !Number.isInteger(value) ? { name, type: AttributeType.FLOAT, f: value } : { name, type: AttributeType.INT, i: value };
  }
  return isFloat ? { name, type: AttributeType.FLOATS, floats: [...value] } : { name, type: AttributeType.INTS, ints: [...value] };
}

function initializer(init: OnnxInitializer): OnnxTypes.ITensorProto {
  return init.type === 'float32'
    ? { name: init.name, dataType: ELEMENT_TYPES.float32, dims: [...init.dims], floatData: [...init.values] }
    : { name: init.name, dataType: ELEMENT_TYPES.int64, dims: [...init.dims], int64Data: [...init.values] };
}

/** Serialises the graph as an ONNX model. */
export function buildOnnxModel(graph: OnnxGraph): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'tidepool',
    opsetImport: [{ domain: '', version: graph.opset ?? 17 }],
    graph: {
      name: graph.name,
      input: graph.inputs.map(valueInfo),
      output: graph.outputs.map(valueInfo),
      initializer: (graph.initializers ?? []).map(initializer),
      node: graph.nodes.map((node, index) => ({
        name: `${node.op}_${index}`,
        opType: node.op,
        input: [...node.inputs],
        output: [...node.outputs],
        attribute: Object.entries(node.attributes ?? {}).map(([name, value]) => attribute(name, value, node.floatAttributes?.includes(name) ?? false)),
      })),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
