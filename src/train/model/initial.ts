import * as tf from '@tensorflow/tfjs';
import type { ArtifactStore } from '../../store/base';
import { modelPayload } from '../checkpoint/learner';
import { checkModelPayload, recordCeilings } from '../checkpoint/payload';
import { decodeRecord, encodeRecord, unpackTensor } from '../checkpoint/record';
import { burnLayoutOf } from './burn-layout';
import { loadParams } from '../learner/learner';
import { fromTensorRecord, type TensorRecord, toTensorRecord } from '../tensor-record';
import type { ModelInfo } from './infer';
import { layersParams, layersState } from './layers';
import { matchWeights, type WeightMatch } from './weights-manifest';

/**
 * A run that starts from imported weights keeps them as its initial model, a model record of
 * epoch 0 (docs/FORMATS.md): the run is resumed, exported and imported without the files they
 * came from.
 */
export const INITIAL_MODEL = 'init/model.mpk.gz';

/**
 * Loads imported weights by name into a model built from `info`'s list: each layer whose weights
 * are all there with its shapes takes them, the others keep their seeded values. Says which did.
 */
export function loadImportedWeights(model: tf.LayersModel, info: ModelInfo, weights: readonly TensorRecord[]): WeightMatch<TensorRecord> {
  const match = matchWeights(info, weights);
  const assign = (variables: readonly { variable: tf.Variable }[], records: readonly (TensorRecord | null)[]) =>
    records.forEach((r, i) => r && tf.tidy(() => variables[i]!.variable.assign(fromTensorRecord(r))));
  assign(layersParams(model), match.trainable);
  assign(layersState(model), match.state);
  return match;
}

/** Stores the model's weights and state as the run's initial model. */
export async function saveInitialModel(store: ArtifactStore, model: tf.LayersModel): Promise<void> {
  const records = (params: readonly { name: string; variable: tf.Variable }[]) => Promise.all(params.map((p) => toTensorRecord(p.name, p.variable)));
  const weights = await records(layersParams(model));
  const payload = modelPayload(weights, await records(layersState(model)));
  const placement = { layout: burnLayoutOf(model), weights };
  await store.write(INITIAL_MODEL, encodeRecord({ kind: 'model', checkpoint: { id: 'initial', epoch: 0, globalStep: 0 }, payload }, placement));
}

/**
 * Loads the run's initial model into the model, checked as a checkpoint's model record is (count,
 * shapes, finite values); false when the run has none.
 */
export async function loadInitialModel(store: Pick<ArtifactStore, 'read'>, model: tf.LayersModel): Promise<boolean> {
  const bytes = await store.read(INITIAL_MODEL);
  if (!bytes) return false;
  const params = layersParams(model);
  const state = layersState(model);
  const ceiling = recordCeilings([...params, ...state].map((p) => ({ name: p.name, shape: p.variable.shape }))).model;
  const record = decodeRecord(bytes, INITIAL_MODEL, 'model', ceiling);
  const payload = checkModelPayload(record.payload, INITIAL_MODEL);
  loadParams(params, payload.weights.map(unpackTensor), INITIAL_MODEL);
  loadParams(state, payload.state.map(unpackTensor), `${INITIAL_MODEL}: state`);
  return true;
}
