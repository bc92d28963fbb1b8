import { needsInput } from '../kernels/activation';
import { poolBackwardKernel, poolForwardKernel } from '../kernels/pool';
import type { PoolPlan } from '../plan';
import type { LayerSteps } from './base';

/** MaxPooling2D and AveragePooling2D: one pass each way; max pooling keeps its argmax positions in its scratch buffer. */
export const pool: LayerSteps<PoolPlan> = {
  forward(b, layer, l) {
    const a = b.input(layer.sources[0]);
    const spec = { op: layer.op, geometry: layer.geometry, rows: b.options.rows, inputLd: a.ld, dropout: b.dropout(layer) };
    b.kernel(poolForwardKernel(spec, b.options.limits.maxInvocations), { x: a.name, dst: `h${l}`, index: `s${l}` });
  },
  backward(b, layer, l) {
    const n = layer.sources[0];
    const to = b.gradientTo(n, l, layer.inputs);
    if (!to) return;
    const below = b.plan.layers[n];
    // Max pooling over an activation, neither with dropout (that rescales stored outputs): the
    // activation's derivative at the pooled output.
    const fromPooled =
      layer.op === 'max' && !below.dropout && !layer.dropout && below.activation !== 'linear' && !needsInput(below.activation) ? below.activation : undefined;
    const spec = { op: layer.op, geometry: layer.geometry, rows: b.options.rows, inputLd: b.input(n).ld };
    const epilogue = fromPooled ? ({ kind: 'store', add: to.add } as const) : to.epilogue;
    const kernel = poolBackwardKernel(spec, epilogue, b.options.limits.maxInvocations, fromPooled);
    b.kernel(kernel, { g: b.grad(l), index: `s${l}`, pooled: `h${l}`, dst: to.dst, src: to.src });
  },
  scratch: (layer, rows) => (layer.op === 'max' ? rows * layer.outputs : 0),
};
