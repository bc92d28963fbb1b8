import { encode } from '@msgpack/msgpack';
import { gzipStored } from '../../../util/gzip';
import type { OptimizerConfig } from '../../optim/config';
import type { CheckpointStamp, PackedTensor, RecordKind } from '../record';
import { type BurnLayout, type BurnParam, paramsByName } from './layout';
import { modelItem, readModelItem } from './model';
import { isOptimizerType, type OptimState, optimItem, readOptimItem } from './optim';
import { schedulerItem } from './scheduler';
import { asMap } from './tensor';

/**
 * BurnMetadata as `NamedMpkGzFileRecorder<FullPrecisionSettings>` writes it (burn-core
 * `record/recorder.rs`: the element types' and the recorder's `type_name`, burn-core's version,
 * the settings' Debug). Burn reads it only to explain a record that fails to load.
 */
export const BURN_METADATA = {
  float: 'f32',
  int: 'i32',
  format: 'burn_core::record::file::NamedMpkGzFileRecorder<burn_core::record::settings::FullPrecisionSettings>',
  version: '0.21.0',
  settings: 'FullPrecisionSettings',
} as const;

/** The key of a record that holds what Kiln needs beyond Burn's fields; Burn's deserializer skips unknown keys. */
export const KILN_KEY = 'kiln';

/** Where a checkpoint's weights go in Burn's tree: the model's layout, and its trainable weights in order. */
export interface BurnPlacement {
  readonly layout: BurnLayout;
  readonly weights: readonly { readonly name: string; readonly shape: readonly number[] }[];
}

/** The place of each weight, in order; a weight the layout does not know is refused. */
function placed(placement: BurnPlacement): BurnParam[] {
  const byName = paramsByName(placement.layout);
  return placement.weights.map((w) => {
    const p = byName.get(w.name);
    if (!p) throw new Error(`weight '${w.name}' has no place in the model's Burn layout`);
    return p;
  });
}

/**
 * A record as Burn's BurnRecord `{metadata, item, _b}` (`_b`, a PhantomData, is written by
 * rmp_serde as an empty array), with Kiln's own state under `kiln`: the format, its version, the
 * kind, the checkpoint stamp, and per kind what Kiln resumes from beyond the item.
 */
export function burnRecord(kind: RecordKind, checkpoint: CheckpointStamp, payload: unknown, placement: BurnPlacement, version: number): object {
  const kiln = { format: 'kiln.record', version, kind, checkpoint };
  if (kind === 'model') {
    // Moving statistics (BatchNormalization's) are fields of Burn's modules too (running_mean, running_var).
    const { weights, state = [] } = payload as { weights: PackedTensor[]; state?: PackedTensor[] };
    const params = paramsByName(placement.layout);
    const item = modelItem(placement.layout, [...weights, ...state]);
    const places = (list: readonly PackedTensor[]) => list.map((w) => params.get(w.name)!);
    return { metadata: BURN_METADATA, item, _b: [], [KILN_KEY]: { ...kiln, params: places(weights), ...(state.length ? { state: places(state) } : {}) } };
  }
  if (kind === 'optim') {
    const { slots, ...rest } = payload as OptimState & { config: OptimizerConfig };
    const params = placed(placement);
    const item = optimItem(
      { ...rest, slots },
      params,
      placement.weights.map((w) => w.shape.length),
    );
    return { metadata: BURN_METADATA, item, _b: [], [KILN_KEY]: { ...kiln, ...rest, params } };
  }
  const s = payload as { scheduler: { config: Parameters<typeof schedulerItem>[0]; step: number }; progress: unknown };
  return { metadata: BURN_METADATA, item: schedulerItem(s.scheduler.config, s.scheduler.step), _b: [], [KILN_KEY]: { ...kiln, ...s } };
}

const LAYOUTS = new Set(['same', 'conv2d', 'flatten']);

/** The weights' places a record lists, checked. */
function readParams(value: unknown, file: string): BurnParam[] {
  if (!Array.isArray(value)) throw new Error(`${file}: ${KILN_KEY}.params is not a list`);
  return value.map((v, i) => {
    const p = asMap(v, `${file}: ${KILN_KEY}.params[${i}]`);
    const ok =
      typeof p.name === 'string' &&
      typeof p.module === 'string' &&
      typeof p.field === 'string' &&
      LAYOUTS.has(p.layout as string) &&
      (p.layout !== 'flatten' || (Number.isSafeInteger(p.channels) && (p.channels as number) > 0));
    if (!ok) throw new Error(`${file}: ${KILN_KEY}.params[${i}] does not say where a weight is`);
    return p as unknown as BurnParam;
  });
}

/**
 * Kiln's payload of a record in Burn's form (record format version 2), its tensors read from the
 * item and put back in tfjs layout; errors name the file and the field.
 */
export function readBurnRecord(kiln: { [key: string]: unknown }, item: unknown, kind: RecordKind, file: string): unknown {
  if (kind === 'model')
    return {
      weights: readModelItem(item, readParams(kiln.params, file), file),
      state: kiln.state == null ? [] : readModelItem(item, readParams(kiln.state, file), file),
    };
  if (kind === 'optim') {
    const { type } = kiln;
    if (!isOptimizerType(type)) throw new Error(`${file}: unknown optimizer type ${JSON.stringify(type)}`);
    return { type, config: kiln.config, step: kiln.step, slots: readOptimItem(item, type, readParams(kiln.params, file), file) };
  }
  return { scheduler: kiln.scheduler, progress: kiln.progress };
}

/** A model record as Burn writes one, without Kiln's state: the weights a Burn user loads into the exported model. */
export function burnModelRecord(layout: BurnLayout, weights: readonly PackedTensor[]): Uint8Array {
  return gzipStored(encode({ metadata: BURN_METADATA, item: modelItem(layout, weights), _b: [] }));
}
