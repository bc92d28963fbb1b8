import {
  batchNormApplyKernel,
  batchNormBackwardKernel,
  batchNormFinalizeKernel,
  batchNormPartialKernel,
  batchNormStatsFloats,
  type BatchNormSpec,
} from '../kernels/batchnorm';
import type { BatchNormPlan } from '../plan';
import type { LayerSteps, StepBuilder } from './base';

/** The kernels' view of a layer at the program's batch size. */
function spec(b: StepBuilder, layer: BatchNormPlan): BatchNormSpec {
  return { ...layer, rows: b.options.rows, inputLd: b.input(layer.sources[0]).ld };
}

/**
 * BatchNormalization: training computes the batch's statistics (partial sums, then one workgroup
 * per channel, which also moves the moving statistics), then normalizes with its activation and
 * dropout in one pass; validation normalizes with the moving statistics in that one pass. Backward:
 * the sums of g and g · x̂ the same way (γ's and β's gradients), then the input's gradient through
 * the layer below's derivative in one pass. The statistics live in the layer's scratch buffer.
 */
export const batchNorm: LayerSteps<BatchNormPlan> = {
  forward(b, layer, l) {
    const s = spec(b, layer);
    const x = b.input(layer.sources[0]).name;
    const threads = b.options.limits.maxInvocations;
    const epilogue = { kind: 'bias-act', biasOffset: null, activation: layer.activation, dropout: b.dropout(layer) } as const;
    if (!b.options.training) {
      b.kernel(batchNormApplyKernel(s, false, epilogue, threads), { x, params: 'params', dst: `h${l}` });
      return;
    }
    b.kernel(batchNormPartialKernel(s, 'stats', threads), { x, s: `s${l}` });
    b.kernel(batchNormFinalizeKernel(s, 'stats', threads), { x, s: `s${l}`, params: 'params' });
    b.kernel(batchNormApplyKernel(s, true, epilogue, threads), { x, s: `s${l}`, dst: `h${l}` });
  },
  backward(b, layer, l) {
    const s = spec(b, layer);
    const x = b.input(layer.sources[0]).name;
    const threads = b.options.limits.maxInvocations;
    const g = b.grad(l);
    b.kernel(batchNormPartialKernel(s, 'grads', threads), { x, g, s: `s${l}` });
    b.kernel(batchNormFinalizeKernel(s, 'grads', threads), { s: `s${l}`, grads: 'grads' });
    const to = b.gradientTo(layer.sources[0], l, layer.inputs, { role: 'x', name: x });
    if (!to) return;
    b.kernel(batchNormBackwardKernel(s, to.epilogue, threads), { g, x, s: `s${l}`, dst: to.dst, src: to.src });
  },
  scratch: (layer, rows, maxThreads) => batchNormStatsFloats({ ...layer, rows, inputLd: layer.inputs }, maxThreads),
};
