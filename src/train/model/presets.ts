import type { ModelConfig, PresetConfig } from './config';
import type { ModelShape } from './infer';
import type { LayerSpec } from './layer-spec';

/**
 * A preset as the layer list it stands for, for data of `shape`: the layers and names the
 * presets have always had (runs started from a preset resume on the same weights), the last one
 * a linear Dense named `output` with a unit per output. MLP and logistic regression flatten
 * images first; rows of features need no Flatten.
 */
export function presetLayers(config: PresetConfig, shape: ModelShape): LayerSpec[] {
  const layers: LayerSpec[] = [];
  const dense = (name: string, units: number, activation: Extract<LayerSpec, { type: 'Dense' }>['activation'] = 'linear') =>
    layers.push({ type: 'Dense', name, units, activation, useBias: true });
  if (config.type === 'cnn') {
    if (shape.inputShape.length !== 3) throw new Error(`cnn needs images [height, width, channels], the data has items of shape [${shape.inputShape}]`);
    const conv = (name: string, filters: number) =>
      layers.push({ type: 'Conv2D', name, filters, kernelSize: 3, strides: 1, padding: 'same', useBias: true, activation: 'relu' });
    const pool = (name: string) => layers.push({ type: 'MaxPooling2D', name, poolSize: 2, padding: 'valid' });
    conv('conv1', config.filters[0]);
    pool('pool1');
    conv('conv2', config.filters[1]);
    pool('pool2');
    layers.push({ type: 'Flatten', name: 'flatten' });
    dense('dense1', config.dense, 'relu');
  } else {
    if (shape.inputShape.length !== 1) layers.push({ type: 'Flatten', name: 'flatten' });
    if (config.type === 'mlp') {
      config.hidden.forEach((units, i) => {
        dense(`dense${i + 1}`, units, config.activation);
        if (config.dropout > 0) layers.push({ type: 'Dropout', name: `dropout${i + 1}`, rate: config.dropout });
      });
    }
  }
  dense('output', shape.outputs);
  return layers;
}

/** The layer list of any model config: a preset's, or the list itself. */
export function modelLayers(config: ModelConfig, shape: ModelShape): LayerSpec[] {
  return config.type === 'layers' ? config.layers : presetLayers(config, shape);
}
