import type { TensorData } from '../src/data/dataset';
import { MNIST_PIXELS } from '../src/data/mnist';
import { Rng } from '../src/util/rng';

/**
 * MNIST-shaped data made from a seed: 28×28×1 images in [0, 1] and 10 classes, each image its
 * class's fixed random pattern plus noise. Learnable (the loss falls), identical in Node and the
 * browser, and needs no download.
 */
export function mnistShaped(n: number, seed: number): TensorData {
  const rng = new Rng(seed);
  const prototypes = Array.from({ length: 10 }, () => Float32Array.from({ length: MNIST_PIXELS }, () => (rng.next() < 0.2 ? 1 : 0)));
  const x = new Float32Array(n * MNIST_PIXELS);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const label = rng.int(10);
    y[i] = label;
    const p = prototypes[label];
    for (let j = 0; j < MNIST_PIXELS; j++) x[i * MNIST_PIXELS + j] = Math.min(1, Math.max(0, 0.7 * p[j] + 0.3 * rng.next()));
  }
  return { x, itemShape: [28, 28, 1], y, numClasses: 10 };
}

/**
 * CIFAR-10-shaped data made from a seed: 32×32×3 images in [0, 1] and 10 classes, each image its
 * class's fixed random colour pattern plus noise (no CIFAR-10 ships in a package the bench can use).
 */
export function cifarShaped(n: number, seed: number): TensorData {
  const rng = new Rng(seed);
  const size = 32 * 32 * 3;
  const prototypes = Array.from({ length: 10 }, () => Float32Array.from({ length: size }, () => rng.next()));
  const x = new Float32Array(n * size);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const label = rng.int(10);
    y[i] = label;
    const p = prototypes[label];
    for (let j = 0; j < size; j++) x[i * size + j] = 0.6 * p[j] + 0.4 * rng.next();
  }
  return { x, itemShape: [32, 32, 3], y, numClasses: 10 };
}
