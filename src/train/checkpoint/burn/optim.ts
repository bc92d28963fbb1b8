import type { OptimizerConfig } from '../../optim/config';
import type { PackedTensor } from '../record';
import type { BurnParam } from './layout';
import { paramIdOf } from './param-id';
import { asMap, readTensorData, tensorData } from './tensor';

/** An optimizer's state as Kiln keeps it: slots per weight, index i belonging to weight i. */
export interface OptimState {
  readonly type: OptimizerConfig['type'];
  readonly step: number;
  readonly slots: { readonly [slot: string]: readonly PackedTensor[] };
}

/** `a − b²` of two float32 tensors, elementwise, in float32 (RMSprop's centered `avg`). */
function minusSquare(a: PackedTensor, b: PackedTensor): PackedTensor {
  const x = new Float32Array(a.data.slice().buffer);
  const y = new Float32Array(b.data.slice().buffer);
  return { ...a, data: new Uint8Array(x.map((v, i) => v - Math.fround(y[i] * y[i])).buffer) };
}

/**
 * One parameter's state as Burn's optimizer of the same kind keeps it (burn-optim v0.19–v0.21):
 * AdamState / AdamWState `{momentum: AdaptiveMomentumState {time, moment_1, moment_2,
 * max_moment_2 (0.21; nil: no AMSGrad)}}`; SgdState `{momentum: Option<MomentumState {velocity}>}`;
 * RmsPropState `{square_avg: {square_avg}, centered: {grad_avg: Option, avg}, momentum: Option<{buf}>}`.
 */
function paramState(s: OptimState, p: BurnParam, i: number): unknown {
  const slot = (name: string) => s.slots[name]?.[i];
  const td = (t: PackedTensor | undefined) => (t ? tensorData(p, t) : null);
  switch (s.type) {
    case 'adam':
    case 'adamw':
      return { momentum: { time: s.step, moment_1: td(slot('m')), moment_2: td(slot('v')), max_moment_2: null } };
    case 'sgd':
      return { momentum: slot('momentum') ? { velocity: td(slot('momentum')) } : null };
    case 'rmsprop': {
      const ms = slot('ms')!;
      const mg = slot('mg');
      return {
        square_avg: { square_avg: td(ms) },
        centered: { grad_avg: td(mg), avg: td(mg ? minusSquare(ms, mg) : ms) },
        momentum: slot('momentum') ? { buf: td(slot('momentum')) } : null,
      };
    }
  }
}

/**
 * The optimizer record's item: OptimizerAdaptor's record, a map from each parameter's id to its
 * AdaptorRecord, `{"V1": {"Rank<D>": state}}` (serde's externally tagged enums). Burn keeps no
 * state for a parameter before its first step, so a record of step 0 is an empty map.
 */
export function optimItem(s: OptimState, params: readonly BurnParam[], ranks: readonly number[]): { [id: string]: unknown } {
  if (s.step === 0) return {};
  return Object.fromEntries(params.map((p, i) => [paramIdOf(p.name), { V1: { [`Rank${ranks[i]}`]: paramState(s, p, i) } }]));
}

/** The state fields that hold each of Kiln's slots, per optimizer (the reverse of `paramState`). */
const SLOT_PATHS: { readonly [T in OptimizerConfig['type']]: { readonly [slot: string]: readonly string[] } } = {
  adam: { m: ['momentum', 'moment_1'], v: ['momentum', 'moment_2'] },
  adamw: { m: ['momentum', 'moment_1'], v: ['momentum', 'moment_2'] },
  sgd: { momentum: ['momentum', 'velocity'] },
  rmsprop: { ms: ['square_avg', 'square_avg'], mg: ['centered', 'grad_avg'], momentum: ['momentum', 'buf'] },
};

/** Whether `type` names an optimizer Kiln has. */
export function isOptimizerType(type: unknown): type is OptimizerConfig['type'] {
  return typeof type === 'string' && Object.hasOwn(SLOT_PATHS, type);
}

/** Kiln's slots read back from an optimizer record's item, per weight of `params`; errors name `file` and the entry. */
export function readOptimItem(item: unknown, type: OptimizerConfig['type'], params: readonly BurnParam[], file: string): OptimState['slots'] {
  const entries = asMap(item, `${file}: item`);
  if (Object.keys(entries).length === 0) return {};
  const slots: { [slot: string]: PackedTensor[] } = {};
  params.forEach((p, i) => {
    const id = paramIdOf(p.name);
    const where = `${file}: item.${id} ('${p.name}')`;
    const versions = asMap(entries[id], where);
    const ranks = asMap(versions.V1, `${where}.V1`);
    const rank = Object.keys(ranks)[0];
    const state = asMap(ranks[rank], `${where}.V1.${rank}`);
    for (const [slot, [outer, inner]] of Object.entries(SLOT_PATHS[type])) {
      const holder = state[outer];
      const value = holder == null ? null : asMap(holder, `${where}.${outer}`)[inner];
      if (value == null) continue;
      (slots[slot] ??= [])[i] = readTensorData(value, p, `${where}.${outer}.${inner}`);
    }
  });
  for (const [slot, list] of Object.entries(slots)) {
    const missing = params.findIndex((_, i) => !list[i]);
    if (missing >= 0) throw new Error(`${file}: the state of '${params[missing].name}' lacks '${slot}', which the other parameters hold`);
  }
  return slots;
}
