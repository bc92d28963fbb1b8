import type { TensorRecord } from '../tensor-record';
import { inferLayers, type ModelInfo, type ModelShape } from './infer';
import { LAYER_LIST_VERSION, type LayerList } from './layer-spec';
import { parseModelJson } from './model-json';
import { matchWeights, readWeights } from './weights-manifest';

/** A model.json made into a layer list for a dataset, with the weights given beside it. */
export interface ImportedModel {
  /** `initial` names the file when weights came with it. */
  readonly config: LayerList;
  /** Named `layer/weight`; null when only the topology was given. */
  readonly weights: TensorRecord[] | null;
  /** The list checked against the dataset (an output of the wrong size is marked on the last layer, for the user to fix). */
  readonly info: ModelInfo;
  /** Layers whose imported weights fit, and those that start fresh, with why. */
  readonly loaded: string[];
  readonly fresh: { readonly layer: string; readonly reason: string }[];
}

/**
 * Imports a TensorFlow.js layers model.json (`text`, named `file`) for a dataset of `data`: its
 * topology as a layer list, and its weights when every file its manifest names is given
 * (`shard(path)`; none given: topology only, fresh seeded weights). Refuses, naming the
 * mismatch, a model whose input is not the dataset's items; names layers Kiln cannot train.
 */
export function importModelJson(
  text: string,
  file: string,
  shard: (path: string) => Uint8Array | undefined,
  data: ModelShape,
  task?: 'classification' | 'regression',
): ImportedModel {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not JSON (${(e as Error).message})`);
  }
  const parsed = parseModelJson(json, file);
  const fits = parsed.inputShape.length === data.inputShape.length && parsed.inputShape.every((d, i) => d === null || d === data.inputShape[i]);
  if (!fits)
    throw new Error(
      `${file}: the model takes items of [${parsed.inputShape.map((d) => d ?? '?').join(', ')}]; the dataset's are [${data.inputShape.join(', ')}]`,
    );
  const paths = (parsed.manifest ?? []).flatMap((g) => g.paths);
  const given = paths.filter((p) => shard(p));
  const weights = given.length ? readWeights(parsed.manifest!, shard, file) : null;
  const config: LayerList = { type: 'layers', version: LAYER_LIST_VERSION, layers: parsed.layers, ...(weights ? { initial: { source: file } } : {}) };
  const info = inferLayers(parsed.layers, data, task);
  const { loaded, fresh } = matchWeights(info, weights ?? []);
  return { config, weights, info, loaded: weights ? loaded : [], fresh: weights ? fresh : [] };
}
