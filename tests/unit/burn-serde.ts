/**
 * A reader of Burn's records written from Burn's own type definitions, not from Kiln's writer: a
 * MessagePack parser that keeps each value's marker (an integer is not a float), serde's rules as
 * rmp_serde 1.3 applies them (a struct is a map whose unknown keys are skipped; a missing field is
 * an error unless its type reads "missing" as absent; an externally tagged enum is a one-entry
 * map, a unit variant its name), and the record types of burn-core, burn-nn and burn-optim
 * v0.19.0, v0.20.0 and v0.21.0, each defined beside the Rust it mirrors.
 */
import { gunzipSync } from 'fflate';

/** A MessagePack value with its kind. */
export type Node =
  | { k: 'nil' }
  | { k: 'bool'; v: boolean }
  | { k: 'int'; v: bigint }
  | { k: 'float'; v: number }
  | { k: 'str'; v: string }
  | { k: 'bin'; v: Uint8Array }
  | { k: 'array'; v: Node[] }
  | { k: 'map'; v: [Node, Node][] };

/** Parses one MessagePack value (the whole input). */
export function parseMsgpack(bytes: Uint8Array): Node {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const u = (n: 1 | 2 | 4) => {
    const v = n === 1 ? view.getUint8(at) : n === 2 ? view.getUint16(at) : view.getUint32(at);
    at += n;
    return v;
  };
  const take = (n: number) => bytes.subarray(at, (at += n));
  const str = (n: number): Node => ({ k: 'str', v: new TextDecoder('utf-8', { fatal: true }).decode(take(n)) });
  const list = (n: number): Node => ({ k: 'array', v: Array.from({ length: n }, () => value()) });
  const map = (n: number): Node => ({ k: 'map', v: Array.from({ length: n }, () => [value(), value()] as [Node, Node]) });
  const value = (): Node => {
    const m = u(1);
    if (m <= 0x7f) return { k: 'int', v: BigInt(m) };
    if (m >= 0xe0) return { k: 'int', v: BigInt(m - 256) };
    if (m >= 0x80 && m <= 0x8f) return map(m & 0x0f);
    if (m >= 0x90 && m <= 0x9f) return list(m & 0x0f);
    if (m >= 0xa0 && m <= 0xbf) return str(m & 0x1f);
    const big = (signed: boolean) => {
      const v = signed ? view.getBigInt64(at) : view.getBigUint64(at);
      at += 8;
      return v;
    };
    switch (m) {
      case 0xc0:
        return { k: 'nil' };
      case 0xc2:
      case 0xc3:
        return { k: 'bool', v: m === 0xc3 };
      case 0xc4:
      case 0xc5:
      case 0xc6:
        return { k: 'bin', v: take(u(m === 0xc4 ? 1 : m === 0xc5 ? 2 : 4)) };
      case 0xca:
        return { k: 'float', v: ((at += 4), view.getFloat32(at - 4)) };
      case 0xcb:
        return { k: 'float', v: ((at += 8), view.getFloat64(at - 8)) };
      case 0xcc:
        return { k: 'int', v: BigInt(u(1)) };
      case 0xcd:
        return { k: 'int', v: BigInt(u(2)) };
      case 0xce:
        return { k: 'int', v: BigInt(u(4)) };
      case 0xcf:
        return { k: 'int', v: big(false) };
      case 0xd0:
        return { k: 'int', v: BigInt(((at += 1), view.getInt8(at - 1))) };
      case 0xd1:
        return { k: 'int', v: BigInt(((at += 2), view.getInt16(at - 2))) };
      case 0xd2:
        return { k: 'int', v: BigInt(((at += 4), view.getInt32(at - 4))) };
      case 0xd3:
        return { k: 'int', v: big(true) };
      case 0xd9:
      case 0xda:
      case 0xdb:
        return str(u(m === 0xd9 ? 1 : m === 0xda ? 2 : 4));
      case 0xdc:
      case 0xdd:
        return list(u(m === 0xdc ? 2 : 4));
      case 0xde:
      case 0xdf:
        return map(u(m === 0xde ? 2 : 4));
    }
    throw new Error(`marker 0x${m.toString(16)} at ${at - 1} is not used by Burn's records`);
  };
  const root = value();
  if (at !== bytes.length) throw new Error(`${bytes.length - at} bytes after the value`);
  return root;
}

