import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { TensorData } from './dataset';
import { mnistFromDigits } from './mnist.ts';

/** The installed `mnist` package's pixel arrays, one per digit (Node only). */
export function readMnistDigits(): number[][] {
  // Resolve package.json rather than the main entry: the digits sit beside it, not beside mnist.js.
  const root = dirname(createRequire(import.meta.url).resolve('mnist/package.json'));
  return Array.from({ length: 10 }, (_, d) => {
    const file = join(root, 'src', 'digits', `${d}.json`);
    return (JSON.parse(readFileSync(file, 'utf8')) as { data: number[] }).data;
  });
}

/** Loads the 10,000 MNIST digits shipped in the installed `mnist` package (Node only). */
export function loadMnist(): TensorData {
  return mnistFromDigits(readMnistDigits());
}
