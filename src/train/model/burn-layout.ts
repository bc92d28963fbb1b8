import type * as tf from '@tensorflow/tfjs';
import type { BurnLayout, BurnModule, BurnParam, ModuleKind } from '../checkpoint/burn/layout';

/** The burn-nn module each tfjs layer class becomes, and the Burn field of each of its weights. */
const MODULES: { readonly [layer: string]: { readonly kind: ModuleKind; readonly fields: { readonly [weight: string]: string } } } = {
  Dense: { kind: 'Linear', fields: { kernel: 'weight', bias: 'bias' } },
  Conv2D: { kind: 'Conv2d', fields: { kernel: 'weight', bias: 'bias' } },
  BatchNormalization: { kind: 'BatchNorm', fields: { gamma: 'gamma', beta: 'beta', moving_mean: 'running_mean', moving_variance: 'running_var' } },
  Dropout: { kind: 'constant', fields: {} },
  MaxPooling2D: { kind: 'constant', fields: {} },
  AveragePooling2D: { kind: 'constant', fields: {} },
};

/** Layers that keep the order of the features they pass on (a flatten's order reaches the next Dense through them). */
const ORDER_KEEPING = new Set(['Dropout', 'Activation', 'ReLU', 'LeakyReLU']);

/**
 * Where each weight of a layers model sits in Burn's module tree: a field per layer (named as the
 * layer) of the burn-nn module it becomes, weights renamed as Burn's fields, a Conv2D kernel
 * turned to [out, in, kh, kw], and the first Dense after a flatten of a channels-last image given
 * its rows in channels-first order. A layer with weights but no Burn module keeps its weights'
 * tfjs names and layouts.
 */
export function burnLayoutOf(model: tf.LayersModel): BurnLayout {
  const modules: BurnModule[] = [];
  let flattened: number | null = null;
  for (const layer of model.layers) {
    const type = layer.getClassName();
    const known = MODULES[type];
    const weights = layer.weights.map((w) => w.originalName);
    if (!known && !weights.length) {
      // No module: Burn's forward does it as a function (flatten, activations). A flatten of
      // [height, width, channels] orders the features unlike Burn's channels-first flatten.
      const input = (layer.input as tf.SymbolicTensor).shape;
      if (type === 'Flatten') flattened = input.length === 4 ? input[3] : null;
      else if (!ORDER_KEEPING.has(type)) flattened = null;
      continue;
    }
    const params = weights.map((name): BurnParam => {
      const weight = name.slice(name.lastIndexOf('/') + 1);
      const field = known?.fields[weight];
      if (!field) return { name, module: layer.name, field: weight, layout: 'same' };
      if (type === 'Conv2D' && weight === 'kernel') return { name, module: layer.name, field, layout: 'conv2d' };
      if (type === 'Dense' && weight === 'kernel' && flattened !== null) return { name, module: layer.name, field, layout: 'flatten', channels: flattened };
      return { name, module: layer.name, field, layout: 'same' };
    });
    const fits = known && weights.every((name) => known.fields[name.slice(name.lastIndexOf('/') + 1)]);
    modules.push({ name: layer.name, kind: fits ? known.kind : 'params', params });
    if (!ORDER_KEEPING.has(type)) flattened = null;
  }
  return { modules };
}