/** A serde `Deserialize` impl: reads a node (or, where the type allows it, a missing field). */
export interface De<T> {
  (node: Node, path: string): T;
  /** What a missing struct field of this type reads as (serde's `missing_field`); absent: an error. */
  missing?: () => T;
}

const fail = (path: string, what: string, node: Node) => new Error(`${path}: invalid type: ${node.k}, expected ${what}`);

/** `usize`, `u64` (any integer marker in range; a float is refused). */
export const usize: De<bigint> = (n, path) => {
  if (n.k !== 'int' || n.v < 0n || n.v >= 1n << 64n) throw fail(path, 'usize', n);
  return n.v;
};

/** `i32`. */
export const i32: De<number> = (n, path) => {
  if (n.k !== 'int' || n.v < -(1n << 31n) || n.v >= 1n << 31n) throw fail(path, 'i32', n);
  return Number(n.v);
};

/** `f64` (serde's f64 visitor takes integers too). */
export const f64: De<number> = (n, path) => {
  if (n.k === 'float') return n.v;
  if (n.k === 'int') return Number(n.v);
  throw fail(path, 'f64', n);
};

/** `String`. */
export const string: De<string> = (n, path) => {
  if (n.k !== 'str') throw fail(path, 'a string', n);
  return n.v;
};

/** `()`: rmp_serde reads nil as unit. */
export const unit: De<null> = (n, path) => {
  if (n.k !== 'nil') throw fail(path, 'unit', n);
  return null;
};

/** `PhantomData<B>`, a unit struct: rmp_serde takes nil or an empty array (it writes `[]`). */
export const phantomData: De<null> = (n, path) => {
  if (n.k === 'nil' || (n.k === 'array' && n.v.length === 0)) return null;
  throw fail(path, 'a unit struct', n);
};

/**
 * burn-core `ConstantRecord` (0.19, 0.20) and `EmptyRecord` (0.21): `deserialize_option(IgnoredAny).ok()`,
 * so any value, or none, is accepted.
 */
export const constantRecord: De<null> = Object.assign((_n: Node, _path: string) => null, { missing: () => null });

/** `Option<T>`: nil is None (and so is a missing field). */
export function option<T>(inner: De<T>): De<T | null> {
  return Object.assign((n: Node, path: string) => (n.k === 'nil' ? null : inner(n, path)), { missing: () => null });
}

/** `Vec<T>` (a sequence). */
export function vec<T>(inner: De<T>): De<T[]> {
  return (n, path) => {
    if (n.k !== 'array') throw fail(path, 'a sequence', n);
    return n.v.map((e, i) => inner(e, `${path}[${i}]`));
  };
}

/** burn-core `record::primitive::Array<N, T>` (a `[T; N]` record item): a tuple of exactly N. */
export function array<T>(size: number, inner: De<T>): De<T[]> {
  return (n, path) => {
    if (n.k !== 'array' || n.v.length !== size) throw fail(path, `a fixed size array of ${size}`, n);
    return n.v.map((e, i) => inner(e, `${path}[${i}]`));
  };
}

/** `Vec<u8>` through `serde_bytes` (cubecl-common `Bytes`): a bin, or a sequence of bytes. */
export const bytes: De<Uint8Array> = (n, path) => {
  if (n.k === 'bin') return n.v;
  if (n.k === 'array') return Uint8Array.from(n.v, (e, i) => Number(usize(e, `${path}[${i}]`)));
  throw fail(path, 'bytes', n);
};

/** The entries of a map with string keys. */
function entries(n: Node, path: string): [string, Node][] {
  if (n.k !== 'map') throw fail(path, 'a map', n);
  return n.v.map(([k, v]) => [string(k, `${path} key`), v]);
}

/** `#[derive(Deserialize)]` on a struct with named fields: a map; unknown keys are skipped. */
export function struct<T extends { [field: string]: unknown }>(fields: { [K in keyof T]: De<T[K]> }): De<T> {
  return (n, path) => {
    const given = new Map(entries(n, path));
    const out: { [field: string]: unknown } = {};
    for (const [name, de] of Object.entries(fields) as [string, De<unknown>][]) {
      const v = given.get(name);
      if (v !== undefined) out[name] = de(v, `${path}.${name}`);
      else if (de.missing) out[name] = de.missing();
      else throw new Error(`${path}: missing field \`${name}\``);
    }
    return out as T;
  };
}

