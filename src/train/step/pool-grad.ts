import * as tf from '@tensorflow/tfjs';

/** AvgPool's attributes as the gradient registry hands them over. */
interface AvgPoolAttrs {
  readonly filterSize: [number, number] | number;
  readonly strides: [number, number] | number;
  readonly pad: 'valid' | 'same' | number;
  readonly dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** How many input values each output's window covers (padding left out), as [1, outH, outW, 1]. */
function windowCounts(xShape: readonly number[], kh: number, kw: number, a: AvgPoolAttrs): tf.Tensor4D {
  return tf.conv2d(
    tf.ones([1, xShape[1], xShape[2], 1]) as tf.Tensor4D,
    tf.ones([kh, kw, 1, 1]) as tf.Tensor4D,
    a.strides,
    a.pad,
    'NHWC',
    1,
    a.dimRoundingMode,
  );
}

let installed = false;

/**
 * Makes AvgPool's gradient match its forward pass. tfjs averages each window over the values inside
 * the input (padding left out), but its gradient divides by the full window size, so with 'same'
 * padding the border gradients are too small (by 4/9 in a 3 × 3 window's corner; checked against
 * finite differences). Scaling dy by window size / count before the stock gradient fixes that on
 * every backend; 'valid' windows, where both agree, keep the stock gradient. Global and idempotent.
 */
export function useExactAvgPoolGradient(): void {
  if (installed) return;
  const stock = tf.getGradient('AvgPool');
  if (!stock) throw new Error("tfjs has no gradient registered for 'AvgPool'");
  tf.registerGradient({
    kernelName: 'AvgPool',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const a = attrs as unknown as AvgPoolAttrs;
      if (a.pad === 'valid') return stock.gradFunc(dy, saved, attrs);
      const [kh, kw] = typeof a.filterSize === 'number' ? [a.filterSize, a.filterSize] : a.filterSize;
      return {
        x: () => {
          const scaled = tf.tidy(() => tf.div(tf.mul(dy as tf.Tensor, kh * kw), windowCounts(saved[0].shape, kh, kw, a)));
          const dx = stock.gradFunc(scaled, saved, attrs).x();
          scaled.dispose();
          return dx;
        },
      };
    },
  });
  installed = true;
}
