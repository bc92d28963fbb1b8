import type { Optimizer } from './base';
import { Adam } from './adam';
import { parseOptimizerConfig, type OptimizerConfigInput } from './config';
import { RmsProp } from './rmsprop';
import { Sgd } from './sgd';

/** Validates a config and makes the optimizer it describes. */
export function createOptimizer(input: OptimizerConfigInput): Optimizer {
  const config = parseOptimizerConfig(input);
  switch (config.type) {
    case 'sgd':
      return new Sgd(config);
    case 'adam':
    case 'adamw':
      return new Adam(config);
    case 'rmsprop':
      return new RmsProp(config);
  }
}
