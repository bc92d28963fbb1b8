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

/** Digits in the built-in MNIST. */
export const MNIST_DIGITS = 10_000;

/**
 * The byte a pixel value of the `mnist` package is stored as. The package holds k/255 rounded to
 * three decimals (256 distinct values), so a byte keeps it exactly.
 */
const byteOf = (value: number) => Math.round(value * 255);

/** The package's pixel value of each byte: what {@link byteOf} stored, bit for bit. */
const VALUE_OF_BYTE = Float32Array.from({ length: 256 }, (_, k) => Math.round((k * 1000) / 255) / 1000);

/**
 * The digits as the studio ships them (docs/FORMATS.md, "Built-in MNIST"): the labels, one byte a
 * digit, then the pixels, 784 bytes a digit, in {@link mnistFromDigits}'s interleaved order.
 */
export function packMnist(digits: ArrayLike<number>[]): Uint8Array {
  const { x, y } = mnistFromDigits(digits);
  const bytes = new Uint8Array(y.length * (1 + MNIST_PIXELS));
  bytes.set(y);
  for (let i = 0; i < x.length; i++) bytes[y.length + i] = byteOf(x[i]);
  return bytes;
}

/** Reads {@link packMnist}'s bytes back into the TensorData that `mnistFromDigits` builds. */
export function unpackMnist(bytes: Uint8Array): TensorData {
  if (bytes.length % (1 + MNIST_PIXELS) !== 0) throw new Error(`MNIST: ${bytes.length} bytes is not a whole number of digits`);
  const n = bytes.length / (1 + MNIST_PIXELS);
  const y = Int32Array.from(bytes.subarray(0, n));
  if (y.some((d) => d > 9)) throw new Error('MNIST: a label is not a digit');
  const pixels = bytes.subarray(n);
  const x = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) x[i] = VALUE_OF_BYTE[pixels[i]];
  return { x, itemShape: [28, 28, 1], y, numClasses: 10, classNames: Array.from({ length: 10 }, (_, d) => String(d)) };
}
