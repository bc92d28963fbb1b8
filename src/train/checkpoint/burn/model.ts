import type { PackedTensor } from '../record';
import { type BurnLayout, type BurnParam, type ModuleKind, paramsByName } from './layout';
import { asMap, paramSerde, readParamSerde } from './tensor';

/**
 * The fields of each burn-nn module's record, in declaration order (Linear, Conv2d, BatchNorm:
 * identical in v0.19.0, v0.20.0 and v0.21.0).
 */
const RECORD_FIELDS: { readonly [K in Exclude<ModuleKind, 'constant' | 'params'>]: readonly string[] } = {
  Linear: ['weight', 'bias'],
  Conv2d: ['weight', 'bias', 'stride', 'kernel_size', 'dilation', 'groups', 'padding'],
  BatchNorm: ['gamma', 'beta', 'running_mean', 'running_var', 'momentum', 'epsilon'],
};

/**
 * What Burn writes for the fields that hold no parameter: an absent bias (`Option`) is nil, and
 * so is a constant (`usize`, `f64`, `Ignored<_>`: ConstantRecord, or EmptyRecord from 0.21); a
 * `[usize; 2]` is an array of two such constants in 0.19 and 0.20 (0.21 writes nil, and reads either).
 */
const CONSTANTS: { readonly [field: string]: null | readonly null[] } = {
  bias: null,
  stride: [null, null],
  kernel_size: [null, null],
  dilation: [null, null],
  groups: null,
  padding: null,
  momentum: null,
  epsilon: null,
};

/** A field of a module's record: one of the model's weights (by name), or the constant Burn writes there. */
export type FieldTemplate = { readonly param: string } | null | readonly null[];

/**
 * The model record's item before the weights go in: the model struct's fields by layer name, each
 * a module record (its fields in declaration order, a weight of `present` as `{param: name}`, a
 * field without one as the constant Burn writes) or nil for a module without parameters.
 */
export function modelItemTemplate(layout: BurnLayout, present: ReadonlySet<string>): { [module: string]: { [field: string]: FieldTemplate } | null } {
  const item: { [module: string]: { [field: string]: FieldTemplate } | null } = {};
  for (const m of layout.modules) {
    if (m.kind === 'constant') {
      item[m.name] = null;
      continue;
    }
    const values = new Map(m.params.filter((p) => present.has(p.name)).map((p) => [p.field, { param: p.name }]));
    const fields = m.kind === 'params' ? m.params.map((p) => p.field) : RECORD_FIELDS[m.kind];
    const record: { [field: string]: FieldTemplate } = {};
    for (const f of fields) {
      const value = values.get(f);
      if (value) record[f] = value;
      else if (f in CONSTANTS) record[f] = CONSTANTS[f];
    }
    item[m.name] = record;
  }
  return item;
}

/**
 * The model record's item: the template (`modelItemTemplate`) with each weight as a ParamSerde.
 * `weights` are in tfjs layout; those the layout does not place are refused.
 */
export function modelItem(layout: BurnLayout, weights: readonly PackedTensor[]): { [module: string]: unknown } {
  const byName = new Map(weights.map((w) => [w.name, w]));
  const places = paramsByName(layout);
  const lost = weights.find((w) => !places.has(w.name));
  if (lost) throw new Error(`weight '${lost.name}' has no place in the model's Burn layout`);
  const item: { [module: string]: unknown } = {};
  for (const [module, fields] of Object.entries(modelItemTemplate(layout, new Set(byName.keys())))) {
    item[module] =
      fields && Object.fromEntries(Object.entries(fields).map(([f, v]) => [f, v && 'param' in v ? paramSerde(places.get(v.param)!, byName.get(v.param)!) : v]));
  }
  return item;
}

/** The weights `params` read back from a model record's item, in tfjs layout, in that order; errors name `file` and the field. */
export function readModelItem(item: unknown, params: readonly BurnParam[], file: string): PackedTensor[] {
  const modules = asMap(item, `${file}: item`);
  return params.map((p) => {
    const where = `${file}: item.${p.module}.${p.field}`;
    const module = asMap(modules[p.module], `${file}: item.${p.module}`);
    if (module[p.field] == null) throw new Error(`${where} is missing`);
    return readParamSerde(module[p.field], p, where);
  });
}
