import * as tf from '@tensorflow/tfjs';

/** Conv2D's attributes as the gradient registry hands them over. */
interface Conv2DAttrs {
  readonly strides: [number, number] | number;
  readonly pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  readonly dataFormat: 'NHWC' | 'NCHW';
  readonly dilations: [number, number] | number;
  readonly dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/**
 * The filter gradient as one forward convolution: with the batch and channel axes swapped, the
 * padded input convolved with dy (as a filter, dilated by the stride) gives dW directly:
 * dW[i,j,c,o] = Σ_{b,h,w} x[b, h·s+i, w·s+j, c] · dy[b, h, w, o]. Built from pad, transpose, conv2d
 * and slice, which every backend has and runs fast (measured on wasm and cpu: 2–4× faster than
 * unfolding the windows and multiplying).
 */
export function conv2dFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: [number, number, number, number], attrs: Conv2DAttrs): tf.Tensor4D {
  const info = tf.backend_util.computeConv2DInfo(x.shape, filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const { padInfo, strideHeight, strideWidth, filterHeight: kh, filterWidth: kw, inChannels, outChannels } = info;
  return tf.tidy(() => {
    const padded = tf.pad(x, [
      [0, 0],
      [padInfo.top, padInfo.bottom],
      [padInfo.left, padInfo.right],
      [0, 0],
    ]);
    const channelsAsBatch = tf.transpose(padded, [3, 1, 2, 0]) as tf.Tensor4D;
    const dyAsFilter = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D;
    const out = tf.conv2d(channelsAsBatch, dyAsFilter, 1, 'valid', 'NHWC', [strideHeight, strideWidth]);
    // Padding that a stride leaves partly unused makes the result larger than the filter.
    const taps = out.shape[1] === kh && out.shape[2] === kw ? out : tf.slice(out, [0, 0, 0, 0], [inChannels, kh, kw, outChannels]);
    return tf.transpose(taps, [1, 2, 0, 3]) as tf.Tensor4D;
  });
}

/**
 * The input gradient of a stride-1 convolution as a forward convolution of dy with the flipped,
 * channel-swapped filter; null where that does not apply (strides, or padding wider than the
 * filter), so the caller keeps the stock gradient.
 */
export function conv2dInputGradByConv(xShape: readonly number[], dy: tf.Tensor4D, filter: tf.Tensor4D, attrs: Conv2DAttrs): tf.Tensor4D | null {
  const info = tf.backend_util.computeConv2DInfo(xShape as [number, number, number, number], filter.shape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const { padInfo, strideHeight, strideWidth, outHeight, outWidth, filterHeight: kh, filterWidth: kw, inHeight, inWidth } = info;
  if (strideHeight !== 1 || strideWidth !== 1) return null;
  const top = kh - 1 - padInfo.top;
  const left = kw - 1 - padInfo.left;
  const bottom = inHeight - outHeight + kh - 1 - top;
  const right = inWidth - outWidth + kw - 1 - left;
  if (Math.min(top, left, bottom, right) < 0) return null;
  return tf.tidy(() => {
    const flipped = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
    return tf.conv2d(dy, flipped, 1, [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ]);
  });
}

/** Backends whose stock Conv2D gradient is missing (wasm: no Conv2DBackpropFilter) or very slow (cpu). */
const REPLACED_ON: Readonly<Record<string, { readonly inputByConv: boolean }>> = {
  // On cpu the stock Conv2DBackpropInput is faster than a forward conv, so only dW changes.
  cpu: { inputByConv: false },
  // On wasm the forward conv runs in XNNPACK, about 13× faster than its Conv2DBackpropInput.
  wasm: { inputByConv: true },
};

let installed = false;

/**
 * Conv2DBackpropFilter on cpu and wasm as `conv2dFilterGrad`: a linear Conv2D (one followed by
 * BatchNormalization) trains through tf.fused.conv2d, whose gradient calls this kernel directly
 * rather than the registered Conv2D gradient; wasm has none, and cpu's is very slow. Channels-first
 * convolutions keep cpu's own kernel.
 */
function registerFilterGradKernel(backendName: string): void {
  const stock = tf.getKernel('Conv2DBackpropFilter', backendName);
  if (stock) tf.unregisterKernel('Conv2DBackpropFilter', backendName);
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName,
    kernelFunc: (args) => {
      const { x, dy } = args.inputs as { x: tf.Tensor4D; dy: tf.Tensor4D };
      // The kernel has no dilations (tfjs computes no gradient of a dilated convolution).
      const a = args.attrs as unknown as Omit<Conv2DAttrs, 'dilations'> & { filterShape: [number, number, number, number] };
      if (a.dataFormat !== 'NHWC') {
        if (!stock) throw new Error(`Conv2DBackpropFilter on ${backendName}: channels-first convolutions cannot be trained here`);
        return stock.kernelFunc(args);
      }
      // A kernel may return a tensor made by ops: the engine takes it as the kernel's output.
      return conv2dFilterGrad(x, dy, a.filterShape, { ...a, dilations: 1 }) as unknown as tf.TensorInfo;
    },
  });
}

/**
 * Replaces tfjs's Conv2D gradient on the cpu and wasm backends with the convolution-based filter
 * gradient above (and, on wasm, the input gradient as a forward conv); other backends keep the
 * stock gradient. The gradient registry is global, so this applies to every tfjs training loop in
 * the process, not only the learner's. Idempotent. Covers Conv2D, which tfjs-layers uses when
 * training a conv with a non-linear activation; a linear one trains through tf.fused.conv2d, whose
 * gradient calls the Conv2DBackpropFilter kernel, replaced on cpu and wasm too.
 */
export function useFastConvGradient(): void {
  if (installed) return;
  const stock = tf.getGradient('Conv2D');
  if (!stock) throw new Error("tfjs has no gradient registered for 'Conv2D'");
  for (const backend of Object.keys(REPLACED_ON)) registerFilterGradKernel(backend);
  tf.registerGradient({
    kernelName: 'Conv2D',
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy, saved, attrs) => {
      const a = attrs as unknown as Conv2DAttrs;
      const replaced = REPLACED_ON[tf.getBackend()];
      const dilated = [a.dilations].flat().some((d) => d !== 1);
      if (!replaced || dilated || a.dataFormat !== 'NHWC') return stock.gradFunc(dy, saved, attrs);
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      const dy4 = dy as tf.Tensor4D;
      return {
        x: () => (replaced.inputByConv && conv2dInputGradByConv(x.shape, dy4, filter, a)) || stock.gradFunc(dy, saved, attrs).x(),
        filter: () => conv2dFilterGrad(x, dy4, filter.shape, a),
      };
    },
  });
  installed = true;
}
