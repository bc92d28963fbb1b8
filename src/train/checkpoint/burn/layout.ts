/**
 * How a model's weights sit in Burn's module tree (docs/FORMATS.md, "Checkpoint records"): each
 * layer is a field of the model struct named as the layer, each weight a field of that module,
 * its values laid out as Burn's module holds them.
 */

/**
 * How a weight's values are rearranged from the model's (tfjs) layout to Burn's:
 * - `same`: as they are;
 * - `conv2d`: a tfjs kernel [kh, kw, in, out] becomes Burn's Conv2d weight [out, in, kh, kw];
 * - `flatten`: a Linear weight [inputs, units] right after a flatten of a channels-last image,
 *   its rows reordered from tfjs's (row, column, channel) order to Burn's channels-first
 *   (channel, row, column), so that the same weights read the same pixels.
 */
export type ValueLayout = 'same' | 'conv2d' | 'flatten';

/** One weight: its name in the model (`conv1/kernel`), its module and field in Burn's tree, its layout. */
export interface BurnParam {
  readonly name: string;
  readonly module: string;
  readonly field: string;
  readonly layout: ValueLayout;
  /** `flatten`: the channels of the flattened image (its rows are positions × channels). */
  readonly channels?: number;
}

/**
 * The Burn module a layer becomes, which fixes the fields of its record: `Linear`, `Conv2d` and
 * `BatchNorm` (burn-nn); `constant` for modules without parameters (Dropout, MaxPool2d,
 * AvgPool2d), whose record is empty; `params` for a layer with weights but no Burn module, its
 * weights kept under their tfjs names and layouts.
 */
export type ModuleKind = 'Linear' | 'Conv2d' | 'BatchNorm' | 'constant' | 'params';

/** A field of the model struct. */
export interface BurnModule {
  readonly name: string;
  readonly kind: ModuleKind;
  readonly params: readonly BurnParam[];
}

/** A model's module tree, in the model's layer order. */
export interface BurnLayout {
  readonly modules: readonly BurnModule[];
}

/**
 * The layout of weights named `<layer>/<weight>` when nothing more is known of the model: a
 * module per layer, each weight a field of the same name, values as they are.
 */
export function genericLayout(names: readonly string[]): BurnLayout {
  const modules = new Map<string, BurnParam[]>();
  for (const name of names) {
    const cut = name.lastIndexOf('/');
    const module = cut > 0 ? name.slice(0, cut) : name;
    const field = cut > 0 ? name.slice(cut + 1) : 'value';
    modules.set(module, [...(modules.get(module) ?? []), { name, module, field, layout: 'same' }]);
  }
  return { modules: [...modules].map(([name, params]) => ({ name, kind: 'params', params })) };
}

/** Every weight's place, by its name. */
export function paramsByName(layout: BurnLayout): Map<string, BurnParam> {
  return new Map(layout.modules.flatMap((m) => m.params.map((p) => [p.name, p] as const)));
}

/** Burn's shape of a weight of tfjs shape `shape`. */
export function burnShape(p: BurnParam, shape: readonly number[]): number[] {
  if (p.layout !== 'conv2d') return [...shape];
  const [kh, kw, cin, cout] = shape;
  return [cout, cin, kh, kw];
}

/** The tfjs shape of a weight of Burn shape `shape`; throws when the shape cannot be of that layout. */
export function tfjsShape(p: BurnParam, shape: readonly number[]): number[] {
  if (p.layout === 'conv2d') {
    if (shape.length !== 4) throw new Error(`a Conv2d weight has 4 dimensions, this one [${shape}]`);
    const [cout, cin, kh, kw] = shape;
    return [kh, kw, cin, cout];
  }
  if (p.layout === 'flatten' && (shape.length !== 2 || !p.channels || shape[0] % p.channels)) {
    throw new Error(`a Linear weight after a flatten of ${p.channels} channels has rows a multiple of them, this one is [${shape}]`);
  }
  return [...shape];
}

/** Little-endian 32-bit words as a view of `bytes`, or of a copy where they do not start at a multiple of 4. */
export function words(bytes: Uint8Array): Uint32Array {
  return bytes.byteOffset % 4 === 0 ? new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2) : new Uint32Array(bytes.slice().buffer);
}

/**
 * Rearranges little-endian float32 bytes of tfjs shape `shape` into Burn's layout (`toBurn`) or
 * back: a new array, except for a tensor going to Burn that needs no reordering (`bytes` itself:
 * a checkpoint's weights and moments are tens of MB; what comes in is copied off the record's buffer).
 */
export function relayout(p: BurnParam, bytes: Uint8Array, shape: readonly number[], toBurn: boolean): Uint8Array {
  if (p.layout === 'same') return toBurn ? bytes : bytes.slice();
  const src = words(bytes);
  const out = new Uint32Array(src.length);
  if (p.layout === 'conv2d') {
    const [kh, kw, cin, cout] = shape;
    for (let i = 0; i < kh; i++)
      for (let j = 0; j < kw; j++)
        for (let ci = 0; ci < cin; ci++)
          for (let co = 0; co < cout; co++) {
            const tf = ((i * kw + j) * cin + ci) * cout + co;
            const burn = ((co * cin + ci) * kh + i) * kw + j;
            if (toBurn) out[burn] = src[tf];
            else out[tf] = src[burn];
          }
  } else {
    const [rows, units] = shape;
    const channels = p.channels!;
    const positions = rows / channels;
    for (let pos = 0; pos < positions; pos++)
      for (let c = 0; c < channels; c++) {
        const tf = (pos * channels + c) * units;
        const burn = (c * positions + pos) * units;
        if (toBurn) out.set(src.subarray(tf, tf + units), burn);
        else out.set(src.subarray(burn, burn + units), tf);
      }
  }
  return new Uint8Array(out.buffer);
}
