import type { ModelPlan } from './plan';
import { rowWords } from './program';

/**
 * Packs a dataset into the rows the gather kernel copies: each item's features (float bits), then
 * its label (u32; a negative label becomes an out-of-range one) or its regression targets.
 * Returns the rows and the number of items; throws when the arrays do not fit the plan.
 */
export function packDataset(plan: ModelPlan, x: Float32Array, y: Int32Array | Float32Array): { rows: Uint32Array; items: number } {
  const words = rowWords(plan);
  const targets = plan.loss === 'mse' ? plan.outputs : 1;
  if (plan.loss === 'mse' && !(y instanceof Float32Array)) throw new Error('regression targets must be a Float32Array');
  if (plan.loss !== 'mse' && !(y instanceof Int32Array)) throw new Error('class labels must be an Int32Array');
  if (y.length % targets !== 0) throw new Error(`y has ${y.length} values, not a multiple of the ${targets} targets per item`);
  const items = y.length / targets;
  if (x.length !== items * plan.inputSize) throw new Error(`x has ${x.length} values, expected ${items} items × ${plan.inputSize} features`);
  const rows = new Uint32Array(items * words);
  const asFloat = new Float32Array(rows.buffer);
  const labels = y instanceof Int32Array ? new Uint32Array(y.buffer, y.byteOffset, y.length) : null;
  for (let i = 0; i < items; i++) {
    asFloat.set(x.subarray(i * plan.inputSize, (i + 1) * plan.inputSize), i * words);
    if (labels) rows[i * words + plan.inputSize] = labels[i];
    else asFloat.set((y as Float32Array).subarray(i * targets, (i + 1) * targets), i * words + plan.inputSize);
  }
  return { rows, items };
}
