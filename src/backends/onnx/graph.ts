/**
 * Builds small ONNX models in code (serialised with the `onnx-proto` protobuf bindings): the fused
 * selection kernels and the project's own test encoder; and extends existing models
 * ({@link OnnxModelEditor}: pooling appended to a user's encoder). No Python or `onnx` package needed.
 */
import { createRequire } from 'node:module';
import type OnnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';

// Required, not imported: importing a CommonJS package from ES modules first scans its whole source for
// exports (cjs-module-lexer), 10-20 ms of every `select` start for this large generated file.
const { onnx } = createRequire(import.meta.url)('onnx-proto') as typeof OnnxProto;

/** Element types used here. */
export type OnnxElementType = 'float32' | 'float16' | 'int32' | 'int64';

const ELEMENT_TYPES: Record<OnnxElementType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  float16: onnx.TensorProto.DataType.FLOAT16,
  int32: onnx.TensorProto.DataType.INT32,
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
  /** Float tensors may come as a Float32Array: stored as raw little-endian bytes, compact to decode. */
  values: readonly number[] | Float32Array;
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
  if (init.type === 'int64') return { name: init.name, dataType: ELEMENT_TYPES.int64, dims: [...init.dims], int64Data: [...init.values] };
  // raw_data (as exporters write it): a reader gets one byte slice, not a million-element number array.
  const floats = init.values instanceof Float32Array ? init.values : Float32Array.from(init.values);
  return { name: init.name, dataType: ELEMENT_TYPES.float32, dims: [...init.dims], rawData: new Uint8Array(floats.buffer, floats.byteOffset, floats.byteLength) };
}

function nodeProto(node: OnnxNode, name: string): OnnxTypes.INodeProto {
  return {
    name,
    opType: node.op,
    input: [...node.inputs],
    output: [...node.outputs],
    attribute: Object.entries(node.attributes ?? {}).map(([key, value]) => attribute(key, value, node.floatAttributes?.includes(key) ?? false)),
  };
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
      node: graph.nodes.map((node, index) => nodeProto(node, `${node.op}_${index}`)),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** A graph input or output as an existing model declares it (`type` undefined: not float32/float16/int64). */
export interface OnnxValueSummary {
  name: string;
  type: OnnxElementType | undefined;
  /** One entry per axis: a size, a symbolic name, or undefined when the model leaves it open. */
  shape: (number | string | undefined)[];
}

/** A `Gather` whose data is an initializer (an embedding table) and the tensor that indexes it. */
export interface OnnxGatherTable {
  table: string;
  dims: number[];
  indices: string;
}

/** Nodes, constants and new outputs to append to an existing model. */
export interface OnnxExtension {
  nodes: readonly OnnxNode[];
  initializers?: readonly OnnxInitializer[];
  /** Replace the graph's outputs (values nothing reads any more are pruned by onnxruntime). */
  outputs: readonly OnnxValue[];
}

function summarise(value: OnnxTypes.IValueInfoProto): OnnxValueSummary {
  const tensor = value.type?.tensorType;
  const type = (Object.keys(ELEMENT_TYPES) as OnnxElementType[]).find((key) => ELEMENT_TYPES[key] === tensor?.elemType);
  const shape = (tensor?.shape?.dim ?? []).map((dim) => (dim.dimValue != null ? Number(dim.dimValue) : (dim.dimParam ?? undefined)));
  return { name: value.name ?? '', type, shape };
}

/** An existing ONNX model, decoded so it can be inspected and extended (for example with pooling). */
export class OnnxModelEditor {
  private constructor(private readonly model: OnnxTypes.ModelProto) {}

  /** Decodes model bytes; throws the protobuf decoder's error on anything that is not an ONNX model. */
  static decode(bytes: Uint8Array): OnnxModelEditor {
    return new OnnxModelEditor(onnx.ModelProto.decode(bytes));
  }

  private get graph(): OnnxTypes.IGraphProto {
    this.model.graph ??= {};
    return this.model.graph;
  }

  /** Version of the default (`ai.onnx`) operator set, 0 when the model imports none. */
  get opset(): number {
    const entry = this.model.opsetImport.find((imported) => imported.domain == null || imported.domain === '' || imported.domain === 'ai.onnx');
    return entry?.version == null ? 0 : Number(entry.version);
  }

  /** Inputs the caller must feed (old models also list initializers as inputs; those are left out). */
  get inputs(): OnnxValueSummary[] {
    const constants = new Set((this.graph.initializer ?? []).map((tensor) => tensor.name));
    return (this.graph.input ?? []).filter((value) => !constants.has(value.name)).map(summarise);
  }

  get outputs(): OnnxValueSummary[] {
    return (this.graph.output ?? []).map(summarise);
  }

  /** True when some initializer keeps its data in a separate file. */
  get usesExternalData(): boolean {
    return (this.graph.initializer ?? []).some((tensor) => tensor.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL);
  }

  /** Every `Gather` that looks up rows of an initializer. */
  gatherTables(): OnnxGatherTable[] {
    const dims = new Map((this.graph.initializer ?? []).map((tensor) => [tensor.name ?? '', (tensor.dims ?? []).map(Number)]));
    return (this.graph.node ?? []).flatMap((node) => {
      const [table, indices] = node.input ?? [];
      const tableDims = table === undefined ? undefined : dims.get(table);
      return node.opType === 'Gather' && tableDims !== undefined && indices !== undefined ? [{ table: table!, dims: tableDims, indices }] : [];
    });
  }

  /** True when a node, input, output or initializer already uses `name`. */
  hasValue(name: string): boolean {
    const graph = this.graph;
    const names = [...(graph.input ?? []), ...(graph.output ?? []), ...(graph.initializer ?? [])].map((value) => value.name);
    return names.includes(name) || (graph.node ?? []).some((node) => node.input?.includes(name) === true || node.output?.includes(name) === true);
  }

  /** Appends nodes and constants and replaces the outputs. */
  append(extension: OnnxExtension): void {
    const graph = this.graph;
    const offset = graph.node?.length ?? 0;
    graph.node = [
      ...(graph.node ?? []),
      ...extension.nodes.map((node, index) => nodeProto(node, `tidepool_${node.op}_${offset + index}`)),
    ];
    graph.initializer = [...(graph.initializer ?? []), ...(extension.initializers ?? []).map(initializer)];
    graph.output = extension.outputs.map(valueInfo);
  }

  /** Serialises the (extended) model. */
  encode(): Uint8Array {
    return onnx.ModelProto.encode(this.model).finish();
  }
}
