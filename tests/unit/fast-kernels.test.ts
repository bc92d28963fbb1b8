import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerNodeBackends } from '../../src/cli/backends-node';
import { Rng } from '../../src/util/rng';
import { conv2dFilterGrad, conv2dInputGradByConv } from '../../src/train/step/conv-grad';
import { useFastKernels } from '../../src/train/step/kernels';

type Pad = 'same' | 'valid';
interface Conv {
  readonly x: [number, number, number, number];
  readonly f: [number, number, number, number];
  readonly strides: number | [number, number];
  readonly pad: Pad;
}

/** Shapes that exercise padding on each side, strides that leave rows unused, non-square and 1×1 filters. */
const CONVS: Conv[] = [
  { x: [2, 7, 7, 3], f: [3, 3, 3, 4], strides: 1, pad: 'same' },
  { x: [2, 7, 6, 3], f: [3, 2, 3, 5], strides: 1, pad: 'valid' },
  { x: [3, 9, 8, 2], f: [3, 3, 2, 4], strides: 2, pad: 'same' },
  { x: [2, 8, 9, 2], f: [2, 3, 2, 3], strides: [2, 3], pad: 'valid' },
  { x: [2, 5, 5, 4], f: [1, 1, 4, 2], strides: 1, pad: 'same' },
  { x: [1, 6, 6, 1], f: [4, 4, 1, 2], strides: 1, pad: 'same' },
];

const random = (shape: number[], seed: number) => {
  const rng = new Rng(seed);
  return tf.tensor(
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.next() * 2 - 1),
    shape,
  );
};

/** Inputs of one convolution, and dy of its output's shape. */
function inputs(c: Conv) {
  const x = random(c.x, 1) as tf.Tensor4D;
  const f = random(c.f, 2) as tf.Tensor4D;
  const dy = random(tf.conv2d(x, f, c.strides, c.pad).shape, 3) as tf.Tensor4D;
  return { x, f, dy };
}

/** d(Σ conv(x, f)·dy)/dx and /df through tf.conv2d, i.e. the Conv2D gradient currently registered. */
function conv2dGrads(c: Conv): [number[], number[]] {
  return tf.tidy(() => {
    const { x, f, dy } = inputs(c);
    const [dx, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad), dy)))([x, f]);
    return [Array.from(dx.dataSync()), Array.from(df.dataSync())];
  });
}

/** tfjs's own gradients: tf.fused.conv2d with a linear activation differentiates with the stock backprop kernels. */
function stockGrads(c: Conv): [number[], number[]] {
  return tf.tidy(() => {
    const { x, f, dy } = inputs(c);
    const conv = (a: tf.Tensor, b: tf.Tensor) => tf.fused.conv2d({ x: a as tf.Tensor4D, filter: b as tf.Tensor4D, strides: c.strides, pad: c.pad });
    const [dx, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(a, b), dy)))([x, f]);
    return [Array.from(dx.dataSync()), Array.from(df.dataSync())];
  });
}

const expectClose = (actual: ArrayLike<number>, expected: ArrayLike<number>) => {
  expect(actual.length).toBe(expected.length);
  const worst = Array.from(actual).reduce((m, v, i) => Math.max(m, Math.abs(v - expected[i])), 0);
  expect(worst).toBeLessThan(1e-4);
};

const attrs = (c: Conv) => ({ strides: c.strides, pad: c.pad, dataFormat: 'NHWC' as const, dilations: 1 });

let reference: [number[], number[]][];

