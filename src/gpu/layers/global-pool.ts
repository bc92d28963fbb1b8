import { globalPoolBackwardKernel, globalPoolForwardKernel } from '../kernels/elementwise';
import type { GlobalPoolPlan } from '../plan';
import type { LayerSteps } from './base';

/** GlobalAveragePooling2D: channel means forward (with dropout); each mean's gradient spread over its pixels backward. */
export const globalPool: LayerSteps<GlobalPoolPlan> = {
  forward(b, layer, l) {
    const a = b.input(layer.sources[0]);
    const epilogue = { kind: 'bias-act', biasOffset: null, activation: 'linear', dropout: b.dropout(layer) } as const;
    b.kernel(globalPoolForwardKernel(b.options.rows, layer.input, a.ld, epilogue, b.options.limits.maxInvocations), { x: a.name, dst: `h${l}` });
  },
  backward(b, layer, l) {
    const to = b.gradientTo(layer.sources[0], l, layer.inputs);
    if (!to) return;
    b.kernel(globalPoolBackwardKernel(b.options.rows, layer.input, to.epilogue, b.options.limits.maxInvocations), { g: b.grad(l), dst: to.dst, src: to.src });
  },
};
