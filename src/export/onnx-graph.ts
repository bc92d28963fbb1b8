import type { Attribute, Initializer, Node } from './onnx-proto';

/** A model (or a layer of it) that the ONNX export cannot express; the message names the layer and why. */
export class OnnxExportError extends Error {}

/**
 * The graph as it is built: nodes in order and their constants. Every value (a node's output, a
 * constant) gets a name of its own, made from the layer it belongs to (`conv1`, `conv1/relu`).
 */
export class Graph {
  readonly nodes: Node[] = [];
  readonly initializers: Initializer[] = [];
  private readonly taken = new Set<string>();

  /** `name`, or `name_2`, `name_3`… where it is taken. */
  private unique(name: string): string {
    let n = name;
    for (let i = 2; this.taken.has(n); i++) n = `${name}_${i}`;
    this.taken.add(n);
    return n;
  }

  /** Reserves a name (the graph's input) so no node's output takes it. */
  reserve(name: string): string {
    this.taken.add(name);
    return name;
  }

  /** A float32 constant; `dims` [] for a scalar. Returns its name. */
  floats(name: string, dims: readonly number[], values: Float32Array | readonly number[]): string {
    const unique = this.unique(name);
    this.initializers.push({ name: unique, dims, type: 'float', values: Float32Array.from(values) });
    return unique;
  }

  /** An int64 constant (indices, shapes). Returns its name. */
  ints(name: string, dims: readonly number[], values: readonly number[]): string {
    const unique = this.unique(name);
    this.initializers.push({ name: unique, dims, type: 'int64', values });
    return unique;
  }

  /** A boolean constant (masks). Returns its name. */
  bools(name: string, dims: readonly number[], values: readonly boolean[]): string {
    const unique = this.unique(name);
    this.initializers.push({ name: unique, dims, type: 'bool', values });
    return unique;
  }

  /** A node of `op` whose one output is named after `name`; returns that output's name. */
  op(op: string, inputs: readonly string[], name: string, attributes?: { readonly [name: string]: Attribute }): string {
    const output = this.unique(name);
    this.nodes.push({ op, inputs, outputs: [output], name: output, ...(attributes ? { attributes } : {}) });
    return output;
  }
}

/** `values` of `shape` with its axes reordered: axis i of the result is axis `perm[i]` of the input. */
export function permute(values: Float32Array, shape: readonly number[], perm: readonly number[]): Float32Array {
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const outShape = perm.map((p) => shape[p]!);
  const index = outShape.map(() => 0);
  const out = new Float32Array(values.length);
  for (let o = 0; o < out.length; o++) {
    let from = 0;
    for (let d = 0; d < perm.length; d++) from += index[d]! * strides[perm[d]!]!;
    out[o] = values[from]!;
    for (let d = perm.length - 1; d >= 0 && ++index[d]! === outShape[d]; d--) index[d] = 0;
  }
  return out;
}
