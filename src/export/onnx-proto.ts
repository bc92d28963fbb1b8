// ONNX's ModelProto, the subset an exported model uses, written as protobuf (field numbers from
// onnx/onnx.proto). Tensors hold their values as raw little-endian bytes (`raw_data`).

/** An attribute of a node: an integer, a float, or a list of integers. */
export type Attribute = { readonly int: number } | { readonly float: number } | { readonly ints: readonly number[] };

/** One operator of the graph. */
export interface Node {
  readonly op: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly name?: string;
  readonly attributes?: { readonly [name: string]: Attribute };
}

/** A constant of the graph (weights, statistics, shapes). */
export type Initializer = { readonly name: string; readonly dims: readonly number[] } & (
  | { readonly type: 'float'; readonly values: Float32Array }
  | { readonly type: 'int64'; readonly values: readonly number[] }
  | { readonly type: 'bool'; readonly values: readonly boolean[] }
);

/** A graph input or output: a float32 tensor whose dimensions are sizes or named (`batch`). */
export interface ValueInfo {
  readonly name: string;
  readonly dims: readonly (number | string)[];
  readonly doc?: string;
}

/** The model: one graph, the opset it binds to, and key-value metadata. */
export interface Model {
  readonly irVersion: number;
  readonly opset: number;
  readonly producer: string;
  readonly doc: string;
  readonly graph: {
    readonly name: string;
    readonly nodes: readonly Node[];
    readonly initializers: readonly Initializer[];
    readonly inputs: readonly ValueInfo[];
    readonly outputs: readonly ValueInfo[];
  };
  readonly metadata: readonly (readonly [string, string])[];
}

// TensorProto.DataType and AttributeProto.AttributeType values.
const DATA_TYPE = { float: 1, int64: 7, bool: 9 } as const;
const ATTRIBUTE_TYPE = { float: 1, int: 2, ints: 7 } as const;

type Bytes = Uint8Array;
const text = new TextEncoder();

function concat(parts: readonly Bytes[]): Bytes {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}

/** A base-128 varint; negative integers as their 64-bit two's complement (ten bytes), as protobuf writes int64. */
function varint(n: number): Bytes {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Uint8Array.from(out);
}

// One field each: its key (field number and wire type), then its value.
const int = (field: number, v: number): Bytes => concat([varint(field << 3), varint(v)]);
const float = (field: number, v: number): Bytes => {
  const b = new Uint8Array(5);
  b[0] = (field << 3) | 5;
  new DataView(b.buffer).setFloat32(1, v, true);
  return b;
};
const bytes = (field: number, data: Bytes): Bytes => concat([varint((field << 3) | 2), varint(data.length), data]);
const str = (field: number, s: string): Bytes => bytes(field, text.encode(s));
const message = (field: number, parts: readonly Bytes[]): Bytes => bytes(field, concat(parts));

function attribute(name: string, a: Attribute): Bytes {
  if ('int' in a) return concat([str(1, name), int(20, ATTRIBUTE_TYPE.int), int(3, a.int)]);
  if ('float' in a) return concat([str(1, name), int(20, ATTRIBUTE_TYPE.float), float(2, a.float)]);
  return concat([str(1, name), int(20, ATTRIBUTE_TYPE.ints), ...a.ints.map((v) => int(8, v))]);
}

function node(n: Node): Bytes {
  return concat([
    ...n.inputs.map((i) => str(1, i)),
    ...n.outputs.map((o) => str(2, o)),
    ...(n.name ? [str(3, n.name)] : []),
    str(4, n.op),
    ...Object.entries(n.attributes ?? {}).map(([k, a]) => message(5, [attribute(k, a)])),
  ]);
}

/** The initializer's values as little-endian bytes. */
function rawData(t: Initializer): Bytes {
  if (t.type === 'bool') return Uint8Array.from(t.values, (v) => (v ? 1 : 0));
  const out = new Uint8Array(t.values.length * (t.type === 'float' ? 4 : 8));
  const view = new DataView(out.buffer);
  t.values.forEach((v: number, i: number) => (t.type === 'float' ? view.setFloat32(i * 4, v, true) : view.setBigInt64(i * 8, BigInt(v), true)));
  return out;
}

function tensor(t: Initializer): Bytes {
  return concat([...t.dims.map((d) => int(1, d)), int(2, DATA_TYPE[t.type]), str(8, t.name), bytes(9, rawData(t))]);
}

function valueInfo(v: ValueInfo): Bytes {
  // TypeProto { tensor_type: Tensor { elem_type, shape: TensorShapeProto { dim: Dimension { dim_value | dim_param } } } }
  const dims = v.dims.map((d) => message(1, [typeof d === 'number' ? int(1, d) : str(2, d)]));
  const type = message(2, [message(1, [int(1, DATA_TYPE.float), message(2, dims)])]);
  return concat([str(1, v.name), type, ...(v.doc ? [str(3, v.doc)] : [])]);
}

/** The model as the bytes of a `.onnx` file. */
export function encodeModel(m: Model): Bytes {
  const g = m.graph;
  const graph = [
    ...g.nodes.map((n) => message(1, [node(n)])),
    str(2, g.name),
    ...g.initializers.map((t) => message(5, [tensor(t)])),
    ...g.inputs.map((v) => message(11, [valueInfo(v)])),
    ...g.outputs.map((v) => message(12, [valueInfo(v)])),
  ];
  return concat([
    int(1, m.irVersion),
    str(2, m.producer),
    str(6, m.doc),
    message(7, graph),
    message(8, [int(2, m.opset)]), // OperatorSetIdProto: the default domain (ai.onnx) at this version
    ...m.metadata.map(([key, value]) => message(14, [str(1, key), str(2, value)])),
  ]);
}
