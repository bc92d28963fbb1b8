import type { LayerPlan } from '../plan';
import { add } from './add';
import type { LayerSteps } from './base';
import { batchNorm } from './batchnorm';
import { conv, dense } from './dense';
import { globalPool } from './global-pool';
import { pool } from './pool';

export type { GradientTarget, LayerSteps, Source, StepBuilder } from './base';

/** Each layer kind's part of the step, by kind. */
const STEPS: { readonly [K in LayerPlan['kind']]: LayerSteps<Extract<LayerPlan, { kind: K }>> } = {
  dense,
  conv,
  pool,
  batchnorm: batchNorm,
  'global-pool': globalPool,
  add,
};

/** The step builder of a layer's kind. */
export function layerSteps<L extends LayerPlan>(layer: L): LayerSteps<L> {
  return STEPS[layer.kind] as unknown as LayerSteps<L>;
}
