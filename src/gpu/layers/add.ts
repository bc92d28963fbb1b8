import { addForwardKernel, gradientPassKernel } from '../kernels/elementwise';
import type { AddPlan } from '../plan';
import type { LayerSteps } from './base';

/**
 * Add (and an activation layer of its own: one source): the sum with its activation and dropout
 * in one pass; backward, the gradient passed to each source through that source's derivative (a
 * source that only feeds this layer and passes its gradient unchanged shares its buffer instead).
 */
export const add: LayerSteps<AddPlan> = {
  forward(b, layer, l) {
    const sources = layer.sources.map((n) => b.input(n));
    const epilogue = { kind: 'bias-act', biasOffset: null, activation: layer.activation, dropout: b.dropout(layer) } as const;
    const roles = Object.fromEntries(sources.map((s, k) => [`x${k}`, s.name]));
    b.kernel(addForwardKernel(b.options.rows, layer.outputs, sources, epilogue, b.options.limits.maxInvocations), { ...roles, dst: `h${l}` });
  },
  backward(b, layer, l) {
    for (const n of layer.sources) {
      const to = b.gradientTo(n, l, layer.outputs);
      if (!to) continue;
      b.kernel(gradientPassKernel(b.options.rows, layer.outputs, to.epilogue, b.options.limits.maxInvocations), { g: b.grad(l), dst: to.dst, src: to.src });
    }
  },
};
