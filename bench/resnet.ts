import * as tf from '@tensorflow/tfjs';

/**
 * The benchmark's small ResNet for 32×32×3 images (CIFAR-10's shape): a 3×3 stem of 16 filters,
 * then three stages of 16, 32 and 64 filters, each a residual block (conv-bn-relu, conv-bn, add
 * the block's input, relu), the second and third stage entered by a stride-2 conv-bn-relu; global
 * average pooling and 10 logits. Convolutions have no bias (batch normalization follows each).
 * bench/pytorch_baseline.py builds the same network.
 */
export function smallResNet(seed: number, inputShape: readonly number[] = [32, 32, 3], classes = 10): tf.LayersModel {
  let n = 0;
  const init = () => tf.initializers.heNormal({ seed: seed * 1000 + n++ });
  const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]) => layer.apply(x) as tf.SymbolicTensor;
  const convBn = (x: tf.SymbolicTensor, filters: number, strides = 1) =>
    apply(
      tf.layers.batchNormalization({}),
      apply(tf.layers.conv2d({ filters, kernelSize: 3, strides, padding: 'same', useBias: false, kernelInitializer: init() }), x),
    );
  const relu = (x: tf.SymbolicTensor) => apply(tf.layers.activation({ activation: 'relu' }), x);
  const block = (x: tf.SymbolicTensor, filters: number) => relu(apply(tf.layers.add({}), [convBn(relu(convBn(x, filters)), filters), x]));
  const input = tf.input({ shape: [...inputShape] });
  let x = block(relu(convBn(input, 16)), 16);
  x = block(relu(convBn(x, 32, 2)), 32);
  x = block(relu(convBn(x, 64, 2)), 64);
  const logits = apply(
    tf.layers.dense({ units: classes, kernelInitializer: tf.initializers.glorotUniform({ seed: seed * 1000 + n++ }) }),
    apply(tf.layers.globalAveragePooling2d({}), x),
  );
  return tf.model({ inputs: input, outputs: logits });
}
