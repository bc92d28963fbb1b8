import type { PackedTensor } from '../record';
import type { BurnLayout, BurnParam, ModuleKind } from './layout';
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

/**
 * The model record's item: the model struct's fields by layer name, each a module record (a map
 * of its fields, parameters as ParamSerde) or nil for a module without parameters. `weights` are
 * in tfjs layout; those the layout does not place are refused.
 */
export function modelItem(layout: BurnLayout, weights: readonly PackedTensor[]): { [module: string]: unknown } {
  const byName = new Map(weights.map((w) => [w.name, w]));
  const placed = new Set<string>();
  const item: { [module: string]: unknown } = {};
  for (const m of layout.modules) {
    if (m.kind === 'constant') {
      item[m.name] = null;
      continue;
    }
    const values = new Map<string, unknown>();
    for (const p of m.params) {
      const w = byName.get(p.name);
      if (!w) continue;
      values.set(p.field, paramSerde(p, w));
      placed.add(p.name);
    }
    const fields = m.kind === 'params' ? m.params.map((p) => p.field) : RECORD_FIELDS[m.kind];
    const record: { [field: string]: unknown } = {};
    for (const f of fields) {
      if (values.has(f)) record[f] = values.get(f);
      else if (f in CONSTANTS) record[f] = CONSTANTS[f];
    }
    item[m.name] = record;
  }
  const lost = weights.find((w) => !placed.has(w.name));
  if (lost) throw new Error(`weight '${lost.name}' has no place in the model's Burn layout`);
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
