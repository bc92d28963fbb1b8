export type { Optimizer, OptimizerRecord, Param } from './base';
export {
  AdamConfigSchema,
  AdamWConfigSchema,
  GradClippingSchema,
  OptimizerConfigSchema,
  RmsPropConfigSchema,
  SgdConfigSchema,
  parseOptimizerConfig,
} from './config';
export type {
  AdamConfig,
  GradClippingConfig,
  OptimizerConfig,
  OptimizerConfigInput,
  RmsPropConfig,
  SgdConfig,
} from './config';
export { createOptimizer } from './create';
export { clipGradients, gradNorm } from './clipping';
export { Adam } from './adam';
export { RmsProp } from './rmsprop';
export { Sgd } from './sgd';
export { SlottedOptimizer } from './slotted';
export type { UpdateContext } from './slotted';