/** `HashMap<String, T>`. */
export function hashMap<T>(inner: De<T>): De<Map<string, T>> {
  return (n, path) => new Map(entries(n, path).map(([k, v]) => [k, inner(v, `${path}.${k}`)]));
}

/** An externally tagged enum whose variants are newtypes: a one-entry map `{variant: value}`. */
export function newtypeEnum<T>(variants: { [variant: string]: De<T> }): De<{ variant: string; value: T }> {
  return (n, path) => {
    const e = entries(n, path);
    if (e.length !== 1) throw new Error(`${path}: an enum is a map of one entry, this has ${e.length}`);
    const [variant, value] = e[0];
    const de = variants[variant];
    if (!de) throw new Error(`${path}: unknown variant \`${variant}\``);
    return { variant, value: de(value, `${path}.${variant}`) };
  };
}

/** An enum of unit variants: the variant's name. */
export function unitEnum<V extends string>(variants: readonly V[]): De<V> {
  return (n, path) => {
    const name = string(n, path);
    if (!variants.includes(name as V)) throw new Error(`${path}: unknown variant \`${name}\``);
    return name as V;
  };
}

// ---- burn-tensor / burn-backend ----

/** `DType` (element/base.rs in 0.19, burn-std tensor/dtype.rs from 0.20); the float and int variants a record may hold. */
const dtype = unitEnum(['F64', 'F32', 'Flex32', 'F16', 'BF16', 'I64', 'I32', 'I16', 'I8', 'U64', 'U32', 'U16', 'U8']);
const DTYPE_BYTES: { [d: string]: number } = { F64: 8, F32: 4, Flex32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U64: 8, U32: 4, U16: 2, U8: 1 };

/** A tensor as Burn reads it: TensorData's values, widened to f32 as `FloatTensorSerde` converts them. */
export interface Tensor {
  readonly shape: number[];
  readonly values: Float32Array;
}

/**
 * `TensorData { bytes: Bytes, shape: Vec<usize> (0.21: Shape via SmallVec), dtype: DType }`, read
 * through `FloatTensorSerde<FullPrecisionSettings>` (record/tensor.rs), which converts it to f32.
 * The bytes must hold the shape's values (TensorData's accessors assume so).
 */
export const floatTensor: De<Tensor> = (n, path) => {
  const d = struct({ bytes, shape: vec(usize), dtype })(n, path);
  const shape = d.shape.map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  if (d.bytes.length !== count * DTYPE_BYTES[d.dtype]) throw new Error(`${path}: ${d.bytes.length} bytes for ${count} ${d.dtype} values`);
  const view = new DataView(d.bytes.buffer, d.bytes.byteOffset, d.bytes.byteLength);
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    if (d.dtype === 'F32') values[i] = view.getFloat32(4 * i, true);
    else if (d.dtype === 'I32') values[i] = view.getInt32(4 * i, true);
    else throw new Error(`${path}: this reader converts F32 and I32, not ${d.dtype}`);
  }
  return { shape, values };
};

// ---- burn-core ----

/** `ParamId::deserialize` (module/param/id.rs): BASE32_DNSSEC, any case, at most 8 bytes, little-endian u64. */
export function paramIdValue(encoded: string, path: string): bigint {
  const alphabet = '0123456789abcdefghijklmnopqrstuv';
  let bits = 0n;
  for (const ch of encoded.toLowerCase()) {
    const v = alphabet.indexOf(ch);
    if (v < 0) throw new Error(`${path}: invalid id '${encoded}'`);
    bits = (bits << 5n) | BigInt(v);
  }
  const total = 5 * encoded.length;
  const whole = Math.floor(total / 8);
  const trailing = total - 8 * whole;
  // data-encoding refuses a length no byte count encodes to, and non-zero trailing bits.
  if (![0, 2, 4, 5, 7].includes(encoded.length % 8) || bits & ((1n << BigInt(trailing)) - 1n)) throw new Error(`${path}: invalid id '${encoded}'`);
  if (whole > 8) throw new Error(`${path}: id '${encoded}' is more than 8 bytes`);
  bits >>= BigInt(trailing);
  let value = 0n;
  for (let i = 0; i < whole; i++) value |= ((bits >> BigInt(8 * (whole - 1 - i))) & 0xffn) << BigInt(8 * i);
  return value;
}

/** A parameter: its id and tensor. */
export interface Param {
  readonly id: bigint;
  readonly tensor: Tensor;
}

