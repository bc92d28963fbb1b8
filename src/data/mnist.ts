import type { TensorData } from './dataset';

/** Pixels in one MNIST image (28 × 28, one channel). */
export const MNIST_PIXELS = 28 * 28;

/**
 * Builds MNIST TensorData from the `mnist` package's per-digit pixel arrays (digits[d] holds every
 * sample of digit d, flat, 784 values in [0, 1] each). That package stores samples sorted by digit,
 * so rows are interleaved round-robin: the first N rows are then class-balanced and `--limit` stays useful.
 */
export function mnistFromDigits(digits: ArrayLike<number>[]): TensorData {
  if (digits.length !== 10) throw new Error(`expected 10 digit arrays, got ${digits.length}`);
  const counts = digits.map((d, i) => {
    if (d.length % MNIST_PIXELS !== 0) {
      throw new Error(`digit ${i}: ${d.length} values is not a multiple of ${MNIST_PIXELS}`);
    }
    return d.length / MNIST_PIXELS;
  });
  const total = counts.reduce((a, b) => a + b, 0);
  const x = new Float32Array(total * MNIST_PIXELS);
  const y = new Int32Array(total);
  let row = 0;
  for (let s = 0; row < total; s++) {
    for (let d = 0; d < 10; d++) {
      if (s >= counts[d]) continue;
      const src = digits[d];
      const from = s * MNIST_PIXELS;
      const to = row * MNIST_PIXELS;
      for (let p = 0; p < MNIST_PIXELS; p++) x[to + p] = src[from + p];
      y[row++] = d;
    }
  }
  return {
    x,
    itemShape: [28, 28, 1],
    y,
    numClasses: 10,
    classNames: Array.from({ length: 10 }, (_, d) => String(d)),
  };
}