beforeAll(async () => {
  registerNodeBackends();
  await tf.setBackend('cpu');
  reference = CONVS.map(stockGrads); // before the replacement: tfjs's own numbers
  useFastKernels('cpu');
});

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('fast kernels', () => {
  it('filter_gradient_as_a_convolution_matches_tfjs_conv2d_backprop_filter', () => {
    CONVS.forEach((c, i) => {
      const df = tf.tidy(() => {
        const { x, f, dy } = inputs(c);
        return Array.from(conv2dFilterGrad(x, dy, f.shape, attrs(c)).dataSync());
      });
      expectClose(df, reference[i][1]);
    });
  });

  it('input_gradient_as_a_convolution_matches_tfjs_for_stride_one_and_declines_other_strides', () => {
    CONVS.forEach((c, i) => {
      const { x, f, dy } = inputs(c);
      const g = conv2dInputGradByConv(x.shape, dy, f, attrs(c));
      const dx = g && Array.from(g.dataSync());
      tf.dispose(g ? [x, f, dy, g] : [x, f, dy]);
      if ([c.strides].flat().every((s) => s === 1)) expectClose(dx!, reference[i][0]);
      else expect(dx).toBeNull();
    });
  });

  it('replaced_conv2d_gradient_matches_tfjs_own_on_cpu_and_wasm', async () => {
    for (const backend of ['cpu', 'wasm']) {
      await tf.setBackend(backend);
      useFastKernels(backend); // installing twice changes nothing
      CONVS.forEach((c, i) => {
        const [dx, df] = conv2dGrads(c);
        expectClose(dx, reference[i][0]);
        expectClose(df, reference[i][1]);
      });
    }
    await tf.setBackend('cpu');
  });

  it('linear_conv2d_gradient_through_the_fused_op_matches_tfjs_own_on_cpu_and_wasm_and_frees_its_intermediates', async () => {
    // A linear Conv2D (before BatchNormalization) trains through tf.fused.conv2d, which calls the
    // Conv2DBackpropFilter kernel: wasm has none of its own, and cpu's is replaced.
    for (const backend of ['cpu', 'wasm']) {
      await tf.setBackend(backend);
      const before = tf.memory().numTensors;
      CONVS.forEach((c, i) => {
        const [dx, df] = stockGrads(c);
        expectClose(dx, reference[i][0]);
        expectClose(df, reference[i][1]);
      });
      expect(tf.memory().numTensors).toBe(before);
    }
    await tf.setBackend('cpu');
  });

  it('average_pooling_gradient_with_same_padding_matches_finite_differences_of_its_forward_pass', async () => {
    // A 3 × 3 window, stride 2, 'same' on 5 × 5: border windows hang over the padding.
    const x = random([2, 5, 5, 3], 31);
    const w = random([2, 3, 3, 3], 32);
    const loss = (v: tf.Tensor) => tf.sum(tf.mul(tf.avgPool(v as tf.Tensor4D, 3, 2, 'same'), w));
    for (const backend of ['cpu', 'wasm']) {
      await tf.setBackend(backend);
      const grad = tf.tidy(() => Array.from(tf.grad(loss)(x).dataSync()));
      const xs = x.dataSync();
      const eps = 1e-2;
      const numeric = Array.from(xs, (_, i) =>
        tf.tidy(() => {
          const at = (d: number) =>
            loss(
              tf.tensor(
                xs.map((v, j) => (j === i ? v + d : v)),
                x.shape,
              ),
            ).dataSync()[0];
          return (at(eps) - at(-eps)) / (2 * eps);
        }),
      );
      const worst = grad.reduce((m, v, i) => Math.max(m, Math.abs(v - numeric[i])), 0);
      expect(worst, backend).toBeLessThan(1e-3);
    }
    tf.dispose([x, w]);
    await tf.setBackend('cpu');
  });

  it('wasm_matmul_with_transposed_operands_matches_cpu_and_frees_its_intermediates', async () => {
    const shapes: [number[], number[], boolean, boolean][] = [
      [[5, 3], [5, 4], true, false],
      [[3, 5], [4, 5], false, true],
      [[5, 3], [4, 5], true, true],
      [[2, 5, 3], [2, 5, 4], true, false],
      [[2, 3, 5], [1, 4, 5], false, true],
    ];
    const run = () => shapes.map(([a, b, ta, tb], i) => tf.tidy(() => Array.from(tf.matMul(random(a, 10 + i), random(b, 20 + i), ta, tb).dataSync())));
    const cpu = run();
    await tf.setBackend('wasm');
    const before = tf.backend().numDataIds();
    run().forEach((r, i) => expectClose(r, cpu[i]));
    expect(tf.backend().numDataIds()).toBe(before);
    await tf.setBackend('cpu');
  });
});
