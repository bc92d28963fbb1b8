import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { TensorData } from './dataset';
import { mnistFromDigits, packMnist, unpackMnist } from './mnist.ts';

/** The installed `mnist` package's pixel arrays, one per digit (Node only). */
export function readMnistDigits(): number[][] {
  const { root } = mnistPackage();
  return Array.from({ length: 10 }, (_, d) => {
    const file = join(root, 'src', 'digits', `${d}.json`);
    return (JSON.parse(readFileSync(file, 'utf8')) as { data: number[] }).data;
  });
}

/**
 * Loads the 10,000 MNIST digits shipped in the installed `mnist` package (Node only). With a
 * `cacheDir`, from a packed copy there (7.8 MB of bytes, docs/FORMATS.md "Built-in MNIST", read in
 * milliseconds where the package's 21 MB of JSON take about 0.35 s), made on first use. The copy
 * is only a cache: a missing or damaged one is made again, and one that cannot be written is skipped.
 */
export function loadMnist(cacheDir?: string): TensorData {
  if (!cacheDir) return mnistFromDigits(readMnistDigits());
  const file = join(cacheDir, `mnist-${mnistPackage().version}.bin`);
  try {
    return unpackMnist(readFileSync(file));
  } catch {
    const packed = packMnist(readMnistDigits());
    try {
      mkdirSync(cacheDir, { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, packed);
      renameSync(tmp, file);
    } catch {
      // A read-only cache folder: the next run reads the JSON again.
    }
    return unpackMnist(packed);
  }
}

/** The installed `mnist` package's folder and version. */
function mnistPackage(): { root: string; version: string } {
  // Resolve package.json rather than the main entry: the digits sit beside it, not beside mnist.js.
  const path = createRequire(import.meta.url).resolve('mnist/package.json');
  return { root: dirname(path), version: String((JSON.parse(readFileSync(path, 'utf8')) as { version?: unknown }).version) };
}