/** `ParamSerde<FloatTensorSerde<S>>` (record/primitive.rs): `{id: String, param}`, the id then parsed as a ParamId. */
export const param: De<Param> = (n, path) => {
  const p = struct({ id: string, param: floatTensor })(n, path);
  return { id: paramIdValue(p.id, `${path}.id`), tensor: p.param };
};

/** `BurnMetadata` (record/recorder.rs). */
const metadata = struct({ float: string, int: string, format: string, version: string, settings: string });

/** `BurnRecord<I, B> { metadata, item, _b: PhantomData<B> }` (record/recorder.rs), gzip-compressed. */
export function burnRecord<I>(item: De<I>, gz: Uint8Array) {
  return struct({ metadata, item, _b: phantomData })(parseMsgpack(gunzipSync(gz)), 'record');
}

/** The Burn versions whose records these types follow; they differ where noted. */
export type BurnVersion = '0.19' | '0.20' | '0.21';

/** A `[usize; 2]` field of a module: `[ConstantRecord; 2]` in 0.19 and 0.20, EmptyRecord in 0.21 (derive: not a module). */
const pair = (v: BurnVersion) => (v === '0.21' ? constantRecord : array(2, constantRecord));

// ---- burn-nn ----

/** `LinearRecord` (modules/linear.rs): `{weight: Param<Tensor<B, 2>>, bias: Option<Param<Tensor<B, 1>>>}`. */
export const linear = struct({ weight: param, bias: option(param) });

/** `Conv2dRecord` (modules/conv/conv2d.rs): weight, bias, then stride, kernel_size, dilation, groups, padding. */
export const conv2d = (v: BurnVersion) =>
  struct({ weight: param, bias: option(param), stride: pair(v), kernel_size: pair(v), dilation: pair(v), groups: constantRecord, padding: constantRecord });

/** `BatchNormRecord` (modules/norm/batch.rs): `running_mean`/`running_var` are RunningState, recorded as a Param. */
export const batchNorm = struct({ gamma: param, beta: param, running_mean: param, running_var: param, momentum: constantRecord, epsilon: constantRecord });

/** Dropout, MaxPool2d, AvgPool2d: modules without a backend are constants (derive: `generate_module_const`). */
export const constantModule = constantRecord;

// ---- burn-optim ----

/** `AdaptiveMomentumState` (optim/adam.rs): time, moment_1, moment_2, and from 0.21 `max_moment_2: Option`. */
const adaptiveMomentum = (v: BurnVersion) =>
  v === '0.21'
    ? struct({ time: usize, moment_1: floatTensor, moment_2: floatTensor, max_moment_2: option(floatTensor) })
    : struct({ time: usize, moment_1: floatTensor, moment_2: floatTensor });

/** `AdamState` and `AdamWState`: `{momentum: AdaptiveMomentumState}`. */
export const adamState = (v: BurnVersion) => struct({ momentum: adaptiveMomentum(v) });

/** `SgdState { momentum: Option<MomentumState { velocity }> }` (optim/sgd.rs, optim/momentum.rs). */
export const sgdState = struct({ momentum: option(struct({ velocity: floatTensor })) });

/** `RmsPropState` (optim/rmsprop.rs). */
export const rmsPropState = struct({
  square_avg: struct({ square_avg: floatTensor }),
  centered: struct({ grad_avg: option(floatTensor), avg: floatTensor }),
  momentum: option(struct({ buf: floatTensor })),
});

/**
 * `OptimizerAdaptor`'s record item, `HashMap<String, AdaptorRecordItem>` keyed by ParamId
 * (optim/simple/adaptor.rs, record/base.rs, record/v1.rs): `V1(Rank<D>(state))`. The state's
 * rank must be the parameter's (`into_state` downcasts to `State<D>`).
 */
export function optimizerRecord<S>(state: De<S>): De<Map<bigint, { rank: number; state: S }>> {
  const ranks = Object.fromEntries(Array.from({ length: 9 }, (_, d) => [`Rank${d}`, state]));
  const adaptor = newtypeEnum({ V1: newtypeEnum(ranks) });
  return (n, path) =>
    new Map(
      [...hashMap(adaptor)(n, path)].map(([id, item]) => {
        const rank = item.value;
        return [paramIdValue(id, `${path}.${id}`), { rank: Number(rank.variant.slice(4)), state: rank.value }];
      }),
    );
}
