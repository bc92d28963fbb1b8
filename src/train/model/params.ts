import type { ModelConfig } from './config';
import { inferLayers, type ModelShape, type WeightShape } from './infer';
import { modelLayers } from './presets';

/**
 * The weights `createModel(config, shape)` would build, without building it: the trainable ones
 * in the model's order (what a model record's `weights` holds), then its state (BatchNormalization's
 * moving statistics, a model record's `state`). An imported checkpoint is checked against these
 * before any memory goes to a model. Throws when the config does not fit the data.
 */
export function paramShapes(
  config: ModelConfig,
  shape: ModelShape,
  task?: 'classification' | 'regression',
): { trainable: WeightShape[]; state: WeightShape[] } {
  const info = inferLayers(modelLayers(config, shape), shape, task);
  if (info.error) throw new Error(info.error);
  return { trainable: [...info.trainable], state: [...info.state] };
}
